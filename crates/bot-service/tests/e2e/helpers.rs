#![allow(clippy::unwrap_used, dead_code)]

use std::collections::HashMap;
use std::time::Duration;

use bot_service::BotApp;
use bot_service::config::BotSettings;
use serde_json::{Value, json};
use test_support::auth::HMAC_SECRET;
use test_support::prometheus::Samples;
use test_support::{
    FAKE_BOT_TOKEN, FakeTelegram, SentMessage, TcpProxy, Template, TestAuth, TestDatabase,
    TestRedis,
};
use tokio::sync::watch;
use tokio::task::JoinHandle;
/// How long a person may wait for an answer.
pub const REPLY_WITHIN: Duration = Duration::from_secs(15);

/// The auth and finance services (on one database), the fake Telegram, and
/// the bot between them. The bot reaches each service through a proxy, so a
/// test can take it down.
pub struct World {
    pub telegram: FakeTelegram,
    pub auth_url: String,
    pub auth_proxy: TcpProxy,
    /// `http://127.0.0.1:{port}` of the finance service (not through the proxy).
    pub finance_url: String,
    pub finance_proxy: TcpProxy,
    pub http: reqwest::Client,
    pub bot_redis: TestRedis,
    /// `http://…/metrics` of the running bot.
    pub bot_metrics_url: Option<String>,
    bot: Option<(watch::Sender<bool>, JoinHandle<()>)>,
    auth: TestAuth,
}

pub async fn world() -> World {
    let mut world = world_without_bot().await;
    world.start_bot();
    world
}

/// The bot's key for the chats' tokens in these tests.
pub const BOT_STORE_KEY: &str = "e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0";

pub async fn world_without_bot() -> World {
    let database = TestDatabase::from_template("bot", &Template::new(&["auth", "finance"])).await;
    let auth = test_support::spawn_auth_on(
        database,
        &[
            // The bot's metrics are what these tests read; the auth service's would
            // land in the same registry.
            ("METRICS_BIND_ADDR", "off"),
        ],
    )
    .await;
    let auth_addr = format!("127.0.0.1:{}", auth.port);
    let auth_proxy = TcpProxy::start(&auth_addr).await;
    let finance_port = spawn_finance(&auth);
    let finance_proxy = TcpProxy::start(&format!("127.0.0.1:{finance_port}")).await;
    World {
        telegram: FakeTelegram::start().await,
        auth_url: auth.url.clone(),
        auth_proxy,
        finance_url: format!("http://127.0.0.1:{finance_port}"),
        finance_proxy,
        http: reqwest::Client::new(),
        bot_redis: TestRedis::new(),
        bot_metrics_url: None,
        bot: None,
        auth,
    }
}

/// The finance service on `auth`'s database, Redis and secret; its port.
fn spawn_finance(auth: &TestAuth) -> u16 {
    let env: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", auth.db.url().to_owned()),
        ("REDIS_URL", auth.redis.url().to_owned()),
        ("AUTH_REDIS_KEY_PREFIX", auth.redis.prefix().to_owned()),
        ("JWT_SECRET", test_support::auth::JWT_SECRET.to_owned()),
        ("AUTH_SERVICE_URL", auth.url.clone()),
        (
            "PUBLIC_WEB_URL",
            test_support::auth::PUBLIC_WEB_URL.to_owned(),
        ),
        ("BIND_ADDR", "127.0.0.1:0".to_owned()),
        ("DB_POOL_SIZE", "4".to_owned()),
        ("REDIS_POOL_SIZE", "4".to_owned()),
        ("METRICS_BIND_ADDR", "off".to_owned()),
    ]);
    let settings = finance_service::config::Settings::from_lookup(|name| env.get(name).cloned())
        .expect("finance settings");
    let app = finance_service::startup::Application::build(settings).expect("finance service");
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    port
}

impl World {
    fn bot_settings(&self) -> BotSettings {
        let env: HashMap<&str, String> = HashMap::from([
            ("TELEGRAM_BOT_TOKEN", FAKE_BOT_TOKEN.to_owned()),
            ("TELEGRAM_API_URL", self.telegram.api_url()),
            (
                "AUTH_SERVICE_URL",
                format!("http://{}", self.auth_proxy.addr()),
            ),
            (
                "FINANCE_SERVICE_URL",
                format!("http://{}", self.finance_proxy.addr()),
            ),
            ("BOT_HMAC_SECRET", HMAC_SECRET.to_owned()),
            ("BOT_STORE_KEY", BOT_STORE_KEY.to_owned()),
            ("REDIS_URL", self.bot_redis.url().to_owned()),
            ("REDIS_KEY_PREFIX", self.bot_redis.prefix().to_owned()),
            ("POLL_TIMEOUT_SECS", "1".to_owned()),
            ("METRICS_BIND_ADDR", "127.0.0.1:0".to_owned()),
        ]);
        BotSettings::from_lookup(|k| env.get(k).cloned()).expect("bot settings")
    }

    pub fn start_bot(&mut self) {
        assert!(self.bot.is_none(), "the bot is already running");
        let app = BotApp::new(&self.bot_settings()).expect("bot");
        self.bot_metrics_url = app
            .metrics_port()
            .map(|port| format!("http://127.0.0.1:{port}/metrics"));
        let (stop, shutdown) = watch::channel(false);
        self.bot = Some((stop, tokio::spawn(app.run(shutdown))));
    }

    /// SIGTERM: the bot finishes what it has in hand, confirms, and stops.
    pub async fn stop_bot(&mut self) {
        let (stop, task) = self.bot.take().expect("a running bot");
        stop.send_replace(true);
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("the bot stops within 10 s")
            .expect("the bot task ends cleanly");
    }

    /// kill -9: the bot stops wherever it is.
    pub async fn kill_bot(&mut self) {
        let (_, task) = self.bot.take().expect("a running bot");
        task.abort();
        let _ = task.await;
    }

    /// `user` sends `text`; returns the bot's next message to them.
    pub async fn say(&self, user: i64, text: &str) -> SentMessage {
        let before = self.telegram.sent_to(user).len();
        self.telegram.user_sends(user, text);
        self.next_message(user, before).await
    }

    /// The message after the first `before` sent to `user`.
    pub async fn next_message(&self, user: i64, before: usize) -> SentMessage {
        self.telegram
            .wait_for_messages(user, before + 1, REPLY_WITHIN)
            .await
            .swap_remove(before)
    }

    /// An email account made through the web API; returns its access token.
    pub async fn email_account(&self, email: &str) -> String {
        let answer: Value = self
            .http
            .post(format!("{}/api/v1/auth/register", self.auth_url))
            .json(&json!({"email": email, "password": "correct horse battery"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["access_token"]
            .as_str()
            .expect("access token")
            .to_owned()
    }

    /// What the web page does with a binding code: `POST telegram/confirm`.
    pub async fn confirm(&self, access_token: &str, code: &str) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}/api/v1/auth/telegram/confirm", self.auth_url))
            .bearer_auth(access_token)
            .json(&json!({"code": code}))
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    /// Users in the auth service's database with this Telegram id.
    pub async fn users_with_telegram_id(&self, telegram_id: i64) -> Vec<(Option<String>, i64)> {
        use auth_service::db::schema::users;
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        let mut conn = self.auth.db.connect().await;
        users::table
            .filter(users::telegram_id.eq(telegram_id))
            .select((users::email, users::telegram_id.assume_not_null()))
            .load(&mut conn)
            .await
            .unwrap()
    }

    /// The bot's `/metrics`, parsed strictly.
    pub async fn bot_metrics(&self) -> Samples {
        let url = self
            .bot_metrics_url
            .as_ref()
            .expect("the bot serves metrics");
        let text = self
            .http
            .get(url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        test_support::prometheus::parse(&text)
    }

    /// Live sessions on the auth service.
    pub async fn auth_sessions(&self) -> usize {
        self.auth
            .redis
            .keys()
            .await
            .iter()
            .filter(|k| k.starts_with("session:"))
            .count()
    }
}

/// The binding code in a `/link` reply.
pub fn code_in(text: &str) -> String {
    let start = text.find("/link?code=").expect("a link in the reply") + "/link?code=".len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

impl World {
    /// The access token the bot keeps for `chat_id` (opened with its store key).
    pub async fn access_token(&self, chat_id: i64) -> String {
        let store = bot_service::store::Store::new(
            self.bot_redis.url(),
            self.bot_redis.prefix(),
            test_support::FAKE_BOT_ID as i64,
            bot_service::store::StoreKey::parse(BOT_STORE_KEY).unwrap(),
        )
        .unwrap();
        store
            .tokens(chat_id)
            .await
            .unwrap()
            .expect("the chat is signed in")
            .access_token
    }

    /// A call to the finance API with `token`; the answer's JSON.
    pub async fn finance(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}/api/v1{path}", self.finance_url))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap_or(Value::Null)
    }

    /// Every transaction in the finance database, oldest first, as
    /// `kind amount_minor note`.
    pub async fn transactions(&self) -> Vec<String> {
        use diesel::QueryableByName;
        use diesel_async::RunQueryDsl;
        #[derive(QueryableByName)]
        struct Line {
            #[diesel(sql_type = diesel::sql_types::Text)]
            line: String,
        }
        let mut conn = self.auth.db.connect().await;
        diesel::sql_query(
            "SELECT kind || ' ' || amount || ' ' || coalesce(note, '') AS line \
             FROM transactions ORDER BY created_at, id",
        )
        .load::<Line>(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.line.trim_end().to_owned())
        .collect()
    }

    /// How many accounts the finance database holds.
    pub async fn accounts(&self) -> usize {
        use diesel::QueryableByName;
        use diesel_async::RunQueryDsl;
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.auth.db.connect().await;
        let count: Vec<Count> = diesel::sql_query("SELECT count(*) AS n FROM accounts")
            .load(&mut conn)
            .await
            .unwrap();
        usize::try_from(count[0].n).unwrap()
    }
}

/// The `callback_data` of the inline button labelled `text` under `message`.
pub fn button(message: &SentMessage, text: &str) -> Option<String> {
    buttons(message)
        .into_iter()
        .find(|(label, _)| label == text)
        .map(|(_, data)| data)
}

/// The inline buttons under `message`, row by row: `(text, callback_data)`.
pub fn buttons(message: &SentMessage) -> Vec<(String, String)> {
    let Some(markup) = &message.reply_markup else {
        return Vec::new();
    };
    markup["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
        .map(|b| {
            (
                b["text"].as_str().unwrap_or_default().to_owned(),
                b["callback_data"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

impl World {
    /// `user` presses the button `data` under the bot's message `message_id`;
    /// returns the bot's next message (or edit) to them.
    pub async fn press(&self, user: i64, message_id: i64, data: &str) -> SentMessage {
        let before = self.telegram.sent_to(user).len();
        self.telegram.user_presses(user, message_id, data);
        self.next_message(user, before).await
    }

    /// `user` edits their message `message_id` to `text`; returns the bot's
    /// next message (or edit) to them.
    pub async fn edit(&self, user: i64, message_id: i64, text: &str) -> SentMessage {
        let before = self.telegram.sent_to(user).len();
        self.telegram.user_edits(user, message_id, text);
        self.next_message(user, before).await
    }

    /// The id of the person's personal family, and a finance token of theirs.
    pub async fn family_of(&self, user: i64) -> (String, String) {
        let token = self.access_token(user).await;
        let families = self
            .finance(&token, reqwest::Method::GET, "/families", None)
            .await;
        let family = families["items"][0]["id"]
            .as_str()
            .expect("a family")
            .to_owned();
        (family, token)
    }
}
