DROP TABLE users;
DROP FUNCTION users_touch_updated_at();
