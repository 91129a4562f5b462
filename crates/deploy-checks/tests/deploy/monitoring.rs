//! Monitoring: the Prometheus scrape config, the Grafana dashboard and its
//! provisioning agree with the services (the metrics their code records, the
//! ports their METRICS_BIND_ADDR gives) and with docker-compose.yml's
//! `monitoring` profile.

use std::collections::{BTreeMap, BTreeSet};

use deploy_checks::{
    MetricKind, compose, metrics_in_code, promql_metric_names, read, yaml_documents,
};
use serde_json::Value;

const DASHBOARD: &str = "deploy/monitoring/grafana/dashboards/finance-bot.json";
const PROMETHEUS: &str = "deploy/monitoring/prometheus.yml";
const DATASOURCES: &str = "deploy/monitoring/grafana/provisioning/datasources/prometheus.yml";
const DASHBOARD_PROVIDERS: &str =
    "deploy/monitoring/grafana/provisioning/dashboards/finance-bot.yml";
/// Series Prometheus makes itself for every target.
const PROMETHEUS_OWN: &[&str] = &["up"];
/// The services that serve /metrics: those whose config reads METRICS_BIND_ADDR.
const METRICS_SERVICES: &[&str] = &[
    "auth-service",
    "bot-service",
    "web-service",
    "finance-service",
];

fn yaml(path: &str) -> Value {
    let mut documents = yaml_documents(&read(path), path);
    assert_eq!(documents.len(), 1, "{path}: one YAML document");
    documents.remove(0)
}

fn dashboard() -> Value {
    serde_json::from_str(&read(DASHBOARD)).unwrap_or_else(|err| panic!("{DASHBOARD}: {err}"))
}

/// Every panel, those inside collapsed rows included.
fn panels(dashboard: &Value) -> Vec<Value> {
    let mut all = Vec::new();
    for panel in dashboard["panels"].as_array().expect("panels") {
        all.push(panel.clone());
        if let Some(inner) = panel["panels"].as_array() {
            all.extend(inner.iter().cloned());
        }
    }
    all
}

/// Each query of the dashboard, with the title of its panel.
fn queries() -> Vec<(String, String)> {
    panels(&dashboard())
        .iter()
        .flat_map(|panel| {
            let title = panel["title"].as_str().unwrap_or_default().to_owned();
            panel["targets"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter_map(move |t| Some((title.clone(), t["expr"].as_str()?.to_owned())))
        })
        .collect()
}

/// The series each metric of the code is exported as.
fn exported_series() -> BTreeMap<String, String> {
    let mut series = BTreeMap::new();
    for (name, kind) in metrics_in_code() {
        if kind == MetricKind::Histogram {
            for suffix in ["_bucket", "_sum", "_count"] {
                series.insert(format!("{name}{suffix}"), name.clone());
            }
        } else {
            series.insert(name.clone(), name);
        }
    }
    series
}

/// `host:port` of each scrape target, by job.
fn scrape_targets() -> Vec<(String, String)> {
    let config = yaml(PROMETHEUS);
    let mut targets = Vec::new();
    for job in config["scrape_configs"].as_array().expect("scrape_configs") {
        let name = job["job_name"].as_str().expect("job_name").to_owned();
        let path = job["metrics_path"].as_str().unwrap_or("/metrics");
        assert_eq!(path, "/metrics", "{name}: the services serve /metrics");
        for group in job["static_configs"].as_array().expect("static_configs") {
            for target in group["targets"].as_array().expect("targets") {
                targets.push((name.clone(), target.as_str().expect("a target").to_owned()));
            }
        }
    }
    targets
}

#[test]
fn the_code_records_the_metrics_the_docs_promise() {
    let found = metrics_in_code();
    for name in [
        "http_requests_total",
        "http_request_duration_seconds",
        "auth_bcrypt_duration_seconds",
        "dependency_unavailable_total",
        "pool_connections",
        "bot_updates_handled_total",
        "web_upstream_requests_total",
    ] {
        assert!(
            found.contains_key(name),
            "no service records {name}: {found:?}"
        );
    }
    assert_eq!(
        found["http_request_duration_seconds"],
        MetricKind::Histogram
    );
}

#[test]
fn the_dashboard_is_valid_with_unique_panel_ids_on_the_provisioned_data_source() {
    let dashboard = dashboard();
    assert_eq!(dashboard["uid"], "finance-bot");
    let datasource = yaml(DATASOURCES);
    let uid = datasource["datasources"][0]["uid"]
        .as_str()
        .expect("the data source has a uid");
    let mut ids = BTreeSet::new();
    for panel in panels(&dashboard) {
        let title = panel["title"].as_str().unwrap_or_default();
        let id = panel["id"]
            .as_u64()
            .unwrap_or_else(|| panic!("{title}: no numeric id"));
        assert!(ids.insert(id), "panel id {id} is used twice ({title})");
        assert!(!title.is_empty(), "panel {id} has no title");
        for field in ["h", "w", "x", "y"] {
            assert!(panel["gridPos"][field].is_u64(), "{title}: gridPos.{field}");
        }
        if panel["type"] == "row" {
            continue;
        }
        assert_eq!(
            panel["datasource"]["uid"], uid,
            "{title}: the provisioned data source"
        );
        let targets = panel["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "{title}: no query");
        let mut refs = BTreeSet::new();
        for target in targets {
            assert!(
                target["expr"]
                    .as_str()
                    .is_some_and(|e| !e.trim().is_empty()),
                "{title}: an empty query"
            );
            assert!(
                refs.insert(target["refId"].to_string()),
                "{title}: refId twice"
            );
        }
    }
    assert!(ids.len() >= 10, "a dashboard of {} panels", ids.len());
}

#[test]
fn every_metric_the_dashboard_queries_is_recorded_by_a_service() {
    let exported = exported_series();
    for (title, expr) in queries() {
        let names = promql_metric_names(&expr);
        assert!(!names.is_empty(), "{title}: no metric in {expr}");
        for name in names {
            assert!(
                exported.contains_key(&name) || PROMETHEUS_OWN.contains(&name.as_str()),
                "{title}: {name} is recorded by no service (query: {expr})"
            );
        }
    }
}

#[test]
fn every_metric_of_the_services_is_on_the_dashboard_and_explained_in_the_guide() {
    let exported = exported_series();
    let on_dashboard: BTreeSet<String> = queries()
        .iter()
        .flat_map(|(_, expr)| promql_metric_names(expr))
        .filter_map(|series| exported.get(&series).cloned())
        .collect();
    let guide = read("docs/operations.md");
    for name in metrics_in_code().keys() {
        assert!(
            on_dashboard.contains(name),
            "{name} is on no panel of {DASHBOARD}"
        );
        assert!(
            guide.contains(&format!("`{name}")),
            "docs/operations.md does not explain {name}"
        );
    }
}

#[test]
fn the_finance_service_has_panels_of_its_own() {
    // Its requests, latency, errors, dependency failures and pools, each query reading
    // the finance service's series only (the job Prometheus scrapes it as).
    let dashboard = dashboard();
    let all = panels(&dashboard);
    let row = all
        .iter()
        .position(|p| p["type"] == "row" && p["title"] == "Finance service")
        .expect("a row titled Finance service");
    let row_y = all[row]["gridPos"]["y"].as_u64().unwrap_or_default();
    let next_row_y = all
        .iter()
        .filter(|p| p["type"] == "row")
        .filter_map(|p| p["gridPos"]["y"].as_u64())
        .filter(|y| *y > row_y)
        .min()
        .unwrap_or(u64::MAX);
    let inside: Vec<&Value> = all
        .iter()
        .filter(|p| p["type"] != "row")
        .filter(|p| {
            p["gridPos"]["y"]
                .as_u64()
                .is_some_and(|y| y > row_y && y < next_row_y)
        })
        .collect();
    let exprs: Vec<String> = inside
        .iter()
        .flat_map(|p| p["targets"].as_array().cloned().unwrap_or_default())
        .filter_map(|t| t["expr"].as_str().map(str::to_owned))
        .collect();
    assert!(!exprs.is_empty(), "the Finance service row has no panel");
    for expr in &exprs {
        assert!(
            expr.contains(r#"job="finance-service""#),
            "a Finance service panel reads other services' series too: {expr}"
        );
    }
    let read: BTreeSet<String> = exprs.iter().flat_map(|e| promql_metric_names(e)).collect();
    for metric in [
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "dependency_unavailable_total",
        "pool_connections",
        "pool_waiting",
    ] {
        assert!(
            read.contains(metric),
            "no Finance service panel reads {metric}"
        );
    }
    assert!(
        exprs.iter().any(|e| e.contains(r#"status=~"5..""#)),
        "no Finance service panel shows its 5xx answers"
    );
}

#[test]
fn every_scrape_target_is_a_compose_service_serving_metrics_on_that_port_unpublished() {
    let compose = compose();
    let mut scraped = BTreeSet::new();
    for (job, target) in scrape_targets() {
        let (host, port) = target
            .rsplit_once(':')
            .unwrap_or_else(|| panic!("{job}: {target} needs host:port"));
        let service = &compose["services"][host];
        assert!(
            service.is_object(),
            "{job}: {host} is not a compose service"
        );
        assert_eq!(
            job, host,
            "the job is named after its service (the dashboard's job label)"
        );
        assert_eq!(
            service["environment"]["METRICS_BIND_ADDR"],
            format!("0.0.0.0:{port}"),
            "{host} serves its metrics on port {port} to the compose network"
        );
        for published in service["ports"].as_array().cloned().unwrap_or_default() {
            let published = published.as_str().unwrap_or_default().to_owned();
            assert!(
                !published.ends_with(&format!(":{port}")),
                "{host} publishes its metrics port: {published}"
            );
        }
        scraped.insert(host.to_owned());
    }
    for name in METRICS_SERVICES {
        assert!(
            crate::settings_for(name).contains("METRICS_BIND_ADDR"),
            "{name} does not read METRICS_BIND_ADDR"
        );
        assert!(
            scraped.contains(*name),
            "{PROMETHEUS} does not scrape {name}"
        );
    }
}

#[test]
fn prometheus_and_grafana_run_only_in_the_monitoring_profile_with_pinned_images() {
    let compose = compose();
    for name in ["prometheus", "grafana"] {
        let service = &compose["services"][name];
        assert_eq!(
            service["profiles"],
            serde_json::json!(["monitoring"]),
            "{name}: only with --profile monitoring"
        );
        let image = service["image"].as_str().expect("image");
        let tag = image.rsplit_once(':').map(|(_, t)| t).unwrap_or_default();
        assert!(
            !tag.is_empty() && tag != "latest" && tag.chars().any(|c| c.is_ascii_digit()),
            "{name}: pin the image's version, not {image}"
        );
        for port in service["ports"].as_array().expect("ports") {
            let port = port.as_str().unwrap_or_default();
            assert!(
                port.starts_with("127.0.0.1:"),
                "{name}: {port} is for this machine only"
            );
        }
    }
    // Every other service runs without the profile.
    for (name, service) in compose["services"].as_object().expect("services") {
        if !["prometheus", "grafana"].contains(&name.as_str()) {
            assert!(service["profiles"].is_null(), "{name} is behind a profile");
        }
    }
}

#[test]
fn grafana_loads_the_data_source_and_dashboard_it_is_given() {
    let compose = compose();
    let grafana = &compose["services"]["grafana"];
    let mounts: BTreeMap<String, String> = grafana["volumes"]
        .as_array()
        .expect("volumes")
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|v| {
            let mut parts = v.split(':');
            Some((parts.next()?.to_owned(), parts.next()?.to_owned()))
        })
        .collect();
    let dashboards_dir = &mounts["./deploy/monitoring/grafana/dashboards"];
    assert_eq!(
        mounts["./deploy/monitoring/grafana/provisioning"],
        "/etc/grafana/provisioning"
    );
    let providers = yaml(DASHBOARD_PROVIDERS);
    assert_eq!(
        providers["providers"][0]["options"]["path"].as_str(),
        Some(dashboards_dir.as_str()),
        "the provider reads where the dashboards are mounted"
    );
    assert_eq!(
        grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"],
        format!("{dashboards_dir}/finance-bot.json"),
        "the dashboard opens without a click"
    );
    let datasource = yaml(DATASOURCES);
    let url = datasource["datasources"][0]["url"].as_str().expect("url");
    let prometheus = &compose["services"]["prometheus"];
    assert_eq!(url, "http://prometheus:9090");
    assert!(prometheus.is_object());
    assert!(
        prometheus["volumes"]
            .as_array()
            .expect("volumes")
            .iter()
            .any(|v| v == "./deploy/monitoring/prometheus.yml:/etc/prometheus/prometheus.yml:ro"),
        "prometheus reads {PROMETHEUS}"
    );
}
