//! `/metrics`: Prometheus text on its own address, with counters that move.

use reqwest::StatusCode;
use test_support::prometheus::{self, Samples};

use crate::helpers::{PASSWORD, TestApp, spawn_app};

async fn scrape(app: &TestApp) -> Samples {
    let url = app.metrics_url.as_ref().expect("metrics are served");
    let text = app
        .client
        .get(url)
        .send()
        .await
        .expect("scrape")
        .text()
        .await
        .expect("body");
    prometheus::parse(&text)
}

#[tokio::test]
async fn metrics_are_served_apart_from_the_api_and_count_requests_by_route() {
    let app = spawn_app().await;
    // Not on the API port.
    assert_eq!(app.get("/metrics").await.status, StatusCode::NOT_FOUND);

    let route = [
        ("route", "/api/v1/auth/sessions/{id}"),
        ("method", "DELETE"),
        ("status", "404"),
    ];
    let before = scrape(&app).await;
    let tokens = app.signed_up("ann@example.com").await;
    for _ in 0..3 {
        let id = uuid::Uuid::now_v7();
        app.delete_with_token(&format!("/api/v1/auth/sessions/{id}"), &tokens.access_token)
            .await;
    }
    let rotated = app.refresh(&tokens.refresh_token).await;
    let second = app.login("ann@example.com", PASSWORD).await;
    app.login("ann@example.com", PASSWORD).await;
    // One session ended by logout, then the two others by logout-all.
    assert_eq!(
        app.logout(rotated.body["access_token"].as_str().expect("token"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let all = app
        .post_with_token(
            "/api/v1/auth/logout-all",
            second.body["access_token"].as_str().expect("token"),
            None,
        )
        .await;
    assert_eq!(all.status, StatusCode::NO_CONTENT);
    let after = scrape(&app).await;

    // Route templates, not raw paths with ids.
    assert!(
        after.value("http_requests_total", &route) - before.value("http_requests_total", &route)
            >= 3.0
    );
    for sample in &after.0 {
        if let Some(route) = sample.labels.get("route") {
            assert!(
                !route.contains("/sessions/") || route.ends_with("/sessions/{id}"),
                "{route}"
            );
        }
    }
    let grew = |name: &str, labels: &[(&str, &str)]| {
        after.value(name, labels) > before.value(name, labels)
    };
    assert!(grew("auth_sessions_opened_total", &[]));
    assert!(grew("auth_sessions_revoked_total", &[("scope", "one")]));
    assert!(grew("auth_sessions_revoked_total", &[("scope", "all")]));
    assert!(grew(
        "auth_token_refreshes_total",
        &[("outcome", "rotated")]
    ));
    assert!(grew(
        "http_request_duration_seconds_count",
        &[("route", "/api/v1/auth/login")]
    ));
    assert!(grew("auth_bcrypt_duration_seconds_count", &[]));
    assert!(after.value("pool_max_size", &[("pool", "database")]) >= 1.0);
    assert!(after.has("http_requests_in_flight"));
}
