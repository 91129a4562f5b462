use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn logout_revokes_the_session_and_its_access_token_at_once() {
    let app = spawn_app().await;
    let tokens = app.signed_up("ann@example.com").await;
    let answer = app.logout(&tokens.access_token).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert_eq!(answer.body, serde_json::Value::Null);

    app.me(&tokens.access_token)
        .await
        .problem(401, "unauthorized");
    app.refresh(&tokens.refresh_token)
        .await
        .problem(401, "invalid_refresh_token");
    app.logout(&tokens.access_token)
        .await
        .problem(401, "unauthorized");
    // The revoked access token is deny-listed for the rest of its life.
    let jti = crate::helpers::keys()
        .verify(&tokens.access_token, auth_types::TokenKind::Access)
        .expect("valid")
        .jti;
    assert!(app.redis.keys().await.contains(&format!("revoked:{jti}")));
}

#[tokio::test]
async fn logout_ends_only_the_callers_session() {
    let app = spawn_app().await;
    let phone = app.signed_up("ann@example.com").await;
    let laptop = app.login("ann@example.com", PASSWORD).await.tokens();
    assert_eq!(
        app.logout(&phone.access_token).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.me(&laptop.access_token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn logout_with_a_refresh_token_of_another_own_session_ends_both() {
    let app = spawn_app().await;
    let phone = app.signed_up("ann@example.com").await;
    let laptop = app.login("ann@example.com", PASSWORD).await.tokens();
    let answer = app
        .post_with_token(
            "/api/v1/auth/logout",
            &phone.access_token,
            Some(json!({"refresh_token": laptop.refresh_token})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    app.refresh(&laptop.refresh_token)
        .await
        .problem(401, "invalid_refresh_token");
}

#[tokio::test]
async fn logout_never_ends_another_users_session() {
    let app = spawn_app().await;
    let ann = app.signed_up("ann@example.com").await;
    let bob = app.signed_up("bob@example.com").await;
    let answer = app
        .post_with_token(
            "/api/v1/auth/logout",
            &ann.access_token,
            Some(json!({"refresh_token": bob.refresh_token})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert_eq!(app.refresh(&bob.refresh_token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn logout_checks_the_token_before_the_body() {
    let app = spawn_app().await;
    let answer = crate::helpers::Answer::from(
        app.client
            .post(app.url("/api/v1/auth/logout"))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .expect("send"),
    )
    .await;
    answer.problem(401, "unauthorized");
    assert_eq!(answer.header("www-authenticate"), Some("Bearer"));

    // With a valid token, the broken body is what gets refused.
    let tokens = app.signed_up("ann@example.com").await;
    let answer = crate::helpers::Answer::from(
        app.client
            .post(app.url("/api/v1/auth/logout"))
            .bearer_auth(&tokens.access_token)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .expect("send"),
    )
    .await;
    answer.problem(400, "malformed_request");
    // Nothing was revoked by the refused request.
    assert_eq!(app.me(&tokens.access_token).await.status, StatusCode::OK);
}
