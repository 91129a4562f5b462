//! The real auth service in this process, for every suite that needs one (the
//! auth service's own tests, the bot's, the web pages', the finance service's).

use std::collections::HashMap;
use std::time::Duration;

use actix_web::web;
use auth_service::config::Settings;
use auth_service::startup::Application;
use auth_service::state::AppState;
use auth_types::JwtKeys;

use crate::{Template, TestDatabase, TestRedis};

/// `JWT_SECRET` of the test auth service.
pub const JWT_SECRET: &str = "test-jwt-secret-0123456789abcdef0123456789";
/// `BOT_HMAC_SECRET` of the test auth service.
pub const HMAC_SECRET: &str = "test-hmac-secret-0123456789abcdef01234567";
/// `PUBLIC_WEB_URL` of the test auth service, unless overridden.
pub const PUBLIC_WEB_URL: &str = "https://finance.example.org";

/// A running auth service with its own database (copied from the
/// [`Template::auth`] template) and Redis key prefix.
pub struct TestAuth {
    /// Base URL, `http://127.0.0.1:{port}`.
    pub url: String,
    pub port: u16,
    /// `http://…/metrics`, unless `METRICS_BIND_ADDR` is `off`.
    pub metrics_url: Option<String>,
    /// The settings it runs with (for a second instance, or to read a value).
    pub settings: Settings,
    /// Its state: pools, session store, caches, keys.
    pub state: web::Data<AppState>,
    /// Its Redis key prefix (`REDIS_KEY_PREFIX`).
    pub redis: TestRedis,
    // Dropped last: the server's connections are ended when the database goes.
    pub db: TestDatabase,
}

/// The auth service's database, copied from the migrated template.
pub async fn auth_database() -> TestDatabase {
    TestDatabase::from_template("auth", &Template::auth()).await
}

/// Starts the auth service on a free port with a database and Redis prefix
/// of its own, `RATE_LIMITS=off`, bcrypt cost 4, [`JWT_SECRET`],
/// [`HMAC_SECRET`] and [`PUBLIC_WEB_URL`]; `overrides` replace or add settings.
pub async fn spawn_auth(overrides: &[(&str, &str)]) -> TestAuth {
    spawn_auth_on(auth_database().await, overrides).await
}

/// [`spawn_auth`] on a database made by the caller (say, reached through a
/// [`TcpProxy`](crate::TcpProxy) given as `DATABASE_URL` in `overrides`).
pub async fn spawn_auth_on(db: TestDatabase, overrides: &[(&str, &str)]) -> TestAuth {
    let redis = TestRedis::new();
    let mut env: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", db.url().to_owned()),
        ("REDIS_URL", redis.url().to_owned()),
        ("REDIS_KEY_PREFIX", redis.prefix().to_owned()),
        ("JWT_SECRET", JWT_SECRET.to_owned()),
        ("BOT_HMAC_SECRET", HMAC_SECRET.to_owned()),
        ("PUBLIC_WEB_URL", PUBLIC_WEB_URL.to_owned()),
        ("BIND_ADDR", "127.0.0.1:0".to_owned()),
        ("BCRYPT_COST", "4".to_owned()),
        ("DB_POOL_SIZE", "8".to_owned()),
        ("REDIS_POOL_SIZE", "8".to_owned()),
        // Tests of the limits turn them on with small windows.
        ("RATE_LIMITS", "off".to_owned()),
        ("METRICS_BIND_ADDR", "127.0.0.1:0".to_owned()),
    ]);
    for (name, value) in overrides {
        env.insert(name, (*value).to_owned());
    }
    let settings = Settings::from_lookup(|k| env.get(k).cloned()).expect("test settings");
    let app = Application::build(settings.clone()).expect("build the auth service");
    let port = app.port();
    let metrics_url = app
        .metrics_port()
        .map(|port| format!("http://127.0.0.1:{port}/metrics"));
    let state = app.state();
    tokio::spawn(app.run_until_stopped());
    TestAuth {
        url: format!("http://127.0.0.1:{port}"),
        port,
        metrics_url,
        settings,
        state,
        redis,
        db,
    }
}

impl TestAuth {
    /// A second instance of the service on the same database and Redis key
    /// space; returns its base URL.
    pub fn second_instance(&self) -> String {
        let app = Application::build(self.settings.clone()).expect("build a second instance");
        let url = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        url
    }

    /// `{url}{path}`.
    pub fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }
}

/// The keys of [`JWT_SECRET`], to make tokens the test auth service accepts.
pub fn jwt_keys() -> JwtKeys {
    JwtKeys::new(JWT_SECRET.as_bytes())
}

/// An HTTP client for tests: 15 s time-out, no redirects followed.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
}
