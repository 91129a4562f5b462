//! deploy/*.Dockerfile, checked for what hadolint cannot know (scripts/check-deploy
//! runs hadolint itself): multi-stage with the dependencies cached in their own
//! layer, a small runtime stage holding the binary only, a non-root user, and a
//! HEALTHCHECK through the binary's own `healthcheck` subcommand.

use deploy_checks::{Instruction, dockerfile, read};

use crate::has_healthcheck_subcommand;

const SERVICES: &[&str] = &[
    "auth-service",
    "bot-service",
    "web-service",
    "finance-service",
];

fn final_stage(instructions: &[Instruction]) -> Vec<&Instruction> {
    let last = instructions.iter().map(|i| i.stage).max().unwrap_or(0);
    instructions
        .iter()
        .filter(|i| i.stage == last && !(i.keyword == "ARG" && i.stage == 0 && last == 0))
        .collect()
}

fn args_of<'a>(instructions: &[&'a Instruction], keyword: &str) -> Vec<&'a str> {
    instructions
        .iter()
        .filter(|i| i.keyword == keyword)
        .map(|i| i.args.as_str())
        .collect()
}

#[test]
fn images_are_built_in_stages_with_the_dependencies_cached_first() {
    for service in SERVICES {
        let path = format!("deploy/{service}.Dockerfile");
        let instructions = dockerfile(&path);
        let froms: Vec<&str> = instructions
            .iter()
            .filter(|i| i.keyword == "FROM")
            .map(|i| i.args.as_str())
            .collect();
        assert!(froms.len() >= 2, "{path}: multi-stage, got {froms:?}");
        assert!(
            froms[0].starts_with("rust:"),
            "{path}: built with the official Rust image"
        );
        // The dependencies are cooked before the sources are copied in.
        let position = |needle: &str| {
            instructions
                .iter()
                .position(|i| i.keyword == "RUN" && i.args.contains(needle))
                .unwrap_or_else(|| panic!("{path}: no RUN with {needle:?}"))
        };
        let cook = position("cargo chef cook");
        let build = position("cargo build");
        let copy_all = instructions
            .iter()
            .enumerate()
            .filter(|(_, i)| i.keyword == "COPY" && i.args == ". .")
            .map(|(n, _)| n)
            .filter(|n| *n > cook)
            .min()
            .unwrap_or_else(|| panic!("{path}: the sources are copied after cooking"));
        assert!(
            cook < copy_all && copy_all < build,
            "{path}: cook, then copy, then build"
        );
        for (what, needle) in [("cook", "cargo chef cook"), ("build", "cargo build")] {
            let args = &instructions[position(needle)].args;
            assert!(
                args.contains("--release") && args.contains("--locked"),
                "{path}: {what} {args}"
            );
            assert!(
                args.contains(&format!("--package {service}")),
                "{path}: {what} only {service}"
            );
        }
    }
}

#[test]
fn the_runtime_stage_holds_the_binary_only_and_runs_it_as_non_root() {
    for service in SERVICES {
        let path = format!("deploy/{service}.Dockerfile");
        let instructions = dockerfile(&path);
        let last = final_stage(&instructions);
        let from = args_of(&last, "FROM")[0];
        assert!(
            from.starts_with("gcr.io/distroless/cc-debian12")
                || from.starts_with("debian:bookworm-slim"),
            "{path}: a small glibc runtime (with CA certificates), got {from}"
        );
        let copies = args_of(&last, "COPY");
        let binary = format!("/usr/local/bin/{service}");
        assert_eq!(
            copies.len(),
            1,
            "{path}: the runtime copies one thing: {copies:?}"
        );
        assert!(
            copies[0].starts_with("--from=") && copies[0].ends_with(&binary),
            "{path}: {copies:?}"
        );
        assert!(
            args_of(&last, "RUN").is_empty(),
            "{path}: nothing runs in the runtime stage"
        );
        let user = args_of(&last, "USER");
        assert_eq!(user.len(), 1, "{path}: one USER");
        let uid = user[0].split(':').next().unwrap_or_default();
        assert!(
            uid.parse::<u32>().is_ok_and(|uid| uid != 0),
            "{path}: a numeric non-root USER (Kubernetes checks runAsNonRoot by number), got {}",
            user[0]
        );
        let entrypoint = args_of(&last, "ENTRYPOINT");
        assert_eq!(entrypoint, [format!("[\"{binary}\"]").as_str()], "{path}");
    }
}

#[test]
fn the_healthcheck_is_the_binarys_own_subcommand() {
    for service in SERVICES {
        let path = format!("deploy/{service}.Dockerfile");
        let instructions = dockerfile(&path);
        let last = final_stage(&instructions);
        let checks = args_of(&last, "HEALTHCHECK");
        if !has_healthcheck_subcommand(service) {
            // No curl in the image: without the subcommand there is nothing to probe with.
            assert!(
                checks.is_empty(),
                "{path}: HEALTHCHECK with no healthcheck subcommand"
            );
            continue;
        }
        assert_eq!(checks.len(), 1, "{path}: one HEALTHCHECK");
        let expected = format!("CMD [\"/usr/local/bin/{service}\", \"healthcheck\"]");
        assert!(checks[0].ends_with(&expected), "{path}: {}", checks[0]);
        assert!(checks[0].contains("--timeout="), "{path}: a timeout");
    }
    for service in ["auth-service", "bot-service", "finance-service"] {
        assert!(has_healthcheck_subcommand(service), "{service}");
    }
}

#[test]
fn the_build_context_sends_only_what_the_build_needs() {
    let ignore = read(".dockerignore");
    let lines: Vec<&str> = ignore
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(
        lines.first(),
        Some(&"*"),
        "everything is excluded, then allowed back"
    );
    for needed in ["!Cargo.toml", "!Cargo.lock", "!crates/", "!migrations/"] {
        assert!(
            lines.contains(&needed),
            ".dockerignore lets {needed} through"
        );
    }
    assert!(
        lines.contains(&"**/target/"),
        "build output never enters the context"
    );
    // The migrations are embedded from this folder at build time.
    for (service, folder) in [("auth-service", "auth"), ("finance-service", "finance")] {
        let db = read(&format!("crates/{service}/src/db/mod.rs"));
        assert!(
            db.contains(&format!("embed_migrations!(\"../../migrations/{folder}\")")),
            "{service} embeds migrations/{folder}"
        );
    }
}
