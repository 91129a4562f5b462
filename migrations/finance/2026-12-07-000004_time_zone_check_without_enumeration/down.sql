DROP FUNCTION time_zone_is_known;
