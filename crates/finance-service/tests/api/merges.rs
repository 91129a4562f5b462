//! A Telegram-only user merged into an email user (auth service's
//! telegram/confirm): their families and records become the survivor's, once,
//! even when the finance service was down at the time.

use serde_json::{Value, json};

use crate::helpers::{User, World, world};

/// A Telegram-only user (the bot's sign-up), signed in.
async fn telegram_user(world: &World, telegram_id: i64) -> User {
    let body = world
        .post_signed(
            "/api/v1/auth/telegram/register",
            json!({"telegram_id": telegram_id, "first_name": "Tg"}),
        )
        .await;
    User {
        id: body["user"]["id"].as_str().unwrap().to_owned(),
        token: body["access_token"].as_str().unwrap().to_owned(),
        refresh: body["refresh_token"].as_str().unwrap().to_owned(),
        email: String::new(),
    }
}

/// `user` confirms a binding code of `telegram_id`: the merge.
async fn merge(world: &World, user: &User, telegram_id: i64) {
    let started = world
        .post_signed(
            "/api/v1/auth/telegram/start",
            json!({"telegram_id": telegram_id, "username": "tg"}),
        )
        .await;
    let code = started["code"].as_str().unwrap();
    let confirmed = world
        .client
        .post(world.auth.endpoint("/api/v1/auth/telegram/confirm"))
        .bearer_auth(&user.token)
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), 200);
}

async fn wait_for(world: &World, user: &User, expected_families: usize) -> Value {
    for _ in 0..100 {
        let families = world.get(user, "/families").await;
        if families.body["items"].as_array().map(Vec::len) == Some(expected_families) {
            return families.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the merge was not applied")
}

#[tokio::test]
async fn a_merged_users_families_and_records_move_to_the_survivor_once() {
    let world = world().await;
    let ann = world.user("ann").await;
    let tg = telegram_user(&world, 7001).await;
    let ann_family = world.personal_family(&ann).await;
    let tg_family = world.personal_family(&tg).await;
    // Both in one shared family: the higher role stays.
    world.join(&ann, &ann_family, &tg, "member").await;
    let shared = world.family(&tg, "EUR").await;
    world.join(&tg, &shared, &ann, "viewer").await;
    let account = world.account(&tg, &tg_family, "EUR", "0").await;
    let food = world
        .category(&tg, &tg_family, "expense", "Groceries")
        .await;
    let tx = world
        .expense(&tg, &tg_family, &account, &food, "4.20")
        .await;
    merge(&world, &ann, 7001).await;
    let families = wait_for(&world, &ann, 3).await;
    let roles: Vec<(&str, &str)> = families["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap(), f["role"].as_str().unwrap()))
        .collect();
    assert!(roles.contains(&(tg_family.as_str(), "owner")), "{roles:?}");
    assert!(roles.contains(&(shared.as_str(), "owner")), "{roles:?}");
    assert!(roles.contains(&(ann_family.as_str(), "owner")), "{roles:?}");
    let moved = world
        .get(
            &ann,
            &format!(
                "/families/{tg_family}/transactions/{}",
                tx.body["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(moved.body["created_by"], ann.id.as_str());
    let members = world
        .get(&ann, &format!("/families/{ann_family}/members"))
        .await;
    assert_eq!(
        members.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        members.body
    );
    // Applying the outbox again changes nothing.
    assert_eq!(
        finance_service::merges::apply_pending(&world.state)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        world.get(&ann, "/families").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn a_merge_while_the_finance_service_cannot_reach_its_database_is_applied_once_when_it_can() {
    let world = crate::helpers::world_behind_db_proxy().await;
    let ann = world.user("ann").await;
    let tg = telegram_user(&world, 7002).await;
    world.personal_family(&ann).await;
    let tg_family = world.personal_family(&tg).await;
    let account = world.account(&tg, &tg_family, "EUR", "1").await;
    world.db_proxy().set_mode(test_support::ProxyMode::Refuse);
    merge(&world, &ann, 7002).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    // Back: the service's own watcher and a second replica race for the row.
    world.db_proxy().set_mode(test_support::ProxyMode::Forward);
    let second = crate::helpers::start_second_finance(&world);
    let raced = finance_service::merges::apply_pending(&second)
        .await
        .unwrap();
    assert!(raced <= 1);
    let families = wait_for(&world, &ann, 2).await;
    assert!(
        families["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == tg_family.as_str())
    );
    assert_eq!(world.balance(&ann, &tg_family, &account).await, "1.00");
    assert_eq!(
        finance_service::merges::apply_pending(&second)
            .await
            .unwrap(),
        0
    );
    let members = world
        .get(&ann, &format!("/families/{tg_family}/members"))
        .await;
    let ids: Vec<&str> = members.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [ann.id.as_str()]);
}
