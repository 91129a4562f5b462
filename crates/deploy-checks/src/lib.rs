//! Static checks of the deployment files, run by `cargo test` without a Docker
//! engine or a cluster: `docker-compose.yml`, `deploy/*.Dockerfile`,
//! `deploy/k8s/*.yaml`, `.env.example` and `docs/operations.md` must parse and
//! agree with each other and with the settings the services really read (their
//! `config.rs`). The checks are the integration tests in `tests/deploy/`; this
//! library only loads the files.
//!
//! Linters that need programs of their own (hadolint, shellcheck,
//! `docker-compose config`, Kubernetes schema validation) run in
//! `scripts/check-deploy`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The repository's top-level folder.
///
/// Taken from `CARGO_MANIFEST_DIR` as cargo sets it when it runs the tests, and only
/// failing that from the value compiled in: one target directory may serve several
/// checkouts of the workspace, and a test binary built in one must read the files
/// of the checkout it runs for.
pub fn repo_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest_dir
        .ancestors()
        .nth(2)
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The text of `path` (relative to the repository root); panics naming the file.
pub fn read(path: &str) -> String {
    let full = repo_root().join(path);
    std::fs::read_to_string(&full)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", full.display()))
}

/// Every document of a YAML text, with merge keys (`<<: *anchor`) applied, as JSON
/// values (so they can be walked with `Value::pointer`). Panics naming `what`.
pub fn yaml_documents(text: &str, what: &str) -> Vec<Value> {
    use serde::Deserialize as _;
    serde_norway::Deserializer::from_str(text)
        .enumerate()
        .filter_map(|(i, document)| {
            let mut yaml = serde_norway::Value::deserialize(document).unwrap_or_else(|err| {
                panic!("{what}: document {} is not valid YAML: {err}", i + 1)
            });
            yaml.apply_merge()
                .unwrap_or_else(|err| panic!("{what}: document {}: {err}", i + 1));
            // An empty document (a file of comments, a trailing `---`) is null.
            (!yaml.is_null()).then(|| {
                serde_json::to_value(&yaml)
                    .unwrap_or_else(|err| panic!("{what}: document {}: {err}", i + 1))
            })
        })
        .collect()
}

/// `docker-compose.yml`, parsed.
pub fn compose() -> Value {
    let mut documents = yaml_documents(&read("docker-compose.yml"), "docker-compose.yml");
    assert_eq!(documents.len(), 1, "docker-compose.yml: one YAML document");
    documents.remove(0)
}

/// One Kubernetes object and the file it came from.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub file: String,
    pub object: Value,
}

impl Manifest {
    pub fn kind(&self) -> &str {
        self.object["kind"].as_str().unwrap_or_default()
    }

    pub fn name(&self) -> &str {
        self.object["metadata"]["name"].as_str().unwrap_or_default()
    }
}

/// The `*.yaml` files in `deploy/k8s/`, sorted.
pub fn k8s_files() -> Vec<String> {
    let dir = repo_root().join("deploy/k8s");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("cannot list {}: {err}", dir.display()))
        .filter_map(|entry| {
            entry
                .ok()
                .map(|e| e.file_name().to_string_lossy().into_owned())
        })
        .filter(|name| name.ends_with(".yaml") || name.ends_with(".yml"))
        .collect();
    files.sort();
    files
}

/// Every object of every file in `deploy/k8s/` (the kustomization and the secret
/// template included; see [`applied_manifests`] for what `kubectl apply -k` applies).
pub fn k8s_manifests() -> Vec<Manifest> {
    k8s_files()
        .into_iter()
        .flat_map(|file| {
            let path = format!("deploy/k8s/{file}");
            yaml_documents(&read(&path), &path)
                .into_iter()
                .map(move |object| Manifest {
                    file: file.clone(),
                    object,
                })
        })
        .collect()
}

/// The files `deploy/k8s/kustomization.yaml` lists as resources.
pub fn kustomization_resources() -> Vec<String> {
    let documents = yaml_documents(
        &read("deploy/k8s/kustomization.yaml"),
        "deploy/k8s/kustomization.yaml",
    );
    documents[0]["resources"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The objects `kubectl apply -k deploy/k8s` applies: those of the listed files.
pub fn applied_manifests() -> Vec<Manifest> {
    let listed = kustomization_resources();
    k8s_manifests()
        .into_iter()
        .filter(|m| listed.contains(&m.file))
        .collect()
}

/// One instruction of a Dockerfile, continuation lines joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Upper case: `FROM`, `RUN`, `COPY`...
    pub keyword: String,
    /// The rest of the instruction, whitespace collapsed.
    pub args: String,
    /// Index of the build stage (the `FROM` it follows), from 0.
    pub stage: usize,
}

/// The instructions of a Dockerfile (comments and parser directives dropped).
pub fn dockerfile(path: &str) -> Vec<Instruction> {
    let text = read(path);
    let mut instructions = Vec::new();
    let mut pending = String::new();
    let mut stage: Option<usize> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (pending.is_empty() && trimmed.is_empty()) {
            continue;
        }
        if let Some(head) = trimmed.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        pending.push_str(trimmed);
        let full = std::mem::take(&mut pending);
        let mut parts = full.splitn(2, char::is_whitespace);
        let keyword = parts.next().unwrap_or_default().to_ascii_uppercase();
        let args = parts
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if keyword == "FROM" {
            stage = Some(stage.map_or(0, |s| s + 1));
        }
        instructions.push(Instruction {
            keyword,
            args,
            stage: stage.unwrap_or(0),
        });
    }
    instructions
}

/// A variable of `.env.example`: its name and whether the line is commented out
/// (documented, with the value Compose or scripts/up give it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvEntry {
    pub name: String,
    pub value: String,
    pub commented: bool,
}

/// The variables `.env.example` documents, in order.
pub fn env_example() -> Vec<EnvEntry> {
    read(".env.example")
        .lines()
        .filter_map(|line| {
            let (commented, rest) = match line.strip_prefix('#') {
                Some(rest) => (true, rest),
                None => (false, line),
            };
            let (name, value) = rest.split_once('=')?;
            is_variable_name(name).then(|| EnvEntry {
                name: name.to_owned(),
                value: value.to_owned(),
                commented,
            })
        })
        .collect()
}

/// `NAME` made of upper-case letters, digits and `_`, starting with a letter.
pub fn is_variable_name(name: &str) -> bool {
    name.len() >= 2
        && name.starts_with(|c: char| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The environment variables a service reads: every string literal of its
/// `src/config.rs` (outside the tests) that is a variable name, plus the two
/// every service reads through service-kit (`RUST_LOG`, `LOG_FORMAT`).
pub fn settings_read_by(service: &str) -> BTreeSet<String> {
    let source = read(&format!("crates/{service}/src/config.rs"));
    let code = source.split("#[cfg(test)]").next().unwrap_or_default();
    let mut names: BTreeSet<String> = string_literals(code)
        .into_iter()
        .filter(|s| is_variable_name(s) && s.contains('_'))
        .collect();
    names.insert("RUST_LOG".to_owned());
    names.insert("LOG_FORMAT".to_owned());
    names
}

/// The contents of the plain `"..."` string literals of some Rust code.
fn string_literals(code: &str) -> Vec<String> {
    let mut literals = Vec::new();
    let mut chars = code.chars();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.clone().next() == Some('/') => {
                // A line comment: skip to the end of the line.
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '\'' => {
                // A char literal such as '"' (or a lifetime): skip `'x'` and `'\x'`.
                let mut ahead = chars.clone();
                match (ahead.next(), ahead.next(), ahead.next()) {
                    (Some('\\'), Some(_), Some('\'')) => {
                        chars.nth(2);
                    }
                    (Some(_), Some('\''), _) => {
                        chars.nth(1);
                    }
                    _ => {}
                }
            }
            '"' => {
                let mut literal = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        c => literal.push(c),
                    }
                }
                literals.push(literal);
            }
            _ => {}
        }
    }
    literals
}

/// The names interpolated in a Compose file: `${NAME}`, `${NAME:-default}`, `${NAME:?error}`.
pub fn interpolated_variables(text: &str) -> BTreeSet<String> {
    text.split("${")
        .skip(1)
        .filter_map(|rest| {
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
            let name = &rest[..end];
            is_variable_name(name).then(|| name.to_owned())
        })
        .collect()
}

/// What a metric is, as its macro says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MetricKind {
    Counter,
    Gauge,
    Histogram,
}

/// The `.rs` files under `dir` (relative to the repository root), recursively, sorted.
pub fn rust_files(dir: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&repo_root().join(dir), &mut files);
    files.sort();
    files
}

/// The metrics the services record: the names given as string literals to the
/// `metrics` crate's `counter!`, `gauge!` and `histogram!` (not `describe_*!`)
/// in every `crates/*/src` outside `#[cfg(test)]`, with their kind.
pub fn metrics_in_code() -> std::collections::BTreeMap<String, MetricKind> {
    let mut found = std::collections::BTreeMap::new();
    for file in rust_files("crates") {
        let path = file.to_string_lossy();
        if !path.contains("/src/") {
            continue;
        }
        let source = std::fs::read_to_string(&file)
            .unwrap_or_else(|err| panic!("cannot read {path}: {err}"));
        let code = source.split("#[cfg(test)]").next().unwrap_or_default();
        for (name, kind) in metric_macros(code) {
            found.insert(name, kind);
        }
    }
    found
}

/// `(name, kind)` of each `counter!("name"`, `gauge!("name"`, `histogram!("name"` in `code`.
fn metric_macros(code: &str) -> Vec<(String, MetricKind)> {
    let mut found = Vec::new();
    for (macro_name, kind) in [
        ("counter!(", MetricKind::Counter),
        ("gauge!(", MetricKind::Gauge),
        ("histogram!(", MetricKind::Histogram),
    ] {
        for (at, _) in code.match_indices(macro_name) {
            if code[..at].ends_with("describe_") {
                continue;
            }
            let rest = code[at + macro_name.len()..].trim_start();
            let Some(literal) = rest.strip_prefix('"') else {
                continue;
            };
            if let Some(end) = literal.find('"') {
                found.push((literal[..end].to_owned(), kind));
            }
        }
    }
    found
}

/// The series names a PromQL expression reads: its identifiers that are neither
/// functions, keywords, label names (inside `{}`, `by ()`, `without ()`, `on ()`,
/// `ignoring ()`, `group_left ()`, `group_right ()`), durations (`[5m]`), strings,
/// numbers nor Grafana variables (`$__rate_interval`).
pub fn promql_metric_names(expr: &str) -> BTreeSet<String> {
    // Keywords besides the label-list ones below.
    const KEYWORDS: &[&str] = &["bool", "and", "or", "unless", "offset", "inf", "nan"];
    const LABEL_LISTS: &[&str] = &[
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
    ];
    let is_keyword = |word: &str| {
        let lower = word.to_ascii_lowercase();
        KEYWORDS.contains(&lower.as_str()) || LABEL_LISTS.contains(&lower.as_str())
    };
    let chars: Vec<char> = expr.chars().collect();
    let mut names = BTreeSet::new();
    let mut i = 0;
    let mut skip_next_parens = false;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' | '\'' | '`' => {
                i += 1;
                while i < chars.len() && chars[i] != c {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            '{' | '[' => {
                let close = if c == '{' { '}' } else { ']' };
                while i < chars.len() && chars[i] != close {
                    i += 1;
                }
                i += 1;
            }
            '(' if skip_next_parens => {
                skip_next_parens = false;
                while i < chars.len() && chars[i] != ')' {
                    i += 1;
                }
                i += 1;
            }
            '$' => {
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
            }
            c if c.is_ascii_alphabetic() || c == '_' || c == ':' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == ':')
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let mut ahead = i;
                while ahead < chars.len() && chars[ahead].is_whitespace() {
                    ahead += 1;
                }
                let next_word: String = chars[ahead..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .collect();
                // `f(...)`, or an aggregation with its grouping first: `sum by (a) (...)`.
                let is_call = chars.get(ahead) == Some(&'(')
                    || ((next_word == "by" || next_word == "without")
                        && !LABEL_LISTS.contains(&word.as_str()));
                if LABEL_LISTS.contains(&word.as_str()) {
                    skip_next_parens = true;
                } else if !is_call && !is_keyword(&word) {
                    names.insert(word);
                }
            }
            c if c.is_ascii_digit() || c == '.' => {
                // A number, possibly with an exponent or a duration unit (`1e9`, `5m`).
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_macros_are_found_with_their_kind_but_not_descriptions() {
        let code = r#"
            metrics::counter!("a_total", "k" => v).increment(1);
            metrics::histogram!(
                "b_seconds"
            ).record(1.0);
            metrics::describe_gauge!("described_only", "text");
            gauge!("c").set(1.0);
            counter!(name_in_a_variable);
        "#;
        let mut found = metric_macros(code);
        found.sort();
        assert_eq!(
            found,
            [
                ("a_total".to_owned(), MetricKind::Counter),
                ("b_seconds".to_owned(), MetricKind::Histogram),
                ("c".to_owned(), MetricKind::Gauge),
            ]
        );
    }

    #[test]
    fn promql_names_leave_out_functions_labels_durations_and_variables() {
        let names = promql_metric_names(
            r#"histogram_quantile(0.99, sum by (job, route, le) (rate(http_request_duration_seconds_bucket{status=~"5..", x="a b"}[$__rate_interval]))) / on (job) group_left (x) up offset 5m + time() - last_ts * 1e3"#,
        );
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(
            names,
            ["http_request_duration_seconds_bucket", "last_ts", "up"]
        );
    }

    #[test]
    fn string_literals_skip_comments_and_char_literals() {
        let code = r#"
            // "NOT_THIS" in a comment
            let a = env.get("DATABASE_URL"); let q = '"'; let e = "esc\"aped";
            let b = "JWT_SECRET";
        "#;
        assert_eq!(
            string_literals(code),
            ["DATABASE_URL", "escaped", "JWT_SECRET"]
        );
    }

    #[test]
    fn interpolations_are_found_with_or_without_defaults() {
        let text = "a: ${A_B:?x}\nb: ${C_D:-}\nc: $${NOT}\nd: ${E}";
        let names: Vec<String> = interpolated_variables(text).into_iter().collect();
        // `$${NOT}` is an escaped dollar in Compose, but a false positive here is harmless.
        assert!(names.contains(&"A_B".to_owned()) && names.contains(&"C_D".to_owned()));
        assert!(
            !names.contains(&"E".to_owned()),
            "single letters are not settings"
        );
    }

    #[test]
    fn dockerfile_instructions_join_continuations_and_count_stages() {
        let dir = std::env::temp_dir().join(format!("deploy-checks-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("Dockerfile");
        std::fs::write(
            &path,
            "# syntax=docker/dockerfile:1\nARG X=1\nFROM a AS b\nRUN one \\\n    two\n\nFROM c\nUSER 1:1\n",
        )
        .expect("write");
        // `read` joins the path onto the repository root, which an absolute path replaces.
        let instructions = dockerfile(&path.to_string_lossy());
        std::fs::remove_dir_all(&dir).ok();
        let summary: Vec<(String, String, usize)> = instructions
            .into_iter()
            .map(|i| (i.keyword, i.args, i.stage))
            .collect();
        assert_eq!(
            summary,
            [
                ("ARG".into(), "X=1".into(), 0),
                ("FROM".into(), "a AS b".into(), 0),
                ("RUN".into(), "one two".into(), 0),
                ("FROM".into(), "c".into(), 1),
                ("USER".into(), "1:1".into(), 1),
            ]
        );
    }
}
