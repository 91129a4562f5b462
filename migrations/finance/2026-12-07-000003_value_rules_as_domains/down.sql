-- The rules back as the tables' CHECK constraints of 2026-12-06-000001.
ALTER TABLE goal_contributions
    ALTER COLUMN note TYPE TEXT,
    ADD CONSTRAINT goal_contributions_note_check CHECK (char_length(note) <= 1000);

ALTER TABLE goals
    ALTER COLUMN name TYPE TEXT,
    ALTER COLUMN target TYPE BIGINT,
    ADD CONSTRAINT goals_name_check CHECK (char_length(name) BETWEEN 1 AND 100),
    ADD CONSTRAINT goals_target_check CHECK (target BETWEEN 1 AND 1000000000000000);

ALTER TABLE budgets
    ALTER COLUMN amount TYPE BIGINT,
    ADD CONSTRAINT budgets_amount_check CHECK (amount BETWEEN 1 AND 1000000000000000);

ALTER TABLE transactions
    ALTER COLUMN kind TYPE TEXT,
    ALTER COLUMN amount TYPE BIGINT,
    ALTER COLUMN to_amount TYPE BIGINT,
    ALTER COLUMN note TYPE TEXT,
    ADD CONSTRAINT transactions_kind_check CHECK (kind IN ('expense', 'income', 'transfer')),
    ADD CONSTRAINT transactions_amount_check CHECK (amount BETWEEN 1 AND 1000000000000000),
    ADD CONSTRAINT transactions_to_amount_check
        CHECK (to_amount BETWEEN 1 AND 1000000000000000),
    ADD CONSTRAINT transactions_note_check CHECK (char_length(note) <= 1000);

ALTER TABLE categories
    ALTER COLUMN name TYPE TEXT,
    ALTER COLUMN kind TYPE TEXT,
    ADD CONSTRAINT categories_name_check CHECK (char_length(name) BETWEEN 1 AND 100),
    ADD CONSTRAINT categories_kind_check CHECK (kind IN ('expense', 'income'));

ALTER TABLE accounts
    ALTER COLUMN name TYPE TEXT,
    ALTER COLUMN kind TYPE TEXT,
    ALTER COLUMN currency TYPE TEXT,
    ALTER COLUMN opening_balance TYPE BIGINT,
    ADD CONSTRAINT accounts_name_check CHECK (char_length(name) BETWEEN 1 AND 100),
    ADD CONSTRAINT accounts_kind_check CHECK (kind IN ('cash', 'bank', 'card', 'savings')),
    ADD CONSTRAINT accounts_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    ADD CONSTRAINT accounts_opening_balance_check
        CHECK (opening_balance BETWEEN -1000000000000000 AND 1000000000000000);

ALTER TABLE families
    ALTER COLUMN name TYPE TEXT,
    ALTER COLUMN base_currency TYPE TEXT,
    ADD CONSTRAINT families_name_check CHECK (char_length(name) BETWEEN 1 AND 100),
    ADD CONSTRAINT families_base_currency_check CHECK (base_currency ~ '^[A-Z]{3}$');

DROP DOMAIN transaction_kind, category_kind, account_kind, note_text, signed_amount,
    minor_amount, currency_code, short_name;
