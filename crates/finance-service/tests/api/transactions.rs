use serde_json::{Value, json};

use crate::helpers::world;

#[tokio::test]
async fn expenses_incomes_and_transfers_move_balances_exactly() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let (eur, usd) = (
        world.account(&ann, &family, "EUR", "100").await,
        world.account(&ann, &family, "USD", "0").await,
    );
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let salary = world.category(&ann, &family, "income", "Salary").await;
    let path = format!("/families/{family}/transactions");
    let expense = world.expense(&ann, &family, &eur, &food, "12,34").await;
    assert_eq!(expense.status, 201, "{}", expense.body);
    assert_eq!(expense.body["amount"], "12.34");
    assert_eq!(expense.body["currency"], "EUR");
    assert_eq!(expense.body["budget_alerts"], json!([]));
    assert_eq!(expense.body["created_by"], ann.id.as_str());
    let income = world
        .post(&ann, &path, json!({"kind": "income", "account_id": eur, "category_id": salary, "amount": "1000", "note": "Dec\nbonus"}))
        .await;
    assert_eq!(income.body["note"], "Dec\nbonus");
    // Between currencies a transfer needs what arrives.
    let missing = world
        .post(
            &ann,
            &path,
            json!({"kind": "transfer", "account_id": eur, "to_account_id": usd, "amount": "100"}),
        )
        .await;
    missing.assert_field("to_amount", "invalid_value");
    let transfer = world
        .post(&ann, &path, json!({"kind": "transfer", "account_id": eur, "to_account_id": usd, "amount": "100", "to_amount": "108.25"}))
        .await;
    assert_eq!(transfer.status, 201, "{}", transfer.body);
    assert_eq!(transfer.body["to_amount"], "108.25");
    assert_eq!(transfer.body["category_id"], Value::Null);
    assert_eq!(world.balance(&ann, &family, &eur).await, "987.66");
    assert_eq!(world.balance(&ann, &family, &usd).await, "108.25");
    // Wrong shapes.
    world
        .post(&ann, &path, json!({"kind": "transfer", "account_id": eur, "to_account_id": usd, "amount": "1", "to_amount": "1", "category_id": food}))
        .await
        .assert_field("category_id", "invalid_value");
    world
        .post(
            &ann,
            &path,
            json!({"kind": "expense", "account_id": eur, "category_id": salary, "amount": "1"}),
        )
        .await
        .assert_field("category_id", "invalid_value");
    world
        .post(
            &ann,
            &path,
            json!({"kind": "transfer", "account_id": eur, "to_account_id": eur, "amount": "1"}),
        )
        .await
        .assert_field("to_account_id", "invalid_value");
    let same = world.account(&ann, &family, "EUR", "0").await;
    world
        .post(&ann, &path, json!({"kind": "transfer", "account_id": eur, "to_account_id": same, "amount": "1", "to_amount": "2"}))
        .await
        .assert_field("to_amount", "invalid_value");
    world
        .post(&ann, &path, json!({"kind": "expense", "account_id": eur, "category_id": food, "amount": "1", "note": "x".repeat(1001)}))
        .await
        .assert_field("note", "invalid_value");
    world
        .post(&ann, &path, json!({"kind": "expense", "account_id": eur, "category_id": food, "amount": "1", "occurred_at": "2026-02-30T10:00:00Z"}))
        .await
        .assert_field("occurred_at", "invalid_value");
    let empty = world.post(&ann, &path, json!({})).await;
    for field in ["kind", "account_id", "amount"] {
        empty.assert_field(field, "invalid_value");
    }
    assert_eq!(
        world.balance(&ann, &family, &eur).await,
        "987.66",
        "refusals wrote nothing"
    );
}

#[tokio::test]
async fn occurred_at_keeps_its_instant_to_the_microsecond_in_utc() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let account = world.account(&ann, &family, "EUR", "0").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let answer = world
        .post(
            &ann,
            &format!("/families/{family}/transactions"),
            json!({"kind": "expense", "account_id": account, "category_id": food, "amount": "1", "occurred_at": "2026-03-01T10:15:30.123456+02:00"}),
        )
        .await;
    assert_eq!(
        answer.body["occurred_at"], "2026-03-01T08:15:30.123456Z",
        "{}",
        answer.body
    );
}

#[tokio::test]
async fn ids_of_another_family_are_refused_like_unknown_ones() {
    let world = world().await;
    let (ann, eve) = (world.user("ann").await, world.user("eve").await);
    let family = world.family(&ann, "EUR").await;
    let theirs = world.family(&eve, "EUR").await;
    let account = world.account(&ann, &family, "EUR", "0").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let eve_account = world.account(&eve, &theirs, "EUR", "0").await;
    let eve_food = world.category(&eve, &theirs, "expense", "Groceries").await;
    let eve_tx = world
        .expense(&eve, &theirs, &eve_account, &eve_food, "5")
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    world
        .expense(&ann, &family, &eve_account, &food, "1")
        .await
        .assert_field("account_id", "invalid_value");
    world
        .expense(&ann, &family, &account, &eve_food, "1")
        .await
        .assert_field("category_id", "invalid_value");
    world
        .expense(&ann, &family, &uuid::Uuid::new_v4().to_string(), &food, "1")
        .await
        .assert_field("account_id", "invalid_value");
    for path in [
        format!("/families/{family}/transactions/{eve_tx}"),
        format!("/families/{family}/accounts/{eve_account}"),
        format!("/families/{family}/categories/{eve_food}"),
        format!("/families/{family}/transactions/nope"),
        // Rows that are there, in a family ann is not in.
        format!("/families/{theirs}/accounts/{eve_account}"),
        format!("/families/{theirs}/transactions/{eve_tx}"),
        format!("/families/{theirs}/categories/{eve_food}"),
    ] {
        assert_eq!(world.get(&ann, &path).await.code(), "not_found", "{path}");
    }
    assert_eq!(
        world
            .delete(&ann, &format!("/families/{family}/transactions/{eve_tx}"))
            .await
            .status,
        404
    );
    // The list of a family ann is not in, which has a row: 404 whatever the
    // filters, before a refused one's 422; its member reads the row.
    for query in [
        String::new(),
        "?limit=1".to_owned(),
        format!("?account_id={eve_account}"),
        format!("?category_id={eve_food}&kind=expense"),
        "?limit=0".to_owned(),
        "?cursor=nope".to_owned(),
    ] {
        let path = format!("/families/{theirs}/transactions{query}");
        assert_eq!(world.get(&ann, &path).await.code(), "not_found", "{path}");
    }
    let theirs_list = world
        .get(&eve, &format!("/families/{theirs}/transactions?limit=1"))
        .await;
    assert_eq!(theirs_list.body["items"][0]["id"], eve_tx.as_str());
    // Filters with another family's ids give nothing.
    world.expense(&ann, &family, &account, &food, "1").await;
    let filtered = world
        .get(
            &ann,
            &format!("/families/{family}/transactions?account_id={eve_account}"),
        )
        .await;
    assert_eq!(filtered.body["items"], json!([]));
    let filtered = world
        .get(
            &ann,
            &format!("/families/{family}/transactions?category_id={eve_food}"),
        )
        .await;
    assert_eq!(filtered.body["items"], json!([]));
    assert_eq!(world.balance(&eve, &theirs, &eve_account).await, "-5.00");
}

#[tokio::test]
async fn the_list_pages_newest_first_with_a_cursor_that_survives_inserts() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let (a, b) = (
        world.account(&ann, &family, "EUR", "0").await,
        world.account(&ann, &family, "EUR", "0").await,
    );
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let path = format!("/families/{family}/transactions");
    let mut ids = Vec::new();
    for day in 1..=7 {
        let answer = world
            .post(
                &ann,
                &path,
                json!({"kind": "expense", "account_id": a, "category_id": food, "amount": format!("{day}"), "occurred_at": format!("2026-05-0{day}T12:00:00Z")}),
            )
            .await;
        ids.push(answer.body["id"].as_str().unwrap().to_owned());
    }
    let transfer = world
        .post(&ann, &path, json!({"kind": "transfer", "account_id": b, "to_account_id": a, "amount": "1", "occurred_at": "2026-05-04T13:00:00Z"}))
        .await;
    let first = world.get(&ann, &format!("{path}?limit=3")).await;
    let page = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        page(&first.body),
        [ids[6].clone(), ids[5].clone(), ids[4].clone()]
    );
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    // Newer rows arriving do not move the next page.
    world.expense(&ann, &family, &a, &food, "9").await;
    let second = world
        .get(&ann, &format!("{path}?limit=3&cursor={cursor}"))
        .await;
    assert_eq!(
        page(&second.body),
        [
            transfer.body["id"].as_str().unwrap().to_owned(),
            ids[3].clone(),
            ids[2].clone()
        ]
    );
    let rest = world
        .get(
            &ann,
            &format!(
                "{path}?limit=200&cursor={}",
                second.body["next_cursor"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(page(&rest.body), [ids[1].clone(), ids[0].clone()]);
    assert_eq!(rest.body["next_cursor"], Value::Null);
    // Filters: either side of a transfer, kind, dates (inclusive).
    let of_b = world.get(&ann, &format!("{path}?account_id={b}")).await;
    assert_eq!(page(&of_b.body), [transfer.body["id"].as_str().unwrap()]);
    let of_a = world
        .get(&ann, &format!("{path}?account_id={a}&kind=transfer"))
        .await;
    assert_eq!(page(&of_a.body).len(), 1);
    let dated = world
        .get(&ann, &format!("{path}?from=2026-05-02&to=2026-05-03"))
        .await;
    assert_eq!(page(&dated.body), [ids[2].clone(), ids[1].clone()]);
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("cursor=garbage", "cursor"),
        ("kind=gift", "kind"),
        ("from=2026-02-30", "from"),
        ("account_id=123", "account_id"),
        ("from=2026-05-03&to=2026-05-02", "from"),
    ] {
        world
            .get(&ann, &format!("{path}?{query}"))
            .await
            .assert_field(field, "invalid_value");
    }
}

#[tokio::test]
async fn an_edit_moves_balances_and_totals_and_a_delete_takes_them_back() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let (a, b) = (
        world.account(&ann, &family, "EUR", "50").await,
        world.account(&ann, &family, "EUR", "0").await,
    );
    let jpy = world.account(&ann, &family, "JPY", "0").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let fun = world
        .category(&ann, &family, "expense", "Entertainment")
        .await;
    let created = world.expense(&ann, &family, &a, &food, "10").await;
    let id = created.body["id"].as_str().unwrap();
    let path = format!("/families/{family}/transactions/{id}");
    let edited = world
        .patch(
            &ann,
            &path,
            json!({"amount": "12.50", "category_id": fun, "account_id": b, "kind": "expense"}),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(
        (
            edited.body["amount"].as_str(),
            edited.body["category_id"].as_str()
        ),
        (Some("12.50"), Some(fun.as_str()))
    );
    assert_eq!(world.balance(&ann, &family, &a).await, "50.00");
    assert_eq!(world.balance(&ann, &family, &b).await, "-12.50");
    world
        .patch(&ann, &path, json!({"kind": "income"}))
        .await
        .assert_field("kind", "invalid_value");
    world
        .patch(&ann, &path, json!({"account_id": jpy}))
        .await
        .assert_field("amount", "invalid_value");
    let moved = world
        .patch(&ann, &path, json!({"account_id": jpy, "amount": "1300"}))
        .await;
    assert_eq!(
        (
            moved.body["amount"].as_str(),
            moved.body["currency"].as_str()
        ),
        (Some("1300"), Some("JPY"))
    );
    assert_eq!(world.balance(&ann, &family, &b).await, "0.00");
    let cleared = world.patch(&ann, &path, json!({"note": "lunch"})).await;
    assert_eq!(cleared.body["note"], "lunch");
    assert_eq!(
        world.patch(&ann, &path, json!({"note": null})).await.body["note"],
        Value::Null
    );
    assert_eq!(world.delete(&ann, &path).await.status, 204);
    assert_eq!(world.balance(&ann, &family, &jpy).await, "0");
    assert_eq!(world.get(&ann, &path).await.status, 404);
    let summary = world
        .get(&ann, &format!("/families/{family}/reports/summary"))
        .await;
    assert_eq!(summary.body["currencies"], json!([]), "{}", summary.body);
}

#[tokio::test]
async fn fifty_concurrent_writes_on_one_account_keep_the_exact_balance() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let account = world.account(&ann, &family, "EUR", "0").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let salary = world.category(&ann, &family, "income", "Salary").await;
    let writes = (0..50).map(|i| {
        let (world, ann, account, family) = (&world, &ann, &account, &family);
        let (kind, category) = if i % 2 == 0 { ("expense", &food) } else { ("income", &salary) };
        async move {
            world
                .post(
                    ann,
                    &format!("/families/{family}/transactions"),
                    json!({"kind": kind, "account_id": account, "category_id": category, "amount": format!("{i}.01")}),
                )
                .await
        }
    });
    for answer in futures_util::future::join_all(writes).await {
        assert_eq!(answer.status, 201, "{}", answer.body);
    }
    // Incomes are the odd i, expenses the even: sum(odd) - sum(even) of i.01.
    let expected: i64 = (0..50)
        .map(|i: i64| {
            if i % 2 == 1 {
                i * 100 + 1
            } else {
                -(i * 100 + 1)
            }
        })
        .sum();
    assert_eq!(
        world.balance(&ann, &family, &account).await,
        format!("{}.00", expected / 100)
    );
}

/// A category deleted while an expense in it is written under a key: either
/// the expense is recorded and the category is in use, or the category is
/// gone and the expense refused (that refusal kept under its key) — never a
/// 500, never an expense in a deleted category.
#[tokio::test]
async fn an_expense_and_its_categorys_delete_at_once_never_both_pass() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let account = world.account(&ann, &family, "EUR", "0").await;
    let path = format!("/families/{family}/transactions");
    let mut recorded = 0;
    for round in 0..12 {
        let category = world
            .post(
                &ann,
                &format!("/families/{family}/categories"),
                json!({"name": format!("Round {round}"), "kind": "expense"}),
            )
            .await;
        assert_eq!(category.status, 201, "{}", category.body);
        let category = category.body["id"].as_str().unwrap().to_owned();
        let key = format!("race-{round}");
        let body = json!({"kind": "expense", "account_id": account, "category_id": category, "amount": "1"});
        let category_path = format!("/families/{family}/categories/{category}");
        let (expense, delete) = tokio::join!(
            world.call(
                &ann,
                reqwest::Method::POST,
                &path,
                Some(body.clone()),
                Some(&key)
            ),
            world.delete(&ann, &category_path),
        );
        match (expense.status.as_u16(), delete.status.as_u16()) {
            (201, 409) => recorded += 1,
            (422, 204) => {
                expense.assert_field("category_id", "invalid_value");
                let again = world
                    .call(&ann, reqwest::Method::POST, &path, Some(body), Some(&key))
                    .await;
                assert_eq!((again.status.as_u16(), again.body), (422, expense.body));
            }
            other => panic!(
                "round {round}: {other:?}: {} / {}",
                expense.body, delete.body
            ),
        }
    }
    let balance = world
        .get(&ann, &format!("/families/{family}/accounts/{account}"))
        .await;
    assert_eq!(
        balance.body["balance"],
        format!("-{recorded}.00"),
        "{}",
        balance.body
    );
}

#[tokio::test]
async fn viewers_read_but_do_not_write() {
    let world = world().await;
    let (ann, vic) = (world.user("ann").await, world.user("vic").await);
    let family = world.family(&ann, "EUR").await;
    world.join(&ann, &family, &vic, "viewer").await;
    let account = world.account(&ann, &family, "EUR", "0").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let refused = world.expense(&vic, &family, &account, &food, "1").await;
    assert_eq!(
        (refused.status.as_u16(), refused.code()),
        (403, "forbidden")
    );
    assert_eq!(
        world
            .get(&vic, &format!("/families/{family}/transactions"))
            .await
            .status,
        200
    );
    assert_eq!(
        world
            .delete(&vic, &format!("/families/{family}/accounts/{account}"))
            .await
            .status,
        403
    );
    assert_eq!(world.balance(&ann, &family, &account).await, "0.00");
}

/// A new expense locks its account and holds its category. Someone who may not
/// write in the family must neither take nor wait for those locks: while
/// another transaction holds both rows, a viewer is refused and an outsider
/// answered 404 at once, with or without a key (waiting would end in the
/// database deadline's 503).
#[tokio::test]
async fn an_expense_the_caller_may_not_write_waits_on_no_lock_of_the_family() {
    use diesel_async::RunQueryDsl;
    let world = world().await;
    let (ann, vic, eve) = (
        world.user("ann").await,
        world.user("vic").await,
        world.user("eve").await,
    );
    let family = world.family(&ann, "EUR").await;
    world.join(&ann, &family, &vic, "viewer").await;
    let account = world.account(&ann, &family, "EUR", "0").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let mut holder = world
        .holding(&[
            format!("SELECT 1 FROM accounts WHERE id = '{account}' FOR UPDATE"),
            format!("SELECT 1 FROM categories WHERE id = '{food}' FOR UPDATE"),
        ])
        .await;
    let path = format!("/families/{family}/transactions");
    let body =
        json!({"kind": "expense", "account_id": account, "category_id": food, "amount": "5"});
    for (user, key, status, code) in [
        (&vic, None, 403, "forbidden"),
        (&vic, Some("viewer-key"), 403, "forbidden"),
        (&eve, None, 404, "not_found"),
        (&eve, Some("outsider-key"), 404, "not_found"),
    ] {
        let refused = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            world.call(user, reqwest::Method::POST, &path, Some(body.clone()), key),
        )
        .await
        .expect("the refusal waited on a lock");
        assert_eq!(
            (refused.status.as_u16(), refused.code()),
            (status, code),
            "{}",
            refused.body
        );
    }
    diesel::sql_query("ROLLBACK")
        .execute(&mut holder)
        .await
        .unwrap();
    let recorded = world.expense(&ann, &family, &account, &food, "5").await;
    assert_eq!(recorded.status, 201, "{}", recorded.body);
    assert_eq!(world.balance(&ann, &family, &account).await, "-5.00");
    assert_eq!(
        world.number("SELECT count(*) AS n FROM transactions").await,
        1
    );
}

/// Every combination of the list's filters (each its own statement) answers
/// what filtering the whole list by hand gives, on the first page and after a
/// cursor; each twice, as a statement kept prepared is run again.
#[tokio::test]
async fn each_combination_of_filters_answers_the_rows_it_selects() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let (a, b) = (
        world.account(&ann, &family, "EUR", "0").await,
        world.account(&ann, &family, "EUR", "0").await,
    );
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let salary = world.category(&ann, &family, "income", "Salary").await;
    let path = format!("/families/{family}/transactions");
    for day in 1..=6 {
        for (hour, body) in [
            (
                8,
                json!({"kind": "expense", "account_id": a, "category_id": food, "amount": "1"}),
            ),
            (
                9,
                json!({"kind": "expense", "account_id": b, "category_id": food, "amount": "2"}),
            ),
            (
                10,
                json!({"kind": "income", "account_id": a, "category_id": salary, "amount": "3"}),
            ),
            (
                11,
                json!({"kind": "transfer", "account_id": b, "to_account_id": a, "amount": "4"}),
            ),
            (
                11,
                json!({"kind": "transfer", "account_id": a, "to_account_id": b, "amount": "5"}),
            ),
        ] {
            let mut body = body;
            body["occurred_at"] = json!(format!("2026-05-0{day}T{hour:02}:00:00Z"));
            let answer = world.post(&ann, &path, body).await;
            assert_eq!(answer.status, 201, "{}", answer.body);
        }
    }
    let all = world.get(&ann, &format!("{path}?limit=200")).await;
    let all = all.body["items"].as_array().unwrap().clone();
    assert_eq!(all.len(), 30);
    let ids = |items: &[Value]| -> Vec<String> {
        items
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    };
    for shape in 0..32 {
        let account = (shape & 1 != 0).then_some(&a);
        let category = (shape & 2 != 0).then_some(&food);
        let kind = (shape & 4 != 0).then_some("expense");
        let from = (shape & 8 != 0).then_some("2026-05-02");
        let to = (shape & 16 != 0).then_some("2026-05-05");
        let expected: Vec<Value> = all
            .iter()
            .filter(|t| {
                let day = &t["occurred_at"].as_str().unwrap()[..10];
                account.is_none_or(|id| t["account_id"] == **id || t["to_account_id"] == **id)
                    && category.is_none_or(|id| t["category_id"] == **id)
                    && kind.is_none_or(|k| t["kind"] == k)
                    && from.is_none_or(|f| day >= f)
                    && to.is_none_or(|d| day <= d)
            })
            .cloned()
            .collect();
        let mut query = String::new();
        for (name, value) in [
            ("account_id", account.map(String::as_str)),
            ("category_id", category.map(String::as_str)),
            ("kind", kind),
            ("from", from),
            ("to", to),
        ] {
            if let Some(value) = value {
                query.push_str(&format!("&{name}={value}"));
            }
        }
        for _ in 0..2 {
            let first = world.get(&ann, &format!("{path}?limit=2{query}")).await;
            assert_eq!(first.status, 200, "{query}: {}", first.body);
            let items = first.body["items"].as_array().unwrap();
            assert_eq!(items, &expected[..2], "{query}");
            let cursor = first.body["next_cursor"].as_str().unwrap();
            let rest = world
                .get(&ann, &format!("{path}?limit=200{query}&cursor={cursor}"))
                .await;
            assert_eq!(rest.status, 200, "{query}: {}", rest.body);
            assert_eq!(
                ids(rest.body["items"].as_array().unwrap()),
                ids(&expected[2..]),
                "{query}"
            );
            assert_eq!(rest.body["next_cursor"], Value::Null, "{query}");
        }
    }
}
