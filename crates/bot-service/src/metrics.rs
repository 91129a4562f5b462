//! Prometheus metrics of the bot, on the convention every service shares
//! (`service_kit::metrics`; served on `METRICS_BIND_ADDR`, default
//! `127.0.0.1:9465`). The names are those docs/operations.md lists and the
//! dashboard in deploy/monitoring queries:
//!
//! - `bot_updates_received_total`: updates `getUpdates` gave us;
//! - `bot_updates_skipped_total`: updates seen again after a restart and skipped;
//! - `bot_updates_handled_total{command,outcome}` and
//!   `bot_update_duration_seconds{command}`: each update handled, by what was
//!   asked and how it went ([`Outcome`]), and how long until the reply was sent;
//! - `bot_telegram_errors_total{method,code}`: failed Bot API calls, by method
//!   and Telegram's error code (`network`, or `unreadable` for an answer that
//!   is not the Bot API's JSON);
//! - `bot_auth_requests_total{endpoint,outcome}` and
//!   `bot_auth_request_duration_seconds{endpoint}`: every attempt of a call to
//!   the auth service, by status class (`2xx`, `4xx`, `5xx`) or `network` /
//!   `timeout`; `bot_auth_retries_total{endpoint}`: attempts made again;
//! - `bot_last_poll_success_timestamp_seconds`: Unix time of the last
//!   `getUpdates` that answered (stale means the bot is not receiving).

use std::time::Duration;

/// How handling an update ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Answered.
    Answered,
    /// The command needed the auth service or Redis, which failed: the person
    /// was told to try again.
    Failed,
    /// The answer could not be delivered to Telegram.
    Undelivered,
    /// Nothing to answer: a group chat, a button that is not the person's, an
    /// update without a sender.
    Ignored,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Self::Answered => "answered",
            Self::Failed => "failed",
            Self::Undelivered => "undelivered",
            Self::Ignored => "ignored",
        }
    }
}

/// The `# HELP` lines.
pub fn describe() {
    metrics::describe_counter!(
        "bot_updates_received_total",
        "Updates received from Telegram (getUpdates)"
    );
    metrics::describe_counter!(
        "bot_updates_skipped_total",
        "Updates received again after a restart and skipped, as handled already"
    );
    metrics::describe_counter!(
        "bot_updates_handled_total",
        "Updates handled, by command and outcome (answered, failed, undelivered, ignored)"
    );
    metrics::describe_histogram!(
        "bot_update_duration_seconds",
        metrics::Unit::Seconds,
        "Time from taking an update to having sent its answer, by command"
    );
    metrics::describe_counter!(
        "bot_telegram_errors_total",
        "Failed Telegram Bot API calls, by method and error code (network: no answer)"
    );
    metrics::describe_counter!(
        "bot_auth_requests_total",
        "Attempted calls to the auth service, by endpoint and outcome (status class, network, timeout)"
    );
    metrics::describe_histogram!(
        "bot_auth_request_duration_seconds",
        metrics::Unit::Seconds,
        "Time of one call to the auth service, by endpoint"
    );
    metrics::describe_counter!(
        "bot_auth_retries_total",
        "Calls to the auth service attempted again after a network error, time-out or 5xx"
    );
    metrics::describe_gauge!(
        "bot_last_poll_success_timestamp_seconds",
        "Unix time of the last getUpdates Telegram answered"
    );
}

pub fn updates_received(count: usize) {
    metrics::counter!("bot_updates_received_total").increment(count as u64);
}

pub fn update_skipped() {
    metrics::counter!("bot_updates_skipped_total").increment(1);
}

pub fn update_handled(command: &'static str, outcome: Outcome, took: Duration) {
    metrics::counter!("bot_updates_handled_total", "command" => command, "outcome" => outcome.label())
        .increment(1);
    metrics::histogram!("bot_update_duration_seconds", "command" => command)
        .record(took.as_secs_f64());
}

/// `code`: Telegram's `error_code`, `network` or `unreadable`.
pub fn telegram_error(method: &'static str, code: String) {
    metrics::counter!("bot_telegram_errors_total", "method" => method, "code" => code).increment(1);
}

pub fn poll_succeeded() {
    metrics::gauge!("bot_last_poll_success_timestamp_seconds")
        .set(time::OffsetDateTime::now_utc().unix_timestamp() as f64);
}

/// `endpoint`: the path called, a fixed one (ids never appear in the bot's paths).
pub fn auth_request(endpoint: &str, outcome: &'static str, took: Duration) {
    metrics::counter!("bot_auth_requests_total", "endpoint" => endpoint.to_owned(), "outcome" => outcome)
        .increment(1);
    metrics::histogram!("bot_auth_request_duration_seconds", "endpoint" => endpoint.to_owned())
        .record(took.as_secs_f64());
}

pub fn auth_retry(endpoint: &str) {
    metrics::counter!("bot_auth_retries_total", "endpoint" => endpoint.to_owned()).increment(1);
}
