//! Telegram identities: one-tap registration, tokens for the bot, and binding
//! a Telegram identity to an email account (with the merge).

use auth_types::TokenKind;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{PUBLIC_WEB_URL, keys, spawn_app};

const TG: i64 = 777_000_111;

#[tokio::test]
async fn telegram_register_is_idempotent_and_opens_a_session_each_time() {
    let app = spawn_app().await;
    let first = app.telegram_register(TG).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let first = first.tokens();
    assert_eq!(first.user.telegram_id, Some(TG));
    assert_eq!(first.user.telegram_username.as_deref(), Some("tg_user"));
    assert_eq!(first.user.display_name.as_deref(), Some("Tele Gram"));
    assert_eq!(first.user.email, None);

    let again = app.telegram_register(TG).await;
    assert_eq!(again.status, StatusCode::OK);
    let again = again.tokens();
    assert_eq!(again.user.id, first.user.id);
    let sid = |t: &str| keys().verify(t, TokenKind::Access).expect("valid").sid;
    assert_ne!(sid(&first.access_token), sid(&again.access_token));
    assert_eq!(app.me(&first.access_token).await.body["telegram_id"], TG);
    assert_eq!(app.user_count().await, 1);
}

#[tokio::test]
async fn concurrent_telegram_registrations_make_one_user() {
    let app = spawn_app().await;
    let answers = futures_util::future::join_all((0..20).map(|_| app.telegram_register(TG))).await;
    let created = answers
        .iter()
        .filter(|a| a.status == StatusCode::CREATED)
        .count();
    let existing = answers
        .iter()
        .filter(|a| a.status == StatusCode::OK)
        .count();
    assert_eq!((created, existing), (1, 19));
    let ids: std::collections::HashSet<_> = answers.iter().map(|a| a.tokens().user.id).collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(app.user_count().await, 1);
}

#[tokio::test]
async fn invalid_telegram_ids_are_422() {
    let app = spawn_app().await;
    for id in [json!(0), json!(-5), json!("abc"), json!(1.5)] {
        let problem = app
            .post_signed("/api/v1/auth/telegram/register", json!({"telegram_id": id}))
            .await
            .problem(422, "validation_failed");
        assert_eq!(problem.errors[0].field, "telegram_id");
    }
}

#[tokio::test]
async fn token_get_opens_a_session_for_registered_identities_only() {
    let app = spawn_app().await;
    app.post_signed("/api/v1/auth/token/get", json!({"telegram_id": TG}))
        .await
        .problem(404, "not_registered");
    let registered = app.telegram_register(TG).await.tokens();
    let answer = app
        .post_signed("/api/v1/auth/token/get", json!({"telegram_id": TG}))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let tokens = answer.tokens();
    assert_eq!(tokens.user.id, registered.user.id);
    assert_eq!(app.me(&tokens.access_token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn refresh_telegram_rotates_only_for_the_identity_that_holds_the_session() {
    let app = spawn_app().await;
    let tokens = app.telegram_register(TG).await.tokens();
    let other = app.telegram_register(TG + 1).await.tokens();
    let path = "/api/v1/auth/token/refresh-telegram";

    // Someone else's identity, or an identity nobody holds: refused, session untouched.
    app.post_signed(
        path,
        json!({"telegram_id": TG + 1, "refresh_token": tokens.refresh_token}),
    )
    .await
    .problem(401, "invalid_refresh_token");
    app.post_signed(
        path,
        json!({"telegram_id": 99, "refresh_token": tokens.refresh_token}),
    )
    .await
    .problem(401, "invalid_refresh_token");
    app.post_signed(
        path,
        json!({"telegram_id": TG, "refresh_token": tokens.access_token}),
    )
    .await
    .problem(401, "invalid_refresh_token");

    let rotated = app
        .post_signed(
            path,
            json!({"telegram_id": TG, "refresh_token": tokens.refresh_token}),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    assert_ne!(rotated.tokens().refresh_token, tokens.refresh_token);
    let rotated = app
        .post_signed(
            path,
            json!({"telegram_id": TG, "refresh_token": rotated.tokens().refresh_token}),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    // Two rotations ago, past the retry grace: a reuse, which ends the session.
    app.post_signed(
        path,
        json!({"telegram_id": TG, "refresh_token": tokens.refresh_token}),
    )
    .await
    .problem(401, "token_reused");
    app.me(&rotated.tokens().access_token)
        .await
        .problem(401, "unauthorized");
    assert_eq!(app.me(&other.access_token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn telegram_start_issues_a_single_use_link_code() {
    let app = spawn_app().await;
    let answer = app
        .post_signed(
            "/api/v1/auth/telegram/start",
            json!({"telegram_id": TG, "first_name": "Ann"}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED);
    let code = answer.body["code"].as_str().expect("code");
    assert!(code.len() >= 22, "at least 128 bits: {code}");
    assert!(
        code.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    assert_eq!(
        answer.body["link_url"],
        format!("{PUBLIC_WEB_URL}/link?code={code}")
    );
    assert_eq!(answer.body["expires_in"], 600);
    // Redis holds only a hash of the code.
    let keys = app.redis.keys().await;
    assert!(keys.iter().any(|k| k.starts_with("link_code:")));
    assert!(!keys.iter().any(|k| k.contains(code)));
    let second = app.link_code(TG).await;
    assert_ne!(second, code);
}

#[tokio::test]
async fn confirming_binds_an_unbound_identity_to_the_caller_once() {
    let app = spawn_app().await;
    let ann = app.signed_up("ann@example.com").await;
    let code = app.link_code(TG).await;

    let answer = app.confirm(&ann.access_token, &code).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["telegram_id"], TG);
    assert_eq!(answer.body["telegram_username"], "tg_user");
    assert_eq!(answer.body["email"], "ann@example.com");
    assert_eq!(app.me(&ann.access_token).await.body["telegram_id"], TG);

    // The code worked once.
    app.confirm(&ann.access_token, &code)
        .await
        .problem(404, "invalid_code");
    // The bot now gets the email account's tokens for this identity.
    let bot = app
        .post_signed("/api/v1/auth/token/get", json!({"telegram_id": TG}))
        .await
        .tokens();
    assert_eq!(bot.user.id, ann.user.id);
}

#[tokio::test]
async fn confirming_an_identity_already_bound_to_the_caller_changes_nothing() {
    let app = spawn_app().await;
    let ann = app.signed_up("ann@example.com").await;
    app.confirm(&ann.access_token, &app.link_code(TG).await)
        .await;
    let answer = app
        .confirm(&ann.access_token, &app.link_code(TG).await)
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body["telegram_id"], TG);
}

#[tokio::test]
async fn an_identity_bound_to_another_email_user_is_a_conflict_and_uses_the_code_up() {
    let app = spawn_app().await;
    let ann = app.signed_up("ann@example.com").await;
    let bob = app.signed_up("bob@example.com").await;
    app.confirm(&ann.access_token, &app.link_code(TG).await)
        .await;

    let code = app.link_code(TG).await;
    app.confirm(&bob.access_token, &code)
        .await
        .problem(409, "telegram_already_linked");
    app.confirm(&bob.access_token, &code)
        .await
        .problem(404, "invalid_code");
    assert_eq!(app.me(&ann.access_token).await.body["telegram_id"], TG);
    assert_eq!(
        app.me(&bob.access_token).await.body["telegram_id"],
        serde_json::Value::Null
    );
}

#[tokio::test]
async fn a_caller_linked_to_another_identity_cannot_take_a_second_one() {
    let app = spawn_app().await;
    let ann = app.signed_up("ann@example.com").await;
    app.confirm(&ann.access_token, &app.link_code(TG).await)
        .await;
    let code = app.link_code(TG + 1).await;
    app.confirm(&ann.access_token, &code)
        .await
        .problem(409, "telegram_already_linked");
    assert_eq!(app.me(&ann.access_token).await.body["telegram_id"], TG);
    // The other identity is still free.
    app.post_signed("/api/v1/auth/token/get", json!({"telegram_id": TG + 1}))
        .await
        .problem(404, "not_registered");
}

#[tokio::test]
async fn a_telegram_only_account_is_merged_into_the_caller() {
    let app = spawn_app().await;
    let telegram_only = app.telegram_register(TG).await.tokens();
    let ann = app.signed_up("ann@example.com").await;
    assert_eq!(app.user_count().await, 2);

    let answer = app
        .confirm(&ann.access_token, &app.link_code(TG).await)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["id"], ann.user.id.to_string());
    assert_eq!(answer.body["telegram_id"], TG);
    assert_eq!(answer.body["email"], "ann@example.com");
    assert_eq!(app.user_count().await, 1, "the Telegram-only user is gone");

    // Its sessions are revoked: its tokens stop working at once.
    app.me(&telegram_only.access_token)
        .await
        .problem(401, "unauthorized");
    app.post_signed(
        "/api/v1/auth/token/refresh-telegram",
        json!({"telegram_id": TG, "refresh_token": telegram_only.refresh_token}),
    )
    .await
    .problem(401, "invalid_refresh_token");
    // The bot falls back to token/get and lands in the merged account.
    let bot = app
        .post_signed("/api/v1/auth/token/get", json!({"telegram_id": TG}))
        .await
        .tokens();
    assert_eq!(bot.user.id, ann.user.id);
    assert_eq!(bot.user.email.as_deref(), Some("ann@example.com"));
}

#[tokio::test]
async fn unknown_and_expired_codes_are_invalid() {
    let app = spawn_app().await;
    let ann = app.signed_up("ann@example.com").await;
    for code in ["", "nope", &"x".repeat(500)] {
        app.confirm(&ann.access_token, code)
            .await
            .problem(404, "invalid_code");
    }
    // Expiry: the code's key is gone from Redis when its 600 s are up.
    let code = app.link_code(TG).await;
    let key = app
        .redis
        .keys()
        .await
        .into_iter()
        .find(|k| k.starts_with("link_code:"))
        .expect("code key");
    let mut conn = app.redis.connect().await;
    let ttl: i64 = redis::cmd("TTL")
        .arg(format!("{}{key}", app.redis.prefix()))
        .query_async(&mut conn)
        .await
        .expect("ttl");
    assert!((590..=600).contains(&ttl), "lives 600 s: {ttl}");
    let _: () = redis::cmd("EXPIRE")
        .arg(format!("{}{key}", app.redis.prefix()))
        .arg(0)
        .query_async(&mut conn)
        .await
        .expect("expire");
    app.confirm(&ann.access_token, &code)
        .await
        .problem(404, "invalid_code");
    assert_eq!(
        app.me(&ann.access_token).await.body["telegram_id"],
        serde_json::Value::Null
    );
}

#[tokio::test]
async fn confirm_needs_a_bearer_token() {
    let app = spawn_app().await;
    let code = app.link_code(TG).await;
    let answer = app
        .post("/api/v1/auth/telegram/confirm", json!({"code": code}))
        .await;
    answer.problem(401, "unauthorized");
}
