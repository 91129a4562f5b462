//! A running system for the tests: the real auth service (its own PostgreSQL
//! database and Redis key space, emails to an SMTP sink), the real finance
//! service on the same database and session store, and the web service in
//! front of both, all in this process on free ports.

#![allow(clippy::unwrap_used, dead_code)]

use std::collections::HashMap;
use std::net::TcpListener;

use serde_json::{Value, json};
use test_support::auth::HMAC_SECRET;
use test_support::{SmtpSink, Template, TestAuth, TestDatabase};
use web_service::config::WebSettings;

pub const PASSWORD: &str = "correct horse battery";

pub struct Stack {
    /// Base URL of the web service (also the auth service's `PUBLIC_WEB_URL`).
    pub web: String,
    /// `http://…/metrics` of the web service.
    pub web_metrics: String,
    /// Base URL of the auth service itself.
    pub auth: String,
    /// Base URL of the finance service itself.
    pub finance: String,
    pub mail: SmtpSink,
    /// The auth service itself (its database and Redis key space).
    pub auth_service: TestAuth,
}

/// Starts the services; `overrides` are settings of the auth service.
pub async fn spawn_stack(overrides: &[(&str, &str)]) -> Stack {
    spawn_stack_with(overrides, &[]).await
}

/// Starts the services; `overrides` are settings of the auth service, `web_settings`
/// more settings of the web service (e.g. `TELEGRAM_BOT_USERNAME`).
pub async fn spawn_stack_with(overrides: &[(&str, &str)], web_settings: &[(&str, &str)]) -> Stack {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let web = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());

    let mail = SmtpSink::start().await;
    let smtp_url = mail.url();
    let mut settings = vec![
        ("PUBLIC_WEB_URL", web.as_str()),
        ("DB_POOL_SIZE", "4"),
        ("REDIS_POOL_SIZE", "4"),
        ("SMTP_URL", smtp_url.as_str()),
        // The web service is the proxy the browser's address comes through.
        ("TRUSTED_PROXIES", "127.0.0.1"),
        // The web service's metrics are what these tests read; the auth
        // service's would land in the same registry.
        ("METRICS_BIND_ADDR", "off"),
    ];
    settings.extend_from_slice(overrides);
    // Both services' tables in one database, as deployed.
    let db = TestDatabase::from_template("web", &Template::new(&["auth", "finance"])).await;
    let auth_service = test_support::spawn_auth_on(db, &settings).await;
    let auth = auth_service.url.clone();
    let finance = spawn_finance(&auth_service, &web);

    let (app, web_metrics) = spawn_web_with(&auth, &finance, &web, listener, web_settings);
    tokio::spawn(app.run_until_stopped());

    Stack {
        web,
        web_metrics,
        auth,
        finance,
        mail,
        auth_service,
    }
}

/// The finance service on `auth`'s database, session store and secret; its URL.
fn spawn_finance(auth: &TestAuth, web: &str) -> String {
    let env: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", auth.db.url().to_owned()),
        ("REDIS_URL", auth.redis.url().to_owned()),
        ("AUTH_REDIS_KEY_PREFIX", auth.redis.prefix().to_owned()),
        ("JWT_SECRET", test_support::auth::JWT_SECRET.to_owned()),
        ("AUTH_SERVICE_URL", auth.url.clone()),
        ("PUBLIC_WEB_URL", web.to_owned()),
        ("BIND_ADDR", "127.0.0.1:0".to_owned()),
        ("DB_POOL_SIZE", "4".to_owned()),
        ("REDIS_POOL_SIZE", "4".to_owned()),
        ("METRICS_BIND_ADDR", "off".to_owned()),
    ]);
    let settings =
        finance_service::config::Settings::from_lookup(|name| env.get(name).cloned()).unwrap();
    let app = finance_service::startup::Application::build(settings).unwrap();
    let url = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    url
}

/// A web service on `listener` in front of `auth` (and no finance service), and
/// the URL of its `/metrics`.
pub fn spawn_web(
    auth: &str,
    web: &str,
    listener: TcpListener,
) -> (web_service::startup::Application, String) {
    // Nothing listens on port 9: finance calls answer 503.
    spawn_web_to(auth, "http://127.0.0.1:9", web, listener)
}

/// A web service on `listener` in front of `auth` and `finance`, and the URL of
/// its `/metrics`.
pub fn spawn_web_to(
    auth: &str,
    finance: &str,
    web: &str,
    listener: TcpListener,
) -> (web_service::startup::Application, String) {
    spawn_web_with(auth, finance, web, listener, &[])
}

/// Like [`spawn_web_to`], with more settings of the web service.
pub fn spawn_web_with(
    auth: &str,
    finance: &str,
    web: &str,
    listener: TcpListener,
    settings: &[(&str, &str)],
) -> (web_service::startup::Application, String) {
    let mut web_env = HashMap::from([
        ("AUTH_SERVICE_URL", auth),
        ("FINANCE_SERVICE_URL", finance),
        ("PUBLIC_WEB_URL", web),
        ("METRICS_BIND_ADDR", "127.0.0.1:0"),
    ]);
    web_env.extend(settings.iter().copied());
    let settings = WebSettings::from_lookup(|k| web_env.get(k).map(|v| (*v).to_owned())).unwrap();
    let app = web_service::startup::Application::build_on(settings, listener).unwrap();
    let metrics = format!(
        "http://127.0.0.1:{}/metrics",
        app.metrics_port().expect("metrics are served")
    );
    (app, metrics)
}

/// A plain HTTP client: no cookie jar (tests pass cookies by hand), no redirects.
pub fn client() -> reqwest::Client {
    test_support::auth::http_client()
}

impl Stack {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.web)
    }

    /// Signed straight to the auth service, as the bot does.
    pub async fn post_signed(&self, path: &str, body: Value) -> Value {
        let bytes = serde_json::to_vec(&body).unwrap();
        let headers =
            auth_types::HmacSigner::new(HMAC_SECRET.as_bytes()).sign("POST", path, &bytes);
        let mut request = client()
            .post(format!("{}{path}", self.auth))
            .header("content-type", "application/json")
            .body(bytes);
        for (name, value) in headers.pairs() {
            request = request.header(name, value);
        }
        let answer = request.send().await.unwrap();
        assert!(answer.status().is_success(), "{path}: {}", answer.status());
        answer.json().await.unwrap()
    }

    /// A binding code for `telegram_id`, as the bot's `/link` gets it.
    pub async fn link_code(&self, telegram_id: i64, username: &str) -> String {
        let body = self
            .post_signed(
                "/api/v1/auth/telegram/start",
                json!({"telegram_id": telegram_id, "username": username, "first_name": "Tele"}),
            )
            .await;
        body["code"].as_str().unwrap().to_owned()
    }

    /// An account made through the auth service directly (not the web service).
    pub async fn register_directly(&self, email: &str) -> Value {
        let answer = client()
            .post(format!("{}/api/v1/auth/register", self.auth))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 201);
        answer.json().await.unwrap()
    }

    /// A new account (at `email`) that Telegram user `telegram_id` is bound to,
    /// made through the auth service directly.
    pub async fn telegram_taken_by(&self, email: &str, telegram_id: i64, username: &str) {
        let owner = self.register_directly(email).await;
        let code = self.link_code(telegram_id, username).await;
        let linked = client()
            .post(format!("{}/api/v1/auth/telegram/confirm", self.auth))
            .bearer_auth(owner["access_token"].as_str().unwrap())
            .json(&json!({"code": code}))
            .send()
            .await
            .unwrap();
        assert_eq!(linked.status(), 200);
    }
}

/// A fresh address for each account, so tests never collide.
pub fn email(label: &str) -> String {
    format!("{label}-{}@example.com", uuid::Uuid::new_v4().simple())
}
