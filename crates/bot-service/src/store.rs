//! What the bot keeps in Redis: each chat's token pair, and which updates
//! were already handled (so a restart never answers one twice).
//!
//! Keys under the configured prefix: `chat:{chat_id}` — the chat's tokens as
//! JSON, expiring with the refresh token; `handled:{update_id}` — kept a day.

use std::time::Duration;

use deadpool_redis::{Config, Pool, Runtime};
use serde::{Deserialize, Serialize};

/// Time one Redis call may take.
const TIMEOUT: Duration = Duration::from_secs(2);
const HANDLED_TTL_SECS: u64 = 86_400;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("redis unavailable: {0}")]
    Unavailable(String),
}

/// The tokens of the account signed in in one chat.
#[derive(Clone, Serialize, Deserialize)]
pub struct ChatTokens {
    pub telegram_id: i64,
    pub access_token: String,
    pub refresh_token: String,
    /// Unix time when the access token expires.
    pub access_expires_at: i64,
}

impl ChatTokens {
    pub fn from_response(
        telegram_id: i64,
        tokens: &auth_types::dto::TokenResponse,
        now: i64,
    ) -> Self {
        Self {
            telegram_id,
            access_token: tokens.access_token.clone(),
            refresh_token: tokens.refresh_token.clone(),
            access_expires_at: now + i64::try_from(tokens.expires_in).unwrap_or(0),
        }
    }
}

#[derive(Clone)]
pub struct Store {
    pool: Pool,
    prefix: String,
}

impl Store {
    pub fn new(url: &str, prefix: &str) -> Result<Self, StoreError> {
        let mut config = Config::from_url(url);
        let mut pool_config = deadpool_redis::PoolConfig::new(8);
        pool_config.timeouts.wait = Some(TIMEOUT);
        pool_config.timeouts.create = Some(TIMEOUT);
        pool_config.timeouts.recycle = Some(TIMEOUT);
        config.pool = Some(pool_config);
        let pool = config
            .create_pool(Some(Runtime::Tokio1))
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(Self {
            pool,
            prefix: prefix.to_owned(),
        })
    }

    async fn query<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, StoreError> {
        let work = async {
            let mut conn = self
                .pool
                .get()
                .await
                .map_err(|e| StoreError::Unavailable(e.to_string()))?;
            cmd.query_async(&mut conn)
                .await
                .map_err(|e| StoreError::Unavailable(e.to_string()))
        };
        tokio::time::timeout(TIMEOUT, work)
            .await
            .unwrap_or_else(|_| Err(StoreError::Unavailable("timed out".into())))
    }

    fn chat_key(&self, chat_id: i64) -> String {
        format!("{}chat:{chat_id}", self.prefix)
    }

    pub async fn tokens(&self, chat_id: i64) -> Result<Option<ChatTokens>, StoreError> {
        let value: Option<String> = self
            .query(redis::cmd("GET").arg(self.chat_key(chat_id)))
            .await?;
        // An unreadable entry (older format) counts as signed out.
        Ok(value.and_then(|v| serde_json::from_str(&v).ok()))
    }

    pub async fn save_tokens(
        &self,
        chat_id: i64,
        tokens: &ChatTokens,
        ttl_secs: u64,
    ) -> Result<(), StoreError> {
        let value =
            serde_json::to_string(tokens).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        self.query(
            redis::cmd("SET")
                .arg(self.chat_key(chat_id))
                .arg(value)
                .arg("EX")
                .arg(ttl_secs.max(1)),
        )
        .await
    }

    pub async fn forget_tokens(&self, chat_id: i64) -> Result<(), StoreError> {
        self.query(redis::cmd("DEL").arg(self.chat_key(chat_id)))
            .await
    }

    pub async fn was_handled(&self, update_id: u32) -> Result<bool, StoreError> {
        self.query(redis::cmd("EXISTS").arg(format!("{}handled:{update_id}", self.prefix)))
            .await
    }

    pub async fn mark_handled(&self, update_id: u32) -> Result<(), StoreError> {
        self.query(
            redis::cmd("SET")
                .arg(format!("{}handled:{update_id}", self.prefix))
                .arg(1)
                .arg("EX")
                .arg(HANDLED_TTL_SECS),
        )
        .await
    }
}
