use serde_json::json;

use crate::helpers::world;

#[tokio::test]
async fn accounts_default_to_the_family_currency_and_move_with_their_opening_balance() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "GBP").await;
    let created = world
        .post(
            &ann,
            &format!("/families/{family}/accounts"),
            json!({"name": "Wallet", "kind": "cash"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["currency"], "GBP");
    assert_eq!(created.body["opening_balance"], "0.00");
    assert_eq!(created.body["archived"], false);
    let id = created.body["id"].as_str().unwrap();
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    world.expense(&ann, &family, id, &food, "2.50").await;
    let moved = world
        .patch(
            &ann,
            &format!("/families/{family}/accounts/{id}"),
            json!({"opening_balance": "100"}),
        )
        .await;
    assert_eq!(moved.body["balance"], "97.50", "{}", moved.body);
    // Fixed currency once it has transactions; no delete then either.
    let currency = world
        .patch(
            &ann,
            &format!("/families/{family}/accounts/{id}"),
            json!({"currency": "EUR"}),
        )
        .await;
    assert_eq!((currency.status.as_u16(), currency.code()), (409, "in_use"));
    let delete = world
        .delete(&ann, &format!("/families/{family}/accounts/{id}"))
        .await;
    assert_eq!((delete.status.as_u16(), delete.code()), (409, "in_use"));
    // Archived, it takes no new transactions; unarchived, it does again.
    world
        .patch(
            &ann,
            &format!("/families/{family}/accounts/{id}"),
            json!({"archived": true}),
        )
        .await;
    world
        .expense(&ann, &family, id, &food, "1")
        .await
        .assert_field("account_id", "invalid_value");
    world
        .patch(
            &ann,
            &format!("/families/{family}/accounts/{id}"),
            json!({"archived": false}),
        )
        .await;
    assert_eq!(
        world.expense(&ann, &family, id, &food, "1").await.status,
        201
    );
    // A currency change restates a non-zero opening balance.
    let other = world.account(&ann, &family, "EUR", "12.50").await;
    let path = format!("/families/{family}/accounts/{other}");
    world
        .patch(&ann, &path, json!({"currency": "JPY"}))
        .await
        .assert_field("opening_balance", "invalid_value");
    let restated = world
        .patch(
            &ann,
            &path,
            json!({"currency": "JPY", "opening_balance": "1800"}),
        )
        .await;
    assert_eq!(
        (
            restated.body["currency"].as_str(),
            restated.body["balance"].as_str()
        ),
        (Some("JPY"), Some("1800"))
    );
    // An unused account goes.
    let spare = world.account(&ann, &family, "USD", "5").await;
    assert_eq!(
        world
            .delete(&ann, &format!("/families/{family}/accounts/{spare}"))
            .await
            .status,
        204
    );
    assert_eq!(
        world
            .get(&ann, &format!("/families/{family}/accounts/{spare}"))
            .await
            .status,
        404
    );
    world
        .post(
            &ann,
            &format!("/families/{family}/accounts"),
            json!({"name": "X", "kind": "wallet"}),
        )
        .await
        .assert_field("kind", "invalid_value");
}

#[tokio::test]
async fn a_transfer_targets_count_against_deleting_an_account() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let (from, to) = (
        world.account(&ann, &family, "EUR", "10").await,
        world.account(&ann, &family, "EUR", "0").await,
    );
    let transfer = world
        .post(
            &ann,
            &format!("/families/{family}/transactions"),
            json!({"kind": "transfer", "account_id": from, "to_account_id": to, "amount": "4"}),
        )
        .await;
    assert_eq!(transfer.status, 201, "{}", transfer.body);
    assert_eq!(transfer.body["to_amount"], serde_json::Value::Null);
    assert_eq!(
        world
            .delete(&ann, &format!("/families/{family}/accounts/{to}"))
            .await
            .code(),
        "in_use"
    );
}

#[tokio::test]
async fn categories_are_unique_by_name_and_kind_and_form_a_tree() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let categories = format!("/families/{family}/categories");
    let defaults = world.get(&ann, &categories).await;
    let kinds: Vec<&str> = defaults.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"expense") && kinds.contains(&"income"));
    let taken = world
        .post(
            &ann,
            &categories,
            json!({"name": "GROCERIES", "kind": "expense"}),
        )
        .await;
    assert_eq!((taken.status.as_u16(), taken.code()), (409, "name_taken"));
    // The same name of the other kind is fine.
    assert_eq!(
        world
            .post(
                &ann,
                &categories,
                json!({"name": "Groceries", "kind": "income"})
            )
            .await
            .status,
        201
    );
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let salary = world.category(&ann, &family, "income", "Salary").await;
    let child = world
        .post(
            &ann,
            &categories,
            json!({"name": "Fruit", "kind": "expense", "parent_id": food}),
        )
        .await;
    assert_eq!(child.body["parent_id"], food.as_str());
    world
        .post(
            &ann,
            &categories,
            json!({"name": "Bonus", "kind": "expense", "parent_id": salary}),
        )
        .await
        .assert_field("parent_id", "invalid_value");
    let child_id = child.body["id"].as_str().unwrap();
    // No cycles, no kind change, no rename onto a taken name.
    world
        .patch(
            &ann,
            &format!("{categories}/{food}"),
            json!({"parent_id": child_id}),
        )
        .await
        .assert_field("parent_id", "invalid_value");
    world
        .patch(
            &ann,
            &format!("{categories}/{food}"),
            json!({"kind": "income"}),
        )
        .await
        .assert_field("kind", "invalid_value");
    assert_eq!(
        world
            .patch(
                &ann,
                &format!("{categories}/{child_id}"),
                json!({"name": "transport"})
            )
            .await
            .code(),
        "name_taken"
    );
    // In use by a subcategory: no delete.
    assert_eq!(
        world
            .delete(&ann, &format!("{categories}/{food}"))
            .await
            .code(),
        "in_use"
    );
    assert_eq!(
        world
            .delete(&ann, &format!("{categories}/{child_id}"))
            .await
            .status,
        204
    );
    assert_eq!(
        world
            .delete(&ann, &format!("{categories}/{food}"))
            .await
            .status,
        204
    );
}

#[tokio::test]
async fn deleting_a_category_while_it_is_being_used_is_never_a_500() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let account = world.account(&ann, &family, "EUR", "0").await;
    for round in 0..5 {
        let created = world
            .post(
                &ann,
                &format!("/families/{family}/categories"),
                json!({"name": format!("Race {round}"), "kind": "expense"}),
            )
            .await;
        let category = created.body["id"].as_str().unwrap().to_owned();
        let path = format!("/families/{family}/categories/{category}");
        let (delete, expense) = tokio::join!(
            world.delete(&ann, &path),
            world.expense(&ann, &family, &account, &category, "1")
        );
        match (delete.status.as_u16(), expense.status.as_u16()) {
            // The expense first: the category is in use.
            (409, 201) => assert_eq!(delete.code(), "in_use"),
            // The delete first: the category is unknown to the expense.
            (204, 422) => expense.assert_field("category_id", "invalid_value"),
            other => panic!("{other:?}: {} {}", delete.body, expense.body),
        }
    }
}

/// A under B and B under A, sent at once: one may pass, never both (a cycle
/// no single check would see), however the two interleave.
#[tokio::test]
async fn two_reparentings_at_once_never_make_a_cycle() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let categories = format!("/families/{family}/categories");
    let mut ids = Vec::new();
    for name in ["Aa", "Bb"] {
        let answer = world
            .post(&ann, &categories, json!({"name": name, "kind": "expense"}))
            .await;
        assert_eq!(answer.status, 201, "{}", answer.body);
        ids.push(answer.body["id"].as_str().unwrap().to_owned());
    }
    let (a, b) = (&ids[0], &ids[1]);
    for round in 0..20 {
        let (first, second) = futures_util::future::join(
            world.patch(&ann, &format!("{categories}/{a}"), json!({"parent_id": b})),
            world.patch(&ann, &format!("{categories}/{b}"), json!({"parent_id": a})),
        )
        .await;
        let passed = [&first, &second]
            .iter()
            .filter(|answer| answer.status == 200)
            .count();
        assert_eq!(passed, 1, "round {round}: {} / {}", first.body, second.body);
        for refused in [&first, &second]
            .iter()
            .filter(|answer| answer.status != 200)
        {
            refused.assert_field("parent_id", "invalid_value");
        }
        // Both back to the top for the next round.
        for id in [a, b] {
            let answer = world
                .patch(
                    &ann,
                    &format!("{categories}/{id}"),
                    json!({"parent_id": null}),
                )
                .await;
            assert_eq!(answer.status, 200, "{}", answer.body);
        }
    }
}

/// A DELETE's membership check is sent with its `BEGIN` but runs inside the
/// transaction: the family row it holds stays held until the DELETE ends, so
/// an owner's change of the family waits for it.
#[tokio::test]
async fn a_delete_holds_its_membership_check_until_it_ends() {
    use diesel_async::RunQueryDsl;
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let account = world.account(&ann, &family, "EUR", "0").await;
    // The account held elsewhere, so the DELETE stops after its check.
    let mut holder = world
        .holding(&[format!(
            "SELECT 1 FROM accounts WHERE id = '{account}' FOR UPDATE"
        )])
        .await;
    let path = format!("/families/{family}/accounts/{account}");
    let delete = world.call(&ann, reqwest::Method::DELETE, &path, None, None);
    let probe = async {
        // This test's database only: pg_locks is the whole cluster's, and a
        // row lock's wait names no database.
        let waiting = "SELECT count(*) AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'";
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
        while world.number(waiting).await == 0 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the DELETE never waited"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let mut prober = world.auth.db.connect().await;
        let family_taken = diesel::sql_query(format!(
            "SELECT 1 FROM families WHERE id = '{family}' FOR UPDATE NOWAIT"
        ))
        .execute(&mut prober)
        .await;
        diesel::sql_query("ROLLBACK")
            .execute(&mut holder)
            .await
            .unwrap();
        family_taken
    };
    let (deleted, family_taken) = tokio::join!(delete, probe);
    let err = family_taken.expect_err("the family was not held while the DELETE waited");
    assert!(err.to_string().contains("could not obtain lock"), "{err}");
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_eq!(
        world
            .number(&format!(
                "SELECT count(*) AS n FROM accounts WHERE id = '{account}'"
            ))
            .await,
        0
    );
}
