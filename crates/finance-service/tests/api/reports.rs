use serde_json::json;

use crate::helpers::{User, World, world, world_with};

#[tokio::test]
async fn the_summary_sums_per_currency_and_category() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let (eur, usd) = (
        world.account(&ann, &family, "EUR", "0").await,
        world.account(&ann, &family, "USD", "0").await,
    );
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let salary = world.category(&ann, &family, "income", "Salary").await;
    world
        .post(
            &ann,
            &format!("/families/{family}/budgets"),
            json!({"category_id": food, "limit": "200"}),
        )
        .await;
    let path = format!("/families/{family}/transactions");
    for (kind, account, category, amount, at) in [
        ("expense", &eur, &food, "10.10", "2026-04-01T10:00:00Z"),
        ("expense", &eur, &food, "0.90", "2026-04-30T10:00:00Z"),
        ("income", &eur, &salary, "5", "2026-04-15T10:00:00Z"),
        ("expense", &usd, &food, "7", "2026-04-15T10:00:00Z"),
        ("expense", &eur, &food, "1000", "2026-05-01T10:00:00Z"),
    ] {
        let answer = world
            .post(&ann, &path, json!({"kind": kind, "account_id": account, "category_id": category, "amount": amount, "occurred_at": at}))
            .await;
        assert_eq!(answer.status, 201, "{}", answer.body);
    }
    world
        .post(&ann, &path, json!({"kind": "transfer", "account_id": eur, "to_account_id": usd, "amount": "3", "to_amount": "3.3", "occurred_at": "2026-04-10T10:00:00Z"}))
        .await;
    let summary = world
        .get(
            &ann,
            &format!("/families/{family}/reports/summary?from=2026-04-01&to=2026-04-30"),
        )
        .await;
    assert_eq!(summary.status, 200, "{}", summary.body);
    assert_eq!(
        summary.body,
        json!({"from": "2026-04-01", "to": "2026-04-30", "currencies": [
            {"currency": "EUR", "income": "5.00", "expense": "11.00", "net": "-6.00", "categories": [
                {"category_id": food, "name": "Groceries", "kind": "expense", "total": "11.00", "budget_limit": "200.00"},
                {"category_id": salary, "name": "Salary", "kind": "income", "total": "5.00", "budget_limit": null}]},
            {"currency": "USD", "income": "0.00", "expense": "7.00", "net": "-7.00", "categories": [
                {"category_id": food, "name": "Groceries", "kind": "expense", "total": "7.00", "budget_limit": null}]}]})
    );
    world
        .get(
            &ann,
            &format!("/families/{family}/reports/summary?from=2026-05-01&to=2026-04-01"),
        )
        .await
        .assert_field("from", "invalid_value");
}

#[tokio::test]
async fn the_csv_lists_the_period_oldest_first_with_crlf() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let (eur, jpy) = (
        world.account(&ann, &family, "EUR", "0").await,
        world.account(&ann, &family, "JPY", "0").await,
    );
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let path = format!("/families/{family}/transactions");
    world
        .post(&ann, &path, json!({"kind": "expense", "account_id": eur, "category_id": food, "amount": "2.5", "note": "milk, \"organic\"\nand eggs", "occurred_at": "2026-06-02T09:00:00Z"}))
        .await;
    world
        .post(&ann, &path, json!({"kind": "transfer", "account_id": eur, "to_account_id": jpy, "amount": "10", "to_amount": "1600", "occurred_at": "2026-06-01T09:00:00Z"}))
        .await;
    world
        .post(&ann, &path, json!({"kind": "expense", "account_id": eur, "category_id": food, "amount": "1", "occurred_at": "2026-07-01T09:00:00Z"}))
        .await;
    let response = world
        .client
        .get(world.url(&format!(
            "/families/{family}/reports/transactions.csv?from=2026-06-01&to=2026-06-30"
        )))
        .bearer_auth(&ann.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = response.text().await.unwrap();
    assert_eq!(
        text,
        format!(
            "date,kind,account,to_account,category,amount,currency,to_amount,note,created_by\r\n\
             2026-06-01,transfer,Account EUR,Account JPY,,10.00,EUR,1600,,{id}\r\n\
             2026-06-02,expense,Account EUR,,Groceries,2.50,EUR,,\"milk, \"\"organic\"\"\nand eggs\",{id}\r\n",
            id = ann.id
        )
    );
    let stranger = world.user("eve").await;
    let refused = world
        .client
        .get(world.url(&format!("/families/{family}/reports/transactions.csv")))
        .bearer_auth(&stranger.token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 404);
}

/// With one database connection in all, the pages read ahead take turns on
/// it, and every one still arrives once, in order.
#[tokio::test]
async fn a_long_csv_streams_every_page() {
    let world = world_with(&[("DB_POOL_SIZE", "1".to_owned())]).await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let account = world.account(&ann, &family, "EUR", "0").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    // More rows than one page of the export.
    many_expenses(&world, &ann, &family, &[&account], &[&food], 12_001, 1).await;
    let text = download(&world, &ann, &family, "2026-08-01", "2026-08-01").await;
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 12_002);
    assert!(lines[1].contains(",0.01,EUR,"), "{}", lines[1]);
    assert!(lines[12_001].contains(",120.01,EUR,"), "{}", lines[12_001]);
}

/// Pages end where the index says the 5,000th row is: a period of exactly
/// two pages, and an empty one, still give each row once, in order.
#[tokio::test]
async fn a_csv_of_whole_pages_has_each_row_once() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let account = world.account(&ann, &family, "EUR", "0").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    // Two rows share each instant: the id orders them.
    many_expenses(&world, &ann, &family, &[&account], &[&food], 10_000, 2).await;
    let text = download(&world, &ann, &family, "2026-08-01", "2026-08-01").await;
    let lines: Vec<&str> = text
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .skip(1)
        .collect();
    let mut amounts: Vec<u32> = lines
        .iter()
        .map(|line| {
            let amount = line.split(',').nth(5).unwrap().replace('.', "");
            amount.parse().unwrap()
        })
        .collect();
    assert_eq!(amounts.len(), 10_000);
    // Oldest first: the instants never go back.
    assert!(
        amounts.windows(2).all(|w| w[0] / 2 <= w[1] / 2),
        "out of order"
    );
    amounts.sort_unstable();
    assert_eq!(amounts, (1..=10_000).collect::<Vec<u32>>());
    let empty = download(&world, &ann, &family, "2026-07-01", "2026-07-31").await;
    assert_eq!(
        empty,
        "date,kind,account,to_account,category,amount,currency,to_amount,note,created_by\r\n"
    );
}

/// Names are written as fields like notes are: quoted when they need it, on
/// every page, and each row with its own account's and category's.
#[tokio::test]
async fn the_csv_quotes_names_and_names_each_rows_account_and_category() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let mut accounts = Vec::new();
    for name in ["Cash, \"petty\"", "Bank\nline", "Plain"] {
        let answer = world
            .post(
                &ann,
                &format!("/families/{family}/accounts"),
                json!({"name": name, "kind": "bank", "currency": "EUR", "opening_balance": "0"}),
            )
            .await;
        assert_eq!(answer.status, 201, "{}", answer.body);
        accounts.push(answer.body["id"].as_str().unwrap().to_owned());
    }
    let answer = world
        .post(
            &ann,
            &format!("/families/{family}/categories"),
            json!({"name": "Snacks, \"late\"", "kind": "expense"}),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let snacks = answer.body["id"].as_str().unwrap().to_owned();
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    // Past one export page, rows turning over the accounts and categories.
    let ids: Vec<&str> = accounts.iter().map(String::as_str).collect();
    many_expenses(&world, &ann, &family, &ids, &[&snacks, &food], 6001, 1).await;
    world
        .post(&ann, &format!("/families/{family}/transactions"), json!({"kind": "transfer", "account_id": accounts[2], "to_account_id": accounts[0], "amount": "1", "occurred_at": "2026-08-02T09:00:00Z"}))
        .await;
    let text = download(&world, &ann, &family, "2026-08-01", "2026-08-02").await;
    let mut expected = String::from(
        "date,kind,account,to_account,category,amount,currency,to_amount,note,created_by\r\n",
    );
    let names = ["\"Cash, \"\"petty\"\"\"", "\"Bank\nline\"", "Plain"];
    for i in 1..=6001 {
        let category = if i % 2 == 0 {
            "\"Snacks, \"\"late\"\"\""
        } else {
            "Groceries"
        };
        expected.push_str(&format!(
            "2026-08-01,expense,{},,{category},{}.{:02},EUR,,,{}\r\n",
            names[i % 3],
            i / 100,
            i % 100,
            ann.id
        ));
    }
    expected.push_str(&format!(
        "2026-08-02,transfer,Plain,{},,1.00,EUR,,,{}\r\n",
        names[0], ann.id
    ));
    assert_eq!(text, expected);
}

/// The CSV of `family` from `from` to `to`, as `user` downloads it.
async fn download(world: &World, user: &User, family: &str, from: &str, to: &str) -> String {
    world
        .client
        .get(world.url(&format!(
            "/families/{family}/reports/transactions.csv?from={from}&to={to}"
        )))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// `count` expenses of 0.01, 0.02, … on 2026-08-01 (UTC), written directly
/// (more than the API would take in a test's time), turning over `accounts`
/// and `categories`. The `i`th happens `i / per_second` seconds after midnight.
async fn many_expenses(
    world: &World,
    user: &User,
    family: &str,
    accounts: &[&str],
    categories: &[&str],
    count: u32,
    per_second: u32,
) {
    let list = |ids: &[&str]| {
        ids.iter()
            .map(|id| format!("'{id}'"))
            .collect::<Vec<_>>()
            .join(",")
    };
    world
        .sql(&format!(
            "INSERT INTO transactions (id, family_id, kind, account_id, amount, currency, category_id, occurred_at, local_date, created_by)
             SELECT gen_random_uuid(), '{family}', 'expense',
                    (ARRAY[{accounts}]::uuid[])[i % {a} + 1], i, 'EUR',
                    (ARRAY[{categories}]::uuid[])[i % {c} + 1],
                    timestamptz '2026-08-01 00:00:00Z' + (i / {per_second}) * interval '1 second',
                    date '2026-08-01', '{user}'
             FROM generate_series(1, {count}) AS i",
            accounts = list(accounts),
            categories = list(categories),
            a = accounts.len(),
            c = categories.len(),
            user = user.id,
        ))
        .await;
}
