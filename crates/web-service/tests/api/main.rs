//! The web service over HTTP, in front of the real auth service: the pages and
//! their headers, the proxy, and the refresh cookie.

#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;

mod binary;
mod finance;
mod hardening;
mod openapi;
mod page_config;
mod request_id;

use common::{PASSWORD, Stack, client, email, spawn_stack};
use reqwest::Response;
use reqwest::header::{HeaderMap, SET_COOKIE};
use serde_json::{Value, json};

const PAGES: &[&str] = &[
    "/",
    "/signup",
    "/login",
    "/link?code=abc",
    "/verify-email?token=abc",
    "/forgot-password",
    "/reset-password?token=abc",
    "/account",
    "/transactions",
    "/accounts",
    "/budgets",
    "/goals",
    "/reports",
    "/family",
    "/join?code=abc",
];

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

fn assert_security_headers(headers: &HeaderMap, what: &str) {
    let csp = header(headers, "content-security-policy");
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ] {
        assert!(
            csp.contains(directive),
            "{what}: CSP lacks {directive}: {csp}"
        );
    }
    assert!(!csp.contains("unsafe"), "{what}: {csp}");
    assert_eq!(
        header(headers, "x-content-type-options"),
        "nosniff",
        "{what}"
    );
    assert_eq!(header(headers, "referrer-policy"), "no-referrer", "{what}");
    assert_eq!(header(headers, "x-frame-options"), "DENY", "{what}");
}

/// The `fb_refresh` Set-Cookie of an answer.
fn refresh_set_cookie(answer: &Response) -> String {
    let cookies: Vec<&str> = answer
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .filter(|v| v.starts_with("fb_refresh="))
        .collect();
    assert_eq!(cookies.len(), 1, "one refresh cookie: {cookies:?}");
    cookies[0].to_owned()
}

/// `name=value` of a Set-Cookie, to send back in a Cookie header.
fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

fn attributes(set_cookie: &str) -> Vec<String> {
    set_cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

async fn post(stack: &Stack, path: &str, body: Value, cookie: Option<&str>) -> Response {
    let mut request = client().post(stack.url(path)).json(&body);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.send().await.unwrap()
}

async fn login(stack: &Stack, address: &str) -> (Value, String) {
    let answer = post(
        stack,
        "/api/v1/auth/login",
        json!({"email": address, "password": PASSWORD}),
        None,
    )
    .await;
    assert_eq!(answer.status(), 200);
    let cookie = cookie_pair(&refresh_set_cookie(&answer));
    (answer.json().await.unwrap(), cookie)
}

#[tokio::test]
async fn every_page_is_html_with_the_security_headers_and_is_not_stored() {
    let stack = spawn_stack(&[]).await;
    for page in PAGES {
        let answer = client().get(stack.url(page)).send().await.unwrap();
        assert_eq!(answer.status(), 200, "{page}");
        let headers = answer.headers().clone();
        assert_security_headers(&headers, page);
        assert_eq!(header(&headers, "cache-control"), "no-store", "{page}");
        assert!(header(&headers, "content-type").starts_with("text/html"));
        let html = answer.text().await.unwrap();
        assert!(html.contains("<h1>"), "{page}");
        assert!(html.contains("/static/style.css"), "{page}");
    }
}

#[tokio::test]
async fn assets_are_served_with_their_types_and_headers() {
    let stack = spawn_stack(&[]).await;
    for (path, kind) in [
        ("/static/style.css", "text/css"),
        ("/static/js/api.js", "text/javascript"),
        ("/static/js/account.js", "text/javascript"),
    ] {
        let answer = client().get(stack.url(path)).send().await.unwrap();
        assert_eq!(answer.status(), 200, "{path}");
        assert!(header(answer.headers(), "content-type").starts_with(kind));
        assert_security_headers(answer.headers(), path);
        assert_eq!(header(answer.headers(), "cache-control"), "no-cache");
        let head = client().head(stack.url(path)).send().await.unwrap();
        assert_eq!(head.status(), 200, "HEAD {path}");
    }
    let head = client().head(stack.url("/account")).send().await.unwrap();
    assert_eq!(head.status(), 200, "HEAD of a page");
    let post = client().post(stack.url("/account")).send().await.unwrap();
    assert_eq!(post.status(), 405, "a page is only read");
    assert_eq!(header(post.headers(), "allow"), "GET, HEAD");
}

#[tokio::test]
async fn unknown_paths_are_404_with_a_page_or_a_problem() {
    let stack = spawn_stack(&[]).await;
    for path in [
        "/nope",
        "/login/extra",
        "/static/nope.js",
        "/static/../Cargo.toml",
    ] {
        let answer = client().get(stack.url(path)).send().await.unwrap();
        assert_eq!(answer.status(), 404, "{path}");
        assert_security_headers(answer.headers(), path);
        assert!(header(answer.headers(), "content-type").starts_with("text/html"));
        assert!(answer.text().await.unwrap().contains("Page not found"));
    }
    for path in ["/api/v1/finance/x", "/api/v1/auth/nope"] {
        let answer = client().get(stack.url(path)).send().await.unwrap();
        assert_eq!(answer.status(), 404, "{path}");
        assert_eq!(
            header(answer.headers(), "content-type"),
            "application/problem+json"
        );
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["code"], "not_found");
    }
}

#[tokio::test]
async fn the_bots_signed_endpoints_are_not_exposed() {
    let stack = spawn_stack(&[]).await;
    for path in [
        "/api/v1/auth/telegram/start",
        "/api/v1/auth/telegram/register",
        "/api/v1/auth/token/get",
        "/api/v1/auth/token/refresh-telegram",
    ] {
        let answer = post(&stack, path, json!({"telegram_id": 1}), None).await;
        assert_eq!(answer.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn register_and_login_answer_the_page_no_refresh_token_but_an_http_only_cookie() {
    let stack = spawn_stack(&[]).await;
    let address = email("ann");
    let answer = post(
        &stack,
        "/api/v1/auth/register",
        json!({"email": address, "password": PASSWORD, "display_name": "Ann"}),
        None,
    )
    .await;
    assert_eq!(answer.status(), 201);
    assert_security_headers(answer.headers(), "register");
    assert_eq!(header(answer.headers(), "cache-control"), "no-store");
    let set_cookie = refresh_set_cookie(&answer);
    let body: Value = answer.json().await.unwrap();
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert!(body["access_token"].as_str().unwrap().len() > 20);
    assert_eq!(body["user"]["email"], address.as_str());

    let answer = post(
        &stack,
        "/api/v1/auth/login",
        json!({"email": address, "password": PASSWORD}),
        None,
    )
    .await;
    assert_eq!(answer.status(), 200);
    let set_cookie_login = refresh_set_cookie(&answer);
    let body: Value = answer.json().await.unwrap();
    assert!(body.get("refresh_token").is_none(), "{body}");
    let refresh_expires_in = body["refresh_expires_in"].as_u64().unwrap();

    for set_cookie in [set_cookie, set_cookie_login] {
        let attrs = attributes(&set_cookie);
        assert!(attrs.contains(&"httponly".to_owned()), "{set_cookie}");
        assert!(
            attrs.contains(&"samesite=strict".to_owned()),
            "{set_cookie}"
        );
        assert!(
            attrs.contains(&"path=/api/v1/auth".to_owned()),
            "{set_cookie}"
        );
        assert!(
            attrs.contains(&format!("max-age={refresh_expires_in}")),
            "{set_cookie}"
        );
        // A local plain-http run (PUBLIC_WEB_URL http://127.0.0.1:…): no Secure.
        assert!(!attrs.contains(&"secure".to_owned()), "{set_cookie}");
        assert!(cookie_pair(&set_cookie).len() > "fb_refresh=".len() + 20);
    }
}

#[tokio::test]
async fn errors_of_the_auth_service_come_back_unchanged() {
    let stack = spawn_stack(&[]).await;
    let answer = post(
        &stack,
        "/api/v1/auth/login",
        json!({"email": email("nobody"), "password": "wrong password"}),
        None,
    )
    .await;
    assert_eq!(answer.status(), 401);
    assert!(answer.headers().get(SET_COOKIE).is_none());
    assert_eq!(
        header(answer.headers(), "content-type"),
        "application/problem+json"
    );
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["code"], "invalid_credentials");

    let answer = client()
        .get(stack.url("/api/v1/auth/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
    assert_eq!(header(answer.headers(), "www-authenticate"), "Bearer");
}

#[tokio::test]
async fn refresh_takes_the_cookie_and_rotates_it() {
    let stack = spawn_stack(&[]).await;
    let address = email("bob");
    stack.register_directly(&address).await;
    let (_, first) = login(&stack, &address).await;

    // The page sends `{}`: the token comes from the cookie.
    let answer = post(
        &stack,
        "/api/v1/auth/token/refresh",
        json!({}),
        Some(&first),
    )
    .await;
    assert_eq!(answer.status(), 200);
    let second = cookie_pair(&refresh_set_cookie(&answer));
    assert_ne!(first, second, "the cookie is rotated");
    let body: Value = answer.json().await.unwrap();
    assert!(body.get("refresh_token").is_none());
    assert_eq!(body["user"]["email"], address.as_str());

    // The new cookie works again...
    let answer = post(
        &stack,
        "/api/v1/auth/token/refresh",
        json!({}),
        Some(&second),
    )
    .await;
    assert_eq!(answer.status(), 200);
    let third = cookie_pair(&refresh_set_cookie(&answer));

    // ...while an old one is a reuse: the session ends and the cookie is cleared.
    let answer = post(
        &stack,
        "/api/v1/auth/token/refresh",
        json!({}),
        Some(&first),
    )
    .await;
    assert_eq!(answer.status(), 401);
    let cleared = refresh_set_cookie(&answer);
    assert!(cleared.starts_with("fb_refresh=;"), "{cleared}");
    assert!(attributes(&cleared).contains(&"max-age=0".to_owned()));
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["code"], "token_reused");
    let answer = post(
        &stack,
        "/api/v1/auth/token/refresh",
        json!({}),
        Some(&third),
    )
    .await;
    assert_eq!(answer.status(), 401, "the whole session was revoked");
}

#[tokio::test]
async fn refresh_without_a_cookie_is_not_signed_in() {
    let stack = spawn_stack(&[]).await;
    // A token in the body is ignored: only the cookie counts.
    let address = email("eve");
    let tokens = stack.register_directly(&address).await;
    let answer = post(
        &stack,
        "/api/v1/auth/token/refresh",
        json!({"refresh_token": tokens["refresh_token"]}),
        None,
    )
    .await;
    assert_eq!(answer.status(), 401);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["code"], "invalid_refresh_token");
}

#[tokio::test]
async fn logout_ends_the_cookies_session_and_clears_the_cookie() {
    let stack = spawn_stack(&[]).await;
    let address = email("cy");
    stack.register_directly(&address).await;
    let (tokens, cookie) = login(&stack, &address).await;
    let access = tokens["access_token"].as_str().unwrap();

    let answer = client()
        .post(stack.url("/api/v1/auth/logout"))
        .bearer_auth(access)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 204);
    let cleared = refresh_set_cookie(&answer);
    assert!(cleared.starts_with("fb_refresh=;"), "{cleared}");
    assert!(attributes(&cleared).contains(&"max-age=0".to_owned()));
    assert!(attributes(&cleared).contains(&"path=/api/v1/auth".to_owned()));

    let answer = post(
        &stack,
        "/api/v1/auth/token/refresh",
        json!({}),
        Some(&cookie),
    )
    .await;
    assert_eq!(answer.status(), 401, "the session is over");
    let answer = client()
        .get(stack.url("/api/v1/auth/me"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401, "its access token too");
}

#[tokio::test]
async fn logout_all_clears_the_cookie_and_ends_every_session() {
    let stack = spawn_stack(&[]).await;
    let address = email("di");
    stack.register_directly(&address).await;
    let (tokens, cookie) = login(&stack, &address).await;
    let (_, other) = login(&stack, &address).await;
    let answer = client()
        .post(stack.url("/api/v1/auth/logout-all"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 204);
    assert!(refresh_set_cookie(&answer).starts_with("fb_refresh=;"));
    let answer = post(
        &stack,
        "/api/v1/auth/token/refresh",
        json!({}),
        Some(&other),
    )
    .await;
    assert_eq!(answer.status(), 401);
}

#[tokio::test]
async fn the_auth_service_sees_the_browsers_address_and_agent() {
    let stack = spawn_stack(&[]).await;
    let address = email("fi");
    stack.register_directly(&address).await;
    let answer = client()
        .post(stack.url("/api/v1/auth/login"))
        .header("user-agent", "TestBrowser/1.0")
        .json(&json!({"email": address, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let body: Value = answer.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap();
    let sessions: Value = client()
        .get(stack.url("/api/v1/auth/sessions"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let current = sessions["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .unwrap();
    assert_eq!(current["user_agent"], "TestBrowser/1.0");
    assert_eq!(current["ip"], "127.0.0.1");
}

#[tokio::test]
async fn a_rate_limited_login_keeps_its_retry_after() {
    let stack = spawn_stack(&[("RATE_LIMITS", "on"), ("RATE_LIMIT_LOGIN_IP", "1/60")]).await;
    let body = json!({"email": email("gus"), "password": "wrong password"});
    let first = post(&stack, "/api/v1/auth/login", body.clone(), None).await;
    assert_eq!(first.status(), 401);
    let second = post(&stack, "/api/v1/auth/login", body, None).await;
    assert_eq!(second.status(), 429);
    let retry: u64 = header(second.headers(), "retry-after").parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
}

#[tokio::test]
async fn health_and_readiness() {
    let stack = spawn_stack(&[]).await;
    let answer = client().get(stack.url("/health")).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert!(body["version"].is_string());
    let answer = client()
        .get(stack.url("/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(
        body,
        json!({"status": "ok", "checks": {"auth_service": "ok"}})
    );
}

#[tokio::test]
async fn not_ready_and_503_when_the_auth_service_is_unreachable() {
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let web = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let settings = web_service::config::WebSettings::from_lookup(|k| match k {
        "AUTH_SERVICE_URL" => Some(url.clone()),
        "FINANCE_SERVICE_URL" => Some("http://127.0.0.1:9".to_owned()),
        _ => None,
    })
    .unwrap();
    let app = web_service::startup::Application::build_on(settings, listener).unwrap();
    tokio::spawn(app.run_until_stopped());

    let answer = client()
        .get(format!("{web}/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 503);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(
        body,
        json!({"status": "unavailable", "checks": {"auth_service": "down"}})
    );
    let answer = client()
        .post(format!("{web}/api/v1/auth/login"))
        .json(&json!({"email": "a@example.com", "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 503);
    assert_eq!(header(answer.headers(), "retry-after"), "2");
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["code"], "unavailable");
    // The pages themselves still load.
    let answer = client().get(format!("{web}/login")).send().await.unwrap();
    assert_eq!(answer.status(), 200);
}
