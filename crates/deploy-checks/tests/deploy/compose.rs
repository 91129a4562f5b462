//! docker-compose.yml: every service has its image and healthcheck, start-up is
//! gated on health (postgres and redis -> migrate -> auth-service -> bot-service;
//! migrate -> finance-migrate, and auth-service -> finance-service -> bot-service),
//! data lives in named volumes, secrets come from `.env`.

use std::collections::BTreeSet;

use deploy_checks::{compose, interpolated_variables, read};
use serde_json::Value;

use crate::{
    SECRETS, auth_settings, bot_settings, finance_settings, has_healthcheck_subcommand,
    web_settings,
};

/// The one-shot migration services (no healthcheck, never restarted).
const ONE_SHOTS: &[&str] = &["migrate", "finance-migrate"];

fn service(name: &str) -> Value {
    let compose = compose();
    let service = compose["services"][name].clone();
    assert!(
        service.is_object(),
        "docker-compose.yml has no service {name}"
    );
    service
}

fn condition(service_name: &str, dependency: &str) -> String {
    let service = service(service_name);
    service["depends_on"][dependency]["condition"]
        .as_str()
        .unwrap_or_else(|| panic!("{service_name} has no depends_on {dependency} with a condition"))
        .to_owned()
}

fn environment(service_name: &str) -> serde_json::Map<String, Value> {
    service(service_name)["environment"]
        .as_object()
        .unwrap_or_else(|| panic!("{service_name}: environment must be a map"))
        .clone()
}

#[test]
fn the_services_are_the_ones_that_exist() {
    let compose = compose();
    let names: BTreeSet<&str> = compose["services"]
        .as_object()
        .expect("services")
        .keys()
        .map(String::as_str)
        .collect();
    let expected: BTreeSet<&str> = [
        "postgres",
        "redis",
        "mailpit",
        "migrate",
        "auth-service",
        "finance-migrate",
        "finance-service",
        "bot-service",
        "web-service",
        "prometheus",
        "grafana",
    ]
    .into();
    assert_eq!(names, expected);
}

#[test]
fn every_service_has_an_image_and_every_long_running_one_a_healthcheck() {
    let compose = compose();
    for (name, service) in compose["services"].as_object().expect("services") {
        assert!(
            service["image"].as_str().is_some_and(|i| !i.is_empty()),
            "{name} has no image"
        );
        if ONE_SHOTS.contains(&name.as_str()) {
            assert_eq!(
                service["healthcheck"]["disable"], true,
                "{name} is a one-shot"
            );
            continue;
        }
        if name == "web-service" && !has_healthcheck_subcommand("web-service") {
            // Nothing to probe with in its image until the binary has the subcommand.
            assert!(
                service["healthcheck"].is_null(),
                "{name}: a healthcheck with what?"
            );
            continue;
        }
        let test = service["healthcheck"]["test"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} has no healthcheck test (exec form)"));
        assert!(
            matches!(
                test.first().and_then(Value::as_str),
                Some("CMD" | "CMD-SHELL")
            ),
            "{name}: healthcheck test starts with CMD: {test:?}"
        );
        assert!(test.len() >= 2, "{name}: healthcheck has a command");
        for field in ["interval", "timeout", "retries"] {
            assert!(
                !service["healthcheck"][field].is_null(),
                "{name}: healthcheck sets {field}"
            );
        }
    }
}

#[test]
fn our_services_are_built_from_their_dockerfiles_and_probe_themselves() {
    for (name, dockerfile) in [
        ("migrate", "deploy/auth-service.Dockerfile"),
        ("auth-service", "deploy/auth-service.Dockerfile"),
        ("finance-migrate", "deploy/finance-service.Dockerfile"),
        ("finance-service", "deploy/finance-service.Dockerfile"),
        ("bot-service", "deploy/bot-service.Dockerfile"),
        ("web-service", "deploy/web-service.Dockerfile"),
    ] {
        let service = service(name);
        assert_eq!(
            service["build"]["context"], ".",
            "{name}: build context is the repository root"
        );
        assert_eq!(service["build"]["dockerfile"], dockerfile, "{name}");
        assert!(
            deploy_checks::repo_root().join(dockerfile).is_file(),
            "{dockerfile} is missing"
        );
        assert_eq!(
            service["read_only"], true,
            "{name}: read-only root filesystem"
        );
    }
    for name in [
        "auth-service",
        "finance-service",
        "bot-service",
        "web-service",
    ] {
        if !has_healthcheck_subcommand(name) {
            continue;
        }
        let test = &service(name)["healthcheck"]["test"];
        assert_eq!(
            test,
            &serde_json::json!(["CMD", format!("/usr/local/bin/{name}"), "healthcheck"]),
            "{name}: the healthcheck is the binary's own subcommand (no curl in the image)"
        );
    }
    assert_eq!(
        service("migrate")["image"],
        service("auth-service")["image"],
        "migrate runs the auth-service image"
    );
    assert_eq!(
        service("finance-migrate")["image"],
        service("finance-service")["image"],
        "finance-migrate runs the finance-service image"
    );
}

#[test]
fn migrations_run_once_before_the_auth_service_starts() {
    let migrate = service("migrate");
    assert_eq!(migrate["command"], serde_json::json!(["migrate"]));
    assert_eq!(migrate["restart"], "no", "a one-shot is not restarted");
    assert_eq!(condition("migrate", "postgres"), "service_healthy");

    assert_eq!(
        service("auth-service")["command"],
        serde_json::json!(["serve"])
    );
    assert_eq!(
        condition("auth-service", "migrate"),
        "service_completed_successfully"
    );
    assert_eq!(condition("auth-service", "postgres"), "service_healthy");
    assert_eq!(condition("auth-service", "redis"), "service_healthy");
}

#[test]
fn the_finance_migrations_run_after_the_auth_ones_and_the_service_after_the_auth_service() {
    // Both services' migrations share the database's migration table and advisory lock;
    // the finance service reads the auth service's user_merges table.
    let migrate = service("finance-migrate");
    assert_eq!(migrate["command"], serde_json::json!(["migrate"]));
    assert_eq!(migrate["restart"], "no", "a one-shot is not restarted");
    assert_eq!(condition("finance-migrate", "postgres"), "service_healthy");
    assert_eq!(
        condition("finance-migrate", "migrate"),
        "service_completed_successfully",
        "the auth migrations first"
    );

    let finance = service("finance-service");
    assert_eq!(finance["command"], serde_json::json!(["serve"]));
    assert_eq!(
        condition("finance-service", "finance-migrate"),
        "service_completed_successfully"
    );
    assert_eq!(condition("finance-service", "postgres"), "service_healthy");
    assert_eq!(condition("finance-service", "redis"), "service_healthy");
    assert_eq!(
        condition("finance-service", "auth-service"),
        "service_healthy"
    );
    let ports: Vec<&str> = finance["ports"]
        .as_array()
        .expect("the finance API is published")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(ports.iter().any(|p| p.ends_with(":8001")), "{ports:?}");
}

#[test]
fn the_finance_service_shares_the_auth_services_database_redis_and_key() {
    let auth = environment("auth-service");
    for name in ["finance-service", "finance-migrate"] {
        let finance = environment(name);
        for var in ["DATABASE_URL", "REDIS_URL", "JWT_SECRET"] {
            assert_eq!(
                finance[var], auth[var],
                "{name}: {var} is the auth service's"
            );
        }
        assert_eq!(
            finance["AUTH_SERVICE_URL"], "http://auth-service:8000",
            "{name}"
        );
        assert_eq!(finance["BIND_ADDR"], "0.0.0.0:8001", "{name}");
        assert_eq!(
            finance["PUBLIC_WEB_URL"],
            environment("web-service")["PUBLIC_WEB_URL"],
            "{name}: invite links lead to the web pages"
        );
        // The sessions are found under the auth service's key prefix: both unset (the
        // same default, auth:, as each config.rs's tests say) or both set to one value.
        assert_eq!(
            finance.get("AUTH_REDIS_KEY_PREFIX"),
            auth.get("REDIS_KEY_PREFIX"),
            "{name}: AUTH_REDIS_KEY_PREFIX is the auth service's REDIS_KEY_PREFIX"
        );
    }
}

#[test]
fn the_bot_starts_only_once_the_auth_service_is_healthy() {
    assert_eq!(condition("bot-service", "auth-service"), "service_healthy");
    assert_eq!(
        condition("bot-service", "finance-service"),
        "service_healthy"
    );
    assert_eq!(
        environment("bot-service")["FINANCE_SERVICE_URL"],
        "http://finance-service:8001"
    );
    assert_eq!(condition("bot-service", "redis"), "service_healthy");
    let bot = service("bot-service");
    assert!(bot["ports"].is_null(), "the bot serves no port");
    assert!(
        bot["deploy"]["replicas"].is_null() || bot["deploy"]["replicas"] == 1,
        "exactly one bot: two long-pollers on one token conflict"
    );
    assert_eq!(
        environment("bot-service")["AUTH_SERVICE_URL"],
        "http://auth-service:8000"
    );
}

#[test]
fn the_web_pages_start_once_the_auth_service_is_healthy_and_are_what_links_lead_to() {
    assert_eq!(condition("web-service", "auth-service"), "service_healthy");
    assert_eq!(
        condition("web-service", "finance-service"),
        "service_healthy"
    );
    let web = environment("web-service");
    assert_eq!(web["AUTH_SERVICE_URL"], "http://auth-service:8000");
    assert_eq!(web["FINANCE_SERVICE_URL"], "http://finance-service:8001");
    assert_eq!(web["BIND_ADDR"], "0.0.0.0:8080");
    assert_eq!(
        environment("auth-service")["PUBLIC_WEB_URL"],
        web["PUBLIC_WEB_URL"],
        "links in emails lead to the web pages"
    );
    let web_service = service("web-service");
    let ports: Vec<&str> = web_service["ports"]
        .as_array()
        .expect("the web pages are published")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(ports.iter().any(|p| p.ends_with(":8080")), "{ports:?}");
}

#[test]
fn postgres_and_redis_keep_their_data_in_named_volumes() {
    let compose = compose();
    for (name, mount) in [("postgres", "/var/lib/postgresql/data"), ("redis", "/data")] {
        let volumes = service(name)["volumes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let volume = volumes
            .iter()
            .filter_map(Value::as_str)
            .find_map(|v| v.strip_suffix(&format!(":{mount}")))
            .unwrap_or_else(|| panic!("{name} mounts nothing on {mount}"));
        assert!(
            !volume.starts_with('.') && !volume.starts_with('/'),
            "{name}: {volume} is a named volume, not a host folder"
        );
        assert!(
            compose["volumes"].get(volume).is_some(),
            "volume {volume} is declared at the top level"
        );
    }
    let image = |name: &str| {
        service(name)["image"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(image("postgres").starts_with("postgres:16"));
    assert!(image("redis").starts_with("redis:7"));
}

#[test]
fn the_auth_service_sends_its_mail_to_mailpit() {
    let mailpit = service("mailpit");
    assert!(
        mailpit["image"]
            .as_str()
            .unwrap_or_default()
            .starts_with("axllent/mailpit")
    );
    let auth = environment("auth-service");
    assert_eq!(auth["SMTP_URL"], "smtp://mailpit:1025");
    assert!(auth.contains_key("MAIL_FROM"));
    let ports: Vec<&str> = mailpit["ports"]
        .as_array()
        .expect("mailpit publishes its web UI")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(ports.iter().any(|p| p.ends_with(":8025")), "{ports:?}");
}

#[test]
fn each_service_gets_the_settings_it_reads_and_no_others() {
    for (name, reads, left_out) in [
        ("auth-service", auth_settings(), &["REDIS_KEY_PREFIX"][..]),
        ("migrate", auth_settings(), &["REDIS_KEY_PREFIX"][..]),
        ("bot-service", bot_settings(), &["REDIS_KEY_PREFIX"][..]),
        ("web-service", web_settings(), &[][..]),
        // Like the auth service's REDIS_KEY_PREFIX, left to its default (checked above).
        (
            "finance-service",
            finance_settings(),
            &["AUTH_REDIS_KEY_PREFIX"][..],
        ),
        (
            "finance-migrate",
            finance_settings(),
            &["AUTH_REDIS_KEY_PREFIX"][..],
        ),
    ] {
        let given: BTreeSet<String> = environment(name).keys().cloned().collect();
        let missing: Vec<&String> = reads
            .iter()
            .filter(|v| !given.contains(*v) && !left_out.contains(&v.as_str()))
            .collect();
        assert!(missing.is_empty(), "{name} is not given {missing:?}");
        let unknown: Vec<&String> = given.difference(&reads).collect();
        assert!(
            unknown.is_empty(),
            "{name} is given {unknown:?}, which it does not read"
        );
    }
}

#[test]
fn secrets_come_from_the_env_file_and_are_required() {
    let text = read("docker-compose.yml");
    for name in [
        "JWT_SECRET",
        "BOT_HMAC_SECRET",
        "TELEGRAM_BOT_TOKEN",
        "BOT_STORE_KEY",
        "POSTGRES_PASSWORD",
    ] {
        assert!(
            text.contains(&format!("${{{name}:?")),
            "{name} is required from .env (${{{name}:?message}})"
        );
    }
    for service_name in [
        "auth-service",
        "bot-service",
        "migrate",
        "finance-service",
        "finance-migrate",
    ] {
        for (name, value) in environment(service_name) {
            if !SECRETS.contains(&name.as_str()) {
                continue;
            }
            let value = value.as_str().unwrap_or_default();
            // In-network URLs are fine as long as any password in them is interpolated.
            let literal_secret = !value.contains("${")
                && !value.starts_with("redis://redis:")
                && !value.starts_with("smtp://mailpit:");
            assert!(
                !literal_secret,
                "{service_name}: {name} is written in the file: {value}"
            );
        }
    }
}

#[test]
fn log_filters_are_never_empty() {
    // An empty RUST_LOG is a valid filter that lets nothing through: no logs at all.
    for name in [
        "auth-service",
        "migrate",
        "finance-service",
        "finance-migrate",
        "bot-service",
        "web-service",
    ] {
        let value = environment(name)["RUST_LOG"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            value.starts_with("${RUST_LOG:-") && value.len() > "${RUST_LOG:-}".len(),
            "{name}: RUST_LOG needs a non-empty default, got {value:?}"
        );
    }
}

#[test]
fn every_interpolated_variable_is_documented_in_the_env_example() {
    let documented: BTreeSet<String> = deploy_checks::env_example()
        .into_iter()
        .map(|e| e.name)
        .collect();
    let used = interpolated_variables(&read("docker-compose.yml"));
    let undocumented: Vec<&String> = used.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        ".env.example lacks {undocumented:?}"
    );
}

#[test]
fn the_auth_service_believes_the_web_service_as_a_proxy() {
    // web-service forwards the pages' calls with X-Forwarded-For; without trusting it,
    // every browser would share one rate limit.
    let web = service("web-service");
    let address = web["networks"]["default"]["ipv4_address"]
        .as_str()
        .expect("web-service has a fixed address");
    let trusted = environment("auth-service")["TRUSTED_PROXIES"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(trusted, format!("${{TRUSTED_PROXIES:-{address}}}"));
    let compose = compose();
    let subnet = compose["networks"]["default"]["ipam"]["config"][0]["subnet"]
        .as_str()
        .expect("a fixed subnet for the fixed address");
    let prefix = subnet.rsplit_once('.').map(|(p, _)| p).unwrap_or_default();
    assert!(address.starts_with(prefix), "{address} is in {subnet}");
}
