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
    let budget = world
        .post(
            &ann,
            &format!("/families/{family}/budgets"),
            json!({"category_id": food, "limit": "100"}),
        )
        .await;
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
    world
        .post(
            &ann,
            &format!("/families/{family}/budgets"),
            json!({"category_id": other, "limit": "10"}),
        )
        .await;
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

#[tokio::test]
async fn budgets_change_and_go() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let budget = world
        .post(
            &ann,
            &format!("/families/{family}/budgets"),
            json!({"category_id": food, "limit": "100"}),
        )
        .await;
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
    world
        .post(
            &ann,
            &format!("/families/{family}/budgets"),
            json!({"category_id": food, "limit": "100"}),
        )
        .await;
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
