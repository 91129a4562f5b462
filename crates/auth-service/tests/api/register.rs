use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn register_creates_an_account_and_returns_a_token_pair() {
    let app = spawn_app().await;
    let answer = app
        .post(
            "/api/v1/auth/register",
            json!({"email": "  Ann@Example.COM ", "password": PASSWORD, "display_name": " Ann "}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let tokens = answer.tokens();
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.expires_in, 900);
    assert_eq!(tokens.refresh_expires_in, 2_592_000);
    assert_eq!(tokens.user.email.as_deref(), Some("ann@example.com"));
    assert_eq!(tokens.user.display_name.as_deref(), Some("Ann"));
    assert!(!tokens.user.email_verified);
    assert_eq!(tokens.user.telegram_id, None);
    assert!(answer.body["user"].get("password_hash").is_none());

    // The access token works, and the stored password is a bcrypt hash.
    assert_eq!(
        app.me(&tokens.access_token).await.body["email"],
        "ann@example.com"
    );
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let mut conn = app.db.connect().await;
    let hash: Option<String> = auth_service::db::schema::users::table
        .select(auth_service::db::schema::users::password_hash)
        .first(&mut conn)
        .await
        .expect("row");
    let hash = hash.expect("hash stored");
    assert!(hash.starts_with("$2"), "bcrypt hash: {hash}");
    assert!(!hash.contains(PASSWORD));
}

#[tokio::test]
async fn an_email_is_taken_whatever_its_case() {
    let app = spawn_app().await;
    app.signed_up("ann@example.com").await;
    app.register("ANN@example.com", "another password")
        .await
        .problem(409, "email_taken");
    assert_eq!(app.user_count().await, 1);
}

#[tokio::test]
async fn every_invalid_field_is_reported_at_once() {
    let app = spawn_app().await;
    let answer = app
        .post(
            "/api/v1/auth/register",
            json!({"email": "not-an-email", "password": "short", "display_name": "   "}),
        )
        .await;
    let problem = answer.problem(422, "validation_failed");
    let fields: Vec<(&str, &str)> = problem
        .errors
        .iter()
        .map(|e| (e.field.as_str(), e.code.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("email", "invalid_email"),
            ("password", "weak_password"),
            ("display_name", "invalid_value")
        ]
    );
    assert_eq!(app.user_count().await, 0);
}

#[tokio::test]
async fn a_password_over_72_bytes_is_refused_not_truncated() {
    let app = spawn_app().await;
    // 24 three-byte characters: 72 bytes is fine, 25 (75 bytes) is not.
    let ok = app.register("ok@example.com", &"€".repeat(24)).await;
    assert_eq!(ok.status, StatusCode::CREATED);
    let problem = app
        .register("long@example.com", &"€".repeat(25))
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem.errors[0].field, "password");
    assert_eq!(problem.errors[0].code, "password_too_long");
}

#[tokio::test]
async fn missing_and_mistyped_fields_are_422_naming_the_field() {
    let app = spawn_app().await;
    for (body, field) in [
        (json!({"password": PASSWORD}), "email"),
        (json!({"email": "a@example.com"}), "password"),
        (json!({"email": 42, "password": PASSWORD}), "email"),
        (
            json!({"email": "a@example.com", "password": PASSWORD, "display_name": 7}),
            "display_name",
        ),
    ] {
        let problem = app
            .post("/api/v1/auth/register", body.clone())
            .await
            .problem(422, "validation_failed");
        assert_eq!(problem.errors[0].field, field, "{body}");
        assert_eq!(problem.errors[0].code, "invalid_value");
    }
}

#[tokio::test]
async fn unknown_fields_are_ignored() {
    let app = spawn_app().await;
    let answer = app
        .post(
            "/api/v1/auth/register",
            json!({"email": "ann@example.com", "password": PASSWORD, "role": "admin"}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED);
}

#[tokio::test]
async fn fifty_simultaneous_registrations_of_one_email_make_one_account() {
    let app = spawn_app().await;
    let attempts = (0..50).map(|i| {
        let app = &app;
        async move {
            app.register("race@example.com", &format!("password-{i}"))
                .await
        }
    });
    let answers = futures_util::future::join_all(attempts).await;
    let created = answers
        .iter()
        .filter(|a| a.status == StatusCode::CREATED)
        .count();
    let conflicts = answers
        .iter()
        .filter(|a| a.status == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, conflicts), (1, 49));
    for answer in answers.iter().filter(|a| a.status == StatusCode::CONFLICT) {
        answer.problem(409, "email_taken");
    }
    assert_eq!(app.user_count().await, 1);
}
