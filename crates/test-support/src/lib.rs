//! Test fixtures shared by every service's test suite.
//!
//! Tests talk to a real PostgreSQL and a real Redis. Each test gets its own
//! database ([`TestDatabase`], copied from a [`Template`] migrated once) and
//! its own Redis key prefix ([`TestRedis`]), so tests run in parallel and leave
//! nothing behind: both are removed when the fixture is dropped.
//! [`spawn_auth`] starts the real auth service on them, for every suite that
//! needs one. [`TcpProxy`] stands between a service and a
//! dependency so a test can take the dependency down and bring it back.
//! [`FakeTelegram`] is a fake Telegram Bot API server for the bot's tests;
//! [`prometheus`] reads the services' `/metrics` strictly; [`openapi`] checks
//! their `/openapi.json`.
//!
//! Servers are found through `TEST_DATABASE_URL` (an admin URL, default
//! `postgres://postgres:postgres@127.0.0.1:5432/postgres`) and `TEST_REDIS_URL`
//! (default `redis://127.0.0.1:6379`).

#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

pub mod auth;
mod database;
pub mod openapi;
pub mod prometheus;
mod proxy;
mod redis_space;
mod smtp;
mod telegram;

pub use auth::{TestAuth, spawn_auth, spawn_auth_on};
pub use database::{Template, TestDatabase};
pub use proxy::{ProxyMode, TcpProxy};
pub use redis_space::TestRedis;
pub use smtp::{ReceivedMail, SmtpSink};
pub use telegram::{
    ApiCall, FAKE_BOT_ID, FAKE_BOT_TOKEN, FAKE_BOT_USERNAME, Failure, FakeTelegram, SentMessage,
};

/// `url` with its `host:port` replaced by `addr` (to route a service through a [`TcpProxy`]).
pub fn with_host(url: &str, addr: std::net::SocketAddr) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL with a scheme");
    let (auth, host_and_path) = rest.rsplit_once('@').map_or(("", rest), |(a, h)| (a, h));
    let path = host_and_path.find('/').map_or("", |i| &host_and_path[i..]);
    let auth = if auth.is_empty() {
        String::new()
    } else {
        format!("{auth}@")
    };
    format!("{scheme}://{auth}{addr}{path}")
}

/// The `host:port` of `url` (default port `default_port`).
pub fn host_port(url: &str, default_port: u16) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let host = rest.split(['/', '?']).next().unwrap_or(rest);
    if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:{default_port}")
    }
}

/// Runs `work` to completion on a fresh runtime in its own thread: for cleanup
/// in `Drop`, which may run inside or outside a test's runtime.
pub(crate) fn block_on_side_thread<F>(work: F)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let handle = std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("cleanup runtime")
            .block_on(work);
    });
    let _ = handle.join();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_rerouted_keeping_credentials_and_path() {
        let addr: std::net::SocketAddr = "127.0.0.1:4000".parse().unwrap();
        assert_eq!(
            with_host("postgres://u:p@127.0.0.1:5432/db?x=1", addr),
            "postgres://u:p@127.0.0.1:4000/db?x=1"
        );
        assert_eq!(
            with_host("redis://127.0.0.1:6379", addr),
            "redis://127.0.0.1:4000"
        );
        assert_eq!(host_port("postgres://u:p@db:5433/x", 5432), "db:5433");
        assert_eq!(host_port("redis://127.0.0.1", 6379), "127.0.0.1:6379");
    }
}
