//! Settings, read once from the environment at start-up (docs/finance-api.md#configuration).
//!
//! Every problem names its variable in one line, so a wrong deployment fails
//! fast and clearly instead of panicking later.

use std::net::SocketAddr;
use std::time::Duration;

use auth_types::claims::MIN_SECRET_BYTES;
use money::Currency;
use service_kit::Env;
pub use service_kit::{ConfigError, LogFormat, Secret};

#[derive(Debug, Clone)]
pub struct Settings {
    pub bind_addr: SocketAddr,
    pub database_url: Secret,
    pub db_pool_size: usize,
    /// The auth service's session store.
    pub redis_url: Secret,
    pub redis_pool_size: usize,
    /// The auth service's key prefix in that Redis (its `REDIS_KEY_PREFIX`).
    pub auth_redis_key_prefix: String,
    pub jwt_secret: Secret,
    /// Where the auth service answers: members' display names come from its `/me`.
    pub auth_service_url: String,
    /// The currency of a new personal family.
    pub default_currency: Currency,
    /// Base of the invite links (`{PUBLIC_WEB_URL}/join?code=…`).
    pub public_web_url: String,
    /// How long one PostgreSQL or Redis call may take before the request answers 503.
    pub dependency_timeout: Duration,
    pub log_format: LogFormat,
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
        let database_url = env.url("DATABASE_URL", &["postgres", "postgresql"], None)?;
        let redis_url = env.url("REDIS_URL", &["redis", "rediss"], None)?;
        let default_currency = env
            .get("DEFAULT_CURRENCY")
            .unwrap_or_else(|| "EUR".to_owned())
            .parse::<Currency>()
            .map_err(|_| {
                ConfigError::new(
                    "DEFAULT_CURRENCY",
                    "must be an ISO 4217 code with a minor unit, in upper case, like EUR",
                )
            })?;
        Ok(Self {
            bind_addr: env.parse_or(
                "BIND_ADDR",
                SocketAddr::from(([0, 0, 0, 0], 8001)),
                "an address like 0.0.0.0:8001",
            )?,
            database_url: Secret::new(database_url),
            db_pool_size: env.number_in("DB_POOL_SIZE", 16, 1..=1000)?,
            redis_url: Secret::new(redis_url),
            redis_pool_size: env.number_in("REDIS_POOL_SIZE", 16, 1..=1000)?,
            auth_redis_key_prefix: env
                .get("AUTH_REDIS_KEY_PREFIX")
                .unwrap_or_else(|| "auth:".to_owned()),
            jwt_secret: env.secret("JWT_SECRET", MIN_SECRET_BYTES)?,
            auth_service_url: env
                .url("AUTH_SERVICE_URL", &["http", "https"], None)?
                .trim_end_matches('/')
                .to_owned(),
            default_currency,
            public_web_url: env
                .url(
                    "PUBLIC_WEB_URL",
                    &["http", "https"],
                    Some("http://localhost:8080"),
                )?
                .trim_end_matches('/')
                .to_owned(),
            dependency_timeout: Duration::from_millis(env.number_in(
                "DEPENDENCY_TIMEOUT_MS",
                1500,
                50..=60_000,
            )?),
            log_format: env.log_format()?,
            metrics_bind_addr: env.metrics_bind_addr("METRICS_BIND_ADDR", 9467)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use service_kit::env::pairs;

    const BASE: &[(&str, &str)] = &[
        ("DATABASE_URL", "postgres://localhost/finance"),
        ("REDIS_URL", "redis://localhost"),
        ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ("AUTH_SERVICE_URL", "http://127.0.0.1:8000/"),
    ];

    fn with(extra: &[(&'static str, &'static str)]) -> Result<Settings, ConfigError> {
        let mut all = BASE.to_vec();
        all.extend_from_slice(extra);
        Settings::from_lookup(pairs(&all))
    }

    #[test]
    fn defaults_follow_the_contract() {
        let settings = with(&[]).expect("valid");
        assert_eq!(settings.bind_addr.port(), 8001);
        assert_eq!(settings.default_currency.code(), "EUR");
        assert_eq!(settings.auth_service_url, "http://127.0.0.1:8000");
        assert_eq!(settings.auth_redis_key_prefix, "auth:");
    }

    #[test]
    fn a_bad_setting_names_its_variable() {
        for (var, value) in [
            ("DEFAULT_CURRENCY", "eur"),
            ("DEFAULT_CURRENCY", "XAU"),
            ("JWT_SECRET", "short"),
            ("AUTH_SERVICE_URL", "ftp://x"),
            ("BIND_ADDR", "nowhere"),
        ] {
            let err = with(&[(var, value)]).expect_err(var).to_string();
            assert!(err.contains(var), "{err}");
        }
    }
}
