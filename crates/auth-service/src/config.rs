//! Settings, read once from the environment at start-up (docs/architecture.md#configuration).
//!
//! Every problem names its variable in one line, so a wrong deployment fails
//! fast and clearly instead of panicking later.

use std::net::SocketAddr;
use std::time::Duration;

use auth_types::claims::MIN_SECRET_BYTES;
use ipnet::IpNet;

use crate::rate_limit::{Kind, Limit, RateLimitSettings};
use service_kit::Env;
pub use service_kit::{ConfigError, LogFormat, Secret};

#[derive(Debug, Clone)]
pub struct Settings {
    pub bind_addr: SocketAddr,
    pub database_url: Secret,
    pub db_pool_size: usize,
    pub redis_url: Secret,
    pub redis_pool_size: usize,
    /// Prefix of every Redis key, so several deployments (or tests) can share one Redis.
    pub redis_key_prefix: String,
    pub jwt_secret: Secret,
    pub bot_hmac_secret: Secret,
    pub public_web_url: String,
    pub bcrypt_cost: u32,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// How long a rotated refresh token, presented again, still gets the
    /// session's current one instead of revoking it (0: not at all).
    pub refresh_reuse_grace: Duration,
    /// How long one PostgreSQL or Redis call may take before the request answers 503.
    pub dependency_timeout: Duration,
    pub log_format: LogFormat,
    /// `None`: no mail server; email endpoints answer 503.
    pub smtp_url: Option<Secret>,
    pub mail_from: String,
    pub verify_token_ttl: Duration,
    pub reset_token_ttl: Duration,
    pub rate_limits: RateLimitSettings,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
    /// Where `/metrics` is served (never on the API address); `None`: not at all.
    pub metrics_bind_addr: Option<SocketAddr>,
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env::new(lookup);
        let secs = |var: &'static str, default: u64| {
            env.number_in(var, default, 1..=u64::from(u32::MAX))
                .map(Duration::from_secs)
        };
        let database_url = env.url("DATABASE_URL", &["postgres", "postgresql"], None)?;
        let redis_url = env.url("REDIS_URL", &["redis", "rediss"], None)?;
        Ok(Self {
            bind_addr: env.parse_or(
                "BIND_ADDR",
                SocketAddr::from(([0, 0, 0, 0], 8000)),
                "an address like 0.0.0.0:8000",
            )?,
            database_url: Secret::new(database_url),
            db_pool_size: env.number_in("DB_POOL_SIZE", 16, 1..=1000)?,
            redis_url: Secret::new(redis_url),
            redis_pool_size: env.number_in("REDIS_POOL_SIZE", 16, 1..=1000)?,
            redis_key_prefix: env
                .get("REDIS_KEY_PREFIX")
                .unwrap_or_else(|| "auth:".to_owned()),
            jwt_secret: env.secret("JWT_SECRET", MIN_SECRET_BYTES)?,
            bot_hmac_secret: env
                .secret("BOT_HMAC_SECRET", auth_types::signing::MIN_SECRET_BYTES)?,
            public_web_url: env.url(
                "PUBLIC_WEB_URL",
                &["http", "https"],
                Some("http://localhost:8000"),
            )?,
            bcrypt_cost: env.number_in("BCRYPT_COST", 12, 4..=31)?,
            access_token_ttl: secs("ACCESS_TOKEN_TTL_SECS", 900)?,
            refresh_token_ttl: secs("REFRESH_TOKEN_TTL_SECS", 2_592_000)?,
            refresh_reuse_grace: Duration::from_secs(env.number_in(
                "REFRESH_REUSE_GRACE_SECS",
                30,
                0..=3600,
            )?),
            dependency_timeout: Duration::from_millis(env.number_in(
                "DEPENDENCY_TIMEOUT_MS",
                1500,
                50..=60_000,
            )?),
            log_format: env.log_format()?,
            smtp_url: match env.get("SMTP_URL") {
                None => None,
                Some(_) => Some(Secret::new(env.url(
                    "SMTP_URL",
                    &["smtp", "smtps"],
                    None,
                )?)),
            },
            mail_from: mail_from(&env)?,
            verify_token_ttl: secs("VERIFY_TOKEN_TTL_SECS", 86_400)?,
            reset_token_ttl: secs("RESET_TOKEN_TTL_SECS", 3_600)?,
            rate_limits: rate_limits(&env)?,
            trusted_proxies: trusted_proxies(&env)?,
            metrics_bind_addr: env.metrics_bind_addr("METRICS_BIND_ADDR", 9464)?,
        })
    }
}

fn mail_from<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<String, ConfigError> {
    let value = env
        .get("MAIL_FROM")
        .unwrap_or_else(|| "Finance Bot <no-reply@localhost>".to_owned());
    value
        .parse::<lettre::message::Mailbox>()
        .map(|_| value.trim().to_owned())
        .map_err(|_| {
            ConfigError::new(
                "MAIL_FROM",
                "must be an address like Finance Bot <bot@example.org>",
            )
        })
}

fn rate_limits<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
) -> Result<RateLimitSettings, ConfigError> {
    let enabled = match env.get("RATE_LIMITS").as_deref().map(str::trim) {
        None | Some("on") => true,
        Some("off") => false,
        Some(other) => {
            return Err(ConfigError::new(
                "RATE_LIMITS",
                format!("must be on or off, got {other:?}"),
            ));
        }
    };
    let mut limits = Vec::new();
    for kind in Kind::ALL {
        let var = kind.env_var();
        let limit = match env.get(var) {
            None => kind.default_limit(),
            Some(raw) => Limit::parse(&raw).ok_or_else(|| {
                ConfigError::new(
                    var,
                    format!("must be COUNT/SECONDS like 20/60, got {raw:?}"),
                )
            })?,
        };
        limits.push(limit);
    }
    Ok(RateLimitSettings::new(enabled, |kind| {
        limits[Kind::ALL.iter().position(|k| *k == kind).unwrap_or(0)]
    }))
}

fn trusted_proxies<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Vec<IpNet>, ConfigError> {
    let Some(raw) = env.get("TRUSTED_PROXIES") else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            item.parse::<IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    ConfigError::new(
                        "TRUSTED_PROXIES",
                        format!("{item:?} is not an address or CIDR"),
                    )
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(overrides: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let mut all = vec![
            ("DATABASE_URL", "postgres://postgres@127.0.0.1/auth"),
            ("REDIS_URL", "redis://127.0.0.1:6379"),
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("BOT_HMAC_SECRET", "fedcba9876543210fedcba9876543210"),
        ];
        all.extend_from_slice(overrides);
        Settings::from_lookup(service_kit::env::pairs(&all))
    }

    #[test]
    fn defaults_follow_the_contract() {
        let s = env(&[]).expect("valid");
        assert_eq!(s.bind_addr.to_string(), "0.0.0.0:8000");
        assert_eq!(s.bcrypt_cost, 12);
        assert_eq!(s.access_token_ttl, Duration::from_secs(900));
        assert_eq!(s.refresh_token_ttl, Duration::from_secs(2_592_000));
        assert_eq!(s.refresh_reuse_grace, Duration::from_secs(30));
        let off = env(&[("REFRESH_REUSE_GRACE_SECS", "0")]).expect("valid");
        assert_eq!(off.refresh_reuse_grace, Duration::ZERO);
        assert_eq!(
            env(&[("REFRESH_REUSE_GRACE_SECS", "-1")])
                .expect_err("bad")
                .var,
            "REFRESH_REUSE_GRACE_SECS"
        );
    }

    #[test]
    fn a_missing_or_weak_jwt_secret_is_refused_naming_the_variable() {
        let err = env(&[("JWT_SECRET", "short")]).expect_err("weak secret");
        assert_eq!(err.var, "JWT_SECRET");
        assert!(
            err.to_string()
                .starts_with("JWT_SECRET: must be at least 32 bytes")
        );
        let err = env(&[("JWT_SECRET", "")]).expect_err("missing secret");
        assert_eq!(err.to_string(), "JWT_SECRET: is not set");
    }

    #[test]
    fn malformed_numbers_name_their_variable() {
        assert_eq!(
            env(&[("BCRYPT_COST", "abc")]).expect_err("bad").var,
            "BCRYPT_COST"
        );
        assert_eq!(
            env(&[("BCRYPT_COST", "3")]).expect_err("bad").var,
            "BCRYPT_COST"
        );
        assert_eq!(
            env(&[("BIND_ADDR", "nowhere")]).expect_err("bad").var,
            "BIND_ADDR"
        );
        assert_eq!(
            env(&[("ACCESS_TOKEN_TTL_SECS", "0")]).expect_err("bad").var,
            "ACCESS_TOKEN_TTL_SECS"
        );
    }

    #[test]
    fn rate_limits_default_to_the_contract_and_can_be_set_or_turned_off() {
        let s = env(&[]).expect("valid");
        assert!(s.rate_limits.enabled);
        assert_eq!(s.rate_limits.limit(Kind::LoginIp), Limit::new(20, 60));
        let s = env(&[("RATE_LIMITS", "off"), ("RATE_LIMIT_LOGIN_IP", "5/10")]).expect("valid");
        assert!(!s.rate_limits.enabled);
        assert_eq!(s.rate_limits.limit(Kind::LoginIp), Limit::new(5, 10));
        assert_eq!(
            env(&[("RATE_LIMIT_REGISTER_IP", "lots")])
                .expect_err("bad")
                .var,
            "RATE_LIMIT_REGISTER_IP"
        );
        assert_eq!(
            env(&[("RATE_LIMITS", "maybe")]).expect_err("bad").var,
            "RATE_LIMITS"
        );
    }

    #[test]
    fn mail_and_proxy_settings_are_checked() {
        let s = env(&[("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1")]).expect("valid");
        assert_eq!(s.trusted_proxies.len(), 2);
        assert!(s.smtp_url.is_none());
        assert_eq!(
            env(&[("TRUSTED_PROXIES", "nope")]).expect_err("bad").var,
            "TRUSTED_PROXIES"
        );
        assert_eq!(
            env(&[("SMTP_URL", "http://x")]).expect_err("bad").var,
            "SMTP_URL"
        );
        assert_eq!(
            env(&[("MAIL_FROM", "not an address")])
                .expect_err("bad")
                .var,
            "MAIL_FROM"
        );
        assert!(
            env(&[("SMTP_URL", "smtp://127.0.0.1:1025")])
                .expect("valid")
                .smtp_url
                .is_some()
        );
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let s = env(&[]).expect("valid");
        let printed = format!("{s:?}");
        assert!(!printed.contains("0123456789abcdef"));
        assert!(!printed.contains("postgres@127.0.0.1"));
    }
}
