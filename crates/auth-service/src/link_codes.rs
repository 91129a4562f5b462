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

/// Takes a code: its value and its remaining life in ms, and the code is gone.
const TAKE_SCRIPT: &str = r"
local value = redis.call('GET', KEYS[1])
if not value then return false end
local ttl = redis.call('PTTL', KEYS[1])
redis.call('DEL', KEYS[1])
return {value, ttl}
";

/// A code taken by [`LinkCodes::take`]: what it stood for, and how long it had left.
pub struct TakenCode {
    pub link: PendingLink,
    remaining_ms: i64,
}

#[derive(Clone)]
pub struct LinkCodes {
    redis: Redis,
    take: redis::Script,
}

impl LinkCodes {
    pub fn new(redis: Redis) -> Self {
        Self {
            redis,
            take: redis::Script::new(TAKE_SCRIPT),
        }
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

    /// Uses the code up at once and returns what it stood for; `None` when it
    /// is unknown, expired or already used (of two requests racing one code,
    /// exactly one gets it).
    pub async fn take(&self, code: &str) -> Result<Option<TakenCode>, Error> {
        let key = self.key(code);
        let taken: Option<(String, i64)> = self
            .redis
            .run(async |conn| Ok::<_, Error>(self.take.key(&key).invoke_async(conn).await?))
            .await?;
        let Some((value, remaining_ms)) = taken else {
            return Ok(None);
        };
        let link = serde_json::from_str(&value).map_err(Error::internal)?;
        Ok(Some(TakenCode { link, remaining_ms }))
    }

    /// Puts a taken code back for the rest of its life, when what it was taken
    /// for could not be done (a 503 changes nothing). Best effort: Redis may be
    /// what failed.
    pub async fn restore(&self, code: &str, taken: &TakenCode) {
        let key = self.key(code);
        let Ok(value) = serde_json::to_string(&taken.link) else {
            return;
        };
        let ttl = taken.remaining_ms.max(1);
        let restored = self
            .redis
            .run(async |conn| {
                redis::cmd("SET")
                    .arg(&key)
                    .arg(&value)
                    .arg("PX")
                    .arg(ttl)
                    .arg("NX")
                    .query_async::<()>(conn)
                    .await?;
                Ok::<_, Error>(())
            })
            .await;
        if let Err(err) = restored {
            tracing::warn!(error = %err, "a binding code could not be put back");
        }
    }
}
