-- record_transaction reads the budget month before only for a budget that
-- rolls over, the one kind whose status carries from it (before_spent is 0
-- for the others): half the days of daily totals read for every other
-- expense under a budget.
CREATE OR REPLACE FUNCTION record_transaction(
    p_id          UUID,
    p_family      UUID,
    p_kind        TEXT,
    p_account     UUID,
    p_to_account  UUID,
    p_amount      BIGINT,
    p_currency    TEXT,
    p_to_amount   BIGINT,
    p_category    UUID,
    p_occurred_at TIMESTAMPTZ,
    p_time_zone   TEXT,
    p_note        TEXT,
    p_created_by  UUID,
    -- The balances' moves: accounts (already locked by the caller, in id
    -- order), their deltas and their transaction counts' moves.
    p_accounts    UUID[],
    p_deltas      NUMERIC[],
    p_counts      BIGINT[],
    -- What the category's day moves by; NULL for none.
    p_total       NUMERIC,
    -- The budget month (and the first day of the month before it) to read;
    -- NULL for none.
    p_month_from  DATE,
    p_month_to    DATE,
    p_before_from DATE,
    OUT recorded_on     DATE,
    OUT recorded_at     TIMESTAMPTZ,
    OUT month_read      BOOLEAN,
    OUT budget          UUID,
    OUT budget_amount   BIGINT,
    OUT budget_rollover BOOLEAN,
    OUT month_spent     TEXT,
    OUT before_spent    TEXT)
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO transactions (id, family_id, kind, account_id, to_account_id, amount, currency,
        to_amount, category_id, occurred_at, local_date, note, created_by)
    VALUES (p_id, p_family, p_kind, p_account, p_to_account, p_amount, p_currency, p_to_amount,
        p_category, p_occurred_at, (p_occurred_at AT TIME ZONE p_time_zone)::date, p_note,
        p_created_by)
    RETURNING transactions.local_date, transactions.created_at INTO recorded_on, recorded_at;

    -- One row at a time: an UPDATE by id keeps one plan, where a join with
    -- the arrays is planned again at each call.
    FOR i IN 1 .. coalesce(array_length(p_accounts, 1), 0) LOOP
        UPDATE accounts SET balance = balance + p_deltas[i], tx_count = tx_count + p_counts[i]
        WHERE id = p_accounts[i];
    END LOOP;

    IF p_total IS NOT NULL THEN
        INSERT INTO daily_totals (family_id, local_date, category_id, currency, total)
        VALUES (p_family, recorded_on, p_category, p_currency, p_total)
        ON CONFLICT (family_id, local_date, category_id, currency)
        DO UPDATE SET total = daily_totals.total + EXCLUDED.total;
    END IF;

    month_read := p_month_from IS NOT NULL AND recorded_on BETWEEN p_month_from AND p_month_to;
    IF month_read THEN
        -- Concurrent expenses of one budget read its month one after the
        -- other (each statement here sees what committed before it ran), so
        -- each threshold is crossed by exactly one of them.
        SELECT b.id, b.amount, b.rollover INTO budget, budget_amount, budget_rollover
        FROM budgets b WHERE b.category_id = p_category AND b.currency = p_currency
        FOR UPDATE;
        IF FOUND THEN
            SELECT coalesce(sum(d.total) FILTER (WHERE d.local_date >= p_month_from), 0)::text,
                   coalesce(sum(d.total) FILTER (WHERE d.local_date < p_month_from), 0)::text
            INTO month_spent, before_spent
            FROM daily_totals d
            WHERE d.category_id = p_category AND d.currency = p_currency
              AND d.local_date BETWEEN
                  CASE WHEN budget_rollover THEN p_before_from ELSE p_month_from END
                  AND p_month_to;
        END IF;
    END IF;
END
$$;
