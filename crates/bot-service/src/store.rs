//! What the bot keeps in Redis: each chat's token pair, and which updates
//! were already handled (so a restart never answers one twice).
//!
//! Keys under the configured prefix: `chat:{chat_id}` — the chat's tokens,
//! encrypted, expiring with the refresh token; `handled:{bot_id}:{update_id}`
//! — kept a day, per bot (update ids are numbered per bot: another bot, or a
//! new token, on the same Redis must not skip updates it never handled);
//! `recorded:{chat_id}` — the transactions recorded from the chat, newest
//! first (`{family_id}/{transaction_id}`, the last 20, kept 30 days), for
//! `/undo`; `undo:{chat_id}:{message_id}` — which of them an `/undo` message
//! removes, kept a day, so the same `/undo` handled twice removes one;
//! `pending:{chat_id}:{message_id}` — an entry waiting for a button (its
//! category or account), kept 15 minutes; `message:{chat_id}:{message_id}` —
//! the transaction a message recorded and the bot's confirmation of it
//! (`{family_id}/{transaction_id}/{confirmation_id}`, kept 30 days), so an edit
//! of the message changes that transaction; `family:{chat_id}` — the chat's
//! current family; `account:{chat_id}:{family_id}` — its default account
//! there; `user-chat:{user_id}` — the chat a user last signed in
//! from (for the family's alerts), with the chat's token's lifetime;
//! `notify:{chat_id}` — the chat's notification choices (a hash: `alerts`
//! off, `every` on); `notified:{transaction_id}` — that the family was told
//! of a transaction, kept a day, so an update handled twice tells them once.
//!
//! The tokens are sealed with XChaCha20-Poly1305 under `BOT_STORE_KEY`, a key
//! only the bot holds: `v1:` and the base64 of a random 24-byte nonce and the
//! ciphertext, the key's name as associated data (an entry copied to another
//! chat does not open). A Redis dump, a replica or a backup then holds no
//! usable token. An entry that does not open (another key, an older plain
//! entry) counts as signed out.

use std::time::Duration;

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use deadpool_redis::{Config, Pool, Runtime};
use rand::RngCore;
use serde::{Deserialize, Serialize};

/// Time one Redis call may take.
const TIMEOUT: Duration = Duration::from_secs(2);
const HANDLED_TTL_SECS: u64 = 86_400;
/// How many recorded transactions a chat can undo, and for how long.
const RECORDED_KEPT: isize = 20;
const RECORDED_TTL_SECS: u64 = 30 * 86_400;
/// How long an entry waits for a button press.
const PENDING_TTL_SECS: u64 = 15 * 60;

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

/// The key that seals the chats' tokens: 32 bytes.
#[derive(Clone)]
pub struct StoreKey([u8; 32]);

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey(<redacted>)")
    }
}

impl StoreKey {
    /// 64 hex digits, or the base64 of 32 bytes (`openssl rand -hex 32`).
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let bytes = if raw.len() == 64 {
            hex::decode(raw).ok()?
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(raw)
                .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(raw))
                .ok()?
        };
        Some(Self(bytes.try_into().ok()?))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&self.0).into())
    }
}

const SEALED_PREFIX: &str = "v1:";

/// `plain` sealed under `key`, bound to `name` (the Redis key it is stored under).
fn seal(key: &StoreKey, name: &str, plain: &[u8]) -> Result<String, StoreError> {
    let mut nonce = [0u8; 24];
    rand::rng().fill_bytes(&mut nonce);
    let sealed = key
        .cipher()
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plain,
                aad: name.as_bytes(),
            },
        )
        .map_err(|_| StoreError::Unavailable("could not seal a chat's tokens".into()))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Ok(format!(
        "{SEALED_PREFIX}{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(out)
    ))
}

/// What [`seal`] sealed, or `None` when it does not open under `key` for `name`.
fn open(key: &StoreKey, name: &str, stored: &str) -> Option<Vec<u8>> {
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(stored.strip_prefix(SEALED_PREFIX)?)
        .ok()?;
    if bytes.len() < 24 {
        return None;
    }
    let (nonce, sealed) = bytes.split_at(24);
    let nonce: [u8; 24] = nonce.try_into().ok()?;
    key.cipher()
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: sealed,
                aad: name.as_bytes(),
            },
        )
        .ok()
}

#[derive(Clone)]
pub struct Store {
    pool: Pool,
    prefix: String,
    /// The bot's own id (the number before the token's colon).
    bot_id: i64,
    key: StoreKey,
}

impl Store {
    pub fn new(url: &str, prefix: &str, bot_id: i64, key: StoreKey) -> Result<Self, StoreError> {
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
            bot_id,
            key,
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

    async fn pipeline(&self, pipe: &redis::Pipeline) -> Result<(), StoreError> {
        let work = async {
            let mut conn = self
                .pool
                .get()
                .await
                .map_err(|e| StoreError::Unavailable(e.to_string()))?;
            pipe.query_async(&mut conn)
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

    fn handled_key(&self, update_id: u32) -> String {
        format!("{}handled:{}:{update_id}", self.prefix, self.bot_id)
    }

    pub async fn tokens(&self, chat_id: i64) -> Result<Option<ChatTokens>, StoreError> {
        let name = self.chat_key(chat_id);
        let value: Option<String> = self.query(redis::cmd("GET").arg(&name)).await?;
        // An entry that does not open (another key, an older format) counts as signed out.
        Ok(value
            .and_then(|v| open(&self.key, &name, &v))
            .and_then(|plain| serde_json::from_slice(&plain).ok()))
    }

    pub async fn save_tokens(
        &self,
        chat_id: i64,
        tokens: &ChatTokens,
        ttl_secs: u64,
    ) -> Result<(), StoreError> {
        let name = self.chat_key(chat_id);
        let plain =
            serde_json::to_vec(tokens).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let value = seal(&self.key, &name, &plain)?;
        self.query(
            redis::cmd("SET")
                .arg(&name)
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

    fn recorded_key(&self, chat_id: i64) -> String {
        format!("{}recorded:{chat_id}", self.prefix)
    }

    /// Remembers `entry` as the chat's newest recorded transaction (once,
    /// however often it is recorded).
    pub async fn push_recorded(&self, chat_id: i64, entry: &str) -> Result<(), StoreError> {
        let key = self.recorded_key(chat_id);
        let mut pipe = redis::pipe();
        pipe.atomic()
            .cmd("LREM")
            .arg(&key)
            .arg(0)
            .arg(entry)
            .ignore()
            .cmd("LPUSH")
            .arg(&key)
            .arg(entry)
            .ignore()
            .cmd("LTRIM")
            .arg(&key)
            .arg(0)
            .arg(RECORDED_KEPT - 1)
            .ignore()
            .cmd("EXPIRE")
            .arg(&key)
            .arg(RECORDED_TTL_SECS)
            .ignore();
        self.pipeline(&pipe).await
    }

    /// The transaction the `/undo` of message `message_id` removes: the chat's
    /// newest recorded one the first time it is asked, the same one after.
    pub async fn undo_target(
        &self,
        chat_id: i64,
        message_id: i64,
    ) -> Result<Option<String>, StoreError> {
        let key = format!("{}undo:{chat_id}:{message_id}", self.prefix);
        let chosen: Option<String> = self.query(redis::cmd("GET").arg(&key)).await?;
        if chosen.is_some() {
            return Ok(chosen);
        }
        let newest: Option<String> = self
            .query(redis::cmd("LINDEX").arg(self.recorded_key(chat_id)).arg(0))
            .await?;
        let Some(newest) = newest else {
            return Ok(None);
        };
        self.query::<()>(
            redis::cmd("SET")
                .arg(&key)
                .arg(&newest)
                .arg("NX")
                .arg("EX")
                .arg(HANDLED_TTL_SECS),
        )
        .await?;
        self.query(redis::cmd("GET").arg(&key)).await
    }

    /// Forgets `entry` among the chat's recorded transactions.
    pub async fn forget_recorded(&self, chat_id: i64, entry: &str) -> Result<(), StoreError> {
        self.query(
            redis::cmd("LREM")
                .arg(self.recorded_key(chat_id))
                .arg(0)
                .arg(entry),
        )
        .await
    }

    fn pending_key(&self, chat_id: i64, message_id: i64) -> String {
        format!("{}pending:{chat_id}:{message_id}", self.prefix)
    }

    /// Keeps an entry (JSON) waiting for a button press under its message.
    pub async fn save_pending(
        &self,
        chat_id: i64,
        message_id: i64,
        entry: &str,
    ) -> Result<(), StoreError> {
        self.query(
            redis::cmd("SET")
                .arg(self.pending_key(chat_id, message_id))
                .arg(entry)
                .arg("EX")
                .arg(PENDING_TTL_SECS),
        )
        .await
    }

    pub async fn pending(
        &self,
        chat_id: i64,
        message_id: i64,
    ) -> Result<Option<String>, StoreError> {
        self.query(redis::cmd("GET").arg(self.pending_key(chat_id, message_id)))
            .await
    }

    pub async fn forget_pending(&self, chat_id: i64, message_id: i64) -> Result<(), StoreError> {
        self.query(redis::cmd("DEL").arg(self.pending_key(chat_id, message_id)))
            .await
    }

    fn message_key(&self, chat_id: i64, message_id: i64) -> String {
        format!("{}message:{chat_id}:{message_id}", self.prefix)
    }

    /// Remembers what message `message_id` recorded: `{family}/{transaction}/{confirmation}`.
    pub async fn save_message(
        &self,
        chat_id: i64,
        message_id: i64,
        recorded: &str,
    ) -> Result<(), StoreError> {
        self.query(
            redis::cmd("SET")
                .arg(self.message_key(chat_id, message_id))
                .arg(recorded)
                .arg("EX")
                .arg(RECORDED_TTL_SECS),
        )
        .await
    }

    pub async fn message(
        &self,
        chat_id: i64,
        message_id: i64,
    ) -> Result<Option<String>, StoreError> {
        self.query(redis::cmd("GET").arg(self.message_key(chat_id, message_id)))
            .await
    }

    /// The chat's current family (its id as written).
    pub async fn family(&self, chat_id: i64) -> Result<Option<String>, StoreError> {
        self.query(redis::cmd("GET").arg(format!("{}family:{chat_id}", self.prefix)))
            .await
    }

    pub async fn set_family(&self, chat_id: i64, family: &str) -> Result<(), StoreError> {
        self.query(
            redis::cmd("SET")
                .arg(format!("{}family:{chat_id}", self.prefix))
                .arg(family),
        )
        .await
    }

    /// The chat's default account in `family` (its id as written).
    pub async fn default_account(
        &self,
        chat_id: i64,
        family: &str,
    ) -> Result<Option<String>, StoreError> {
        self.query(redis::cmd("GET").arg(format!("{}account:{chat_id}:{family}", self.prefix)))
            .await
    }

    pub async fn set_default_account(
        &self,
        chat_id: i64,
        family: &str,
        account: &str,
    ) -> Result<(), StoreError> {
        self.query(
            redis::cmd("SET")
                .arg(format!("{}account:{chat_id}:{family}", self.prefix))
                .arg(account),
        )
        .await
    }

    /// Remembers that `user_id` signed in from `chat_id`.
    pub async fn set_user_chat(
        &self,
        user_id: &str,
        chat_id: i64,
        ttl_secs: u64,
    ) -> Result<(), StoreError> {
        self.query(
            redis::cmd("SET")
                .arg(format!("{}user-chat:{user_id}", self.prefix))
                .arg(chat_id)
                .arg("EX")
                .arg(ttl_secs.max(1)),
        )
        .await
    }

    pub async fn user_chat(&self, user_id: &str) -> Result<Option<i64>, StoreError> {
        self.query(redis::cmd("GET").arg(format!("{}user-chat:{user_id}", self.prefix)))
            .await
    }

    /// A notification choice of the chat (`alerts`, `every`), if it made one.
    pub async fn notify(&self, chat_id: i64, what: &str) -> Result<Option<bool>, StoreError> {
        let value: Option<String> = self
            .query(
                redis::cmd("HGET")
                    .arg(format!("{}notify:{chat_id}", self.prefix))
                    .arg(what),
            )
            .await?;
        Ok(value.map(|v| v == "on"))
    }

    pub async fn set_notify(&self, chat_id: i64, what: &str, on: bool) -> Result<(), StoreError> {
        self.query(
            redis::cmd("HSET")
                .arg(format!("{}notify:{chat_id}", self.prefix))
                .arg(what)
                .arg(if on { "on" } else { "off" }),
        )
        .await
    }

    /// True the first time it is asked for `transaction`, false after.
    pub async fn first_notice(&self, transaction: &str) -> Result<bool, StoreError> {
        let set: Option<String> = self
            .query(
                redis::cmd("SET")
                    .arg(format!("{}notified:{transaction}", self.prefix))
                    .arg(1)
                    .arg("NX")
                    .arg("EX")
                    .arg(HANDLED_TTL_SECS),
            )
            .await?;
        Ok(set.is_some())
    }

    pub async fn was_handled(&self, update_id: u32) -> Result<bool, StoreError> {
        self.query(redis::cmd("EXISTS").arg(self.handled_key(update_id)))
            .await
    }

    pub async fn mark_handled(&self, update_id: u32) -> Result<(), StoreError> {
        self.query(
            redis::cmd("SET")
                .arg(self.handled_key(update_id))
                .arg(1)
                .arg("EX")
                .arg(HANDLED_TTL_SECS),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> StoreKey {
        StoreKey([byte; 32])
    }

    #[test]
    fn keys_are_64_hex_digits_or_base64_of_32_bytes() {
        assert!(StoreKey::parse(&"ab".repeat(32)).is_some());
        let b64 = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert!(StoreKey::parse(&b64).is_some());
        for bad in ["", "short", &"ab".repeat(16), &"zz".repeat(32)] {
            assert!(StoreKey::parse(bad).is_none(), "{bad}");
        }
        assert!(!format!("{:?}", key(1)).contains('1'));
    }

    #[test]
    fn a_sealed_entry_opens_only_with_its_key_and_under_its_name() {
        let sealed = seal(&key(1), "bot:chat:1", b"secret tokens").expect("seal");
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("secret"));
        assert_eq!(
            open(&key(1), "bot:chat:1", &sealed).as_deref(),
            Some(&b"secret tokens"[..])
        );
        assert_eq!(open(&key(2), "bot:chat:1", &sealed), None);
        assert_eq!(open(&key(1), "bot:chat:2", &sealed), None);
        assert_eq!(open(&key(1), "bot:chat:1", r#"{"plain":"json"}"#), None);
        // A fresh nonce each time.
        assert_ne!(seal(&key(1), "n", b"x").ok(), seal(&key(1), "n", b"x").ok());
    }
}
