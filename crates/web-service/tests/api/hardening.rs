//! The proxy and the pages tightened: no spelling of a path reaches a bot-only
//! endpoint, a trusted ingress's `X-Forwarded-For` is kept, HSTS over HTTPS, a
//! body that never arrives is cut off, token answers are never stored, and the
//! pages keep `?next=` only on this origin.

use std::collections::HashMap;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use web_service::config::WebSettings;

use crate::common::{PASSWORD, client, email, spawn_stack};

/// A web service in front of `auth`, served as `public`, with more settings;
/// its base URL.
fn web_with(auth: &str, public: &str, extra: &[(&str, &str)], body_timeout: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let mut env = HashMap::from([
        ("AUTH_SERVICE_URL", auth),
        ("FINANCE_SERVICE_URL", "http://127.0.0.1:9"),
        ("PUBLIC_WEB_URL", public),
        ("METRICS_BIND_ADDR", "off"),
    ]);
    env.extend(extra.iter().copied());
    let mut settings = WebSettings::from_lookup(|k| env.get(k).map(|v| (*v).to_owned())).unwrap();
    settings.body_timeout = body_timeout;
    let app = web_service::startup::Application::build_on(settings, listener).unwrap();
    tokio::spawn(app.run_until_stopped());
    address
}

/// Sends `request` as raw bytes (so no client normalises its path) and returns
/// the answer's status line.
pub(crate) async fn raw(base: &str, request: String) -> String {
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        let read = tokio::time::timeout(Duration::from_secs(15), stream.read(&mut buf)).await;
        match read {
            Ok(Ok(0)) | Err(_) => break,
            Ok(Ok(n)) => {
                answer.extend_from_slice(&buf[..n]);
                if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            Ok(Err(_)) => break,
        }
    }
    let text = String::from_utf8_lossy(&answer).into_owned();
    text.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn no_spelling_of_a_path_reaches_a_bot_only_endpoint() {
    let stack = spawn_stack(&[]).await;
    let body = r#"{"telegram_id": 1}"#;
    for path in [
        "/api/v1/auth/x/../token/get",
        "/api/v1/auth/./token/get",
        "/api/v1/auth/%2e%2e/auth/token/get",
        "/api/v1/auth/%2E%2E/auth/telegram/register",
        "/api/v1/auth//token/get",
        "/api/v1/auth/%74oken/get",
        "/api/v1/auth/token%2fget",
        "/api/v1/auth/token/get/",
        "/api/v1/auth/token/get",
    ] {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let status = raw(&stack.web, request).await;
        assert!(status.contains(" 404 "), "{path}: {status}");
    }
    // What a page calls still passes.
    let answer = client()
        .post(stack.url("/api/v1/auth/login"))
        .json(&json!({"email": email("np"), "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
}

#[tokio::test]
async fn behind_a_trusted_ingress_the_browsers_address_is_kept() {
    let stack = spawn_stack(&[]).await;
    // The test's client plays the ingress: it comes from 127.0.0.1.
    let trusting = web_with(
        &stack.auth,
        &stack.web,
        &[("TRUSTED_PROXIES", "127.0.0.1")],
        Duration::from_secs(10),
    );
    let ip_of_session = |web: String, forwarded: &'static str| async move {
        let address = email("xff");
        let answer = client()
            .post(format!("{web}/api/v1/auth/register"))
            .header("x-forwarded-for", forwarded)
            .json(&json!({"email": address, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 201);
        let body: Value = answer.json().await.unwrap();
        let sessions: Value = client()
            .get(format!("{web}/api/v1/auth/sessions"))
            .bearer_auth(body["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        sessions["sessions"][0]["ip"].as_str().unwrap().to_owned()
    };
    assert_eq!(
        ip_of_session(trusting, "198.51.100.7").await,
        "198.51.100.7"
    );
    // The default trusts no one: a browser cannot choose its address.
    assert_eq!(
        ip_of_session(stack.web.clone(), "198.51.100.7").await,
        "127.0.0.1"
    );
}

#[tokio::test]
async fn pages_served_over_https_carry_hsts_and_plain_http_does_not() {
    // The pages need no auth service.
    let https = web_with(
        "http://127.0.0.1:9",
        "https://finance.example.org",
        &[],
        Duration::from_secs(10),
    );
    let http = web_with(
        "http://127.0.0.1:9",
        "http://127.0.0.1:8080",
        &[],
        Duration::from_secs(10),
    );
    let answer = client().get(format!("{https}/login")).send().await.unwrap();
    let hsts = answer
        .headers()
        .get("strict-transport-security")
        .expect("HSTS over HTTPS")
        .to_str()
        .unwrap();
    assert!(hsts.contains("max-age=31536000"), "{hsts}");
    let answer = client().get(format!("{http}/login")).send().await.unwrap();
    assert!(answer.headers().get("strict-transport-security").is_none());
}

#[tokio::test]
async fn a_body_that_never_arrives_is_cut_off() {
    let stack = spawn_stack(&[]).await;
    let web = web_with(&stack.auth, &stack.web, &[], Duration::from_secs(1));
    let started = Instant::now();
    // Ten bytes of a hundred, then nothing.
    let request = "POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\n\
                   Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\":"
        .to_owned();
    let status = raw(&web, request).await;
    assert!(status.contains(" 408 "), "{status}");
    assert!(started.elapsed() < Duration::from_secs(8));
}

#[tokio::test]
async fn token_answers_through_the_proxy_are_never_stored() {
    let stack = spawn_stack(&[]).await;
    let answer = client()
        .post(stack.url("/api/v1/auth/register"))
        .json(&json!({"email": email("ns"), "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    assert_eq!(answer.headers()["cache-control"], "no-store");
}

/// `safeNext` of static/js/api.js, run by Node (skipped where there is none)
/// with `location` at `https://finance.example.org/login`.
#[test]
fn next_is_kept_only_when_it_stays_on_this_origin() {
    let Ok(node) = which_node() else {
        eprintln!("skipped: no node on this machine");
        return;
    };
    let api = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static/js/api.js");
    let cases = json!([
        ["/account", "/account"],
        ["/link?code=abc", "/link?code=abc"],
        ["/%09/evil.example", "/"],
        ["/\t/evil.example", "/"],
        ["//evil.example", "/"],
        ["/\\evil.example", "/"],
        ["https://evil.example/", "/"],
        ["javascript:alert(1)", "/"],
        ["https://finance.example.org/account?x=1#y", "/"],
        ["/account?x=1#y", "/account?x=1#y"],
        ["", "/"],
    ]);
    let script = format!(
        "globalThis.location = new URL('https://finance.example.org/login');\n\
         const {{ safeNext }} = await import({api:?});\n\
         const cases = {cases};\n\
         const wrong = cases.filter(([raw, want]) => safeNext(decodeURIComponent(raw)) !== want);\n\
         if (wrong.length) {{ console.error(JSON.stringify(wrong.map(([raw]) => [raw, safeNext(decodeURIComponent(raw))]))); process.exit(1); }}\n",
        api = format!("file://{}", api.display()),
    );
    let out = std::process::Command::new(node)
        .args(["--input-type=module", "-e", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "safeNext kept an off-site next: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn which_node() -> Result<std::path::PathBuf, ()> {
    let path = std::env::var_os("PATH").ok_or(())?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("node"))
        .find(|candidate| candidate.is_file())
        .ok_or(())
}
