//! Settings, read once from the environment at start-up.

use std::fmt;
use std::time::Duration;

/// A value that must never be printed.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
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

fn invalid(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        reason: reason.into(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct BotSettings {
    pub telegram_bot_token: Secret,
    /// Base URL of the Bot API, without the `/bot<token>` part.
    pub telegram_api_url: String,
    pub auth_service_url: String,
    pub bot_hmac_secret: Secret,
    pub redis_url: Secret,
    pub redis_key_prefix: String,
    /// Long-poll timeout of `getUpdates`.
    pub poll_timeout: Duration,
    pub log_format: LogFormat,
}

fn url(var: &'static str, value: String) -> Result<String, ConfigError> {
    let value = value.trim().trim_end_matches('/').to_owned();
    if value.starts_with("http://") || value.starts_with("https://") {
        Ok(value)
    } else {
        Err(invalid(var, "must be an http(s):// URL"))
    }
}

impl BotSettings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |var: &'static str| lookup(var).filter(|v| !v.trim().is_empty());
        let required = |var: &'static str| get(var).ok_or_else(|| invalid(var, "is not set"));

        let token = required("TELEGRAM_BOT_TOKEN")?;
        // Bot API tokens look like `123456:ABC-def...`.
        let well_formed = token.split_once(':').is_some_and(|(id, rest)| {
            !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && !rest.is_empty()
        });
        if !well_formed {
            return Err(invalid(
                "TELEGRAM_BOT_TOKEN",
                "must look like 123456:ABC-DEF (from @BotFather)",
            ));
        }
        let hmac = required("BOT_HMAC_SECRET")?;
        if hmac.len() < auth_types::signing::MIN_SECRET_BYTES {
            return Err(invalid(
                "BOT_HMAC_SECRET",
                format!(
                    "must be at least {} bytes",
                    auth_types::signing::MIN_SECRET_BYTES
                ),
            ));
        }
        let redis_url = required("REDIS_URL")?;
        if !redis_url.starts_with("redis://") && !redis_url.starts_with("rediss://") {
            return Err(invalid("REDIS_URL", "must be a redis:// or rediss:// URL"));
        }
        let poll_timeout = match get("POLL_TIMEOUT_SECS") {
            None => 30,
            Some(v) => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=50).contains(n))
                .ok_or_else(|| {
                    invalid(
                        "POLL_TIMEOUT_SECS",
                        "must be a number of seconds from 1 to 50",
                    )
                })?,
        };
        let log_format = match get("LOG_FORMAT").as_deref().map(str::trim) {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(invalid(
                    "LOG_FORMAT",
                    format!("must be text or json, got {other:?}"),
                ));
            }
        };
        Ok(Self {
            telegram_bot_token: Secret(token),
            telegram_api_url: url(
                "TELEGRAM_API_URL",
                get("TELEGRAM_API_URL").unwrap_or_else(|| "https://api.telegram.org".to_owned()),
            )?,
            auth_service_url: url("AUTH_SERVICE_URL", required("AUTH_SERVICE_URL")?)?,
            bot_hmac_secret: Secret(hmac),
            redis_url: Secret(redis_url),
            redis_key_prefix: get("REDIS_KEY_PREFIX").unwrap_or_else(|| "bot:".to_owned()),
            poll_timeout: Duration::from_secs(poll_timeout),
            log_format,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> Result<BotSettings, ConfigError> {
        let mut map: HashMap<String, String> = [
            ("TELEGRAM_BOT_TOKEN", "123456:ABC-def"),
            ("AUTH_SERVICE_URL", "http://127.0.0.1:8000/"),
            ("BOT_HMAC_SECRET", "0123456789abcdef0123456789abcdef"),
            ("REDIS_URL", "redis://127.0.0.1:6379"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in pairs {
            map.insert(k.to_string(), v.to_string());
        }
        BotSettings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_and_trailing_slashes() {
        let s = env(&[]).expect("valid");
        assert_eq!(s.telegram_api_url, "https://api.telegram.org");
        assert_eq!(s.auth_service_url, "http://127.0.0.1:8000");
        assert_eq!(s.poll_timeout, Duration::from_secs(30));
        assert!(
            !format!("{s:?}").contains("ABC-def"),
            "the token is never printed"
        );
    }

    #[test]
    fn bad_settings_name_their_variable() {
        assert_eq!(
            env(&[("TELEGRAM_BOT_TOKEN", "nonsense")])
                .expect_err("bad")
                .var,
            "TELEGRAM_BOT_TOKEN"
        );
        assert_eq!(
            env(&[("BOT_HMAC_SECRET", "short")]).expect_err("bad").var,
            "BOT_HMAC_SECRET"
        );
        assert_eq!(
            env(&[("AUTH_SERVICE_URL", "")])
                .expect_err("bad")
                .to_string(),
            "AUTH_SERVICE_URL: is not set"
        );
        assert_eq!(
            env(&[("TELEGRAM_API_URL", "ftp://x")])
                .expect_err("bad")
                .var,
            "TELEGRAM_API_URL"
        );
        assert_eq!(
            env(&[("POLL_TIMEOUT_SECS", "0")]).expect_err("bad").var,
            "POLL_TIMEOUT_SECS"
        );
    }
}
