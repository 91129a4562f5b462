//! PostgreSQL or Redis down, hanging, or never there: 503 `unavailable` with
//! Retry-After, nothing half-done, and recovery without a restart.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use test_support::{ProxyMode, TcpProxy, host_port, with_host};

use crate::helpers::{Answer, PASSWORD, TestApp, spawn_app_with};

fn unavailable(answer: &Answer) {
    answer.problem(503, "unavailable");
    assert_eq!(answer.header("retry-after"), Some("2"));
}

async fn redis_proxy() -> (TcpProxy, String) {
    let url = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let proxy = TcpProxy::start(&host_port(&url, 6379)).await;
    let routed = with_host(&url, proxy.addr());
    (proxy, routed)
}

/// An app whose Redis goes through a proxy the test controls.
async fn app_behind_redis_proxy() -> (TestApp, TcpProxy) {
    let (proxy, url) = redis_proxy().await;
    let app = spawn_app_with(vec![
        ("REDIS_URL", url),
        ("DEPENDENCY_TIMEOUT_MS", "1000".into()),
    ])
    .await;
    (app, proxy)
}

#[tokio::test]
async fn redis_down_answers_503_changes_nothing_and_recovers_by_itself() {
    let (app, proxy) = app_behind_redis_proxy().await;
    let tokens = app.signed_up("ann@example.com").await;

    proxy.set_mode(ProxyMode::Refuse);
    unavailable(&app.login("ann@example.com", PASSWORD).await);
    unavailable(&app.me(&tokens.access_token).await);
    unavailable(&app.refresh(&tokens.refresh_token).await);
    unavailable(&app.logout(&tokens.access_token).await);
    unavailable(&app.register("bob@example.com", PASSWORD).await);
    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        ready.body,
        json!({"status": "unavailable", "checks": {"database": "ok", "redis": "down"}})
    );
    assert_eq!(
        app.user_count().await,
        1,
        "the refused register created no user"
    );

    proxy.set_mode(ProxyMode::Forward);
    assert_eq!(app.get("/health/ready").await.status, StatusCode::OK);
    // The refresh refused with 503 left its token valid; the logout can be repeated.
    let rotated = app.refresh(&tokens.refresh_token).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    assert_eq!(
        app.logout(&rotated.tokens().access_token).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.register("bob@example.com", PASSWORD).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn postgres_down_answers_503_changes_nothing_and_recovers_by_itself() {
    let (app, proxy) = crate::helpers::spawn_app_behind_db_proxy().await;
    let tokens = app.signed_up("ann@example.com").await;

    proxy.set_mode(ProxyMode::Refuse);
    unavailable(&app.register("bob@example.com", PASSWORD).await);
    unavailable(&app.login("ann@example.com", PASSWORD).await);
    unavailable(&app.me(&tokens.access_token).await);
    unavailable(&app.refresh(&tokens.refresh_token).await);
    let ready = app.get("/health/ready").await;
    assert_eq!(
        ready.body,
        json!({"status": "unavailable", "checks": {"database": "down", "redis": "ok"}})
    );

    proxy.set_mode(ProxyMode::Forward);
    assert_eq!(app.get("/health/ready").await.status, StatusCode::OK);
    assert_eq!(
        app.register("bob@example.com", PASSWORD).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        app.refresh(&tokens.refresh_token).await.status,
        StatusCode::OK
    );
    assert_eq!(app.user_count().await, 2);
}

#[tokio::test]
async fn a_silent_dependency_is_answered_with_503_not_a_hang() {
    let (app, proxy) = app_behind_redis_proxy().await;
    let tokens = app.signed_up("ann@example.com").await;
    proxy.set_mode(ProxyMode::Silent);
    let started = Instant::now();
    unavailable(&app.me(&tokens.access_token).await);
    let ready = app.get("/health/ready").await;
    assert_eq!(ready.body["checks"]["redis"], "down");
    // Generous bound: the point is that it answers at all instead of hanging.
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    proxy.set_mode(ProxyMode::Forward);
    assert_eq!(app.me(&tokens.access_token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn dependencies_that_were_never_there_are_503_and_reported_down() {
    // Ports nobody listens on: bind, note the port, close.
    let closed = || {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let app = spawn_app_with(vec![
        (
            "DATABASE_URL",
            format!("postgres://postgres@127.0.0.1:{}/none", closed()),
        ),
        ("REDIS_URL", format!("redis://127.0.0.1:{}", closed())),
    ])
    .await;
    unavailable(&app.register("ann@example.com", PASSWORD).await);
    unavailable(&app.login("ann@example.com", PASSWORD).await);
    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        ready.body,
        json!({"status": "unavailable", "checks": {"database": "down", "redis": "down"}})
    );
    // Liveness does not depend on them.
    assert_eq!(app.get("/health").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_register_cut_off_mid_transaction_leaves_no_lock_behind() {
    // Redis hangs while the user row is written: the request gives up, and the
    // abandoned transaction must not block the same email for long.
    let (app, proxy) = app_behind_redis_proxy().await;
    app.signed_up("warm@example.com").await;
    proxy.set_mode(ProxyMode::Silent);
    let started = Instant::now();
    unavailable(&app.register("ann@example.com", PASSWORD).await);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    proxy.set_mode(ProxyMode::Forward);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let again = app.register("ann@example.com", PASSWORD).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
}
