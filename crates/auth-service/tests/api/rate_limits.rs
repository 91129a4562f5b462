//! Limits on guessing and flooding: 429 `rate_limited` with `Retry-After`,
//! kept in Redis (shared by every instance), configurable, and off on demand.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Answer, PASSWORD, TestApp, spawn_app_with};

const ANN: &str = "ann@example.com";

fn on(limits: &[(&'static str, &str)]) -> crate::helpers::Overrides {
    let mut overrides: crate::helpers::Overrides = vec![("RATE_LIMITS", "on".into())];
    overrides.extend(limits.iter().map(|(k, v)| (*k, (*v).to_owned())));
    overrides
}

/// Asserts a 429 and returns its Retry-After in seconds.
fn limited(answer: &Answer) -> u64 {
    answer.problem(429, "rate_limited");
    answer
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds")
}

async fn login_from(
    app: &TestApp,
    address: &str,
    forwarded_for: Option<&str>,
    password: &str,
) -> Answer {
    let mut request = app
        .client
        .post(format!("{address}/api/v1/auth/login"))
        .json(&json!({"email": ANN, "password": password}));
    if let Some(xff) = forwarded_for {
        request = request.header("x-forwarded-for", xff);
    }
    Answer::from(request.send().await.expect("send")).await
}

#[tokio::test]
async fn logins_per_address_are_limited_until_the_window_passes() {
    let app = spawn_app_with(on(&[("RATE_LIMIT_LOGIN_IP", "3/2")])).await;
    app.signed_up(ANN).await;
    for _ in 0..3 {
        assert_eq!(
            app.login(ANN, "wrong password").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let retry_after = limited(&app.login(ANN, PASSWORD).await);
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    assert_eq!(app.login(ANN, PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn repeated_failures_lock_an_email_even_against_the_right_password() {
    let app = spawn_app_with(on(&[("RATE_LIMIT_LOGIN_EMAIL_FAILURES", "2/2")])).await;
    app.signed_up(ANN).await;
    app.login(ANN, "wrong password")
        .await
        .problem(401, "invalid_credentials");
    app.login(ANN, "wrong again!!")
        .await
        .problem(401, "invalid_credentials");
    let retry_after = limited(&app.login(ANN, PASSWORD).await);
    // An unknown email is locked the same way: the lock reveals no account.
    let path = "/api/v1/auth/login";
    for _ in 0..2 {
        app.post(
            path,
            json!({"email": "ghost@example.com", "password": "guess1234"}),
        )
        .await
        .problem(401, "invalid_credentials");
    }
    limited(
        &app.post(
            path,
            json!({"email": "ghost@example.com", "password": "guess1234"}),
        )
        .await,
    );

    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    assert_eq!(app.login(ANN, PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn registrations_per_address_are_limited() {
    let app = spawn_app_with(on(&[("RATE_LIMIT_REGISTER_IP", "2/60")])).await;
    app.signed_up("a@example.com").await;
    app.signed_up("b@example.com").await;
    limited(&app.register("c@example.com", PASSWORD).await);
    assert_eq!(app.user_count().await, 2);
}

#[tokio::test]
async fn password_recovery_is_limited_per_email_and_per_address() {
    let (app, _mail) = crate::helpers::spawn_app_with_mail(on(&[
        ("RATE_LIMIT_FORGOT_EMAIL", "1/60"),
        ("RATE_LIMIT_FORGOT_IP", "3/60"),
    ]))
    .await;
    let forgot =
        |email: &'static str| app.post("/api/v1/auth/password/forgot", json!({"email": email}));
    assert_eq!(forgot("a@example.com").await.status, StatusCode::ACCEPTED);
    limited(&forgot("a@example.com").await);
    assert_eq!(forgot("b@example.com").await.status, StatusCode::ACCEPTED);
    // Three from this address so far (the refused one counts): the fourth is refused.
    limited(&forgot("c@example.com").await);
}

#[tokio::test]
async fn verification_emails_are_limited_per_user() {
    let (app, _mail) =
        crate::helpers::spawn_app_with_mail(on(&[("RATE_LIMIT_VERIFY_SEND_USER", "2/60")])).await;
    let ann = app.signed_up(ANN).await;
    let path = "/api/v1/auth/email/verify/send";
    for _ in 0..2 {
        assert_eq!(
            app.post_with_token(path, &ann.access_token, None)
                .await
                .status,
            StatusCode::ACCEPTED
        );
    }
    limited(&app.post_with_token(path, &ann.access_token, None).await);
}

#[tokio::test]
async fn telegram_endpoints_are_limited_per_identity_each_on_its_own() {
    let app = spawn_app_with(on(&[
        ("RATE_LIMIT_TELEGRAM_START", "2/60"),
        ("RATE_LIMIT_TELEGRAM_REGISTER", "2/60"),
    ]))
    .await;
    for _ in 0..2 {
        app.link_code(42).await;
    }
    limited(
        &app.post_signed("/api/v1/auth/telegram/start", json!({"telegram_id": 42}))
            .await,
    );
    // register has its own allowance, and another identity its own too.
    assert_eq!(app.telegram_register(42).await.status, StatusCode::CREATED);
    assert_eq!(app.telegram_register(42).await.status, StatusCode::OK);
    limited(&app.telegram_register(42).await);
    assert_eq!(app.telegram_register(43).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn refreshes_are_limited_per_session() {
    let app = spawn_app_with(on(&[("RATE_LIMIT_REFRESH_SESSION", "2/60")])).await;
    let mut tokens = app.signed_up(ANN).await;
    for _ in 0..2 {
        tokens = app.refresh(&tokens.refresh_token).await.tokens();
    }
    let refused = app.refresh(&tokens.refresh_token).await;
    limited(&refused);
    // Refused before rotating: another session is untouched and this token still counts as current.
    let other = app.login(ANN, PASSWORD).await.tokens();
    assert_eq!(
        app.refresh(&other.refresh_token).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn limits_hold_across_instances_sharing_redis() {
    let app = spawn_app_with(on(&[("RATE_LIMIT_LOGIN_IP", "2/60")])).await;
    app.signed_up(ANN).await;
    let other = app.second_instance();
    assert_eq!(
        login_from(&app, &app.address, None, PASSWORD).await.status,
        StatusCode::OK
    );
    assert_eq!(
        login_from(&app, &other, None, PASSWORD).await.status,
        StatusCode::OK
    );
    limited(&login_from(&app, &app.address, None, PASSWORD).await);
    limited(&login_from(&app, &other, None, PASSWORD).await);
}

#[tokio::test]
async fn forwarded_for_is_ignored_from_untrusted_peers() {
    let app = spawn_app_with(on(&[("RATE_LIMIT_LOGIN_IP", "2/60")])).await;
    app.signed_up(ANN).await;
    let address = app.address.clone();
    login_from(&app, &address, Some("198.51.100.1"), PASSWORD).await;
    login_from(&app, &address, Some("198.51.100.2"), PASSWORD).await;
    // Claiming yet another address does not escape the limit of the real peer.
    limited(&login_from(&app, &address, Some("198.51.100.3"), PASSWORD).await);
}

#[tokio::test]
async fn forwarded_for_is_honoured_from_trusted_proxies() {
    let app = spawn_app_with(on(&[
        ("RATE_LIMIT_LOGIN_IP", "2/60"),
        ("TRUSTED_PROXIES", "127.0.0.1/32"),
    ]))
    .await;
    app.signed_up(ANN).await;
    let address = app.address.clone();
    for _ in 0..2 {
        assert_eq!(
            login_from(&app, &address, Some("198.51.100.1"), PASSWORD)
                .await
                .status,
            StatusCode::OK
        );
    }
    limited(&login_from(&app, &address, Some("198.51.100.1"), PASSWORD).await);
    // Another client behind the same proxy has its own allowance.
    assert_eq!(
        login_from(&app, &address, Some("198.51.100.2"), PASSWORD)
            .await
            .status,
        StatusCode::OK
    );
    // And the session records the client, not the proxy.
    let tokens = login_from(&app, &address, Some("203.0.113.7"), PASSWORD)
        .await
        .tokens();
    let sessions = app
        .get_with_token("/api/v1/auth/sessions", &tokens.access_token)
        .await;
    let current = sessions.body["sessions"]
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["current"] == true)
        .cloned()
        .expect("current session");
    assert_eq!(current["ip"], "203.0.113.7");
}

#[tokio::test]
async fn rate_limits_off_turns_every_limit_off() {
    let app = spawn_app_with(vec![
        ("RATE_LIMITS", "off".to_owned()),
        ("RATE_LIMIT_LOGIN_IP", "1/60".to_owned()),
        ("RATE_LIMIT_LOGIN_EMAIL_FAILURES", "1/60".to_owned()),
    ])
    .await;
    app.signed_up(ANN).await;
    for _ in 0..5 {
        app.login(ANN, "wrong password")
            .await
            .problem(401, "invalid_credentials");
    }
    assert_eq!(app.login(ANN, PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn parallel_guesses_cannot_overtake_the_login_lock() {
    let app = spawn_app_with(on(&[("RATE_LIMIT_LOGIN_EMAIL_FAILURES", "3/900")])).await;
    app.signed_up(ANN).await;
    let guesses = (0..20).map(|i| {
        let app = &app;
        async move { app.login(ANN, &format!("guess number {i}")).await }
    });
    let answers = futures_util::future::join_all(guesses).await;
    let checked = answers
        .iter()
        .filter(|a| a.status == StatusCode::UNAUTHORIZED)
        .count();
    let refused = answers
        .iter()
        .filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, refused), (3, 17));
}

#[tokio::test]
async fn a_window_lets_no_more_than_its_count_through() {
    let app = spawn_app_with(on(&[("RATE_LIMIT_REGISTER_IP", "2/3")])).await;
    app.signed_up("a@example.com").await;
    app.signed_up("b@example.com").await;
    limited(&app.register("c@example.com", PASSWORD).await);
    // Part of the window later, the window is still full (no refill mid-window).
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let retry_after = limited(&app.register("c@example.com", PASSWORD).await);
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    assert_eq!(
        app.register("c@example.com", PASSWORD).await.status,
        StatusCode::CREATED
    );
}
