//! Limits on guessing and flooding, kept in Redis so they hold across every
//! replica of the service.
//!
//! Each limit is an exact sliding window in one Lua script: the times of the
//! requests of the last `SECONDS` are kept in a sorted set, a request is let
//! through only while fewer than `COUNT` are in it, and a refusal says how
//! long until the oldest one leaves the window. The login lock per email is
//! the same window over failed attempts: an attempt takes a place before the
//! password is checked (so parallel guesses cannot all slip through) and gives
//! it back when the password was right. Keys hold a SHA-256 of what they limit
//! (an email, an address), never the value itself.

use std::net::IpAddr;
use std::time::Duration;

use redis::Script;
use sha2::{Digest, Sha256};

use crate::error::Error;
use session_guard::Redis;

/// KEYS[1]: the window's sorted set; ARGV[1]: window in ms; ARGV[2]: limit;
/// ARGV[3]: a unique member for this request. Returns {allowed, retry_after_ms}.
const WINDOW_SCRIPT: &str = r"
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tonumber(oldest[2]) + window - now}
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return {1, 0}
";

/// `COUNT` requests per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub count: u32,
    pub window: Duration,
}

impl Limit {
    pub const fn new(count: u32, window_secs: u64) -> Self {
        Self {
            count,
            window: Duration::from_secs(window_secs),
        }
    }

    /// Parses `COUNT/SECONDS`.
    pub fn parse(raw: &str) -> Option<Self> {
        let (count, secs) = raw.trim().split_once('/')?;
        let count: u32 = count.trim().parse().ok().filter(|n| *n > 0)?;
        let secs: u64 = secs.trim().parse().ok().filter(|n| *n > 0)?;
        Some(Self::new(count, secs))
    }
}

/// The limits of the contract, each set by `RATE_LIMIT_<NAME>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    LoginIp,
    LoginEmailFailures,
    RegisterIp,
    ForgotEmail,
    ForgotIp,
    ResetIp,
    VerifySendUser,
    TelegramStart,
    TelegramRegister,
    RefreshSession,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::LoginIp,
        Kind::LoginEmailFailures,
        Kind::RegisterIp,
        Kind::ForgotEmail,
        Kind::ForgotIp,
        Kind::ResetIp,
        Kind::VerifySendUser,
        Kind::TelegramStart,
        Kind::TelegramRegister,
        Kind::RefreshSession,
    ];

    /// The `<NAME>` of its `RATE_LIMIT_<NAME>` variable.
    pub fn name(self) -> &'static str {
        self.env_var().trim_start_matches("RATE_LIMIT_")
    }

    /// `RATE_LIMIT_<NAME>`.
    pub fn env_var(self) -> &'static str {
        match self {
            Self::LoginIp => "RATE_LIMIT_LOGIN_IP",
            Self::LoginEmailFailures => "RATE_LIMIT_LOGIN_EMAIL_FAILURES",
            Self::RegisterIp => "RATE_LIMIT_REGISTER_IP",
            Self::ForgotEmail => "RATE_LIMIT_FORGOT_EMAIL",
            Self::ForgotIp => "RATE_LIMIT_FORGOT_IP",
            Self::ResetIp => "RATE_LIMIT_RESET_IP",
            Self::VerifySendUser => "RATE_LIMIT_VERIFY_SEND_USER",
            Self::TelegramStart => "RATE_LIMIT_TELEGRAM_START",
            Self::TelegramRegister => "RATE_LIMIT_TELEGRAM_REGISTER",
            Self::RefreshSession => "RATE_LIMIT_REFRESH_SESSION",
        }
    }

    /// The contract's default.
    pub fn default_limit(self) -> Limit {
        match self {
            Self::LoginIp => Limit::new(20, 60),
            Self::LoginEmailFailures => Limit::new(10, 15 * 60),
            Self::RegisterIp => Limit::new(20, 3600),
            Self::ForgotEmail => Limit::new(3, 3600),
            Self::ForgotIp | Self::ResetIp => Limit::new(20, 3600),
            Self::VerifySendUser => Limit::new(3, 3600),
            Self::TelegramStart | Self::TelegramRegister => Limit::new(10, 60),
            Self::RefreshSession => Limit::new(60, 60),
        }
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }
}

/// Whether limits apply, and their values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitSettings {
    pub enabled: bool,
    limits: [Limit; Kind::ALL.len()],
}

impl RateLimitSettings {
    pub fn new(enabled: bool, limit_of: impl Fn(Kind) -> Limit) -> Self {
        Self {
            enabled,
            limits: Kind::ALL.map(limit_of),
        }
    }

    pub fn limit(&self, kind: Kind) -> Limit {
        self.limits[kind.index()]
    }
}

#[derive(Clone)]
pub struct RateLimiter {
    redis: Redis,
    settings: RateLimitSettings,
    window: Script,
}

fn retry_after_secs(millis: u64) -> u64 {
    millis.div_ceil(1000).max(1)
}

impl RateLimiter {
    pub fn new(redis: Redis, settings: RateLimitSettings) -> Self {
        Self {
            redis,
            settings,
            window: Script::new(WINDOW_SCRIPT),
        }
    }

    fn key(&self, kind: Kind, subject: &str) -> String {
        let digest = hex::encode(Sha256::digest(subject.as_bytes()));
        self.redis.key(
            "rate",
            format!("{}:{digest}", kind.name().to_ascii_lowercase()),
        )
    }

    /// Takes one request from `subject`'s allowance, or refuses with 429.
    pub async fn check(&self, kind: Kind, subject: &str) -> Result<(), Error> {
        self.take(kind, subject).await.map(|_| ())
    }

    /// Like [`Self::check`], returning the place taken so it can be given back.
    async fn take(&self, kind: Kind, subject: &str) -> Result<Option<Place>, Error> {
        if !self.settings.enabled {
            return Ok(None);
        }
        let limit = self.settings.limit(kind);
        let key = self.key(kind, subject);
        let member = uuid::Uuid::new_v4().simple().to_string();
        let (allowed, retry_ms): (i64, i64) = self
            .redis
            .run(async |conn| {
                Ok::<_, Error>(
                    self.window
                        .key(&key)
                        .arg(u64::try_from(limit.window.as_millis()).unwrap_or(u64::MAX))
                        .arg(limit.count)
                        .arg(&member)
                        .invoke_async(conn)
                        .await?,
                )
            })
            .await?;
        if allowed == 1 {
            return Ok(Some(Place { key, member }));
        }
        tracing::info!(limit = kind.name(), "rate limited");
        metrics::counter!("auth_rate_limited_total", "limit" => kind.name()).increment(1);
        Err(Error::RateLimited {
            retry_after_secs: retry_after_secs(u64::try_from(retry_ms).unwrap_or(0)),
        })
    }

    /// Takes a place for one attempt that counts only if it fails: call
    /// [`Attempt::succeeded`] when it did not (or [`Attempt::undone`] when it
    /// could not be decided, a 503).
    pub async fn attempt(&self, kind: Kind, subject: &str) -> Result<Attempt, Error> {
        Ok(Attempt {
            place: self.take(kind, subject).await?,
        })
    }

    async fn give_back(&self, place: Place) -> Result<(), Error> {
        self.redis
            .run(async |conn| {
                redis::cmd("ZREM")
                    .arg(&place.key)
                    .arg(&place.member)
                    .query_async::<()>(conn)
                    .await?;
                Ok(())
            })
            .await
    }
}

/// A request's place in a window.
struct Place {
    key: String,
    member: String,
}

/// An attempt counted against a failure limit until it proves to be a success.
pub struct Attempt {
    place: Option<Place>,
}

impl Attempt {
    /// The attempt succeeded: it no longer counts.
    pub async fn succeeded(self, limiter: &RateLimiter) -> Result<(), Error> {
        match self.place {
            Some(place) => limiter.give_back(place).await,
            None => Ok(()),
        }
    }

    /// The attempt was never decided (a dependency failed: 503): it does not
    /// count. Giving the place back is best effort, since the dependency that
    /// failed may be Redis itself; the window then drops it in time.
    pub async fn undone(self, limiter: &RateLimiter) {
        if let Err(err) = self.succeeded(limiter).await {
            tracing::warn!(error = %err, "an undecided attempt's place could not be given back");
        }
    }
}

/// The client's address: the socket peer, or — only when the peer is a trusted
/// proxy — the nearest address in `X-Forwarded-For` that is not a trusted proxy.
pub fn client_ip(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[ipnet::IpNet],
) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let peer = peer?;
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let Some(header) = forwarded_for else {
        return Some(peer);
    };
    let mut client = peer;
    for hop in header.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            // A garbled entry: trust nothing further left.
            Err(_) => break,
        }
    }
    Some(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse_as_count_per_seconds() {
        assert_eq!(Limit::parse("20/60"), Some(Limit::new(20, 60)));
        assert_eq!(Limit::parse(" 3 / 3600 "), Some(Limit::new(3, 3600)));
        for bad in ["", "20", "0/60", "20/0", "x/60", "-1/60"] {
            assert_eq!(Limit::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(1), 1);
        assert_eq!(retry_after_secs(1000), 1);
        assert_eq!(retry_after_secs(1001), 2);
        assert_eq!(retry_after_secs(0), 1);
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().expect("cidr")];
        let proxy: IpAddr = "10.1.2.3".parse().expect("ip");
        let stranger: IpAddr = "203.0.113.9".parse().expect("ip");
        let header = Some("198.51.100.7, 10.0.0.5");
        // From an untrusted peer the header is ignored.
        assert_eq!(client_ip(Some(stranger), header, &trusted), Some(stranger));
        // From a trusted proxy, the nearest untrusted hop is the client.
        assert_eq!(
            client_ip(Some(proxy), header, &trusted),
            "198.51.100.7".parse().ok()
        );
        // A spoofed leftmost entry does not win over the real client.
        assert_eq!(
            client_ip(Some(proxy), Some("1.1.1.1, 198.51.100.7"), &trusted),
            "198.51.100.7".parse().ok()
        );
        assert_eq!(client_ip(Some(proxy), None, &trusted), Some(proxy));
        assert_eq!(
            client_ip(Some(proxy), Some("garbage"), &trusted),
            Some(proxy)
        );
    }
}
