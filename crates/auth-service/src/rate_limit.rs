//! Limits on guessing and flooding, kept in Redis so they hold across every
//! replica of the service.
//!
//! Most limits are a GCRA (generic cell rate algorithm) in one Lua script:
//! `COUNT` requests are allowed at once, then one every `SECONDS / COUNT`,
//! and a refusal says exactly how long until the next request would pass.
//! The login lock per email counts failures only, in a fixed window that
//! starts at the first failure: once full, even the right password is refused
//! until the window has passed. Keys hold a SHA-256 of what they limit (an
//! email, an address), never the value itself.

use std::net::IpAddr;
use std::time::Duration;

use redis::Script;
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::redis_store::Redis;

/// Allows one request if the bucket has room; returns {allowed, retry_after_ms}.
const GCRA_SCRIPT: &str = r"
local now_parts = redis.call('TIME')
local now = now_parts[1] * 1000 + math.floor(now_parts[2] / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - interval * burst
if now < allow_at then
  return {0, allow_at - now}
end
redis.call('SET', KEYS[1], new_tat, 'PX', new_tat - now)
return {1, 0}
";

/// Counts a failure in a window that starts with the first one.
const FAILURE_SCRIPT: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
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
    VerifySendUser,
    TelegramStart,
    TelegramRegister,
    RefreshSession,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::LoginIp,
        Kind::LoginEmailFailures,
        Kind::RegisterIp,
        Kind::ForgotEmail,
        Kind::ForgotIp,
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
            Self::ForgotIp => Limit::new(20, 3600),
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
    limits: [Limit; 9],
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
    gcra: Script,
    failure: Script,
}

fn retry_after_secs(millis: u64) -> u64 {
    millis.div_ceil(1000).max(1)
}

impl RateLimiter {
    pub fn new(redis: Redis, settings: RateLimitSettings) -> Self {
        Self {
            redis,
            settings,
            gcra: Script::new(GCRA_SCRIPT),
            failure: Script::new(FAILURE_SCRIPT),
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
        if !self.settings.enabled {
            return Ok(());
        }
        let limit = self.settings.limit(kind);
        let interval_ms = (limit.window.as_millis() / u128::from(limit.count)).max(1);
        let key = self.key(kind, subject);
        let (allowed, retry_ms): (i64, u64) = self
            .redis
            .run(async |conn| {
                Ok(self
                    .gcra
                    .key(&key)
                    .arg(u64::try_from(interval_ms).unwrap_or(u64::MAX))
                    .arg(limit.count)
                    .invoke_async(conn)
                    .await?)
            })
            .await?;
        if allowed == 1 {
            Ok(())
        } else {
            tracing::info!(limit = kind.name(), "rate limited");
            Err(Error::RateLimited {
                retry_after_secs: retry_after_secs(retry_ms),
            })
        }
    }

    /// Refuses with 429 while `subject` has used up its failures in the window.
    pub async fn check_failures(&self, kind: Kind, subject: &str) -> Result<(), Error> {
        if !self.settings.enabled {
            return Ok(());
        }
        let limit = self.settings.limit(kind);
        let key = self.key(kind, subject);
        let (count, ttl_ms): (Option<u32>, i64) = self
            .redis
            .run(async |conn| {
                Ok(redis::pipe()
                    .get(&key)
                    .cmd("PTTL")
                    .arg(&key)
                    .query_async(conn)
                    .await?)
            })
            .await?;
        if count.unwrap_or(0) >= limit.count {
            tracing::info!(limit = kind.name(), "locked after repeated failures");
            return Err(Error::RateLimited {
                retry_after_secs: retry_after_secs(u64::try_from(ttl_ms).unwrap_or(1000)),
            });
        }
        Ok(())
    }

    /// Counts one failure of `subject`.
    pub async fn record_failure(&self, kind: Kind, subject: &str) -> Result<(), Error> {
        if !self.settings.enabled {
            return Ok(());
        }
        let window_ms = self.settings.limit(kind).window.as_millis();
        let key = self.key(kind, subject);
        self.redis
            .run(async |conn| {
                self.failure
                    .key(&key)
                    .arg(u64::try_from(window_ms).unwrap_or(u64::MAX))
                    .invoke_async::<i64>(conn)
                    .await?;
                Ok(())
            })
            .await
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
