//! PostgreSQL or Redis down or silent: 503 `unavailable` within 2 s that
//! recorded nothing; a key retried through it all records once; recovery
//! without a restart.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;
use test_support::ProxyMode;

use crate::helpers::{Answer, World};

fn unavailable(answer: &Answer) {
    assert_eq!(
        (answer.status.as_u16(), answer.code()),
        (503, "unavailable"),
        "{}",
        answer.body
    );
    assert_eq!(answer.headers["retry-after"], "2");
}

async fn setup(world: &World) -> (crate::helpers::User, String, String, String) {
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let account = world.account(&ann, &family, "EUR", "0").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    (ann, family, account, food)
}

#[tokio::test]
async fn postgres_down_or_silent_is_503_fast_and_a_retried_key_records_once() {
    let world = crate::helpers::world_behind_db_proxy().await;
    let (ann, family, account, food) = setup(&world).await;
    let path = format!("/families/{family}/transactions");
    let body =
        json!({"kind": "expense", "account_id": account, "category_id": food, "amount": "2.00"});
    for mode in [ProxyMode::Refuse, ProxyMode::Silent] {
        world.db_proxy().set_mode(mode);
        let started = Instant::now();
        let answer = world
            .call(
                &ann,
                Method::POST,
                &path,
                Some(body.clone()),
                Some("retry-me"),
            )
            .await;
        unavailable(&answer);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        unavailable(
            &world
                .get(&ann, &format!("/families/{family}/accounts/{account}"))
                .await,
        );
    }
    world.db_proxy().set_mode(ProxyMode::Forward);
    let mut created = None;
    for _ in 0..50 {
        let answer = world
            .call(
                &ann,
                Method::POST,
                &path,
                Some(body.clone()),
                Some("retry-me"),
            )
            .await;
        if answer.status == 201 {
            created = Some(answer);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(created.is_some(), "the service recovered by itself");
    let replay = world
        .call(
            &ann,
            Method::POST,
            &path,
            Some(body.clone()),
            Some("retry-me"),
        )
        .await;
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    assert_eq!(world.balance(&ann, &family, &account).await, "-2.00");
}

#[tokio::test]
async fn the_session_store_down_is_503_and_nothing_is_recorded() {
    let world = crate::helpers::world_behind_redis_proxy().await;
    let (ann, family, account, food) = setup(&world).await;
    world.redis_proxy().set_mode(ProxyMode::Refuse);
    let started = Instant::now();
    unavailable(&world.expense(&ann, &family, &account, &food, "1").await);
    assert!(started.elapsed() < Duration::from_secs(2));
    world.redis_proxy().set_mode(ProxyMode::Silent);
    let started = Instant::now();
    unavailable(&world.get(&ann, "/families").await);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // Reads are refused as writes are, whether Redis refuses or is silent.
    for mode in [ProxyMode::Refuse, ProxyMode::Silent] {
        world.redis_proxy().set_mode(mode);
        let started = Instant::now();
        unavailable(
            &world
                .get(&ann, &format!("/families/{family}/accounts/{account}"))
                .await,
        );
        unavailable(
            &world
                .get(&ann, &format!("/families/{family}/transactions"))
                .await,
        );
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{mode:?}: {:?}",
            started.elapsed()
        );
    }
    let ready = world
        .client
        .get(format!("{}/health/ready", world.finance))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    world.redis_proxy().set_mode(ProxyMode::Forward);
    assert_eq!(world.balance(&ann, &family, &account).await, "0.00");
}
