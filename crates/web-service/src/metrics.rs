//! Prometheus metrics of the web service, on the convention every service
//! shares (`service_kit::metrics`; served on `METRICS_BIND_ADDR`, default
//! `127.0.0.1:9466`):
//!
//! - `http_requests_total{method,route,status}`, `http_request_duration_seconds`
//!   and `http_requests_in_flight`, from the shared middleware: each page is
//!   its own route, every proxied call `/api/v1/auth/{path:.*}`;
//! - `web_upstream_requests_total{upstream,outcome}` and
//!   `web_upstream_duration_seconds{upstream}`: the proxy's calls to the auth
//!   service, by status class (`2xx` … `5xx`) or `timeout`, `unreachable`
//!   (no connection), `broken` (the answer broke off);
//! - `web_upstream_up{upstream}`: 1 when the last readiness check found the
//!   auth service ready, else 0.

use std::time::Duration;

/// The auth service.
pub const AUTH: &str = "auth";
/// The finance service.
pub const FINANCE: &str = "finance";

/// The `# HELP` lines.
pub fn describe() {
    service_kit::metrics::actix::describe();
    metrics::describe_counter!(
        "web_upstream_requests_total",
        "Proxied calls to an upstream service, by outcome (status class, timeout, unreachable, broken)"
    );
    metrics::describe_histogram!(
        "web_upstream_duration_seconds",
        metrics::Unit::Seconds,
        "Time of one proxied call, until the whole answer was read"
    );
    metrics::describe_gauge!(
        "web_upstream_up",
        "1 when the upstream answered ready at the last /health/ready, else 0"
    );
}

/// One proxied call to `upstream` ended with `outcome` after `took`.
pub fn upstream_call(upstream: &'static str, outcome: &'static str, took: Duration) {
    metrics::counter!("web_upstream_requests_total", "upstream" => upstream, "outcome" => outcome)
        .increment(1);
    metrics::histogram!("web_upstream_duration_seconds", "upstream" => upstream)
        .record(took.as_secs_f64());
}

/// The `outcome` of a call that got no answer.
pub fn failure(err: &reqwest::Error) -> &'static str {
    if err.is_timeout() {
        "timeout"
    } else if err.is_connect() {
        "unreachable"
    } else {
        "broken"
    }
}

pub fn upstream_ready(upstream: &'static str, ready: bool) {
    metrics::gauge!("web_upstream_up", "upstream" => upstream).set(if ready { 1.0 } else { 0.0 });
}
