//! Settings, read once from the environment at start-up (see docs/operations).
//!
//! Every problem names its variable in one line, so a wrong deployment fails
//! fast and clearly instead of panicking later.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use auth_types::claims::MIN_SECRET_BYTES;

/// A value that must never be printed.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

impl ConfigError {
    fn new(var: &'static str, reason: impl Into<String>) -> Self {
        Self {
            var,
            reason: reason.into(),
        }
    }
}

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
    /// How long one PostgreSQL or Redis call may take before the request answers 503.
    pub dependency_timeout: Duration,
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |var: &'static str| lookup(var).filter(|v| !v.trim().is_empty());
        let required =
            |var: &'static str| get(var).ok_or_else(|| ConfigError::new(var, "is not set"));
        fn parsed<T: std::str::FromStr>(
            var: &'static str,
            value: Option<String>,
            default: T,
            what: &str,
        ) -> Result<T, ConfigError> {
            match value {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse()
                    .map_err(|_| ConfigError::new(var, format!("must be {what}, got {v:?}"))),
            }
        }
        let secret = |var: &'static str| -> Result<Secret, ConfigError> {
            let value = required(var)?;
            if value.len() < MIN_SECRET_BYTES {
                return Err(ConfigError::new(
                    var,
                    format!(
                        "must be at least {MIN_SECRET_BYTES} bytes (got {})",
                        value.len()
                    ),
                ));
            }
            Ok(Secret::new(value))
        };
        let secs = |var: &'static str, default: u64| -> Result<Duration, ConfigError> {
            let n: u64 = parsed(var, get(var), default, "a whole number of seconds")?;
            if n == 0 {
                return Err(ConfigError::new(var, "must be greater than 0"));
            }
            Ok(Duration::from_secs(n))
        };

        let database_url = required("DATABASE_URL")?;
        if !database_url.starts_with("postgres://") && !database_url.starts_with("postgresql://") {
            return Err(ConfigError::new(
                "DATABASE_URL",
                "must be a postgres:// URL",
            ));
        }
        let redis_url = required("REDIS_URL")?;
        if !redis_url.starts_with("redis://") && !redis_url.starts_with("rediss://") {
            return Err(ConfigError::new(
                "REDIS_URL",
                "must be a redis:// or rediss:// URL",
            ));
        }
        let bcrypt_cost = parsed(
            "BCRYPT_COST",
            get("BCRYPT_COST"),
            12,
            "a number from 4 to 31",
        )?;
        if !(4..=31).contains(&bcrypt_cost) {
            return Err(ConfigError::new("BCRYPT_COST", "must be from 4 to 31"));
        }
        let pool_size = |var: &'static str| -> Result<usize, ConfigError> {
            let n: usize = parsed(var, get(var), 16, "a positive number")?;
            if n == 0 {
                return Err(ConfigError::new(var, "must be greater than 0"));
            }
            Ok(n)
        };
        let log_format = match get("LOG_FORMAT").as_deref().map(str::trim) {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::new(
                    "LOG_FORMAT",
                    format!("must be text or json, got {other:?}"),
                ));
            }
        };
        let public_web_url = get("PUBLIC_WEB_URL")
            .unwrap_or_else(|| "http://localhost:8000".to_owned())
            .trim()
            .trim_end_matches('/')
            .to_owned();
        if !public_web_url.starts_with("http://") && !public_web_url.starts_with("https://") {
            return Err(ConfigError::new(
                "PUBLIC_WEB_URL",
                "must be an http(s):// URL",
            ));
        }

        Ok(Self {
            bind_addr: parsed(
                "BIND_ADDR",
                get("BIND_ADDR"),
                SocketAddr::from(([0, 0, 0, 0], 8000)),
                "an address like 0.0.0.0:8000",
            )?,
            database_url: Secret::new(database_url),
            db_pool_size: pool_size("DB_POOL_SIZE")?,
            redis_url: Secret::new(redis_url),
            redis_pool_size: pool_size("REDIS_POOL_SIZE")?,
            redis_key_prefix: get("REDIS_KEY_PREFIX").unwrap_or_else(|| "auth:".to_owned()),
            jwt_secret: secret("JWT_SECRET")?,
            bot_hmac_secret: secret("BOT_HMAC_SECRET")?,
            public_web_url,
            bcrypt_cost,
            access_token_ttl: secs("ACCESS_TOKEN_TTL_SECS", 900)?,
            refresh_token_ttl: secs("REFRESH_TOKEN_TTL_SECS", 2_592_000)?,
            dependency_timeout: Duration::from_millis(parsed(
                "DEPENDENCY_TIMEOUT_MS",
                get("DEPENDENCY_TIMEOUT_MS"),
                1500,
                "a number of milliseconds",
            )?),
            log_format,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let mut map: HashMap<String, String> = [
            ("DATABASE_URL", "postgres://postgres@127.0.0.1/auth"),
            ("REDIS_URL", "redis://127.0.0.1:6379"),
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("BOT_HMAC_SECRET", "fedcba9876543210fedcba9876543210"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in pairs {
            map.insert(k.to_string(), v.to_string());
        }
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_follow_the_contract() {
        let s = env(&[]).expect("valid");
        assert_eq!(s.bind_addr.to_string(), "0.0.0.0:8000");
        assert_eq!(s.bcrypt_cost, 12);
        assert_eq!(s.access_token_ttl, Duration::from_secs(900));
        assert_eq!(s.refresh_token_ttl, Duration::from_secs(2_592_000));
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
    fn secrets_never_show_in_debug_output() {
        let s = env(&[]).expect("valid");
        let printed = format!("{s:?}");
        assert!(!printed.contains("0123456789abcdef"));
        assert!(!printed.contains("postgres@127.0.0.1"));
    }
}
