//! Plumbing every Finance Bot service shares, so each service's `config` and
//! `main` say only what is particular to it: reading settings from the
//! environment with one clear line per problem ([`env`]), secrets that never
//! print, the log subscriber ([`telemetry`]), Prometheus metrics served on an
//! address of their own ([`metrics`]), request ids and the access log of the
//! HTTP services (`request_id`, with the `actix` feature) and the shutdown signals;
//! the dependencies a request waits on, with their deadline ([`dependency`]);
//! the `main` of the services that own migrations ([`program`]); and with the
//! `actix` feature, the contract's problem+json answers (`problem`) and JSON
//! bodies (`json`).

pub mod dependency;
pub mod env;
pub mod healthcheck;
#[cfg(feature = "actix")]
pub mod json;
pub mod metrics;
#[cfg(feature = "actix")]
pub mod problem;
pub mod program;
#[cfg(feature = "actix")]
pub mod request_id;
pub mod telemetry;
pub mod thread_slot;

pub use env::{ConfigError, Env, LogFormat, Secret};

/// Resolves on SIGTERM (orchestrators) or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
