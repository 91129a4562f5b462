//! The bot's `/metrics`, end to end. A test binary of its own: the metrics
//! recorder is one per process, so here the counters move only by what this
//! test does, and can be checked to the unit.

#![allow(clippy::unwrap_used)]

#[path = "../e2e/helpers.rs"]
mod helpers;

use std::time::Duration;

use bot_service::replies;
use helpers::{World, world};
use test_support::prometheus::Samples;
use test_support::{Failure, ProxyMode};

const ANN: i64 = 8_880_001;

/// The bot's metrics once `done` holds. A reply reaches the fake Telegram just
/// before the bot counts the update as handled, so the test waits for the count.
async fn metrics_when(world: &World, done: impl Fn(&Samples) -> bool) -> Samples {
    for _ in 0..500 {
        let samples = world.bot_metrics().await;
        if done(&samples) {
            return samples;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "the bot's metrics never got there: {:?}",
        world.bot_metrics().await
    );
}

fn handled(samples: &Samples) -> f64 {
    samples.value("bot_updates_handled_total", &[])
}

#[tokio::test]
async fn updates_telegram_errors_and_auth_calls_are_counted() {
    let world = world().await;
    world.say(ANN, "/help").await;
    let before = metrics_when(&world, |m| handled(m) == 1.0).await;
    assert!(before.value("bot_last_poll_success_timestamp_seconds", &[]) > 1.7e9);

    world.say(ANN, "/register").await;
    world.say(ANN, "/dance").await;
    world.say(ANN, "hello").await;
    world
        .telegram
        .fail_next("sendMessage", Failure::BadGateway, 1);
    world.say(ANN, "/help").await;
    world.auth_proxy.set_mode(ProxyMode::Refuse);
    let reply = world.say(ANN, "/me").await;
    assert_eq!(reply.text, replies::UNAVAILABLE);
    world.auth_proxy.set_mode(ProxyMode::Forward);

    let after = metrics_when(&world, |m| handled(m) == 6.0).await;
    let moved = |name: &str, labels: &[(&str, &str)]| {
        after.value(name, labels) - before.value(name, labels)
    };

    assert_eq!(moved("bot_updates_received_total", &[]), 5.0);
    assert_eq!(moved("bot_updates_skipped_total", &[]), 0.0);
    for (command, outcome) in [
        ("register", "answered"),
        ("unknown", "answered"),
        ("text", "answered"),
        ("help", "answered"),
        ("me", "failed"),
    ] {
        assert_eq!(
            moved(
                "bot_updates_handled_total",
                &[("command", command), ("outcome", outcome)]
            ),
            1.0,
            "{command} {outcome}"
        );
    }
    assert_eq!(moved("bot_update_duration_seconds_count", &[]), 5.0);
    assert_eq!(
        moved("bot_update_duration_seconds_count", &[("command", "me")]),
        1.0
    );

    // The one 502 on sendMessage, and no other error.
    assert_eq!(
        moved(
            "bot_telegram_errors_total",
            &[("method", "sendMessage"), ("code", "502")]
        ),
        1.0
    );
    assert_eq!(moved("bot_telegram_errors_total", &[]), 1.0);

    // /register: one signed call that succeeded; /me: a first attempt and two
    // retries, each refused at the connection.
    let register = [("endpoint", "/api/v1/auth/telegram/register")];
    assert_eq!(
        moved(
            "bot_auth_requests_total",
            &[register[0], ("outcome", "2xx")]
        ),
        1.0
    );
    let me = [("endpoint", "/api/v1/auth/me")];
    assert_eq!(
        moved("bot_auth_requests_total", &[me[0], ("outcome", "network")]),
        3.0
    );
    assert_eq!(moved("bot_auth_requests_total", &[me[0]]), 3.0);
    assert_eq!(moved("bot_auth_retries_total", &me), 2.0);
    assert_eq!(moved("bot_auth_retries_total", &register), 0.0);
    assert_eq!(moved("bot_auth_request_duration_seconds_count", &me), 3.0);
    assert!(
        after.value("bot_last_poll_success_timestamp_seconds", &[])
            >= before.value("bot_last_poll_success_timestamp_seconds", &[])
    );
}
