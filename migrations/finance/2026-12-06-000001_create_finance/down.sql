DROP TABLE applied_merges, idempotency_keys, goal_contributions, goals, budgets,
    daily_totals, transactions, categories, accounts, invites, members, families,
    finance_users;
