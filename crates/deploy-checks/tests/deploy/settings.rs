//! `.env.example` and docs/operations.md document every setting the services read,
//! and nothing else; the example holds no secret.

use std::collections::BTreeSet;

use deploy_checks::{env_example, interpolated_variables, read};

use crate::{auth_settings, bot_settings, finance_settings, web_settings};

fn all_settings() -> BTreeSet<String> {
    let mut all = auth_settings();
    all.extend(bot_settings());
    all.extend(web_settings());
    all.extend(finance_settings());
    all
}

#[test]
fn the_env_example_documents_every_setting_and_only_real_ones() {
    let documented: BTreeSet<String> = env_example().into_iter().map(|e| e.name).collect();
    let all = all_settings();
    let missing: Vec<&String> = all.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        ".env.example does not document {missing:?}"
    );
    let compose_only = interpolated_variables(&read("docker-compose.yml"));
    let stale: Vec<&String> = documented
        .iter()
        .filter(|name| !all.contains(*name) && !compose_only.contains(*name))
        .collect();
    assert!(
        stale.is_empty(),
        ".env.example documents {stale:?}, which nothing reads"
    );
}

#[test]
fn the_env_example_holds_no_secret() {
    for entry in env_example() {
        if matches!(
            entry.name.as_str(),
            "JWT_SECRET"
                | "BOT_HMAC_SECRET"
                | "TELEGRAM_BOT_TOKEN"
                | "BOT_STORE_KEY"
                | "POSTGRES_PASSWORD"
        ) {
            assert!(
                !entry.commented,
                "{} is an active line to fill in",
                entry.name
            );
            assert!(
                entry.value.is_empty(),
                "{} has a value in the example",
                entry.name
            );
        }
        if entry.name == "RUST_LOG" && !entry.commented {
            assert!(
                !entry.value.is_empty(),
                "an empty RUST_LOG silences every log line"
            );
        }
    }
}

#[test]
fn the_operations_guide_documents_every_setting() {
    let guide = read("docs/operations.md");
    for name in all_settings() {
        assert!(
            guide.contains(&format!("| `{name}` |")),
            "docs/operations.md has no row for `{name}` in its configuration tables"
        );
    }
}

#[test]
fn the_operations_guide_has_a_table_per_service_with_its_settings() {
    let guide = read("docs/operations.md");
    for service in [
        "auth-service",
        "bot-service",
        "web-service",
        "finance-service",
    ] {
        let heading = format!("\n### {service}\n");
        let start = guide
            .find(&heading)
            .unwrap_or_else(|| panic!("docs/operations.md has no section ### {service}"));
        let rest = &guide[start + heading.len()..];
        let section = &rest[..rest.find("\n#").unwrap_or(rest.len())];
        for name in crate::settings_for(service) {
            assert!(
                section.contains(&format!("| `{name}` |")),
                "docs/operations.md, ### {service}: no row for `{name}`"
            );
        }
    }
}

#[test]
fn the_operations_guide_lists_every_rate_limit_variable() {
    let guide = read("docs/operations.md");
    let source = read("crates/auth-service/src/rate_limit.rs");
    let code = source.split("#[cfg(test)]").next().unwrap_or_default();
    let names: BTreeSet<&str> = code
        .split('"')
        .filter(|s| s.len() > "RATE_LIMIT_".len() && s.starts_with("RATE_LIMIT_"))
        .filter(|s| deploy_checks::is_variable_name(s))
        .collect();
    assert!(names.len() >= 5, "found only {names:?} in rate_limit.rs");
    for name in names {
        assert!(
            guide.contains(&format!("| `{name}` |")),
            "docs/operations.md has no row for `{name}` (Rate limits)"
        );
    }
}
