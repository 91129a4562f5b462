//! The finance service trusts the auth service's tokens and sessions.

use serde_json::json;

use crate::helpers::{User, World, world};

/// Ends the user's session at the auth service.
async fn log_out(world: &World, user: &User) {
    let logout = world
        .client
        .post(world.auth.endpoint("/api/v1/auth/logout"))
        .bearer_auth(&user.token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);
}

#[tokio::test]
async fn a_logged_out_token_is_refused_at_once() {
    let world = world().await;
    let ann = world.user("ann").await;
    assert_eq!(world.get(&ann, "/families").await.status, 200);
    log_out(&world, &ann).await;
    let refused = world.get(&ann, "/families").await;
    assert_eq!(
        (refused.status.as_u16(), refused.code()),
        (401, "unauthorized")
    );
    assert_eq!(refused.headers["www-authenticate"], "Bearer");
}

#[tokio::test]
async fn tokens_that_are_not_live_access_tokens_are_refused() {
    let world = world().await;
    let ann = world.user("ann").await;
    let mut refresh_as_access = ann.clone();
    refresh_as_access.token = ann.refresh.clone();
    let mut garbage = ann.clone();
    garbage.token = "not.a.jwt".into();
    for user in [&refresh_as_access, &garbage] {
        assert_eq!(world.get(user, "/families").await.status, 401);
    }
    let none = world
        .client
        .get(world.url("/families"))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 401);
    // A session that is not the token's user's: the session key rewritten.
    let bob = world.user("bob").await;
    world.get(&bob, "/families").await;
    use base64::Engine;
    let payload = bob.token.split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    let mut redis = redis::Client::open(world.auth.redis.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let key = format!(
        "{}session:{}",
        world.auth.redis.prefix(),
        claims["sid"].as_str().unwrap()
    );
    let _: () = redis::cmd("HSET")
        .arg(&key)
        .arg("user_id")
        .arg(&ann.id)
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(world.get(&bob, "/families").await.status, 401);
}

/// Every read (each of the read helpers) refuses a token that is no longer
/// live, with what it would have found never answered; the 401 comes before
/// the 404 of a family ann is not in and of a malformed id.
#[tokio::test]
async fn a_logged_out_token_reads_nothing_and_is_refused_before_anything_else() {
    let world = world().await;
    let (ann, bob) = (world.user("ann").await, world.user("bob").await);
    let family = world.family(&ann, "EUR").await;
    let theirs = world.family(&bob, "EUR").await;
    let account = world.account(&ann, &family, "EUR", "12").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let spent = world.expense(&ann, &family, &account, &food, "2").await;
    let transaction = spent.body["id"].as_str().unwrap().to_owned();
    let reads = [
        format!("/families/{family}/accounts/{account}"),
        format!("/families/{family}/accounts"),
        format!("/families/{family}/transactions"),
        format!("/families/{family}/transactions/{transaction}"),
        format!("/families/{family}/categories/{food}"),
        format!("/families/{family}/budgets"),
        format!("/families/{family}/goals"),
    ];
    for path in &reads {
        assert_eq!(world.get(&ann, path).await.status, 200, "{path}");
    }
    let outside = [
        format!("/families/{theirs}/accounts"),
        format!("/families/{family}/accounts/not-an-id"),
        "/families/not-an-id/transactions".to_owned(),
    ];
    for path in &outside {
        assert_eq!(world.get(&ann, path).await.status, 404, "{path}");
    }
    log_out(&world, &ann).await;
    for path in reads.iter().chain(&outside) {
        let refused = world.get(&ann, path).await;
        assert_eq!(
            (refused.status.as_u16(), refused.code()),
            (401, "unauthorized"),
            "{path}: {}",
            refused.body
        );
        assert_eq!(refused.headers["www-authenticate"], "Bearer", "{path}");
    }
}
