//! The real binary: JSON logs with request ids, no secret in them, and a clean
//! stop on SIGTERM.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use test_support::{TestDatabase, TestRedis};

use crate::helpers::{HMAC_SECRET, JWT_SECRET};

const PASSWORD: &str = "Very-Secret-Password-42";
const EMAIL: &str = "logged.person@example.com";

#[tokio::test]
async fn json_logs_carry_request_ids_and_never_a_secret() {
    let db = TestDatabase::create("logs").await;
    let redis = TestRedis::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_auth-service"))
        .env("DATABASE_URL", db.url())
        .env("REDIS_URL", redis.url())
        .env("REDIS_KEY_PREFIX", redis.prefix())
        .env("JWT_SECRET", JWT_SECRET)
        .env("BOT_HMAC_SECRET", HMAC_SECRET)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("BCRYPT_COST", "4")
        .env("LOG_FORMAT", "json")
        .env("METRICS_BIND_ADDR", "off")
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start auth-service");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let ready = client.get(format!("{base}/health/ready")).send().await;
        if matches!(&ready, Ok(r) if r.status() == 200) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the service did not become ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let registered: Value = client
        .post(format!("{base}/api/v1/auth/register"))
        .header("x-request-id", "trace-me-42")
        .json(&json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await
        .expect("register")
        .json()
        .await
        .expect("json");
    let access = registered["access_token"]
        .as_str()
        .expect("access")
        .to_owned();
    let refresh = registered["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    client
        .get(format!("{base}/api/v1/auth/me"))
        .bearer_auth(&access)
        .send()
        .await
        .expect("me");
    client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": EMAIL, "password": "Wrong-Password-99"}))
        .send()
        .await
        .expect("login");
    let rotated: Value = client
        .post(format!("{base}/api/v1/auth/token/refresh"))
        .json(&json!({"refresh_token": refresh}))
        .send()
        .await
        .expect("refresh")
        .json()
        .await
        .expect("json");
    let new_refresh = rotated["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();

    // SIGTERM: in-flight work finishes and the process exits cleanly.
    let killed = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .expect("kill");
    assert!(killed.success());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("wait");
    assert!(output.status.success(), "exit status {:?}", output.status);

    let logs = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<Value> = logs
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let finished: Vec<&Value> = lines
        .iter()
        .filter(|l| l["message"] == "request finished")
        .collect();
    assert!(finished.len() >= 5, "{logs}");
    for line in &finished {
        assert!(line["span"]["request_id"].is_string(), "{line}");
        assert!(
            line["status"].is_number() && line["latency_ms"].is_number(),
            "{line}"
        );
        assert!(
            line["span"]["method"].is_string() && line["span"]["path"].is_string(),
            "{line}"
        );
    }
    assert!(
        finished
            .iter()
            .any(|l| l["span"]["request_id"] == "trace-me-42"
                && l["span"]["path"] == "/api/v1/auth/register"),
        "the caller's request id is kept"
    );
    let everything = format!("{logs}{}", String::from_utf8_lossy(&output.stderr));
    for secret in [
        PASSWORD,
        "Wrong-Password-99",
        &access,
        &refresh,
        &new_refresh,
        JWT_SECRET,
        HMAC_SECRET,
        EMAIL,
    ] {
        assert!(
            !everything.contains(secret),
            "a secret leaked into the logs: {secret}"
        );
    }
}
