//! The web service's `/metrics`, over HTTP. A test binary of its own: the
//! metrics recorder is one per process, so here the counters move only by what
//! this test does, and can be checked to the unit.

#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;

use std::net::TcpListener;

use common::{PASSWORD, client, email, spawn_stack, spawn_web};
use serde_json::json;
use test_support::prometheus::{self, Samples};

async fn scrape(url: &str) -> Samples {
    let answer = client().get(url).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    prometheus::parse(&answer.text().await.unwrap())
}

#[tokio::test]
async fn requests_routes_and_upstream_outcomes_are_counted() {
    let stack = spawn_stack(&[]).await;
    let http = client();
    // Metrics are not on the public port: there, /metrics is just a missing page.
    let public = http.get(stack.url("/metrics")).send().await.unwrap();
    assert_eq!(public.status(), 404);
    let before = scrape(&stack.web_metrics).await;

    for path in ["/login", "/login", "/link?code=abc", "/no-such-page"] {
        http.get(stack.url(path)).send().await.unwrap();
    }
    let refused = http
        .post(stack.url("/api/v1/auth/login"))
        .json(&json!({"email": email("nobody"), "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let created = http
        .post(stack.url("/api/v1/auth/register"))
        .json(&json!({"email": email("ann"), "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let id = uuid::Uuid::new_v4().to_string();
    let session = format!("/api/v1/auth/sessions/{id}");
    http.delete(stack.url(&session)).send().await.unwrap();
    let ready = http.get(stack.url("/health/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 200);

    // A second web service, in front of an auth service that is not there.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let cut_off = format!("http://{}", listener.local_addr().unwrap());
    let (app, _) = spawn_web(&nowhere, &cut_off, listener);
    tokio::spawn(app.run_until_stopped());
    let unavailable = http
        .post(format!("{cut_off}/api/v1/auth/login"))
        .json(&json!({"email": email("ann"), "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(unavailable.status(), 503);

    let after = scrape(&stack.web_metrics).await;
    let moved = |name: &str, labels: &[(&str, &str)]| {
        after.value(name, labels) - before.value(name, labels)
    };
    let requests = |route: &str, method: &str, status: &str| {
        moved(
            "http_requests_total",
            &[("route", route), ("method", method), ("status", status)],
        )
    };

    // Pages by their path, the query left out; unknown paths as one route.
    assert_eq!(requests("/login", "GET", "200"), 2.0);
    assert_eq!(requests("/link", "GET", "200"), 1.0);
    assert_eq!(requests("unmatched", "GET", "404"), 1.0);
    assert_eq!(
        moved(
            "http_request_duration_seconds_count",
            &[("route", "/login")]
        ),
        2.0
    );
    // Every proxied call under one template: no ids in the labels.
    let proxied = "/api/v1/auth/{path:.*}";
    assert_eq!(requests(proxied, "POST", "401"), 1.0);
    assert_eq!(requests(proxied, "POST", "201"), 1.0);
    assert_eq!(requests(proxied, "DELETE", "401"), 1.0);
    assert_eq!(requests(proxied, "POST", "503"), 1.0);
    assert!(
        after
            .all("http_requests_total")
            .all(|s| !s.labels["route"].contains(&id)),
        "a raw path became a label"
    );
    assert_eq!(after.value("http_requests_in_flight", &[]), 0.0);

    // What the auth service answered, and the call that found nobody.
    let upstream = |outcome: &str| {
        moved(
            "web_upstream_requests_total",
            &[("upstream", "auth"), ("outcome", outcome)],
        )
    };
    assert_eq!(upstream("2xx"), 1.0);
    assert_eq!(upstream("4xx"), 2.0);
    assert_eq!(upstream("unreachable"), 1.0);
    assert_eq!(upstream("5xx"), 0.0);
    assert_eq!(
        moved(
            "web_upstream_duration_seconds_count",
            &[("upstream", "auth")]
        ),
        4.0
    );
    assert_eq!(after.value("web_upstream_up", &[("upstream", "auth")]), 1.0);
}
