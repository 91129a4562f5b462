-- One-time tokens sent by email (verify an address, reset a password).
-- Only their SHA-256 is stored: a leaked dump holds no usable token.
-- One live token per user and purpose: a newer one replaces the older.
CREATE TABLE account_tokens (
    token_hash BYTEA       PRIMARY KEY,
    user_id    UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT        NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    -- The address the token was sent to: it verifies that address only.
    email      TEXT        NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT account_tokens_one_per_purpose UNIQUE (user_id, purpose)
);
