//! Settings, read once from the environment at start-up (docs/web.md#configuration).

use std::net::SocketAddr;
use std::time::Duration;

use ipnet::IpNet;
use service_kit::Env;
pub use service_kit::{ConfigError, LogFormat};

#[derive(Debug, Clone)]
pub struct WebSettings {
    pub bind_addr: SocketAddr,
    /// Base URL of the auth service, without a trailing slash.
    pub auth_service_url: String,
    /// Base URL of the finance service, without a trailing slash.
    pub finance_service_url: String,
    /// The address people use to reach these pages, without a trailing slash.
    pub public_web_url: String,
    pub log_format: LogFormat,
    /// Where `/metrics` is served; `None`: not at all.
    pub metrics_bind_addr: Option<SocketAddr>,
    /// Peers (an ingress, a load balancer) whose `X-Forwarded-For` is passed on:
    /// the browser's address is then theirs to tell.
    pub trusted_proxies: Vec<IpNet>,
    /// The bot's Telegram username, without `@`: invites then show its deep link
    /// `https://t.me/{username}?start=…`; `None`: the `/start …` message instead.
    pub telegram_bot_username: Option<String>,
    /// The longest a request body may take to arrive (not an environment
    /// variable: tests shorten it).
    pub body_timeout: Duration,
}

impl WebSettings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env::new(lookup);
        Ok(Self {
            bind_addr: env.parse_or(
                "BIND_ADDR",
                SocketAddr::from(([0, 0, 0, 0], 8080)),
                "an address like 0.0.0.0:8080",
            )?,
            auth_service_url: env.url("AUTH_SERVICE_URL", &["http", "https"], None)?,
            finance_service_url: env.url("FINANCE_SERVICE_URL", &["http", "https"], None)?,
            public_web_url: env.url(
                "PUBLIC_WEB_URL",
                &["http", "https"],
                Some("http://localhost:8080"),
            )?,
            log_format: env.log_format()?,
            // 9466: beside the auth service's 9464 and the bot's 9465 on one machine.
            metrics_bind_addr: env.metrics_bind_addr("METRICS_BIND_ADDR", 9466)?,
            trusted_proxies: trusted_proxies(env.get("TRUSTED_PROXIES"))?,
            telegram_bot_username: telegram_bot_username(env.get("TELEGRAM_BOT_USERNAME"))?,
            body_timeout: Duration::from_secs(10),
        })
    }

    /// Whether the pages are served over HTTPS (then with HSTS).
    pub fn https(&self) -> bool {
        self.public_web_url.starts_with("https://")
    }

    /// Whether the refresh cookie gets the `Secure` attribute: always, except for a
    /// plain-http local run (`http://localhost` or `http://127.0.0.1`), where a browser
    /// would not send a `Secure` cookie back.
    pub fn secure_cookies(&self) -> bool {
        let Some(rest) = self.public_web_url.strip_prefix("http://") else {
            return true;
        };
        let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        let name = match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        };
        !matches!(name, "localhost" | "127.0.0.1")
    }
}

/// `TRUSTED_PROXIES`: comma-separated addresses or CIDRs, default none.
fn trusted_proxies(raw: Option<String>) -> Result<Vec<IpNet>, ConfigError> {
    let Some(raw) = raw else {
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

/// `TELEGRAM_BOT_USERNAME`: a bot's username as Telegram allows it — 5 to 32
/// letters, digits or `_`, ending in `bot` in any case — with or without a
/// leading `@`; default none.
fn telegram_bot_username(raw: Option<String>) -> Result<Option<String>, ConfigError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let name = raw.trim();
    let name = name.strip_prefix('@').unwrap_or(name);
    let valid = (5..=32).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && name.to_ascii_lowercase().ends_with("bot");
    if valid {
        Ok(Some(name.to_owned()))
    } else {
        Err(ConfigError::new(
            "TELEGRAM_BOT_USERNAME",
            format!(
                "must be a Telegram bot username (5 to 32 letters, digits or _, ending in \"bot\"), got {raw:?}"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(overrides: &[(&str, &str)]) -> Result<WebSettings, ConfigError> {
        let mut all = vec![
            ("AUTH_SERVICE_URL", "http://127.0.0.1:8000/"),
            ("FINANCE_SERVICE_URL", "http://127.0.0.1:8001/"),
        ];
        all.extend_from_slice(overrides);
        WebSettings::from_lookup(service_kit::env::pairs(&all))
    }

    #[test]
    fn defaults() {
        let s = env(&[]).expect("valid");
        assert_eq!(s.auth_service_url, "http://127.0.0.1:8000");
        assert_eq!(s.finance_service_url, "http://127.0.0.1:8001");
        assert_eq!(s.public_web_url, "http://localhost:8080");
        assert_eq!(s.bind_addr, SocketAddr::from(([0, 0, 0, 0], 8080)));
        assert!(!s.secure_cookies());
        assert_eq!(
            s.metrics_bind_addr,
            Some(SocketAddr::from(([127, 0, 0, 1], 9466)))
        );
        assert_eq!(
            env(&[("METRICS_BIND_ADDR", "off")])
                .expect("valid")
                .metrics_bind_addr,
            None
        );
    }

    #[test]
    fn cookies_are_secure_unless_plain_http_on_this_machine() {
        let secure = |url: &str| {
            env(&[("PUBLIC_WEB_URL", url)])
                .expect("valid")
                .secure_cookies()
        };
        assert!(secure("https://finance.example.org"));
        assert!(secure("https://localhost:8080"));
        assert!(secure("http://finance.example.org"));
        assert!(secure("http://localhost.example.org"));
        assert!(!secure("http://127.0.0.1:8080/"));
        assert!(!secure("http://localhost"));
    }

    #[test]
    fn bad_settings_name_their_variable() {
        let var = |pairs: &[(&str, &str)]| env(pairs).expect_err("invalid").var;
        assert_eq!(var(&[("AUTH_SERVICE_URL", "")]), "AUTH_SERVICE_URL");
        assert_eq!(var(&[("AUTH_SERVICE_URL", "ftp://x")]), "AUTH_SERVICE_URL");
        assert_eq!(var(&[("PUBLIC_WEB_URL", "nope")]), "PUBLIC_WEB_URL");
        assert_eq!(var(&[("FINANCE_SERVICE_URL", "")]), "FINANCE_SERVICE_URL");
        assert_eq!(var(&[("BIND_ADDR", "nope")]), "BIND_ADDR");
        assert_eq!(var(&[("LOG_FORMAT", "xml")]), "LOG_FORMAT");
        assert_eq!(
            var(&[("METRICS_BIND_ADDR", "nowhere")]),
            "METRICS_BIND_ADDR"
        );
        assert_eq!(var(&[("TRUSTED_PROXIES", "an ingress")]), "TRUSTED_PROXIES");
        assert_eq!(
            var(&[("TELEGRAM_BOT_USERNAME", "https://t.me/finance_bot")]),
            "TELEGRAM_BOT_USERNAME"
        );
    }

    #[test]
    fn the_bot_username_is_telegrams_kind_with_or_without_at() {
        let username = |value: &str| env(&[("TELEGRAM_BOT_USERNAME", value)]);
        assert_eq!(env(&[]).expect("valid").telegram_bot_username, None);
        assert_eq!(
            username("").expect("blank is unset").telegram_bot_username,
            None
        );
        for (value, kept) in [
            ("finance_bot", "finance_bot"),
            ("@FinanceBot", "FinanceBot"),
            (" @family_money_BOT ", "family_money_BOT"),
            ("a_bot", "a_bot"),
            (
                "abcdefghijklmnopqrstuvwxyz12_bot",
                "abcdefghijklmnopqrstuvwxyz12_bot",
            ),
        ] {
            let settings = username(value).unwrap_or_else(|e| panic!("{value:?}: {e}"));
            assert_eq!(settings.telegram_bot_username.as_deref(), Some(kept));
        }
        for value in [
            "@",
            "bot",
            "@abot",
            "finance",
            "finance_bot_",
            "finance-bot",
            "finance bot",
            "@@finance_bot",
            "t.me/finance_bot",
            "abcdefghijklmnopqrstuvwxyz123_bot",
            "finance_b\u{43e}t",
        ] {
            let err = username(value).expect_err(value);
            assert_eq!(err.var, "TELEGRAM_BOT_USERNAME");
            assert_eq!(
                err.to_string(),
                format!(
                    "TELEGRAM_BOT_USERNAME: must be a Telegram bot username (5 to 32 letters, \
                     digits or _, ending in \"bot\"), got {value:?}"
                )
            );
        }
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks_and_none_by_default() {
        assert!(env(&[]).expect("valid").trusted_proxies.is_empty());
        let s = env(&[("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1")]).expect("valid");
        assert_eq!(s.trusted_proxies.len(), 2);
        assert!(!s.https());
        assert!(
            env(&[("PUBLIC_WEB_URL", "https://finance.example.org")])
                .expect("valid")
                .https()
        );
    }
}
