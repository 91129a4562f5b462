#![allow(clippy::unwrap_used, dead_code)]

use std::ops::Deref;

use auth_types::dto::TokenResponse;
use auth_types::{JwtKeys, Problem};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use test_support::auth::{TestAuth, auth_database, spawn_auth, spawn_auth_on};

pub use test_support::auth::{HMAC_SECRET, JWT_SECRET, PUBLIC_WEB_URL};

pub const PASSWORD: &str = "correct horse battery";

/// A running auth-service with its own database and Redis key space
/// (`test_support::spawn_auth`), and the requests the tests send it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    auth: TestAuth,
}

/// The service itself: `settings`, `state`, `metrics_url`, `redis`, `db`.
impl Deref for TestApp {
    type Target = TestAuth;

    fn deref(&self) -> &TestAuth {
        &self.auth
    }
}

/// Overrides of the settings a test needs (dependency URLs pointing at proxies...).
pub type Overrides = Vec<(&'static str, String)>;

fn borrowed(overrides: &Overrides) -> Vec<(&str, &str)> {
    overrides.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn app(auth: TestAuth) -> TestApp {
    TestApp {
        address: auth.url.clone(),
        client: test_support::auth::http_client(),
        auth,
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Vec::new()).await
}

pub async fn spawn_app_with(overrides: Overrides) -> TestApp {
    app(spawn_auth(&borrowed(&overrides)).await)
}

/// An app whose database connections go through a proxy the test controls.
pub async fn spawn_app_behind_db_proxy() -> (TestApp, test_support::TcpProxy) {
    spawn_app_behind_db_proxy_with(Vec::new()).await
}

/// [`spawn_app_behind_db_proxy`] with more settings.
pub async fn spawn_app_behind_db_proxy_with(
    overrides: Overrides,
) -> (TestApp, test_support::TcpProxy) {
    let db = auth_database().await;
    let proxy = test_support::TcpProxy::start(&test_support::host_port(db.url(), 5432)).await;
    let routed = test_support::with_host(db.url(), proxy.addr());
    let mut settings: Overrides = vec![
        ("DATABASE_URL", routed),
        ("DEPENDENCY_TIMEOUT_MS", "1000".into()),
    ];
    settings.extend(overrides);
    let auth = spawn_auth_on(db, &borrowed(&settings)).await;
    (app(auth), proxy)
}

/// An app that sends its emails to a mail sink of its own.
pub async fn spawn_app_with_mail(mut overrides: Overrides) -> (TestApp, test_support::SmtpSink) {
    let sink = test_support::SmtpSink::start().await;
    overrides.push(("SMTP_URL", sink.url()));
    (spawn_app_with(overrides).await, sink)
}

pub fn keys() -> JwtKeys {
    test_support::auth::jwt_keys()
}

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A status and its body, read once.
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub async fn from(response: Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("body is not JSON: {}", String::from_utf8_lossy(&bytes)))
        };
        Self {
            status,
            headers,
            body,
        }
    }

    /// Asserts a problem+json answer with this status and code; returns it.
    pub fn problem(&self, status: u16, code: &str) -> Problem {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert_eq!(
            self.headers.get("content-type").unwrap(),
            "application/problem+json",
            "problem content type"
        );
        let problem: Problem = serde_json::from_value(self.body.clone()).unwrap();
        assert_eq!(problem.code, code, "body: {}", self.body);
        assert_eq!(problem.status, status);
        assert_eq!(problem.kind, "about:blank");
        assert!(!problem.title.is_empty() && !problem.detail.is_empty());
        problem
    }

    pub fn tokens(&self) -> TokenResponse {
        serde_json::from_value(self.body.clone()).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        Answer::from(
            self.client
                .post(self.url(path))
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn get_with_token(&self, path: &str, token: &str) -> Answer {
        Answer::from(
            self.client
                .get(self.url(path))
                .bearer_auth(token)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn delete_with_token(&self, path: &str, token: &str) -> Answer {
        Answer::from(
            self.client
                .delete(self.url(path))
                .bearer_auth(token)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn post_with_token(&self, path: &str, token: &str, body: Option<Value>) -> Answer {
        let mut request = self.client.post(self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        Answer::from(request.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        Answer::from(self.client.get(self.url(path)).send().await.unwrap()).await
    }

    pub async fn register(&self, email: &str, password: &str) -> Answer {
        self.post(
            "/api/v1/auth/register",
            json!({"email": email, "password": password}),
        )
        .await
    }

    /// Registers `email` with [`PASSWORD`] and returns its tokens.
    pub async fn signed_up(&self, email: &str) -> TokenResponse {
        let answer = self.register(email, PASSWORD).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        answer.tokens()
    }

    pub async fn login(&self, email: &str, password: &str) -> Answer {
        self.post(
            "/api/v1/auth/login",
            json!({"email": email, "password": password}),
        )
        .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Answer {
        self.post(
            "/api/v1/auth/token/refresh",
            json!({"refresh_token": refresh_token}),
        )
        .await
    }

    pub async fn me(&self, access_token: &str) -> Answer {
        self.me_at(&self.address, access_token).await
    }

    /// `/me` asked of the instance at `address` (see `TestAuth::second_instance`).
    pub async fn me_at(&self, address: &str, access_token: &str) -> Answer {
        Answer::from(
            self.client
                .get(format!("{address}/api/v1/auth/me"))
                .bearer_auth(access_token)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn logout(&self, access_token: &str) -> Answer {
        self.post_with_token("/api/v1/auth/logout", access_token, None)
            .await
    }

    /// Sends `body` to a bot-only endpoint with the given signature headers.
    pub async fn post_signed_raw(
        &self,
        path: &str,
        body: &[u8],
        headers: Option<&auth_types::signing::SignatureHeaders>,
    ) -> Answer {
        let mut request = self
            .client
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(headers) = headers {
            for (name, value) in headers.pairs() {
                request = request.header(name, value);
            }
        }
        Answer::from(request.send().await.unwrap()).await
    }

    /// A correctly signed bot-only request, as the bot sends it.
    pub async fn post_signed(&self, path: &str, body: Value) -> Answer {
        let bytes = serde_json::to_vec(&body).unwrap();
        let headers =
            auth_types::HmacSigner::new(HMAC_SECRET.as_bytes()).sign("POST", path, &bytes);
        self.post_signed_raw(path, &bytes, Some(&headers)).await
    }

    pub async fn telegram_register(&self, telegram_id: i64) -> Answer {
        self.post_signed(
            "/api/v1/auth/telegram/register",
            json!({"telegram_id": telegram_id, "username": "tg_user", "first_name": "Tele", "last_name": "Gram"}),
        )
        .await
    }

    /// A binding code for `telegram_id`, as the bot's `/link` gets it.
    pub async fn link_code(&self, telegram_id: i64) -> String {
        let answer = self
            .post_signed(
                "/api/v1/auth/telegram/start",
                json!({"telegram_id": telegram_id, "username": "tg_user"}),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        answer.body["code"].as_str().unwrap().to_owned()
    }

    pub async fn confirm(&self, access_token: &str, code: &str) -> Answer {
        self.post_with_token(
            "/api/v1/auth/telegram/confirm",
            access_token,
            Some(json!({"code": code})),
        )
        .await
    }

    /// Asks for a password reset of `email` and returns the token of the
    /// reset email, the `nth` email `mail` got for that address.
    pub async fn reset_token(
        &self,
        mail: &test_support::SmtpSink,
        email: &str,
        nth: usize,
    ) -> String {
        let answer = self
            .post("/api/v1/auth/password/forgot", json!({"email": email}))
            .await;
        assert_eq!(answer.status, StatusCode::ACCEPTED);
        mail.wait_for(email, nth, std::time::Duration::from_secs(10))
            .await[nth - 1]
            .token_for("reset-password")
            .expect("reset token")
    }

    /// Number of rows in `users`, straight from the database.
    pub async fn user_count(&self) -> i64 {
        use diesel::dsl::count_star;
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        let mut conn = self.db.connect().await;
        auth_service::db::schema::users::table
            .select(count_star())
            .first(&mut conn)
            .await
            .unwrap()
    }
}
