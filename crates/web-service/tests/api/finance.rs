//! The finance API through the web origin: passed on with the bearer token and
//! the idempotency key, answered with the finance service's headers; odd
//! spellings and the auth service's bot-only paths still refused.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{PASSWORD, Stack, client, email, spawn_stack};

/// A new account signed up through the web origin; its access token.
async fn sign_up(stack: &Stack) -> String {
    let answer = client()
        .post(stack.url("/api/v1/auth/register"))
        .json(&json!({"email": email("fin"), "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    let body: Value = answer.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_finance_call_through_the_web_origin_works_with_the_bearer() {
    let stack = spawn_stack(&[]).await;
    let http = client();
    let token = sign_up(&stack).await;

    // No token: the finance service's 401, its WWW-Authenticate passed back.
    let anonymous = http
        .get(stack.url("/api/v1/families"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert!(anonymous.headers().contains_key("www-authenticate"));

    let families = http
        .get(stack.url("/api/v1/families"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(families.status(), 200);
    assert_eq!(families.headers()["cache-control"], "no-store");
    let families: Value = families.json().await.unwrap();
    let family = families["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(families["items"][0]["name"], "Personal");

    // A write with an idempotency key: the second send is the first's answer.
    let accounts = stack.url(&format!("/api/v1/families/{family}/accounts"));
    let create = || {
        http.post(&accounts)
            .bearer_auth(&token)
            .header("idempotency-key", "web-proxy-1")
            .json(&json!({"name": "Wallet", "kind": "cash", "opening_balance": "10,5"}))
    };
    let first = create().send().await.unwrap();
    assert_eq!(first.status(), 201);
    assert!(!first.headers().contains_key("idempotent-replayed"));
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["balance"], "10.50");
    let again = create().send().await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);

    // The CSV comes back as a download.
    let csv = http
        .get(stack.url(&format!(
            "/api/v1/families/{family}/reports/transactions.csv"
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(csv.headers().contains_key("content-disposition"));
    assert!(csv.text().await.unwrap().starts_with("date,kind,account"));

    // Another method on a collection: the finance service's 405 and Allow.
    let refused = http
        .request(Method::PUT, &accounts)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 405);
    assert!(refused.headers().contains_key("allow"));

    // An unknown invite: the finance service's own problem.
    let invite = http
        .post(stack.url("/api/v1/invites/nope-nope/accept"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(invite.status(), 404);
    let invite: Value = invite.json().await.unwrap();
    assert_eq!(invite["code"], "invalid_code");
}

#[tokio::test]
async fn odd_paths_and_bot_only_paths_are_still_refused() {
    let stack = spawn_stack(&[]).await;
    let token = sign_up(&stack).await;
    // Sent as written: reqwest would otherwise resolve the dot segments itself.
    for path in [
        "/api/v1/families/",
        "/api/v1/families//accounts",
        "/api/v1/families/%2e%2e/%2e%2e/auth/token/get",
        "/api/v1/families/x/%2e%2e/y",
        "/api/v1/families/x/reports/other.csv",
        "/api/v1/invites",
        "/api/v1/invites/",
        "/api/v1/familiesx",
    ] {
        let status = raw_post(&stack, path, &token).await;
        assert_eq!(status, 404, "{path}");
    }
    for bot_only in [
        "/api/v1/auth/token/get",
        "/api/v1/auth/telegram/start",
        "/api/v1/auth/x/%2e%2e/token/get",
    ] {
        assert_eq!(raw_post(&stack, bot_only, &token).await, 404, "{bot_only}");
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_before_the_finance_service() {
    let stack = spawn_stack(&[]).await;
    let token = sign_up(&stack).await;
    let answer = client()
        .post(stack.url("/api/v1/families"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(vec![b' '; 70 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 413);
}

#[tokio::test]
async fn a_finance_service_that_is_down_is_a_503_in_words() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let web = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let (app, _) = crate::common::spawn_web("http://127.0.0.1:9", &web, listener);
    tokio::spawn(app.run_until_stopped());
    let answer = client()
        .get(format!("{web}/api/v1/families"))
        .bearer_auth("x")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 503);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["code"], "unavailable");
}

/// A POST of `path` exactly as written (no client normalises it); its status.
async fn raw_post(stack: &Stack, path: &str, token: &str) -> u16 {
    let host = stack.web.trim_start_matches("http://");
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let status_line = crate::hardening::raw(&stack.web, request).await;
    status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{path}: no status in {status_line:?}"))
}
