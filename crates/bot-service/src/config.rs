//! Settings, read once from the environment at start-up (docs/bot.md).

use std::net::SocketAddr;
use std::time::Duration;

use service_kit::Env;
pub use service_kit::{ConfigError, LogFormat, Secret};

#[derive(Debug, Clone)]
pub struct BotSettings {
    pub telegram_bot_token: Secret,
    /// Base URL of the Bot API, without the `/bot<token>` part.
    pub telegram_api_url: String,
    pub auth_service_url: String,
    /// Base URL of the finance service (its API under `/api/v1`).
    pub finance_service_url: String,
    pub bot_hmac_secret: Secret,
    /// Seals each chat's tokens in Redis.
    pub bot_store_key: crate::store::StoreKey,
    /// The bot's own id: the number before the colon of its token.
    pub bot_id: i64,
    pub redis_url: Secret,
    pub redis_key_prefix: String,
    /// Long-poll timeout of `getUpdates`.
    pub poll_timeout: Duration,
    pub log_format: LogFormat,
    /// Where `/metrics` is served; `None`: not at all.
    pub metrics_bind_addr: Option<SocketAddr>,
}

impl BotSettings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env::new(lookup);
        let token = env.required("TELEGRAM_BOT_TOKEN")?;
        // Bot API tokens look like `123456:ABC-def...`.
        let well_formed = token.split_once(':').is_some_and(|(id, rest)| {
            !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && !rest.is_empty()
        });
        if !well_formed {
            return Err(ConfigError::new(
                "TELEGRAM_BOT_TOKEN",
                "must look like 123456:ABC-DEF (from @BotFather)",
            ));
        }
        let bot_id = token
            .split_once(':')
            .and_then(|(id, _)| id.parse::<i64>().ok())
            .ok_or_else(|| {
                ConfigError::new(
                    "TELEGRAM_BOT_TOKEN",
                    "must look like 123456:ABC-DEF (from @BotFather)",
                )
            })?;
        let bot_store_key = crate::store::StoreKey::parse(&env.required("BOT_STORE_KEY")?)
            .ok_or_else(|| {
                ConfigError::new(
                    "BOT_STORE_KEY",
                    "must be 32 random bytes as 64 hex digits or base64 (openssl rand -hex 32)",
                )
            })?;
        Ok(Self {
            telegram_bot_token: Secret::new(token),
            bot_store_key,
            bot_id,
            telegram_api_url: env.url(
                "TELEGRAM_API_URL",
                &["http", "https"],
                Some("https://api.telegram.org"),
            )?,
            auth_service_url: env.url("AUTH_SERVICE_URL", &["http", "https"], None)?,
            finance_service_url: env.url("FINANCE_SERVICE_URL", &["http", "https"], None)?,
            bot_hmac_secret: env
                .secret("BOT_HMAC_SECRET", auth_types::signing::MIN_SECRET_BYTES)?,
            redis_url: Secret::new(env.url("REDIS_URL", &["redis", "rediss"], None)?),
            redis_key_prefix: env
                .get("REDIS_KEY_PREFIX")
                .unwrap_or_else(|| "bot:".to_owned()),
            poll_timeout: Duration::from_secs(env.number_in("POLL_TIMEOUT_SECS", 30, 1..=50)?),
            log_format: env.log_format()?,
            // 9465: next to the auth service's 9464, so both run on one machine.
            metrics_bind_addr: env.metrics_bind_addr("METRICS_BIND_ADDR", 9465)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(overrides: &[(&str, &str)]) -> Result<BotSettings, ConfigError> {
        let mut all = vec![
            ("TELEGRAM_BOT_TOKEN", "123456:ABC-def"),
            ("AUTH_SERVICE_URL", "http://127.0.0.1:8000/"),
            ("FINANCE_SERVICE_URL", "http://127.0.0.1:8001/"),
            ("BOT_HMAC_SECRET", "0123456789abcdef0123456789abcdef"),
            ("REDIS_URL", "redis://127.0.0.1:6379"),
            (
                "BOT_STORE_KEY",
                "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
            ),
        ];
        all.extend_from_slice(overrides);
        BotSettings::from_lookup(service_kit::env::pairs(&all))
    }

    #[test]
    fn defaults_and_trailing_slashes() {
        let s = env(&[]).expect("valid");
        assert_eq!(s.telegram_api_url, "https://api.telegram.org");
        assert_eq!(s.auth_service_url, "http://127.0.0.1:8000");
        assert_eq!(s.finance_service_url, "http://127.0.0.1:8001");
        assert_eq!(s.poll_timeout, Duration::from_secs(30));
        assert_eq!(s.bot_id, 123_456);
        assert!(
            !format!("{s:?}").contains("00112233"),
            "the store key is never printed"
        );
        assert_eq!(
            s.metrics_bind_addr,
            Some(SocketAddr::from(([127, 0, 0, 1], 9465)))
        );
        assert_eq!(
            env(&[("METRICS_BIND_ADDR", "off")])
                .expect("valid")
                .metrics_bind_addr,
            None
        );
        assert!(
            !format!("{s:?}").contains("ABC-def"),
            "the token is never printed"
        );
    }

    #[test]
    fn bad_settings_name_their_variable() {
        let var = |pairs: &[(&str, &str)]| env(pairs).expect_err("invalid").var;
        assert_eq!(
            var(&[("TELEGRAM_BOT_TOKEN", "nonsense")]),
            "TELEGRAM_BOT_TOKEN"
        );
        assert_eq!(var(&[("BOT_HMAC_SECRET", "short")]), "BOT_HMAC_SECRET");
        assert_eq!(var(&[("BOT_STORE_KEY", "")]), "BOT_STORE_KEY");
        assert_eq!(var(&[("BOT_STORE_KEY", "too short")]), "BOT_STORE_KEY");
        assert_eq!(var(&[("TELEGRAM_API_URL", "ftp://x")]), "TELEGRAM_API_URL");
        assert_eq!(var(&[("FINANCE_SERVICE_URL", "")]), "FINANCE_SERVICE_URL");
        assert_eq!(var(&[("POLL_TIMEOUT_SECS", "0")]), "POLL_TIMEOUT_SECS");
        assert_eq!(var(&[("METRICS_BIND_ADDR", "9465")]), "METRICS_BIND_ADDR");
        assert_eq!(
            env(&[("AUTH_SERVICE_URL", "")])
                .expect_err("unset")
                .to_string(),
            "AUTH_SERVICE_URL: is not set"
        );
    }
}
