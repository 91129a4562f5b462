//! deploy/k8s: the manifests parse; every container has probes on the health
//! endpoints, resource requests and limits and a locked-down security context;
//! the auth, web and finance services scale on CPU within PostgreSQL's connections;
//! the bot is exactly one replica replaced with Recreate; the migration Job applies
//! the auth migrations, then the finance ones; secrets are referenced, never written in.

use std::collections::BTreeSet;

use deploy_checks::{
    Manifest, applied_manifests, k8s_files, k8s_manifests, kustomization_resources,
};
use serde_json::{Value, json};

use crate::{
    AUTH_REQUIRED, BOT_REQUIRED, FINANCE_REQUIRED, SECRETS, WEB_REQUIRED, auth_settings,
    bot_settings, finance_settings, web_settings,
};

/// The HTTP services: probed on their health endpoints, behind a Service, autoscaled.
const HTTP_SERVICES: &[&str] = &["auth-service", "web-service", "finance-service"];
/// PostgreSQL's default `max_connections`.
const MAX_CONNECTIONS: u64 = 100;

fn find(kind: &str, name: &str) -> Manifest {
    applied_manifests()
        .into_iter()
        .find(|m| m.kind() == kind && m.name() == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in the applied manifests"))
}

/// The pod template of a Deployment or Job.
fn pod_spec(manifest: &Manifest) -> Value {
    manifest.object["spec"]["template"]["spec"].clone()
}

fn containers(manifest: &Manifest) -> Vec<Value> {
    pod_spec(manifest)["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn init_containers(manifest: &Manifest) -> Vec<Value> {
    pod_spec(manifest)["initContainers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The init containers, then the containers.
fn all_containers(manifest: &Manifest) -> Vec<Value> {
    let mut all = init_containers(manifest);
    all.extend(containers(manifest));
    all
}

fn workloads() -> Vec<Manifest> {
    applied_manifests()
        .into_iter()
        .filter(|m| matches!(m.kind(), "Deployment" | "Job" | "StatefulSet" | "DaemonSet"))
        .collect()
}

/// The variables a container gets: its own `env` names and the keys of the
/// ConfigMaps it loads with `envFrom`.
fn container_settings(container: &Value) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = container["env"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["name"].as_str().map(str::to_owned))
        .collect();
    for source in container["envFrom"].as_array().into_iter().flatten() {
        let name = source["configMapRef"]["name"]
            .as_str()
            .expect("envFrom only loads ConfigMaps (secrets are referenced key by key)");
        let config = find("ConfigMap", name);
        names.extend(
            config.object["data"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k.clone()),
        );
    }
    names
}

#[test]
fn every_manifest_parses_and_names_its_kind() {
    let manifests = k8s_manifests();
    assert!(
        manifests.len() >= 8,
        "found only {} objects",
        manifests.len()
    );
    for m in &manifests {
        if m.file == "kustomization.yaml" {
            continue;
        }
        assert!(
            m.object["apiVersion"].as_str().is_some()
                && !m.kind().is_empty()
                && !m.name().is_empty(),
            "{}: every object has apiVersion, kind and metadata.name",
            m.file
        );
    }
}

#[test]
fn the_kustomization_applies_every_manifest_but_the_secret_template() {
    let listed: BTreeSet<String> = kustomization_resources().into_iter().collect();
    let files: BTreeSet<String> = k8s_files()
        .into_iter()
        .filter(|f| f != "kustomization.yaml")
        .collect();
    let expected: BTreeSet<String> = files
        .iter()
        .filter(|f| *f != "secret.example.yaml")
        .cloned()
        .collect();
    assert_eq!(listed, expected, "kustomization.yaml resources");
    assert!(files.contains("secret.example.yaml"));
}

#[test]
fn every_container_has_resource_requests_and_limits() {
    for workload in workloads() {
        for c in all_containers(&workload) {
            for (kind, resource) in [
                ("requests", "cpu"),
                ("requests", "memory"),
                ("limits", "cpu"),
                ("limits", "memory"),
            ] {
                assert!(
                    !c["resources"][kind][resource].is_null(),
                    "{} {}: container {} has no resources.{kind}.{resource}",
                    workload.kind(),
                    workload.name(),
                    c["name"]
                );
            }
        }
    }
}

#[test]
fn every_pod_runs_as_non_root_on_a_read_only_filesystem() {
    for workload in workloads() {
        let spec = pod_spec(&workload);
        let what = format!("{} {}", workload.kind(), workload.name());
        assert_eq!(spec["securityContext"]["runAsNonRoot"], true, "{what}");
        assert!(
            spec["securityContext"]["runAsUser"]
                .as_u64()
                .is_some_and(|u| u > 0),
            "{what}: runAsUser is a non-root number"
        );
        assert_eq!(spec["automountServiceAccountToken"], false, "{what}");
        for c in all_containers(&workload) {
            let sc = &c["securityContext"];
            assert_eq!(sc["readOnlyRootFilesystem"], true, "{what}");
            assert_eq!(sc["allowPrivilegeEscalation"], false, "{what}");
            assert_eq!(sc["capabilities"]["drop"], json!(["ALL"]), "{what}");
        }
    }
}

#[test]
fn the_http_services_are_probed_on_their_health_endpoints() {
    for name in HTTP_SERVICES {
        let deployment = find("Deployment", name);
        let c = &containers(&deployment)[0];
        assert_eq!(
            c["readinessProbe"]["httpGet"]["path"], "/health/ready",
            "{name}"
        );
        assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/health", "{name}");
        // The probes' named port is the container port, which is BIND_ADDR's.
        let port = c["ports"]
            .as_array()
            .and_then(|ports| ports.iter().find(|p| p["name"] == "http"))
            .expect("a port named http");
        assert_eq!(c["readinessProbe"]["httpGet"]["port"], "http");
        assert_eq!(c["livenessProbe"]["httpGet"]["port"], "http");
        let config = find("ConfigMap", name);
        let bind = config.object["data"]["BIND_ADDR"]
            .as_str()
            .unwrap_or_else(|| panic!("ConfigMap {name} sets BIND_ADDR"));
        assert!(
            bind.starts_with("0.0.0.0:"),
            "{name}: listen on all addresses in a pod: {bind}"
        );
        assert_eq!(
            bind.rsplit(':').next().and_then(|p| p.parse::<u64>().ok()),
            port["containerPort"].as_u64(),
            "{name}: BIND_ADDR's port is the container port"
        );
        assert_eq!(
            deployment.object["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"],
            0
        );
    }
    for name in ["auth-service", "finance-service"] {
        let c = &containers(&find("Deployment", name))[0];
        assert_eq!(c["args"], json!(["serve"]), "{name}");
    }
    assert_eq!(
        find("ConfigMap", "auth-service").object["data"]["PUBLIC_WEB_URL"],
        find("ConfigMap", "web-service").object["data"]["PUBLIC_WEB_URL"],
        "links in emails lead to the web pages"
    );
}

#[test]
fn the_http_services_have_a_service_and_scale_on_cpu() {
    for name in HTTP_SERVICES {
        check_service_and_autoscaler(name);
    }
}

#[test]
fn the_services_sharing_postgresql_stay_within_its_connections() {
    // Each replica opens up to its DB_POOL_SIZE; at the autoscalers' maximum, the sum
    // (with a connection to spare for the migration Job) stays under max_connections.
    let mut total = 1;
    let mut users = Vec::new();
    for deployment in applied_manifests()
        .into_iter()
        .filter(|m| m.kind() == "Deployment")
    {
        let name = deployment.name().to_owned();
        let Some(pool) = applied_manifests()
            .into_iter()
            .find(|m| m.kind() == "ConfigMap" && m.name() == name)
            .and_then(|c| c.object["data"]["DB_POOL_SIZE"].as_str().map(str::to_owned))
        else {
            continue;
        };
        let pool: u64 = pool.parse().expect("a numeric DB_POOL_SIZE");
        let replicas = applied_manifests()
            .into_iter()
            .find(|m| m.kind() == "HorizontalPodAutoscaler" && m.name() == name)
            .and_then(|hpa| hpa.object["spec"]["maxReplicas"].as_u64())
            .or_else(|| deployment.object["spec"]["replicas"].as_u64())
            .unwrap_or(1);
        total += replicas * pool;
        users.push(format!("{name}: {replicas} x {pool}"));
    }
    assert!(
        users.len() >= 2,
        "auth-service and finance-service: {users:?}"
    );
    assert!(
        total < MAX_CONNECTIONS,
        "{users:?} (+1 for the Job) = {total} connections, past PostgreSQL's {MAX_CONNECTIONS}"
    );
}

fn check_service_and_autoscaler(name: &str) {
    let deployment = find("Deployment", name);
    let labels = &deployment.object["spec"]["template"]["metadata"]["labels"];
    let service = find("Service", name);
    for (key, value) in service.object["spec"]["selector"]
        .as_object()
        .expect("selector")
    {
        assert_eq!(&labels[key], value, "the Service {name} selects its pods");
    }
    assert_eq!(service.object["spec"]["ports"][0]["targetPort"], "http");

    let hpa = find("HorizontalPodAutoscaler", name);
    assert_eq!(hpa.object["apiVersion"], "autoscaling/v2");
    let target = &hpa.object["spec"]["scaleTargetRef"];
    assert_eq!(
        (target["kind"].as_str(), target["name"].as_str()),
        (Some("Deployment"), Some(name))
    );
    assert!(
        hpa.object["spec"]["minReplicas"]
            .as_u64()
            .is_some_and(|n| n >= 2)
    );
    let metrics = hpa.object["spec"]["metrics"].as_array().expect("metrics");
    assert!(
        metrics.iter().any(|m| m["resource"]["name"] == "cpu"),
        "scales on CPU"
    );
}

#[test]
fn the_bot_is_one_replica_replaced_with_recreate_and_never_autoscaled() {
    let deployment = find("Deployment", "bot-service");
    assert_eq!(deployment.object["spec"]["replicas"], 1);
    assert_eq!(deployment.object["spec"]["strategy"]["type"], "Recreate");
    let c = &containers(&deployment)[0];
    let command: Vec<&str> = c["livenessProbe"]["exec"]["command"]
        .as_array()
        .expect("an exec liveness probe")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(command.len(), 2, "{command:?}");
    assert!(
        command[0].ends_with("bot-service") && command[1] == "healthcheck",
        "{command:?}"
    );
    for m in applied_manifests() {
        if m.kind() == "HorizontalPodAutoscaler" {
            assert_ne!(m.object["spec"]["scaleTargetRef"]["name"], "bot-service");
        }
    }
    assert!(
        !applied_manifests()
            .iter()
            .any(|m| m.kind() == "Service" && m.name() == "bot-service"),
        "the bot serves no port"
    );
}

#[test]
fn the_migration_job_applies_the_auth_migrations_then_the_finance_ones() {
    let job = find("Job", "migrate");
    let spec = pod_spec(&job);
    assert_eq!(spec["restartPolicy"], "Never");
    // Init containers run one at a time, to completion, before the containers: the
    // auth migrations (whose user_merges table the finance service reads) come first.
    let init = init_containers(&job);
    let main = containers(&job);
    assert_eq!(
        (init.len(), main.len()),
        (1, 1),
        "one init container, one container"
    );
    for (c, service) in [(&init[0], "auth-service"), (&main[0], "finance-service")] {
        assert_eq!(c["args"], json!(["migrate"]), "{service}");
        let deployed = &containers(&find("Deployment", service))[0];
        assert_eq!(
            c["image"], deployed["image"],
            "the Job migrates with the {service} image it deploys"
        );
    }
}

#[test]
fn the_finance_service_uses_the_auth_services_database_redis_key_and_prefix() {
    let data = |name: &str| find("ConfigMap", name).object["data"].clone();
    let finance = data("finance-service");
    assert_eq!(finance["AUTH_SERVICE_URL"], "http://auth-service:8000");
    assert_eq!(
        finance["PUBLIC_WEB_URL"],
        data("web-service")["PUBLIC_WEB_URL"],
        "invite links lead to the web pages"
    );
    // The auth service's REDIS_KEY_PREFIX, its default auth: when unset.
    let auth_prefix = data("auth-service")["REDIS_KEY_PREFIX"]
        .as_str()
        .unwrap_or("auth:")
        .to_owned();
    assert_eq!(finance["AUTH_REDIS_KEY_PREFIX"], auth_prefix);
    // The same Secret keys as the auth service's.
    let secret_keys = |kind: &str, name: &str| -> Vec<(String, Value)> {
        containers(&find(kind, name))[0]["env"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| {
                ["DATABASE_URL", "REDIS_URL", "JWT_SECRET"]
                    .contains(&e["name"].as_str().unwrap_or_default())
            })
            .map(|e| {
                (
                    e["name"].as_str().unwrap_or_default().to_owned(),
                    e["valueFrom"].clone(),
                )
            })
            .collect()
    };
    let auth = secret_keys("Deployment", "auth-service");
    assert_eq!(auth.len(), 3);
    assert_eq!(secret_keys("Deployment", "finance-service"), auth);
    // The bot and the web pages reach the finance Service on its port.
    let port = find("Service", "finance-service").object["spec"]["ports"][0]["port"].clone();
    for client in ["bot-service", "web-service"] {
        assert_eq!(
            data(client)["FINANCE_SERVICE_URL"],
            format!("http://finance-service:{port}"),
            "{client}"
        );
    }
}

#[test]
fn every_image_deployed_is_set_by_the_kustomization() {
    let kustomization = k8s_manifests()
        .into_iter()
        .find(|m| m.file == "kustomization.yaml")
        .expect("kustomization.yaml");
    let listed: BTreeSet<&str> = kustomization.object["images"]
        .as_array()
        .expect("images")
        .iter()
        .filter_map(|i| i["name"].as_str())
        .collect();
    for workload in workloads() {
        for c in all_containers(&workload) {
            let image = c["image"].as_str().unwrap_or_default();
            let name = image.split(':').next().unwrap_or_default();
            assert!(
                listed.contains(name),
                "{}: {image} is not in kustomization.yaml's images (kustomize edit set image)",
                workload.name()
            );
        }
    }
}

#[test]
fn each_container_gets_its_required_settings_and_only_known_ones() {
    let job = find("Job", "migrate");
    for (what, container, reads, required) in [
        (
            "Deployment auth-service",
            containers(&find("Deployment", "auth-service"))[0].clone(),
            auth_settings(),
            AUTH_REQUIRED,
        ),
        (
            "Job migrate, auth-migrate",
            init_containers(&job)[0].clone(),
            auth_settings(),
            AUTH_REQUIRED,
        ),
        (
            "Deployment finance-service",
            containers(&find("Deployment", "finance-service"))[0].clone(),
            finance_settings(),
            FINANCE_REQUIRED,
        ),
        (
            "Job migrate, finance-migrate",
            containers(&job)[0].clone(),
            finance_settings(),
            FINANCE_REQUIRED,
        ),
        (
            "Deployment bot-service",
            containers(&find("Deployment", "bot-service"))[0].clone(),
            bot_settings(),
            BOT_REQUIRED,
        ),
        (
            "Deployment web-service",
            containers(&find("Deployment", "web-service"))[0].clone(),
            web_settings(),
            WEB_REQUIRED,
        ),
    ] {
        let given = container_settings(&container);
        for var in required {
            assert!(given.contains(*var), "{what} is not given {var}");
        }
        let unknown: Vec<&String> = given.difference(&reads).collect();
        assert!(
            unknown.is_empty(),
            "{what} is given {unknown:?}, which it does not read"
        );
    }
}

#[test]
fn secrets_are_referenced_never_written_into_applied_manifests() {
    let applied = applied_manifests();
    assert!(
        !applied.iter().any(|m| m.kind() == "Secret"),
        "no Secret is applied from git"
    );
    for m in &applied {
        if m.kind() == "ConfigMap" {
            for key in m.object["data"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k)
            {
                assert!(
                    !SECRETS.contains(&key.as_str()),
                    "ConfigMap {} holds {key}",
                    m.name()
                );
            }
        }
    }
    let template = k8s_manifests()
        .into_iter()
        .find(|m| m.file == "secret.example.yaml")
        .expect("secret.example.yaml");
    let template_keys: BTreeSet<&str> = template.object["stringData"]
        .as_object()
        .expect("stringData")
        .keys()
        .map(String::as_str)
        .collect();
    for workload in workloads() {
        for c in all_containers(&workload) {
            for env in c["env"].as_array().into_iter().flatten() {
                let name = env["name"].as_str().unwrap_or_default();
                if SECRETS.contains(&name) {
                    assert!(
                        env["value"].is_null(),
                        "{}: {name} is written inline",
                        workload.name()
                    );
                    let reference = &env["valueFrom"]["secretKeyRef"];
                    assert_eq!(
                        reference["name"],
                        "finance-bot",
                        "{}: {name}",
                        workload.name()
                    );
                    let key = reference["key"].as_str().unwrap_or_default();
                    assert!(
                        template_keys.contains(key),
                        "secret.example.yaml lacks {key}"
                    );
                }
            }
        }
    }
    // Applied as it stands, the template must not give a working key: the services
    // refuse secrets under 32 bytes and malformed bot tokens at start.
    for key in [
        "JWT_SECRET",
        "BOT_HMAC_SECRET",
        "TELEGRAM_BOT_TOKEN",
        "BOT_STORE_KEY",
    ] {
        let value = template.object["stringData"][key]
            .as_str()
            .unwrap_or_default();
        assert!(
            value.len() < 32 && !value.contains(':'),
            "{key} placeholder is refused at start"
        );
    }
}

#[test]
fn the_namespace_enforces_the_restricted_pod_security_standard() {
    let namespace = find("Namespace", "finance-bot");
    assert_eq!(
        namespace.object["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "restricted"
    );
    let kustomization = k8s_manifests()
        .into_iter()
        .find(|m| m.file == "kustomization.yaml")
        .expect("kustomization.yaml");
    assert_eq!(kustomization.object["namespace"], "finance-bot");
}

#[test]
fn the_auth_service_believes_the_pods_that_forward_to_it() {
    let config = find("ConfigMap", "auth-service");
    let trusted = config.object["data"]["TRUSTED_PROXIES"]
        .as_str()
        .unwrap_or_default();
    assert!(
        !trusted.trim().is_empty(),
        "TRUSTED_PROXIES must cover the web-service pods, or every browser shares one rate limit"
    );
}

#[test]
fn metrics_have_their_own_port_outside_the_services_and_are_announced() {
    for name in [
        "auth-service",
        "bot-service",
        "web-service",
        "finance-service",
    ] {
        let config = find("ConfigMap", name);
        let bind = config.object["data"]["METRICS_BIND_ADDR"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: METRICS_BIND_ADDR in its ConfigMap"));
        let (host, port) = bind.rsplit_once(':').expect("METRICS_BIND_ADDR has a port");
        assert_eq!(
            host, "0.0.0.0",
            "{name}: Prometheus reaches the pod from outside it"
        );
        let port: u64 = port.parse().expect("a numeric port");
        let deployment = find("Deployment", name);
        let c = &containers(&deployment)[0];
        let ports = c["ports"].as_array().expect("ports");
        assert!(
            ports
                .iter()
                .any(|p| p["name"] == "metrics" && p["containerPort"] == port),
            "{name}: the pod declares the metrics port {port}"
        );
        let annotations = &deployment.object["spec"]["template"]["metadata"]["annotations"];
        assert_eq!(annotations["prometheus.io/scrape"], "true", "{name}");
        assert_eq!(
            annotations["prometheus.io/port"],
            port.to_string(),
            "{name}"
        );
        assert_eq!(annotations["prometheus.io/path"], "/metrics", "{name}");
        // The bot has no Service; the others keep metrics off theirs.
        let services: Vec<Manifest> = k8s_manifests()
            .into_iter()
            .filter(|m| m.kind() == "Service" && m.name() == name)
            .collect();
        for service in services {
            for p in service.object["spec"]["ports"].as_array().expect("ports") {
                assert_ne!(
                    p["targetPort"], "metrics",
                    "{name}: metrics stay off the Service"
                );
                assert_ne!(
                    p["targetPort"].as_u64(),
                    Some(port),
                    "{name}: metrics stay off the Service"
                );
            }
        }
    }
}
