//! Amounts and currencies on the wire: strings of exact decimals, never floats.

use serde_json::json;

use crate::helpers::world;

#[tokio::test]
async fn amounts_are_exact_strings_in_the_currencys_digits() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let accounts = format!("/families/{family}/accounts");
    for (currency, opening, answered) in [
        ("EUR", "12,5", "12.50"),
        ("EUR", "007.10", "7.10"),
        ("EUR", "-120", "-120.00"),
        ("JPY", "1250", "1250"),
        ("BHD", "1.25", "1.250"),
        ("CLF", "0.0001", "0.0001"),
        ("EUR", "0", "0.00"),
        ("EUR", "10000000000000.00", "10000000000000.00"),
    ] {
        let answer = world
            .post(&ann, &accounts, json!({"name": "A", "kind": "cash", "currency": currency, "opening_balance": opening}))
            .await;
        assert_eq!(answer.status, 201, "{opening} {currency}: {}", answer.body);
        assert_eq!(
            answer.body["opening_balance"], answered,
            "{opening} {currency}"
        );
        assert_eq!(answer.body["balance"], answered);
    }
    for (currency, bad) in [
        ("EUR", json!(12.5)),
        ("EUR", json!(12)),
        ("EUR", json!(".5")),
        ("EUR", json!("12.")),
        ("EUR", json!("+5")),
        ("EUR", json!(" 5")),
        ("EUR", json!("1e3")),
        ("EUR", json!("١٢")),
        ("EUR", json!("NaN")),
        ("EUR", json!("12.500")),
        ("JPY", json!("1250.0")),
        ("EUR", json!("1 000")),
        ("EUR", json!("10000000000000.01")),
    ] {
        let answer = world
            .post(
                &ann,
                &accounts,
                json!({"name": "A", "kind": "cash", "currency": currency, "opening_balance": bad}),
            )
            .await;
        answer.assert_field("opening_balance", "invalid_amount");
    }
    let count = world.get(&ann, &accounts).await.body["items"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(count, 8, "refused requests wrote nothing");
}

#[tokio::test]
async fn transaction_amounts_are_positive_and_bounded() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let account = world.account(&ann, &family, "EUR", "0").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    for bad in ["0", "-5", "0.00", "10000000000000.01", "abc", ""] {
        world
            .expense(&ann, &family, &account, &food, bad)
            .await
            .assert_field("amount", "invalid_amount");
    }
    let max = world
        .expense(&ann, &family, &account, &food, "10000000000000.00")
        .await;
    assert_eq!(max.status, 201, "{}", max.body);
    // Sums go past one amount's bound without losing a unit.
    let again = world
        .expense(&ann, &family, &account, &food, "10000000000000.00")
        .await;
    assert_eq!(again.status, 201);
    assert_eq!(
        world.balance(&ann, &family, &account).await,
        "-20000000000000.00"
    );
    let number = world
        .post(
            &ann,
            &format!("/families/{family}/transactions"),
            json!({"kind": "expense", "account_id": account, "category_id": food, "amount": 10}),
        )
        .await;
    number.assert_field("amount", "invalid_amount");
    let mismatch = world
        .post(
            &ann,
            &format!("/families/{family}/transactions"),
            json!({"kind": "expense", "account_id": account, "category_id": food, "amount": "1", "currency": "USD"}),
        )
        .await;
    mismatch.assert_field("currency", "currency_mismatch");
    let bad_currency = world
        .post(
            &ann,
            &format!("/families/{family}/transactions"),
            json!({"kind": "expense", "account_id": account, "category_id": food, "amount": "1", "currency": "usd"}),
        )
        .await;
    bad_currency.assert_field("currency", "invalid_currency");
}

/// The database keeps the rules on single values itself (its domains), so a
/// writer that skipped the service's checks still cannot store a value they
/// forbid; any other change of the same rows still goes through.
#[tokio::test]
async fn the_database_refuses_values_its_rules_forbid() {
    use diesel::result::{DatabaseErrorKind, Error as DieselError};
    use diesel_async::RunQueryDsl;
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let account = world.account(&ann, &family, "EUR", "0").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    world.expense(&ann, &family, &account, &food, "5.00").await;
    world.budget(&ann, &family, &food, "100.00", false).await;
    let mut conn = world.auth.db.connect().await;
    for refused in [
        format!("UPDATE families SET name = '' WHERE id = '{family}'"),
        format!("UPDATE families SET base_currency = 'eur' WHERE id = '{family}'"),
        format!("UPDATE accounts SET name = repeat('n', 101) WHERE id = '{account}'"),
        format!("UPDATE accounts SET kind = 'gift' WHERE id = '{account}'"),
        format!("UPDATE accounts SET currency = 'EURO' WHERE id = '{account}'"),
        format!("UPDATE accounts SET opening_balance = 1000000000000001 WHERE id = '{account}'"),
        format!("UPDATE categories SET kind = 'transfer' WHERE id = '{food}'"),
        format!("UPDATE transactions SET amount = 0 WHERE account_id = '{account}'"),
        format!("UPDATE transactions SET kind = 'gift' WHERE account_id = '{account}'"),
        format!("UPDATE transactions SET note = repeat('x', 1001) WHERE account_id = '{account}'"),
        format!("UPDATE budgets SET amount = 1000000000000001 WHERE category_id = '{food}'"),
    ] {
        let result = diesel::sql_query(&refused).execute(&mut conn).await;
        assert!(
            matches!(
                result,
                Err(DieselError::DatabaseError(
                    DatabaseErrorKind::CheckViolation,
                    _
                ))
            ),
            "{refused}: {result:?}"
        );
    }
    for allowed in [
        format!(
            "UPDATE accounts SET balance = balance + 1, name = repeat('n', 100) WHERE id = '{account}'"
        ),
        format!(
            "UPDATE transactions SET note = repeat('x', 1000), amount = 1000000000000000 WHERE account_id = '{account}'"
        ),
    ] {
        let changed = diesel::sql_query(&allowed).execute(&mut conn).await;
        assert_eq!(changed.ok(), Some(1), "{allowed}");
    }
}
