-- An outbox of merged accounts for the other services: when telegram/confirm
-- merges a Telegram-only user into another user, a row is written here in the
-- merge's transaction, and the finance service moves the merged user's
-- memberships and records once (its applied_merges table). Rows are kept:
-- one per merge, a few bytes each.
CREATE TABLE user_merges (
    id         BIGSERIAL   PRIMARY KEY,
    from_user  UUID        NOT NULL,
    into_user  UUID        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
