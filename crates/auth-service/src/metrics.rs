//! Prometheus metrics of the auth service, on the convention every service
//! shares (`service_kit::metrics`): requests by route template and status,
//! latencies and requests in flight (the shared actix middleware), and the
//! service's own events, recorded where they happen — sessions opened
//! (`sessions.rs`), refreshes and reuse detections (`state.rs`), rate-limit
//! refusals (`rate_limit.rs`), the bcrypt queue and time (`passwords.rs`),
//! dependency failures (`service_kit::problem`) and the pools (read at each scrape).
//!
//! `/metrics` is for the cluster, not the public: it is served on its own
//! address (`METRICS_BIND_ADDR`), never on the API port. The names are those
//! docs/operations.md lists and deploy/monitoring's dashboard queries.

pub use service_kit::metrics::actix::record_request;
use service_kit::metrics::{MetricsListener, MetricsServer};

use crate::state::AppState;

/// The `# HELP` lines of the auth service's own metrics.
fn describe() {
    service_kit::metrics::actix::describe();
    metrics::describe_counter!(
        "auth_sessions_opened_total",
        "Sessions opened: register, login, and the bot's telegram/register and token/get"
    );
    metrics::describe_counter!(
        "auth_sessions_revoked_total",
        "Sessions ended before their time, with their tokens: scope one (logout, a session ended from the list) or all (logout-all, password reset or change, a merge)"
    );
    metrics::describe_counter!(
        "auth_token_refreshes_total",
        "Refresh attempts by outcome: rotated, no_session, or reused (a detected token theft)"
    );
    metrics::describe_counter!(
        "auth_rate_limited_total",
        "Requests refused with 429, by rate limit"
    );
    metrics::describe_gauge!(
        "auth_bcrypt_waiting",
        "Password hashes and checks waiting for a bcrypt worker"
    );
    metrics::describe_histogram!(
        "auth_bcrypt_duration_seconds",
        metrics::Unit::Seconds,
        "Time of one bcrypt hash or check, queueing included"
    );
    service_kit::metrics::describe_dependencies();
}

/// Serves `/metrics` on `listener`, reading the pool gauges at each scrape.
pub fn serve(listener: MetricsListener, state: actix_web::web::Data<AppState>) -> MetricsServer {
    describe();
    listener.serve(move || state.observe_pools())
}
