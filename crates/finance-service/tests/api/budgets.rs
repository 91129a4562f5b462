use serde_json::{Value, json};

use crate::helpers::world;

#[tokio::test]
async fn budget_status_counts_the_payday_month_with_rollover() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world
        .post(
            &ann,
            "/families",
            json!({"name": "H", "base_currency": "EUR", "month_start_day": 25}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let account = world.account(&ann, &family, "EUR", "0").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let fun = world
        .category(&ann, &family, "expense", "Entertainment")
        .await;
    let budgets = format!("/families/{family}/budgets");
    let rolling = world
        .post(
            &ann,
            &budgets,
            json!({"category_id": food, "limit": "100", "rollover": true}),
        )
        .await;
    assert_eq!(rolling.status, 201, "{}", rolling.body);
    assert_eq!(
        (
            rolling.body["limit"].as_str(),
            rolling.body["currency"].as_str()
        ),
        (Some("100.00"), Some("EUR"))
    );
    world
        .post(&ann, &budgets, json!({"category_id": fun, "limit": "50"}))
        .await;
    let taken = world
        .post(&ann, &budgets, json!({"category_id": food, "limit": "1"}))
        .await;
    assert_eq!((taken.status.as_u16(), taken.code()), (409, "name_taken"));
    let salary = world.category(&ann, &family, "income", "Salary").await;
    world
        .post(&ann, &budgets, json!({"category_id": salary, "limit": "1"}))
        .await
        .assert_field("category_id", "invalid_value");
    let spend = |category: String, amount: &'static str, at: &'static str| {
        let (world, ann, family, account) = (&world, &ann, &family, &account);
        async move {
            let answer = world
                .post(
                    ann,
                    &format!("/families/{family}/transactions"),
                    json!({"kind": "expense", "account_id": account, "category_id": category, "amount": amount, "occurred_at": at}),
                )
                .await;
            assert_eq!(answer.status, 201, "{}", answer.body);
            answer
        }
    };
    // Budget month "2026-02" runs 2026-02-25 .. 2026-03-24.
    spend(food.clone(), "30", "2026-02-10T12:00:00Z").await; // January's month (01-25..02-24)
    spend(food.clone(), "40", "2026-02-25T00:00:00Z").await;
    spend(food.clone(), "10", "2026-03-24T23:00:00Z").await;
    spend(fun.clone(), "60", "2026-03-01T00:00:00Z").await;
    spend(food.clone(), "99", "2026-03-25T00:00:00Z").await; // March's month
    let status = world
        .get(&ann, &format!("{budgets}/status?month=2026-02"))
        .await;
    assert_eq!(status.status, 200, "{}", status.body);
    assert_eq!(
        status.body["period"],
        json!({"from": "2026-02-25", "to": "2026-03-24"})
    );
    let items = status.body["items"].as_array().unwrap();
    let food_status = items
        .iter()
        .find(|i| i["category_id"] == food.as_str())
        .unwrap();
    // Carry: 100 - 30 spent last month = 70.
    assert_eq!(food_status["limit"], "100.00");
    assert_eq!(food_status["carried_over"], "70.00");
    assert_eq!(food_status["spent"], "50.00");
    assert_eq!(food_status["remaining"], "120.00");
    assert_eq!(food_status["percent"], 29);
    let fun_status = items
        .iter()
        .find(|i| i["category_id"] == fun.as_str())
        .unwrap();
    assert_eq!(fun_status["carried_over"], "0.00");
    assert_eq!(fun_status["remaining"], "-10.00");
    assert_eq!(fun_status["percent"], 120);
    for bad in ["2026-13", "26-02", "2026-2"] {
        world
            .get(&ann, &format!("{budgets}/status?month={bad}"))
            .await
            .assert_field("month", "invalid_value");
    }
}

#[tokio::test]
async fn an_expense_that_crosses_thresholds_reports_each_once() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let account = world.account(&ann, &family, "EUR", "0").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let budget = world.budget(&ann, &family, &food, "100", false).await;
    let budget_id = budget.body["id"].as_str().unwrap();
    let first = world.expense(&ann, &family, &account, &food, "79.99").await;
    assert_eq!(first.body["budget_alerts"], json!([]));
    let second = world.expense(&ann, &family, &account, &food, "0.01").await;
    assert_eq!(
        second.body["budget_alerts"],
        json!([{"budget_id": budget_id, "category_id": food, "threshold": 80, "spent": "80.00", "limit": "100.00"}])
    );
    let third = world.expense(&ann, &family, &account, &food, "5").await;
    assert_eq!(third.body["budget_alerts"], json!([]));
    let fourth = world.expense(&ann, &family, &account, &food, "50").await;
    let thresholds: Vec<&Value> = fourth.body["budget_alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["threshold"])
        .collect();
    assert_eq!(thresholds, [&json!(100)]);
    // Both at once.
    let other = world.category(&ann, &family, "expense", "Transport").await;
    world.budget(&ann, &family, &other, "10", false).await;
    let both = world.expense(&ann, &family, &account, &other, "10").await;
    let thresholds: Vec<u64> = both.body["budget_alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["threshold"].as_u64().unwrap())
        .collect();
    assert_eq!(thresholds, [80, 100]);
    // A budget in another currency does not count this one.
    let usd = world.account(&ann, &family, "USD", "0").await;
    let usd_spend = world.expense(&ann, &family, &usd, &food, "500").await;
    assert_eq!(usd_spend.body["budget_alerts"], json!([]));
}

/// An expense's alert counts the budget month that its day falls in, in
/// the family's time zone, with the carry of the month before.
#[tokio::test]
async fn an_alert_counts_the_payday_month_of_the_familys_own_day() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world
        .post(
            &ann,
            "/families",
            json!({"name": "Kiwi", "base_currency": "NZD", "time_zone": "Pacific/Auckland", "month_start_day": 25}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let account = world.account(&ann, &family, "NZD", "0").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let budget = world.budget(&ann, &family, &food, "100", true).await;
    let budget_id = budget.body["id"].as_str().unwrap();
    let spend = |amount: &'static str, at: &'static str| {
        let (world, ann, family, account, food) = (&world, &ann, &family, &account, &food);
        async move {
            let answer = world
                .post(
                    ann,
                    &format!("/families/{family}/transactions"),
                    json!({"kind": "expense", "account_id": account, "category_id": food, "amount": amount, "occurred_at": at}),
                )
                .await;
            assert_eq!(answer.status, 201, "{}", answer.body);
            answer.body["budget_alerts"].clone()
        }
    };
    // 2026-01-30 in Auckland: January's budget month (01-25..02-24).
    assert_eq!(spend("30", "2026-01-30T00:00:00Z").await, json!([]));
    // 11:30 UTC on 02-24 is 00:30 on 02-25 in Auckland (UTC+13): February's
    // month, whose limit is 100 plus the 70 that January left. 136 is 80%
    // of 170; in UTC's January it would have crossed both lines of 100.
    assert_eq!(
        spend("136", "2026-02-24T11:30:00Z").await,
        json!([{"budget_id": budget_id, "category_id": food, "threshold": 80, "spent": "136.00", "limit": "170.00"}])
    );
    assert_eq!(
        spend("34", "2026-03-24T10:59:59Z").await,
        json!([{"budget_id": budget_id, "category_id": food, "threshold": 100, "spent": "170.00", "limit": "170.00"}])
    );
    // 11:00 UTC on 03-24 is 00:00 on 03-25 in Auckland: March's month, which
    // carries nothing (February spent all of its 170, over its 100).
    assert_eq!(
        spend("80", "2026-03-24T11:00:00Z").await,
        json!([{"budget_id": budget_id, "category_id": food, "threshold": 80, "spent": "80.00", "limit": "100.00"}])
    );
}

/// The write's one statement (`record_transaction`) reads the budget only
/// when the transaction's day falls in the month the service expected; when
/// it does not (two time zone databases that disagree), it still writes and
/// the service reads the budget itself.
#[tokio::test]
async fn the_write_reads_the_budget_only_in_the_month_its_day_falls_in() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let account = world.account(&ann, &family, "EUR", "0").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let budget = world.budget(&ann, &family, &food, "100", false).await;
    assert_eq!(budget.status, 201, "{}", budget.body);
    // 1: the month was read; 10: a budget was found; 100: the month spent 25.00.
    let record = |before: &str, from: &str, to: &str| {
        format!(
            "SELECT (CASE WHEN r.month_read THEN 1 ELSE 0 END
                     + CASE WHEN r.budget IS NULL THEN 0 ELSE 10 END
                     + CASE WHEN r.month_spent = '2500' THEN 100 ELSE 0 END)::bigint AS n
             FROM record_transaction(gen_random_uuid(), '{family}', 'expense', '{account}', NULL,
                 2500, 'EUR', NULL, '{food}', '2026-05-10T12:00:00Z', 'UTC', NULL,
                 gen_random_uuid(), ARRAY['{account}'::uuid], ARRAY[-2500]::numeric[],
                 ARRAY[1]::bigint[], 2500, '{from}', '{to}', '{before}') r"
        )
    };
    assert_eq!(
        world
            .number(&record("2026-04-01", "2026-05-01", "2026-05-31"))
            .await,
        111
    );
    assert_eq!(
        world
            .number(&record("2026-05-01", "2026-06-01", "2026-06-30"))
            .await,
        0
    );
    // Both were written, with their balance and the category's day.
    let account_now = world
        .get(&ann, &format!("/families/{family}/accounts/{account}"))
        .await;
    assert_eq!(
        account_now.body["balance"], "-50.00",
        "{}",
        account_now.body
    );
    let status = world
        .get(
            &ann,
            &format!("/families/{family}/budgets/status?month=2026-05"),
        )
        .await;
    assert_eq!(status.body["items"][0]["spent"], "50.00", "{}", status.body);
}

/// The month before is read only for a budget that rolls over (the only one
/// whose status carries from it).
#[tokio::test]
async fn the_write_reads_the_month_before_only_for_a_rollover() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let account = world.account(&ann, &family, "EUR", "0").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let budget = world.budget(&ann, &family, &food, "100", false).await;
    assert_eq!(budget.status, 201, "{}", budget.body);
    let april = world
        .post(
            &ann,
            &format!("/families/{family}/transactions"),
            json!({"kind": "expense", "account_id": account, "category_id": food,
                   "amount": "30", "occurred_at": "2026-04-10T12:00:00Z"}),
        )
        .await;
    assert_eq!(april.status, 201, "{}", april.body);
    // The April spending the May write read, in minor units.
    let before_spent = async || {
        world
            .number(&format!(
                "SELECT r.before_spent::bigint AS n
                 FROM record_transaction(gen_random_uuid(), '{family}', 'expense', '{account}',
                     NULL, 100, 'EUR', NULL, '{food}', '2026-05-10T12:00:00Z', 'UTC', NULL,
                     gen_random_uuid(), ARRAY['{account}'::uuid], ARRAY[-100]::numeric[],
                     ARRAY[1]::bigint[], 100, '2026-05-01', '2026-05-31', '2026-04-01') r"
            ))
            .await
    };
    assert_eq!(before_spent().await, 0);
    let rolled = world
        .patch(
            &ann,
            &format!(
                "/families/{family}/budgets/{}",
                budget.body["id"].as_str().unwrap()
            ),
            json!({"rollover": true}),
        )
        .await;
    assert_eq!(rolled.status, 200, "{}", rolled.body);
    assert_eq!(before_spent().await, 3000);
}

#[tokio::test]
async fn budgets_change_and_go() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let budget = world.budget(&ann, &family, &food, "100", false).await;
    let path = format!(
        "/families/{family}/budgets/{}",
        budget.body["id"].as_str().unwrap()
    );
    let changed = world
        .patch(&ann, &path, json!({"limit": "250.5", "rollover": true}))
        .await;
    assert_eq!(
        (
            changed.body["limit"].as_str(),
            changed.body["rollover"].as_bool()
        ),
        (Some("250.50"), Some(true))
    );
    world
        .patch(&ann, &path, json!({"limit": "1.001"}))
        .await
        .assert_field("limit", "invalid_amount");
    assert_eq!(world.delete(&ann, &path).await.status, 204);
    assert_eq!(world.get(&ann, &path).await.status, 404);
    assert_eq!(
        world
            .delete(&ann, &format!("/families/{family}/categories/{food}"))
            .await
            .status,
        204
    );
}

#[tokio::test]
async fn concurrent_expenses_cross_each_threshold_exactly_once() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    world.budget(&ann, &family, &food, "100", false).await;
    // Two accounts, so the writers do not meet on an account row first.
    let accounts = [
        world.account(&ann, &family, "EUR", "0").await,
        world.account(&ann, &family, "EUR", "0").await,
    ];
    let writes = (0..10).map(|i| {
        let (world, ann, family, food) = (&world, &ann, &family, &food);
        let account = accounts[i % 2].clone();
        async move {
            world
                .post(
                    ann,
                    &format!("/families/{family}/transactions"),
                    json!({"kind": "expense", "account_id": account, "category_id": food, "amount": "15",
                           "occurred_at": format!("2026-06-{:02}T10:00:00Z", i + 1)}),
                )
                .await
        }
    });
    let mut thresholds = Vec::new();
    for answer in futures_util::future::join_all(writes).await {
        assert_eq!(answer.status, 201, "{}", answer.body);
        for alert in answer.body["budget_alerts"].as_array().unwrap() {
            thresholds.push(alert["threshold"].as_u64().unwrap());
        }
    }
    thresholds.sort_unstable();
    assert_eq!(
        thresholds,
        [80, 100],
        "150 spent of 100: each line crossed once"
    );
}
