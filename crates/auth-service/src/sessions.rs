//! Login sessions in Redis.
//!
//! Keys (all under the configured prefix; the layout is `session_guard::keys`,
//! which every service's guard reads):
//! - `session:{sid}` — hash: `user_id`, `refresh_jti`, `refresh_iat` and
//!   `refresh_exp` (the one live refresh token), `prev_jti` and `rotated_at`
//!   (the token it replaced, and when: the retry grace), `via` (`bot` for a
//!   session opened or refreshed through the bot endpoints), `created_at`,
//!   `last_used_at`, `user_agent`, `ip`; it expires with the refresh lifetime,
//!   renewed at each rotation (a sliding session);
//! - `user_sessions:{user_id}` — set of the user's session ids;
//! - `revoked:{jti}` — a revoked access token, kept for the rest of its life.
//!
//! An access token is good while its session exists, belongs to its `sub`, and
//! its `jti` is not revoked (`session_guard::AccessGuard`): revoking a session
//! kills all its access tokens at once.

use std::time::Duration;

use auth_types::{Claims, SessionId, UserId};
use redis::Script;
use session_guard::{Redis, keys};
use uuid::Uuid;

use crate::error::Error;

/// Rotates a session's refresh token if the presented one is its current one.
/// The token it replaced, presented again within the grace (ARGV[8] seconds,
/// 0: none), is a retry: it gets the current token back (its jti, iat and
/// exp) and nothing changes, so the session never forks. Anything else is a
/// replay and the session is destroyed. Returns {'1'} rotated, {'0'} no such
/// session, {'-1'} reuse (session revoked), {'2', jti, iat, exp} a retry.
const ROTATE_SCRIPT: &str = r"
local s = redis.call('HMGET', KEYS[1], 'refresh_jti', 'prev_jti', 'rotated_at', 'refresh_iat', 'refresh_exp')
local current = s[1]
if not current then return {'0'} end
local now = tonumber(ARGV[3])
if current == ARGV[1] then
  redis.call('HSET', KEYS[1], 'refresh_jti', ARGV[2], 'refresh_iat', ARGV[6], 'refresh_exp', ARGV[7],
    'prev_jti', ARGV[1], 'rotated_at', ARGV[3], 'last_used_at', ARGV[3])
  if ARGV[9] ~= '' then redis.call('HSET', KEYS[1], 'via', ARGV[9]) end
  redis.call('EXPIRE', KEYS[1], ARGV[4])
  redis.call('EXPIRE', KEYS[2], ARGV[4])
  return {'1'}
end
local grace = tonumber(ARGV[8])
if grace > 0 and s[2] == ARGV[1] and s[3] and s[4] and s[5] and now - tonumber(s[3]) <= grace then
  if ARGV[9] ~= '' then redis.call('HSET', KEYS[1], 'via', ARGV[9]) end
  return {'2', current, s[4], s[5]}
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[5])
return {'-1'}
";

/// Ends every session of a user that was opened or refreshed through the bot
/// endpoints: KEYS[1] is the user's session set, ARGV[1] the key prefix of
/// sessions. Returns how many sessions were ended.
const REVOKE_BOT_SCRIPT: &str = r"
local sids = redis.call('SMEMBERS', KEYS[1])
local ended = 0
for _, sid in ipairs(sids) do
  if redis.call('HGET', ARGV[1] .. sid, 'via') == 'bot' then
    redis.call('DEL', ARGV[1] .. sid)
    redis.call('SREM', KEYS[1], sid)
    ended = ended + 1
  end
end
return ended
";

/// Through which endpoints a session was opened or refreshed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Register, login, refresh: the web page or any API client.
    Web,
    /// `telegram/register`, `token/get`, `token/refresh-telegram`.
    Bot,
}

impl Channel {
    fn mark(self) -> &'static str {
        match self {
            Self::Web => "",
            Self::Bot => "bot",
        }
    }
}

/// Where a session was opened from, shown in the session list.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub user_agent: String,
    pub ip: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    Rotated,
    NoSession,
    Reused,
    /// The presented token was replaced within the grace: the current refresh
    /// token's claims are these (the caller signs them again).
    Retried {
        jti: Uuid,
        iat: i64,
        exp: i64,
    },
}

/// Ends every session of a user but ARGV[2] (may be empty): KEYS[1] is the
/// user's session set, ARGV[1] the key prefix of sessions. Returns how many
/// sessions were ended.
const REVOKE_ALL_SCRIPT: &str = r"
local sids = redis.call('SMEMBERS', KEYS[1])
local ended = 0
for _, sid in ipairs(sids) do
  if sid ~= ARGV[2] then
    redis.call('DEL', ARGV[1] .. sid)
    redis.call('SREM', KEYS[1], sid)
    ended = ended + 1
  end
end
return ended
";

/// A session as the session list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: SessionId,
    pub created_at: i64,
    pub last_used_at: i64,
    pub user_agent: String,
    pub ip: String,
}

#[derive(Clone)]
pub struct SessionStore {
    redis: Redis,
    refresh_ttl: Duration,
    /// How long a rotated refresh token still answers with the current one.
    reuse_grace: Duration,
    rotate: Script,
    revoke_all: Script,
    revoke_bot: Script,
}

impl SessionStore {
    pub fn new(redis: Redis, refresh_ttl: Duration, reuse_grace: Duration) -> Self {
        Self {
            redis,
            refresh_ttl,
            reuse_grace,
            rotate: Script::new(ROTATE_SCRIPT),
            revoke_all: Script::new(REVOKE_ALL_SCRIPT),
            revoke_bot: Script::new(REVOKE_BOT_SCRIPT),
        }
    }

    fn session_key(&self, sid: SessionId) -> String {
        keys::session(&self.redis, sid)
    }

    fn user_sessions_key(&self, user: UserId) -> String {
        keys::user_sessions(&self.redis, user)
    }

    /// Opens a session whose live refresh token is `refresh` (counted in `auth_sessions_opened_total`).
    pub async fn create(
        &self,
        refresh: &Claims,
        client: &ClientInfo,
        channel: Channel,
        now: i64,
    ) -> Result<(), Error> {
        let ttl = self.refresh_ttl.as_secs();
        let session_key = self.session_key(refresh.sid);
        let user_key = self.user_sessions_key(refresh.sub);
        metrics::counter!("auth_sessions_opened_total").increment(1);
        self.redis
            .run(async |conn| {
                redis::pipe()
                    .atomic()
                    .hset_multiple(
                        &session_key,
                        &[
                            (keys::SESSION_USER_ID, refresh.sub.to_string()),
                            ("refresh_jti", refresh.jti.to_string()),
                            ("refresh_iat", refresh.iat.to_string()),
                            ("refresh_exp", refresh.exp.to_string()),
                            ("via", channel.mark().to_owned()),
                            ("created_at", now.to_string()),
                            ("last_used_at", now.to_string()),
                            ("user_agent", client.user_agent.clone()),
                            ("ip", client.ip.clone()),
                        ],
                    )
                    .ignore()
                    .expire(&session_key, ttl as i64)
                    .ignore()
                    .sadd(&user_key, refresh.sid.to_string())
                    .ignore()
                    .expire(&user_key, ttl as i64)
                    .ignore()
                    .query_async::<()>(conn)
                    .await?;
                Ok(())
            })
            .await
    }

    /// Replaces the session's refresh token `presented` by `next` (same session).
    pub async fn rotate(
        &self,
        presented: &Claims,
        next: &Claims,
        channel: Channel,
        now: i64,
    ) -> Result<Rotation, Error> {
        let session_key = self.session_key(presented.sid);
        let user_key = self.user_sessions_key(presented.sub);
        let ttl = self.refresh_ttl.as_secs();
        let outcome: Vec<String> = self
            .redis
            .run(async |conn| {
                Ok::<_, Error>(
                    self.rotate
                        .key(&session_key)
                        .key(&user_key)
                        .arg(presented.jti.to_string())
                        .arg(next.jti.to_string())
                        .arg(now)
                        .arg(ttl)
                        .arg(presented.sid.to_string())
                        .arg(next.iat)
                        .arg(next.exp)
                        .arg(self.reuse_grace.as_secs())
                        .arg(channel.mark())
                        .invoke_async(conn)
                        .await?,
                )
            })
            .await?;
        Ok(match outcome.as_slice() {
            [one] if one == "1" => Rotation::Rotated,
            [zero] if zero == "0" => Rotation::NoSession,
            [two, jti, iat, exp] if two == "2" => Rotation::Retried {
                jti: jti.parse().map_err(Error::internal)?,
                iat: iat.parse().map_err(Error::internal)?,
                exp: exp.parse().map_err(Error::internal)?,
            },
            _ => Rotation::Reused,
        })
    }

    /// Ends a session; `access` (when given) is deny-listed for the rest of its life.
    pub async fn revoke(
        &self,
        user: UserId,
        sid: SessionId,
        access: Option<&Claims>,
        now: i64,
    ) -> Result<(), Error> {
        let session_key = self.session_key(sid);
        let user_key = self.user_sessions_key(user);
        self.redis
            .run(async |conn| {
                let mut pipe = redis::pipe();
                pipe.atomic()
                    .del(&session_key)
                    .ignore()
                    .srem(&user_key, sid.to_string())
                    .ignore();
                if let Some(access) = access {
                    let remaining = access.remaining_secs(now);
                    if remaining > 0 {
                        pipe.set_ex(keys::revoked(&self.redis, access.jti), 1u8, remaining)
                            .ignore();
                    }
                }
                pipe.query_async::<()>(conn).await?;
                Ok::<_, Error>(())
            })
            .await?;
        metrics::counter!("auth_sessions_revoked_total", "scope" => "one").increment(1);
        Ok(())
    }

    /// Ends every session of `user` (all their tokens stop working at once).
    pub async fn revoke_all(&self, user: UserId) -> Result<(), Error> {
        self.revoke_all_but(user, None).await
    }

    /// Ends every session of `user` opened or refreshed through the bot endpoints.
    pub async fn revoke_bot_sessions(&self, user: UserId) -> Result<(), Error> {
        let user_key = self.user_sessions_key(user);
        let session_prefix = keys::session_prefix(&self.redis);
        let ended = self
            .redis
            .run(async |conn| {
                Ok::<_, Error>(
                    self.revoke_bot
                        .key(&user_key)
                        .arg(&session_prefix)
                        .invoke_async::<i64>(conn)
                        .await?,
                )
            })
            .await?;
        metrics::counter!("auth_sessions_revoked_total", "scope" => "bot")
            .increment(u64::try_from(ended).unwrap_or(0));
        Ok(())
    }

    /// Ends every session of `user` except `keep`.
    pub async fn revoke_all_but(&self, user: UserId, keep: Option<SessionId>) -> Result<(), Error> {
        let user_key = self.user_sessions_key(user);
        let session_prefix = keys::session_prefix(&self.redis);
        let keep = keep.map(|sid| sid.to_string()).unwrap_or_default();
        let ended = self
            .redis
            .run(async |conn| {
                Ok::<_, Error>(
                    self.revoke_all
                        .key(&user_key)
                        .arg(&session_prefix)
                        .arg(&keep)
                        .invoke_async::<i64>(conn)
                        .await?,
                )
            })
            .await?;
        metrics::counter!("auth_sessions_revoked_total", "scope" => "all")
            .increment(u64::try_from(ended).unwrap_or(0));
        Ok(())
    }

    /// The live sessions of `user`, newest first (expired ones are dropped from its set).
    pub async fn list(&self, user: UserId) -> Result<Vec<SessionInfo>, Error> {
        let user_key = self.user_sessions_key(user);
        let ids: Vec<String> = self
            .redis
            .run(async |conn| {
                Ok::<_, Error>(
                    redis::cmd("SMEMBERS")
                        .arg(&user_key)
                        .query_async(conn)
                        .await?,
                )
            })
            .await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let session_keys: Vec<String> = ids
            .iter()
            .map(|id| keys::session(&self.redis, id))
            .collect();
        let hashes: Vec<std::collections::HashMap<String, String>> = self
            .redis
            .run(async |conn| {
                let mut pipe = redis::pipe();
                for key in &session_keys {
                    pipe.hgetall(key);
                }
                Ok::<_, Error>(pipe.query_async(conn).await?)
            })
            .await?;
        let mut sessions = Vec::new();
        let mut expired = Vec::new();
        for (id, fields) in ids.iter().zip(hashes) {
            let parsed = id.parse::<SessionId>().ok().filter(|_| !fields.is_empty());
            let Some(sid) = parsed else {
                expired.push(id.clone());
                continue;
            };
            let number = |name: &str| fields.get(name).and_then(|v| v.parse().ok()).unwrap_or(0);
            sessions.push(SessionInfo {
                id: sid,
                created_at: number("created_at"),
                last_used_at: number("last_used_at"),
                user_agent: fields.get("user_agent").cloned().unwrap_or_default(),
                ip: fields.get("ip").cloned().unwrap_or_default(),
            });
        }
        if !expired.is_empty() {
            self.redis
                .run(async |conn| {
                    Ok::<_, Error>(
                        redis::cmd("SREM")
                            .arg(&user_key)
                            .arg(&expired)
                            .query_async::<()>(conn)
                            .await?,
                    )
                })
                .await?;
        }
        sessions.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(sessions)
    }

    /// Ends session `sid` if it is one of `user`'s; false when it is not.
    pub async fn revoke_owned(
        &self,
        user: UserId,
        sid: SessionId,
        now: i64,
    ) -> Result<bool, Error> {
        let session_key = self.session_key(sid);
        let owner: Option<String> = self
            .redis
            .run(async |conn| {
                Ok::<_, Error>(
                    redis::cmd("HGET")
                        .arg(&session_key)
                        .arg(keys::SESSION_USER_ID)
                        .query_async(conn)
                        .await?,
                )
            })
            .await?;
        if owner.as_deref() != Some(user.to_string().as_str()) {
            return Ok(false);
        }
        self.revoke(user, sid, None, now).await?;
        Ok(true)
    }
}
