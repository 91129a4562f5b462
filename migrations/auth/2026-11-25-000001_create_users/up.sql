-- Accounts: an email identity, a Telegram identity, or both.
CREATE TABLE users (
    id                UUID        PRIMARY KEY,
    email             TEXT,
    password_hash     TEXT,
    email_verified    BOOLEAN     NOT NULL DEFAULT FALSE,
    telegram_id       BIGINT,
    telegram_username TEXT,
    display_name      TEXT,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT users_has_identity CHECK (email IS NOT NULL OR telegram_id IS NOT NULL),
    CONSTRAINT users_password_needs_email CHECK (password_hash IS NULL OR email IS NOT NULL),
    CONSTRAINT users_telegram_id_key UNIQUE (telegram_id)
);

-- Emails are unique whatever their case; lookups go through lower(email) too.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

CREATE FUNCTION users_touch_updated_at() RETURNS trigger AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER users_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION users_touch_updated_at();
