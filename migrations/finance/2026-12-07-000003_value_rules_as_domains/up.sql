-- The rules on single values (a name's length, a currency code, an amount's
-- range, a kind) become domains instead of tables' CHECK constraints.
--
-- Why: PostgreSQL reads a table's CHECK constraints back from their stored
-- text and plans them again in every INSERT and UPDATE of the table, whatever
-- columns the statement sets. On the write path of an expense (its row, its
-- account's balance: nine such constraints) that was a fifth of PostgreSQL's
-- instructions. A domain's rules are kept parsed and planned in PostgreSQL's
-- type cache, and are checked only where a value of the domain is written:
-- the same rules, and an UPDATE of a balance checks none of them.
--
-- Rules over several columns (transactions_shape) stay table constraints.
-- Changing a column to a domain with a rule rewrites its table once.

CREATE DOMAIN short_name AS TEXT CHECK (char_length(VALUE) BETWEEN 1 AND 100);
CREATE DOMAIN currency_code AS TEXT CHECK (VALUE ~ '^[A-Z]{3}$');
-- An amount in minor units: positive, at most 10^15.
CREATE DOMAIN minor_amount AS BIGINT CHECK (VALUE BETWEEN 1 AND 1000000000000000);
-- An amount in minor units that may be negative or zero (an opening balance).
CREATE DOMAIN signed_amount AS BIGINT
    CHECK (VALUE BETWEEN -1000000000000000 AND 1000000000000000);
CREATE DOMAIN note_text AS TEXT CHECK (char_length(VALUE) <= 1000);
CREATE DOMAIN account_kind AS TEXT CHECK (VALUE IN ('cash', 'bank', 'card', 'savings'));
CREATE DOMAIN category_kind AS TEXT CHECK (VALUE IN ('expense', 'income'));
CREATE DOMAIN transaction_kind AS TEXT CHECK (VALUE IN ('expense', 'income', 'transfer'));

ALTER TABLE families
    DROP CONSTRAINT families_name_check,
    DROP CONSTRAINT families_base_currency_check,
    ALTER COLUMN name TYPE short_name,
    ALTER COLUMN base_currency TYPE currency_code;

ALTER TABLE accounts
    DROP CONSTRAINT accounts_name_check,
    DROP CONSTRAINT accounts_kind_check,
    DROP CONSTRAINT accounts_currency_check,
    DROP CONSTRAINT accounts_opening_balance_check,
    ALTER COLUMN name TYPE short_name,
    ALTER COLUMN kind TYPE account_kind,
    ALTER COLUMN currency TYPE currency_code,
    ALTER COLUMN opening_balance TYPE signed_amount;

ALTER TABLE categories
    DROP CONSTRAINT categories_name_check,
    DROP CONSTRAINT categories_kind_check,
    ALTER COLUMN name TYPE short_name,
    ALTER COLUMN kind TYPE category_kind;

ALTER TABLE transactions
    DROP CONSTRAINT transactions_kind_check,
    DROP CONSTRAINT transactions_amount_check,
    DROP CONSTRAINT transactions_to_amount_check,
    DROP CONSTRAINT transactions_note_check,
    ALTER COLUMN kind TYPE transaction_kind,
    ALTER COLUMN amount TYPE minor_amount,
    ALTER COLUMN to_amount TYPE minor_amount,
    ALTER COLUMN note TYPE note_text;

ALTER TABLE budgets
    DROP CONSTRAINT budgets_amount_check,
    ALTER COLUMN amount TYPE minor_amount;

ALTER TABLE goals
    DROP CONSTRAINT goals_name_check,
    DROP CONSTRAINT goals_target_check,
    ALTER COLUMN name TYPE short_name,
    ALTER COLUMN target TYPE minor_amount;

ALTER TABLE goal_contributions
    DROP CONSTRAINT goal_contributions_note_check,
    ALTER COLUMN note TYPE note_text;
