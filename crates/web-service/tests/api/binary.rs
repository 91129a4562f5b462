//! The `web-service` program itself: settings errors, serving, the healthcheck
//! subcommand and a clean stop on SIGTERM.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::spawn_stack;

const BIN: &str = env!("CARGO_BIN_EXE_web-service");

fn free_port() -> u16 {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    probe.local_addr().unwrap().port()
}

#[test]
fn a_missing_setting_is_one_line_naming_it_and_exit_status_2() {
    let out = Command::new(BIN)
        .env_clear()
        .output()
        .expect("run web-service");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim(),
        "web-service: configuration error: AUTH_SERVICE_URL: is not set"
    );
}

#[test]
fn a_bot_username_telegram_would_not_give_is_refused_at_start() {
    let out = Command::new(BIN)
        .env_clear()
        .env("AUTH_SERVICE_URL", "http://127.0.0.1:9")
        .env("FINANCE_SERVICE_URL", "http://127.0.0.1:9")
        .env("TELEGRAM_BOT_USERNAME", "t.me/finance_bot")
        .output()
        .expect("run web-service");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim(),
        "web-service: configuration error: TELEGRAM_BOT_USERNAME: must be a Telegram bot \
         username (5 to 32 letters, digits or _, ending in \"bot\"), got \"t.me/finance_bot\""
    );
}

#[tokio::test]
async fn the_program_serves_passes_its_healthcheck_and_stops_on_sigterm() {
    let stack = spawn_stack(&[]).await;
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let mut child = Command::new(BIN)
        .env_clear()
        .env("AUTH_SERVICE_URL", &stack.auth)
        .env("FINANCE_SERVICE_URL", &stack.finance)
        .env("BIND_ADDR", &bind)
        .env("LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start web-service");

    // Off the test's thread: the auth service's tasks run on it (its
    // database watch, and the connections that watch made), and must go on
    // while the healthcheck waits for the answer.
    let healthcheck = || {
        let bind = bind.clone();
        tokio::task::spawn_blocking(move || {
            Command::new(BIN)
                .arg("healthcheck")
                .env_clear()
                .env("BIND_ADDR", &bind)
                .output()
                .expect("run healthcheck")
        })
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let out = healthcheck().await.expect("healthcheck");
        if out.status.success() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never healthy: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let page = reqwest::get(format!("http://{bind}/login")).await.unwrap();
    assert_eq!(page.status(), 200);

    // Secrets pass through: a password, the tokens, a token in a page's query.
    const PASSWORD: &str = "Sup3r-secret-pass-word";
    const QUERY_TOKEN: &str = "query-secret-4c1d";
    let http = reqwest::Client::new();
    let registered = http
        .post(format!("http://{bind}/api/v1/auth/register"))
        .json(&serde_json::json!({"email": "logs@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    let cookie = registered.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    let refresh = cookie
        .split(';')
        .next()
        .and_then(|pair| pair.split_once('='))
        .map(|(_, value)| value.to_owned())
        .unwrap();
    let body: serde_json::Value = registered.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap().to_owned();
    let me = http
        .get(format!("http://{bind}/api/v1/auth/me"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let page = http
        .get(format!("http://{bind}/verify-email?token={QUERY_TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "did not stop");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "{status:?}");
    let out = child.wait_with_output().unwrap();
    let logs = String::from_utf8_lossy(&out.stdout);
    assert!(logs.contains("\"path\":\"/login\""), "{logs}");
    // Every line is JSON; every request's line names its id; no secret anywhere.
    let mut finished = 0;
    for line in logs.lines().filter(|l| !l.trim().is_empty()) {
        let entry: serde_json::Value = serde_json::from_str(line).expect("a JSON log line");
        if entry["message"] == "request finished" {
            finished += 1;
            assert!(line.contains("\"request_id\":"), "{line}");
        }
        for secret in [PASSWORD, QUERY_TOKEN, access.as_str(), refresh.as_str()] {
            assert!(!line.contains(secret), "a secret in the logs: {line}");
        }
    }
    assert!(finished >= 4, "{logs}");
    // Not ready any more once stopped.
    assert!(!healthcheck().await.expect("healthcheck").status.success());
}

#[test]
fn the_healthcheck_fails_when_nothing_answers() {
    let out = Command::new(BIN)
        .arg("healthcheck")
        .env_clear()
        .env("BIND_ADDR", format!("127.0.0.1:{}", free_port()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/health/ready"));
}
