//! Email verification and password recovery and change, with a real SMTP sink.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use test_support::{ProxyMode, TcpProxy};

use crate::helpers::{PASSWORD, PUBLIC_WEB_URL, spawn_app, spawn_app_with, spawn_app_with_mail};

const MAIL_WAIT: Duration = Duration::from_secs(10);
const ANN: &str = "ann@example.com";

#[tokio::test]
async fn register_sends_a_verification_email_whose_token_works_once() {
    let (app, mail) = spawn_app_with_mail(vec![]).await;
    let ann = app.signed_up(ANN).await;
    let email = &mail.wait_for(ANN, 1, MAIL_WAIT).await[0];
    assert_eq!(email.subject, "Confirm your email address");
    assert!(
        email
            .text
            .contains(&format!("{PUBLIC_WEB_URL}/verify-email?token=")),
        "{}",
        email.text
    );
    assert!(
        email.html.contains("verify-email?token="),
        "an HTML part too"
    );
    let token = email.token_for("verify-email").expect("token in the link");
    assert!(token.len() >= 22);

    let answer = app
        .post("/api/v1/auth/email/verify", json!({"token": token}))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["email_verified"], true);
    assert_eq!(app.me(&ann.access_token).await.body["email_verified"], true);
    app.post("/api/v1/auth/email/verify", json!({"token": token}))
        .await
        .problem(404, "invalid_code");
}

#[tokio::test]
async fn a_new_verification_email_replaces_the_older_token() {
    let (app, mail) = spawn_app_with_mail(vec![]).await;
    let ann = app.signed_up(ANN).await;
    let first = mail.wait_for(ANN, 1, MAIL_WAIT).await[0]
        .token_for("verify-email")
        .expect("token");
    let answer = app
        .post_with_token("/api/v1/auth/email/verify/send", &ann.access_token, None)
        .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED);
    assert_eq!(answer.body, json!({"status": "accepted"}));
    let second = mail.wait_for(ANN, 2, MAIL_WAIT).await[1]
        .token_for("verify-email")
        .expect("token");
    assert_ne!(first, second);

    app.post("/api/v1/auth/email/verify", json!({"token": first}))
        .await
        .problem(404, "invalid_code");
    let ok = app
        .post("/api/v1/auth/email/verify", json!({"token": second}))
        .await;
    assert_eq!(ok.status, StatusCode::OK);

    // Once verified, asking again sends nothing.
    let again = app
        .post_with_token("/api/v1/auth/email/verify/send", &ann.access_token, None)
        .await;
    assert_eq!(again.status, StatusCode::ACCEPTED);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(mail.messages_to(ANN).len(), 2);
}

#[tokio::test]
async fn an_expired_verification_token_is_refused() {
    let (app, mail) = spawn_app_with_mail(vec![("VERIFY_TOKEN_TTL_SECS", "1".into())]).await;
    app.signed_up(ANN).await;
    let token = mail.wait_for(ANN, 1, MAIL_WAIT).await[0]
        .token_for("verify-email")
        .expect("token");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    app.post("/api/v1/auth/email/verify", json!({"token": token}))
        .await
        .problem(404, "invalid_code");
}

#[tokio::test]
async fn tokens_are_stored_only_as_hashes() {
    let (app, mail) = spawn_app_with_mail(vec![]).await;
    app.signed_up(ANN).await;
    let token = mail.wait_for(ANN, 1, MAIL_WAIT).await[0]
        .token_for("verify-email")
        .expect("token");
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let mut conn = app.db.connect().await;
    let stored: Vec<Vec<u8>> = auth_service::db::schema::account_tokens::table
        .select(auth_service::db::schema::account_tokens::token_hash)
        .load(&mut conn)
        .await
        .expect("rows");
    assert_eq!(stored, vec![auth_service::mail::token_hash(&token)]);
    assert_ne!(stored[0], token.as_bytes());
}

#[tokio::test]
async fn without_a_mail_server_register_works_and_email_endpoints_are_unavailable() {
    let app = spawn_app().await;
    let ann = app.signed_up(ANN).await;
    let send = app
        .post_with_token("/api/v1/auth/email/verify/send", &ann.access_token, None)
        .await;
    send.problem(503, "unavailable");
    app.post("/api/v1/auth/password/forgot", json!({"email": ANN}))
        .await
        .problem(503, "unavailable");
}

#[tokio::test]
async fn an_account_without_email_cannot_ask_for_verification() {
    let (app, _mail) = spawn_app_with_mail(vec![]).await;
    let telegram = app.telegram_register(4242).await.tokens();
    app.post_with_token(
        "/api/v1/auth/email/verify/send",
        &telegram.access_token,
        None,
    )
    .await
    .problem(409, "no_email");
}

#[tokio::test]
async fn forgot_answers_alike_for_known_and_unknown_emails_and_mails_only_the_known() {
    let (app, mail) = spawn_app_with_mail(vec![]).await;
    app.signed_up(ANN).await;
    mail.wait_for(ANN, 1, MAIL_WAIT).await;

    let known = app
        .post(
            "/api/v1/auth/password/forgot",
            json!({"email": "ANN@example.com"}),
        )
        .await;
    let unknown = app
        .post(
            "/api/v1/auth/password/forgot",
            json!({"email": "nobody@example.com"}),
        )
        .await;
    assert_eq!(
        (known.status, unknown.status),
        (StatusCode::ACCEPTED, StatusCode::ACCEPTED)
    );
    assert_eq!(known.body, unknown.body);

    let reset = &mail.wait_for(ANN, 2, MAIL_WAIT).await[1];
    assert_eq!(reset.subject, "Reset your Finance Bot password");
    assert!(reset.token_for("reset-password").is_some());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(mail.messages_to("nobody@example.com").is_empty());
    assert_eq!(mail.messages().len(), 2);
}

#[tokio::test]
async fn a_reset_sets_the_password_ends_every_session_and_verifies_the_email() {
    let (app, mail) = spawn_app_with_mail(vec![]).await;
    let phone = app.signed_up(ANN).await;
    let laptop = app.login(ANN, PASSWORD).await.tokens();
    mail.wait_for(ANN, 1, MAIL_WAIT).await;
    let token = app.reset_token(&mail, ANN, 2).await;

    // A refused password uses up no token.
    app.post(
        "/api/v1/auth/password/reset",
        json!({"token": token, "password": "short"}),
    )
    .await
    .problem(422, "validation_failed");
    let answer = app
        .post(
            "/api/v1/auth/password/reset",
            json!({"token": token, "password": "a brand new secret"}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.body);

    for tokens in [&phone, &laptop] {
        app.me(&tokens.access_token)
            .await
            .problem(401, "unauthorized");
        app.refresh(&tokens.refresh_token)
            .await
            .problem(401, "invalid_refresh_token");
    }
    app.login(ANN, PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    let fresh = app.login(ANN, "a brand new secret").await;
    assert_eq!(fresh.status, StatusCode::OK);
    assert!(fresh.tokens().user.email_verified);
    // The token worked once.
    app.post(
        "/api/v1/auth/password/reset",
        json!({"token": token, "password": "yet another secret"}),
    )
    .await
    .problem(404, "invalid_code");
}

#[tokio::test]
async fn an_expired_or_replaced_reset_token_is_refused() {
    let (app, mail) = spawn_app_with_mail(vec![("RESET_TOKEN_TTL_SECS", "1".into())]).await;
    app.signed_up(ANN).await;
    mail.wait_for(ANN, 1, MAIL_WAIT).await;
    let first = app.reset_token(&mail, ANN, 2).await;
    let second = app.reset_token(&mail, ANN, 3).await;
    app.post(
        "/api/v1/auth/password/reset",
        json!({"token": first, "password": "a brand new secret"}),
    )
    .await
    .problem(404, "invalid_code");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    app.post(
        "/api/v1/auth/password/reset",
        json!({"token": second, "password": "a brand new secret"}),
    )
    .await
    .problem(404, "invalid_code");
    assert_eq!(app.login(ANN, PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn change_needs_the_current_password_and_keeps_only_the_calling_session() {
    let app = spawn_app().await;
    let phone = app.signed_up(ANN).await;
    let laptop = app.login(ANN, PASSWORD).await.tokens();
    let path = "/api/v1/auth/password/change";

    app.post_with_token(
        path,
        &phone.access_token,
        Some(json!({"current_password": "wrong one!", "new_password": "a brand new secret"})),
    )
    .await
    .problem(401, "invalid_credentials");
    let weak = app
        .post_with_token(
            path,
            &phone.access_token,
            Some(json!({"current_password": PASSWORD, "new_password": "short"})),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(weak.errors[0].field, "new_password");

    let answer = app
        .post_with_token(
            path,
            &phone.access_token,
            Some(json!({"current_password": PASSWORD, "new_password": "a brand new secret"})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.body);
    assert_eq!(
        app.me(&phone.access_token).await.status,
        StatusCode::OK,
        "the calling session stays"
    );
    app.me(&laptop.access_token)
        .await
        .problem(401, "unauthorized");
    app.refresh(&laptop.refresh_token)
        .await
        .problem(401, "invalid_refresh_token");
    app.login(ANN, PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    assert_eq!(
        app.login(ANN, "a brand new secret").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_dead_mail_server_delays_the_email_not_the_answer() {
    let sink = test_support::SmtpSink::start().await;
    let proxy = TcpProxy::start(&sink.addr().to_string()).await;
    proxy.set_mode(ProxyMode::Refuse);
    let app = spawn_app_with(vec![("SMTP_URL", format!("smtp://{}", proxy.addr()))]).await;

    let started = std::time::Instant::now();
    app.signed_up(ANN).await;
    let forgot = app
        .post("/api/v1/auth/password/forgot", json!({"email": ANN}))
        .await;
    assert_eq!(forgot.status, StatusCode::ACCEPTED);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "answers did not wait for the mail server"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(sink.messages().is_empty());

    proxy.set_mode(ProxyMode::Forward);
    let mails = sink.wait_for(ANN, 2, Duration::from_secs(20)).await;
    let subjects: Vec<&str> = mails.iter().map(|m| m.subject.as_str()).collect();
    assert!(
        subjects.contains(&"Confirm your email address"),
        "{subjects:?}"
    );
    assert!(
        subjects.contains(&"Reset your Finance Bot password"),
        "{subjects:?}"
    );
}
