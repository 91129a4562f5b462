#![allow(clippy::unwrap_used, dead_code)]

use std::collections::HashMap;

use finance_service::config::Settings;
use finance_service::startup::Application;
use finance_service::state::AppState;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use test_support::{Template, TestAuth, TestDatabase};

/// The real auth service and the finance service on one database (both
/// services' migrations, copied from a template) and one Redis key space.
pub struct World {
    pub finance: String,
    /// `http://…/metrics` of the finance service.
    pub metrics: Option<String>,
    pub client: reqwest::Client,
    pub state: actix_web::web::Data<AppState>,
    pub settings: Settings,
    /// Between the finance service and PostgreSQL or Redis, when a test asked for it.
    proxy: Option<test_support::TcpProxy>,
    pub auth: TestAuth,
}

/// A user signed in through the auth service.
#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    pub token: String,
    pub refresh: String,
    pub email: String,
}

/// A database with both services' tables, copied from their migrated template.
pub async fn database() -> TestDatabase {
    TestDatabase::from_template("finance", &Template::new(&["auth", "finance"])).await
}

pub async fn world() -> World {
    world_with(&[]).await
}

pub async fn world_with(overrides: &[(&str, String)]) -> World {
    let auth = test_support::spawn_auth_on(database().await, &[]).await;
    start_world(auth, overrides, None)
}

fn start_world(
    auth: TestAuth,
    overrides: &[(&str, String)],
    proxy: Option<test_support::TcpProxy>,
) -> World {
    let (port, metrics_port, state, settings) = start_finance(&auth, overrides);
    World {
        finance: format!("http://127.0.0.1:{port}"),
        metrics: metrics_port.map(|port| format!("http://127.0.0.1:{port}/metrics")),
        client: reqwest::Client::new(),
        state,
        settings,
        proxy,
        auth,
    }
}

/// A world whose finance service reaches PostgreSQL through a proxy.
pub async fn world_behind_db_proxy() -> World {
    let auth = test_support::spawn_auth_on(database().await, &[]).await;
    let proxy = test_support::TcpProxy::start(&test_support::host_port(auth.db.url(), 5432)).await;
    let routed = test_support::with_host(auth.db.url(), proxy.addr());
    let overrides = [
        ("DATABASE_URL", routed),
        ("DEPENDENCY_TIMEOUT_MS", "1000".to_owned()),
    ];
    start_world(auth, &overrides, Some(proxy))
}

/// A world whose finance service reaches the session store through a proxy.
pub async fn world_behind_redis_proxy() -> World {
    let auth = test_support::spawn_auth_on(database().await, &[]).await;
    let proxy =
        test_support::TcpProxy::start(&test_support::host_port(auth.redis.url(), 6379)).await;
    let routed = test_support::with_host(auth.redis.url(), proxy.addr());
    let overrides = [
        ("REDIS_URL", routed),
        ("DEPENDENCY_TIMEOUT_MS", "1000".to_owned()),
    ];
    start_world(auth, &overrides, Some(proxy))
}

/// Settings of a finance service sharing `auth`'s database, Redis and secret.
pub fn finance_settings(auth: &TestAuth, overrides: &[(&str, String)]) -> Settings {
    let mut env: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", auth.db.url().to_owned()),
        ("REDIS_URL", auth.redis.url().to_owned()),
        ("AUTH_REDIS_KEY_PREFIX", auth.redis.prefix().to_owned()),
        ("JWT_SECRET", test_support::auth::JWT_SECRET.to_owned()),
        ("AUTH_SERVICE_URL", auth.url.clone()),
        ("PUBLIC_WEB_URL", "https://finance.example.org".to_owned()),
        ("BIND_ADDR", "127.0.0.1:0".to_owned()),
        ("DB_POOL_SIZE", "8".to_owned()),
        ("REDIS_POOL_SIZE", "8".to_owned()),
        ("METRICS_BIND_ADDR", "127.0.0.1:0".to_owned()),
    ]);
    for (key, value) in overrides {
        env.insert(key, value.clone());
    }
    Settings::from_lookup(|name| env.get(name).cloned()).expect("finance settings")
}

fn start_finance(
    auth: &TestAuth,
    overrides: &[(&str, String)],
) -> (u16, Option<u16>, actix_web::web::Data<AppState>, Settings) {
    let settings = finance_settings(auth, overrides);
    let app = Application::build(settings.clone()).expect("build finance app");
    let port = app.port();
    let metrics_port = app.metrics_port();
    let state = app.state();
    tokio::spawn(app.run_until_stopped());
    (port, metrics_port, state, settings)
}

/// An answer: status, headers and JSON body (`Null` when empty or not JSON).
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The problem's `code`.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }

    /// The fields a 422 names, with their codes.
    pub fn fields(&self) -> Vec<(String, String)> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| {
                        (
                            e["field"].as_str().unwrap().to_owned(),
                            e["code"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Asserts a 422 naming `field` with `code`.
    pub fn assert_field(&self, field: &str, code: &str) {
        assert_eq!(self.status, 422, "{}", self.body);
        assert_eq!(self.code(), "validation_failed", "{}", self.body);
        assert!(
            self.fields().contains(&(field.to_owned(), code.to_owned())),
            "expected {field}/{code} in {}",
            self.body
        );
    }
}

impl World {
    pub fn db_proxy(&self) -> &test_support::TcpProxy {
        self.proxy.as_ref().expect("a world behind a proxy")
    }

    pub fn redis_proxy(&self) -> &test_support::TcpProxy {
        self.db_proxy()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.finance)
    }

    /// A new email user, signed in.
    pub async fn user(&self, label: &str) -> User {
        let email = format!("{label}-{}@example.org", uuid::Uuid::new_v4().simple());
        let answer = self
            .client
            .post(self.auth.endpoint("/api/v1/auth/register"))
            .json(&json!({"email": email, "password": "correct horse battery", "display_name": label}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 201);
        let body: Value = answer.json().await.unwrap();
        User {
            id: body["user"]["id"].as_str().unwrap().to_owned(),
            token: body["access_token"].as_str().unwrap().to_owned(),
            refresh: body["refresh_token"].as_str().unwrap().to_owned(),
            email,
        }
    }

    pub async fn call(
        &self,
        user: &User,
        method: Method,
        path: &str,
        body: Option<Value>,
        key: Option<&str>,
    ) -> Answer {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(&user.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, user: &User, path: &str) -> Answer {
        self.call(user, Method::GET, path, None, None).await
    }

    pub async fn post(&self, user: &User, path: &str, body: Value) -> Answer {
        self.call(user, Method::POST, path, Some(body), None).await
    }

    pub async fn patch(&self, user: &User, path: &str, body: Value) -> Answer {
        self.call(user, Method::PATCH, path, Some(body), None).await
    }

    pub async fn delete(&self, user: &User, path: &str) -> Answer {
        self.call(user, Method::DELETE, path, None, None).await
    }

    /// The user's personal family (made by their first request).
    pub async fn personal_family(&self, user: &User) -> String {
        let answer = self.get(user, "/families").await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body["items"][0]["id"].as_str().unwrap().to_owned()
    }

    /// A new family of `owner` in `currency`.
    pub async fn family(&self, owner: &User, currency: &str) -> String {
        let answer = self
            .post(
                owner,
                "/families",
                json!({"name": "Home", "base_currency": currency}),
            )
            .await;
        assert_eq!(answer.status, 201, "{}", answer.body);
        answer.body["id"].as_str().unwrap().to_owned()
    }

    pub async fn account(
        &self,
        user: &User,
        family: &str,
        currency: &str,
        opening: &str,
    ) -> String {
        let answer = self
            .post(
                user,
                &format!("/families/{family}/accounts"),
                json!({"name": format!("Account {currency}"), "kind": "bank", "currency": currency, "opening_balance": opening}),
            )
            .await;
        assert_eq!(answer.status, 201, "{}", answer.body);
        answer.body["id"].as_str().unwrap().to_owned()
    }

    /// The id of the family's category named `name` of `kind` (a default one).
    pub async fn category(&self, user: &User, family: &str, kind: &str, name: &str) -> String {
        let answer = self
            .get(user, &format!("/families/{family}/categories"))
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == kind && c["name"] == name)
            .unwrap_or_else(|| panic!("no {kind} category {name}"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn expense(
        &self,
        user: &User,
        family: &str,
        account: &str,
        category: &str,
        amount: &str,
    ) -> Answer {
        self.post(
            user,
            &format!("/families/{family}/transactions"),
            json!({"kind": "expense", "account_id": account, "category_id": category, "amount": amount}),
        )
        .await
    }

    /// Sets a budget on `category`: `{"limit": limit, "rollover": rollover}`.
    pub async fn budget(
        &self,
        user: &User,
        family: &str,
        category: &str,
        limit: &str,
        rollover: bool,
    ) -> Answer {
        self.post(
            user,
            &format!("/families/{family}/budgets"),
            json!({"category_id": category, "limit": limit, "rollover": rollover}),
        )
        .await
    }

    pub async fn balance(&self, user: &User, family: &str, account: &str) -> String {
        let answer = self
            .get(user, &format!("/families/{family}/accounts/{account}"))
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body["balance"].as_str().unwrap().to_owned()
    }

    /// `user` joins `family` as `role` through an invite of `owner`.
    pub async fn join(&self, owner: &User, family: &str, user: &User, role: &str) {
        let invite = self
            .post(
                owner,
                &format!("/families/{family}/invites"),
                json!({"role": role}),
            )
            .await;
        assert_eq!(invite.status, 201, "{}", invite.body);
        let code = invite.body["code"].as_str().unwrap();
        let accepted = self
            .call(
                user,
                Method::POST,
                &format!("/invites/{code}/accept"),
                None,
                None,
            )
            .await;
        assert_eq!(accepted.status, 200, "{}", accepted.body);
    }

    /// Runs `sql` on the shared database, for checks and set-ups tests cannot make through the API.
    /// A connection of its own in an open transaction that has taken the
    /// `locks` (`SELECT … FOR UPDATE`…): a writer that needs them waits until
    /// the transaction is rolled back (`ROLLBACK` on the connection).
    pub async fn holding(&self, locks: &[String]) -> diesel_async::AsyncPgConnection {
        use diesel_async::RunQueryDsl;
        let mut conn = self.auth.db.connect().await;
        for statement in std::iter::once("BEGIN").chain(locks.iter().map(String::as_str)) {
            diesel::sql_query(statement)
                .execute(&mut conn)
                .await
                .unwrap();
        }
        conn
    }

    pub async fn sql(&self, sql: &str) {
        use diesel_async::RunQueryDsl;
        let mut conn = self.auth.db.connect().await;
        diesel::sql_query(sql).execute(&mut conn).await.unwrap();
    }

    /// The `n` of a statement that reads one `bigint` named `n`.
    pub async fn number(&self, sql: &str) -> i64 {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Number {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.auth.db.connect().await;
        let row: Number = diesel::sql_query(sql).get_result(&mut conn).await.unwrap();
        row.n
    }
}

/// Another finance service on the same database and Redis (a second replica,
/// or the service back after an outage); its state, without serving.
pub fn start_second_finance(world: &World) -> actix_web::web::Data<AppState> {
    let settings = finance_settings(&world.auth, &[]);
    actix_web::web::Data::new(AppState::from_settings(settings).expect("second finance state"))
}

impl World {
    /// A request to the auth service signed as the bot; its JSON answer.
    pub async fn post_signed(&self, path: &str, body: Value) -> Value {
        let bytes = serde_json::to_vec(&body).unwrap();
        let headers = auth_types::HmacSigner::new(test_support::auth::HMAC_SECRET.as_bytes())
            .sign("POST", path, &bytes);
        let mut request = self
            .client
            .post(self.auth.endpoint(path))
            .header("content-type", "application/json")
            .body(bytes);
        for (name, value) in headers.pairs() {
            request = request.header(name, value);
        }
        let answer = request.send().await.unwrap();
        assert!(answer.status().is_success(), "{path}: {}", answer.status());
        answer.json().await.unwrap()
    }
}
