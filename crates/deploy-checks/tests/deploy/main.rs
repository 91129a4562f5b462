//! The deployment files agree with each other, with the services and with the docs.
//! Run by `cargo test` (and so by CI) without Docker or a cluster.

mod compose;
mod dockerfiles;
mod k8s;
mod monitoring;
mod scripts;
mod settings;

use std::collections::BTreeSet;

/// Settings the contract defines for the auth service that it may not read yet
/// (email, rate limits: shared/api-contract.md, Configuration). The deployment
/// files already carry them, so a deployment is configured once.
pub const AUTH_UPCOMING: &[&str] = &[
    "SMTP_URL",
    "MAIL_FROM",
    "VERIFY_TOKEN_TTL_SECS",
    "RESET_TOKEN_TTL_SECS",
    "RATE_LIMITS",
    "TRUSTED_PROXIES",
];

/// Settings that hold secrets (or URLs that may carry passwords): never written
/// into a deployment file, always taken from `.env` or a Kubernetes Secret.
pub const SECRETS: &[&str] = &[
    "DATABASE_URL",
    "REDIS_URL",
    "JWT_SECRET",
    "BOT_HMAC_SECRET",
    "TELEGRAM_BOT_TOKEN",
    "BOT_STORE_KEY",
    "SMTP_URL",
];

/// Settings each service must be given (no default).
pub const AUTH_REQUIRED: &[&str] = &["DATABASE_URL", "REDIS_URL", "JWT_SECRET", "BOT_HMAC_SECRET"];
pub const WEB_REQUIRED: &[&str] = &["AUTH_SERVICE_URL", "FINANCE_SERVICE_URL"];
pub const FINANCE_REQUIRED: &[&str] = &[
    "DATABASE_URL",
    "REDIS_URL",
    "JWT_SECRET",
    "AUTH_SERVICE_URL",
];
pub const BOT_REQUIRED: &[&str] = &[
    "TELEGRAM_BOT_TOKEN",
    "AUTH_SERVICE_URL",
    "FINANCE_SERVICE_URL",
    "BOT_HMAC_SECRET",
    "BOT_STORE_KEY",
    "REDIS_URL",
];

/// What the auth service reads or will read.
pub fn auth_settings() -> BTreeSet<String> {
    let mut names = deploy_checks::settings_read_by("auth-service");
    names.extend(AUTH_UPCOMING.iter().map(|s| (*s).to_owned()));
    names
}

pub fn bot_settings() -> BTreeSet<String> {
    deploy_checks::settings_read_by("bot-service")
}

pub fn web_settings() -> BTreeSet<String> {
    deploy_checks::settings_read_by("web-service")
}

pub fn finance_settings() -> BTreeSet<String> {
    deploy_checks::settings_read_by("finance-service")
}

/// What a service (`auth-service`, `bot-service`, `web-service`, `finance-service`) reads.
pub fn settings_for(service: &str) -> BTreeSet<String> {
    match service {
        "auth-service" => auth_settings(),
        "web-service" => web_settings(),
        other => deploy_checks::settings_read_by(other),
    }
}

/// Whether the service's binary has a `healthcheck` subcommand (a probe usable in
/// an image without curl).
pub fn has_healthcheck_subcommand(service: &str) -> bool {
    let main = deploy_checks::read(&format!("crates/{service}/src/main.rs"));
    // `service_kit::service_main!` gives the binary its `healthcheck` subcommand.
    main.contains("\"healthcheck\"") || main.contains("service_main!")
}

/// The required settings are among those the config code reads: the lists above
/// are not stale.
#[test]
fn the_required_settings_are_read_by_the_services() {
    let auth = deploy_checks::settings_read_by("auth-service");
    for name in AUTH_REQUIRED {
        assert!(auth.contains(*name), "auth-service does not read {name}");
    }
    let bot = bot_settings();
    for name in BOT_REQUIRED {
        assert!(bot.contains(*name), "bot-service does not read {name}");
    }
    let web = web_settings();
    for name in WEB_REQUIRED {
        assert!(web.contains(*name), "web-service does not read {name}");
    }
    let finance = finance_settings();
    for name in FINANCE_REQUIRED {
        assert!(
            finance.contains(*name),
            "finance-service does not read {name}"
        );
    }
    assert!(finance.contains("AUTH_REDIS_KEY_PREFIX") && finance.contains("METRICS_BIND_ADDR"));
    assert!(auth.contains("BIND_ADDR") && auth.contains("REDIS_KEY_PREFIX"));
    assert!(bot.contains("TELEGRAM_API_URL") && bot.contains("POLL_TIMEOUT_SECS"));
}
