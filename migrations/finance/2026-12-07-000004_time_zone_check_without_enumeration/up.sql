-- Whether PostgreSQL can work out local times in the zone p_name, as every
-- local day here is worked out (AT TIME ZONE). It tries that on the one
-- zone: pg_timezone_names, the earlier check, reads every zone file of the
-- time zone database on each call (about fifty milliseconds of CPU for one
-- family created or moved to another zone).
CREATE FUNCTION time_zone_is_known(p_name TEXT) RETURNS BOOLEAN
LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM now() AT TIME ZONE p_name;
    RETURN TRUE;
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN FALSE;
END
$$;
