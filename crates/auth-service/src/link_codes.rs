//! Single-use codes that bind a Telegram identity to an account (`telegram/start`
//! → the web page → `telegram/confirm`).
//!
//! A code is 256 random bits, URL-safe; Redis keeps only its SHA-256, so a
//! Redis dump holds no usable code. It lives [`LINK_CODE_TTL_SECS`].

use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Error;
use session_guard::Redis;

pub const LINK_CODE_TTL_SECS: u64 = 600;

/// Who asked for the code, as Telegram told the bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLink {
    pub telegram_id: i64,
    pub username: Option<String>,
    pub first_name: Option<String>,
}

#[derive(Clone)]
pub struct LinkCodes {
    redis: Redis,
}

impl LinkCodes {
    pub fn new(redis: Redis) -> Self {
        Self { redis }
    }

    fn key(&self, code: &str) -> String {
        self.redis
            .key("link_code", hex::encode(Sha256::digest(code.as_bytes())))
    }

    /// Stores `link` under a new code and returns the code.
    pub async fn issue(&self, link: &PendingLink) -> Result<String, Error> {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let code = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let key = self.key(&code);
        let value = serde_json::to_string(link).map_err(Error::internal)?;
        self.redis
            .run(async |conn| {
                redis::cmd("SET")
                    .arg(&key)
                    .arg(&value)
                    .arg("EX")
                    .arg(LINK_CODE_TTL_SECS)
                    .query_async::<()>(conn)
                    .await?;
                Ok::<_, Error>(())
            })
            .await?;
        Ok(code)
    }

    /// The link behind `code`, if it is live; the code stays until [`Self::consume`].
    pub async fn peek(&self, code: &str) -> Result<Option<PendingLink>, Error> {
        let key = self.key(code);
        let value: Option<String> = self
            .redis
            .run(async |conn| Ok::<_, Error>(redis::cmd("GET").arg(&key).query_async(conn).await?))
            .await?;
        value
            .map(|v| serde_json::from_str(&v).map_err(Error::internal))
            .transpose()
    }

    /// Uses the code up; false when another request used it first.
    pub async fn consume(&self, code: &str) -> Result<bool, Error> {
        let key = self.key(code);
        let deleted: i64 = self
            .redis
            .run(async |conn| Ok::<_, Error>(redis::cmd("DEL").arg(&key).query_async(conn).await?))
            .await?;
        Ok(deleted == 1)
    }
}
