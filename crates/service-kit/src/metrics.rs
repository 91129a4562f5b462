//! Prometheus metrics, one convention for every service.
//!
//! - One recorder per process ([`install`]): the `metrics` crate's macros
//!   (`counter!`, `histogram!`, `gauge!`) anywhere in a service record into it,
//!   and every histogram whose name ends in `_seconds` gets [`LATENCY_BUCKETS`].
//! - `GET /metrics` is served on an address of its own ([`MetricsListener`]),
//!   never on a public port: metrics are for the cluster. The setting is
//!   `METRICS_BIND_ADDR` ([`Env::metrics_bind_addr`]): an address, or `off`.
//! - HTTP services count every request by route template with the actix-web
//!   middleware of [`actix`] (feature `actix`).

#[cfg(feature = "actix")]
pub mod actix;
mod server;

use std::net::SocketAddr;
use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::env::{ConfigError, Env};
pub use server::{MetricsListener, MetricsServer};

/// Histogram buckets of every `*_seconds` metric: from half a millisecond (a
/// Redis call) to 30 s (a bot command that waited out retries).
pub const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process-wide recorder, installed on first use; later calls return the
/// same handle (tests start several services in one process).
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new();
            let recorder = builder
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), LATENCY_BUCKETS)
                .map(PrometheusBuilder::build_recorder)
                // Only an empty bucket list is refused; ours is not, but a summary
                // beats no recorder at all.
                .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
            let handle = recorder.handle();
            // Fails only if something else installed a recorder first; ours then stays empty.
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics stays empty");
            }
            handle
        })
        .clone()
}

/// A connection pool's state, as the pool gauges show it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStatus {
    /// The most connections the pool opens.
    pub max_size: usize,
    /// Connections open now.
    pub size: usize,
    /// Open connections not in use (a shared connection counts as available).
    pub available: usize,
    /// Requests waiting for a connection.
    pub waiting: usize,
}

/// Sets the gauges of the pool named `pool` (`database`, `redis`): call it
/// when metrics are scraped.
pub fn record_pool(pool: &'static str, status: PoolStatus) {
    metrics::gauge!("pool_connections", "pool" => pool, "state" => "open").set(status.size as f64);
    metrics::gauge!("pool_connections", "pool" => pool, "state" => "idle")
        .set(status.available as f64);
    metrics::gauge!("pool_waiting", "pool" => pool).set(status.waiting as f64);
    metrics::gauge!("pool_max_size", "pool" => pool).set(status.max_size as f64);
}

/// The `# HELP` lines of the pool gauges ([`record_pool`]) and of
/// `dependency_unavailable_total` (counted by `problem::dependency_unavailable`).
pub fn describe_dependencies() {
    metrics::describe_counter!(
        "dependency_unavailable_total",
        "Requests answered 503 because PostgreSQL or Redis failed or was too slow, by dependency"
    );
    metrics::describe_gauge!(
        "pool_connections",
        "Connections of a pool (database, redis), by state: open or idle"
    );
    metrics::describe_gauge!(
        "pool_waiting",
        "Requests waiting for a connection of a pool"
    );
    metrics::describe_gauge!("pool_max_size", "The most connections a pool opens");
}

/// The label of an HTTP status in an `outcome`: its class, `2xx` to `5xx`, so
/// the number of series stays small.
pub fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

impl<F: Fn(&str) -> Option<String>> Env<F> {
    /// Where `/metrics` is served: `var` (`METRICS_BIND_ADDR`) as an address, `off`
    /// for nowhere; unset, `127.0.0.1:{default_port}` (this machine only).
    pub fn metrics_bind_addr(
        &self,
        var: &'static str,
        default_port: u16,
    ) -> Result<Option<SocketAddr>, ConfigError> {
        if self.get(var).as_deref().map(str::trim) == Some("off") {
            return Ok(None);
        }
        let default = SocketAddr::from(([127, 0, 0, 1], default_port));
        self.parse_or(
            var,
            default,
            &format!("an address like 0.0.0.0:{default_port}, or off"),
        )
        .map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::pairs;

    #[test]
    fn statuses_are_labelled_by_class() {
        assert_eq!(status_class(201), "2xx");
        assert_eq!(status_class(302), "3xx");
        assert_eq!(status_class(401), "4xx");
        assert_eq!(status_class(503), "5xx");
    }

    #[test]
    fn the_metrics_address_has_a_local_default_and_can_be_turned_off() {
        let addr = |value: &str| {
            Env::new(pairs(&[("METRICS_BIND_ADDR", value)]))
                .metrics_bind_addr("METRICS_BIND_ADDR", 9465)
        };
        assert_eq!(addr(""), Ok(Some(SocketAddr::from(([127, 0, 0, 1], 9465)))));
        assert_eq!(
            addr("0.0.0.0:9000"),
            Ok(Some(SocketAddr::from(([0, 0, 0, 0], 9000))))
        );
        assert_eq!(addr(" off "), Ok(None));
        let err = addr("9000").expect_err("a port alone is not an address");
        assert_eq!(
            err.to_string(),
            "METRICS_BIND_ADDR: must be an address like 0.0.0.0:9465, or off, got \"9000\""
        );
    }
}
