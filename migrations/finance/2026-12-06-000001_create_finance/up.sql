-- The family's money. Amounts are integer minor units (BIGINT); running sums
-- that may outgrow one amount (balances, daily totals) are NUMERIC, exact.
-- Every table but finance_users hangs off a family and goes with it.

-- Users as the finance service knows them: created by a user's first request,
-- together with their personal family (exactly once: the primary key).
CREATE TABLE finance_users (
    user_id            UUID        PRIMARY KEY,
    personal_family_id UUID        NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE families (
    id              UUID        PRIMARY KEY,
    name            TEXT        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    base_currency   TEXT        NOT NULL CHECK (base_currency ~ '^[A-Z]{3}$'),
    time_zone       TEXT        NOT NULL,
    month_start_day SMALLINT    NOT NULL DEFAULT 1 CHECK (month_start_day BETWEEN 1 AND 28),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE members (
    family_id    UUID        NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    user_id      UUID        NOT NULL,
    role         TEXT        NOT NULL CHECK (role IN ('owner', 'member', 'viewer')),
    -- The auth service's display name when the member joined (or was last seen).
    display_name TEXT,
    joined_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (family_id, user_id)
);
CREATE INDEX members_user_id ON members (user_id);

-- Invite codes are stored as their SHA-256 only.
CREATE TABLE invites (
    code_hash  BYTEA       PRIMARY KEY,
    family_id  UUID        NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    role       TEXT        NOT NULL CHECK (role IN ('owner', 'member', 'viewer')),
    created_by UUID        NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_by    UUID,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX invites_family_id ON invites (family_id);

CREATE TABLE accounts (
    id              UUID        PRIMARY KEY,
    family_id       UUID        NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    name            TEXT        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    kind            TEXT        NOT NULL CHECK (kind IN ('cash', 'bank', 'card', 'savings')),
    currency        TEXT        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    opening_balance BIGINT      NOT NULL DEFAULT 0
        CHECK (opening_balance BETWEEN -1000000000000000 AND 1000000000000000),
    -- opening_balance + every transaction's effect, kept in the same
    -- transaction as each write (the row lock serialises concurrent writers).
    balance         NUMERIC(40, 0) NOT NULL DEFAULT 0,
    -- How many transactions use the account (either side): DELETE and a
    -- currency change need it to be 0.
    tx_count        BIGINT      NOT NULL DEFAULT 0,
    archived        BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX accounts_family_id ON accounts (family_id, created_at, id);

CREATE TABLE categories (
    id         UUID        PRIMARY KEY,
    family_id  UUID        NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    name       TEXT        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    kind       TEXT        NOT NULL CHECK (kind IN ('expense', 'income')),
    parent_id  UUID        REFERENCES categories (id),
    archived   BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX categories_name_key ON categories (family_id, kind, lower(name));
CREATE INDEX categories_parent_id ON categories (parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE transactions (
    id            UUID        PRIMARY KEY,
    family_id     UUID        NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    kind          TEXT        NOT NULL CHECK (kind IN ('expense', 'income', 'transfer')),
    account_id    UUID        NOT NULL REFERENCES accounts (id),
    to_account_id UUID        REFERENCES accounts (id),
    amount        BIGINT      NOT NULL CHECK (amount BETWEEN 1 AND 1000000000000000),
    currency      TEXT        NOT NULL,
    -- Set only for a transfer between currencies.
    to_amount     BIGINT      CHECK (to_amount BETWEEN 1 AND 1000000000000000),
    category_id   UUID        REFERENCES categories (id),
    occurred_at   TIMESTAMPTZ NOT NULL,
    -- occurred_at's date in the family's time zone: days, budget months and
    -- reports are the family's local ones.
    local_date    DATE        NOT NULL,
    note          TEXT        CHECK (char_length(note) <= 1000),
    created_by    UUID        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT transactions_shape CHECK (
        (kind = 'transfer' AND to_account_id IS NOT NULL AND category_id IS NULL)
        OR (kind <> 'transfer' AND to_account_id IS NULL AND to_amount IS NULL AND category_id IS NOT NULL))
);
-- The list: newest first, ties by id; keyset pagination walks this index.
CREATE INDEX transactions_family_order ON transactions (family_id, occurred_at DESC, id DESC);
CREATE INDEX transactions_account_order ON transactions (account_id, occurred_at DESC, id DESC);
CREATE INDEX transactions_to_account_order ON transactions (to_account_id, occurred_at DESC, id DESC)
    WHERE to_account_id IS NOT NULL;
CREATE INDEX transactions_category_order ON transactions (category_id, occurred_at DESC, id DESC)
    WHERE category_id IS NOT NULL;
-- The CSV and date-bounded reads: oldest first within the family's local days.
CREATE INDEX transactions_family_local_date ON transactions (family_id, local_date, occurred_at, id);

-- Running totals of incomes and expenses per family, local day, category and
-- currency, written in the same transaction as each transaction: budgets and
-- reports sum at most a few hundred of these rows, never the transactions.
CREATE TABLE daily_totals (
    family_id   UUID           NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    local_date  DATE           NOT NULL,
    category_id UUID           NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    currency    TEXT           NOT NULL,
    total       NUMERIC(40, 0) NOT NULL,
    PRIMARY KEY (family_id, local_date, category_id, currency)
);
CREATE INDEX daily_totals_category ON daily_totals (category_id, currency, local_date);

CREATE TABLE budgets (
    id          UUID        PRIMARY KEY,
    family_id   UUID        NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    category_id UUID        NOT NULL REFERENCES categories (id),
    amount      BIGINT      NOT NULL CHECK (amount BETWEEN 1 AND 1000000000000000),
    currency    TEXT        NOT NULL,
    rollover    BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT budgets_category_currency_key UNIQUE (category_id, currency)
);
CREATE INDEX budgets_family_id ON budgets (family_id, created_at, id);

CREATE TABLE goals (
    id         UUID           PRIMARY KEY,
    family_id  UUID           NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    name       TEXT           NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    target     BIGINT         NOT NULL CHECK (target BETWEEN 1 AND 1000000000000000),
    currency   TEXT           NOT NULL,
    deadline   DATE,
    saved      NUMERIC(40, 0) NOT NULL DEFAULT 0 CHECK (saved >= 0),
    created_at TIMESTAMPTZ    NOT NULL DEFAULT now()
);
CREATE INDEX goals_family_id ON goals (family_id, created_at, id);

CREATE TABLE goal_contributions (
    id         UUID        PRIMARY KEY,
    goal_id    UUID        NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
    amount     BIGINT      NOT NULL CHECK (amount <> 0 AND abs(amount) <= 1000000000000000),
    note       TEXT        CHECK (char_length(note) <= 1000),
    created_by UUID        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX goal_contributions_goal_id ON goal_contributions (goal_id, created_at);

-- Idempotency keys (Stripe's design): the first answer to a key, kept with
-- the request's fingerprint, written in the same transaction as the write.
CREATE TABLE idempotency_keys (
    user_id     UUID        NOT NULL,
    family_id   UUID        NOT NULL,
    key         TEXT        NOT NULL,
    endpoint    TEXT        NOT NULL,
    fingerprint BYTEA       NOT NULL,
    status      SMALLINT    NOT NULL,
    body        BYTEA       NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, family_id, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- Merges of Telegram-only users (announced by the auth service in its
-- user_merges outbox) that this service has applied: each exactly once.
CREATE TABLE applied_merges (
    merge_id   BIGINT      PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
