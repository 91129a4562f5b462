//! `/metrics`: Prometheus text on its own address, with counters that move.

use std::collections::BTreeMap;

use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp, spawn_app};

/// One sample: name, labels, value.
type Sample = (String, BTreeMap<String, String>, f64);

/// Parses the Prometheus text exposition format strictly: every line is a
/// comment (`# HELP`/`# TYPE`) or `name{label="value",...} number`.
fn parse(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(comment) = line.strip_prefix('#') {
            let kind = comment.split_whitespace().next().unwrap_or_default();
            assert!(matches!(kind, "HELP" | "TYPE"), "bad comment: {line}");
            continue;
        }
        let name_end = line
            .find(['{', ' '])
            .unwrap_or_else(|| panic!("no value: {line}"));
        let name = &line[..name_end];
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad name: {line}"
        );
        let mut rest = &line[name_end..];
        let mut labels = BTreeMap::new();
        if let Some(inner) = rest.strip_prefix('{') {
            let mut chars = inner.char_indices().peekable();
            let mut key = String::new();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '}' => {
                        end = Some(i + 1);
                        break;
                    }
                    ',' => {}
                    '=' => {
                        assert_eq!(
                            chars.next().map(|(_, c)| c),
                            Some('"'),
                            "unquoted value: {line}"
                        );
                        let mut value = String::new();
                        loop {
                            match chars.next().map(|(_, c)| c) {
                                Some('\\') => {
                                    value.push(chars.next().map(|(_, c)| c).expect("escape"))
                                }
                                Some('"') => break,
                                Some(c) => value.push(c),
                                None => panic!("unterminated value: {line}"),
                            }
                        }
                        labels.insert(std::mem::take(&mut key), value);
                    }
                    c => key.push(c),
                }
            }
            rest = &inner[end.unwrap_or_else(|| panic!("unclosed labels: {line}"))..];
        }
        let value: f64 = rest
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("bad value: {line}"));
        samples.push((name.to_owned(), labels, value));
    }
    samples
}

async fn scrape(app: &TestApp) -> Vec<Sample> {
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
    parse(&text)
}

fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|(n, l, _)| {
            n == name
                && labels
                    .iter()
                    .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|(_, _, v)| v)
        .sum()
}

#[test]
fn the_parser_refuses_what_prometheus_would() {
    assert_eq!(
        parse("a_total{route=\"/x/{id}\",s=\"4\\\"04\"} 3\n")[0].1["s"],
        "4\"04"
    );
    for bad in ["a b c", "bad-name 1", "a{x=1} 2", "a{x=\"1\" 2", "# NOPE"] {
        assert!(std::panic::catch_unwind(|| parse(bad)).is_err(), "{bad}");
    }
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
    app.refresh(&tokens.refresh_token).await;
    app.login("ann@example.com", PASSWORD).await;
    let after = scrape(&app).await;

    // Route templates, not raw paths with ids.
    assert!(
        value(&after, "http_requests_total", &route)
            - value(&before, "http_requests_total", &route)
            >= 3.0
    );
    for (_, labels, _) in &after {
        if let Some(route) = labels.get("route") {
            assert!(
                !route.contains("/sessions/") || route.ends_with("/sessions/{id}"),
                "{route}"
            );
        }
    }
    let grew = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) > value(&before, name, labels)
    };
    assert!(grew("auth_sessions_opened_total", &[]));
    assert!(grew(
        "auth_token_refreshes_total",
        &[("outcome", "rotated")]
    ));
    assert!(grew(
        "http_request_duration_seconds_count",
        &[("route", "/api/v1/auth/login")]
    ));
    assert!(grew("auth_bcrypt_duration_seconds_count", &[]));
    assert!(value(&after, "pool_max_size", &[("pool", "database")]) >= 1.0);
    assert!(after.iter().any(|(n, _, _)| n == "http_requests_in_flight"));
}
