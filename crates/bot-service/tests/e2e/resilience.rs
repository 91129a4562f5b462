//! Restarts, crashes, an auth service that is down, and Telegram's own errors.

use std::time::Duration;

use bot_service::replies;
use test_support::{Failure, ProxyMode};

use crate::helpers::{world, world_without_bot};

const ANN: i64 = 7_770_001;

#[tokio::test]
async fn a_graceful_restart_loses_no_update_and_answers_none_twice() {
    let mut world = world().await;
    world.say(ANN, "/help").await;
    world.stop_bot().await;
    // The offset was confirmed on the way out.
    assert_eq!(world.telegram.pending_updates(), 0);

    // A message while the bot is down waits at Telegram.
    world.telegram.user_sends(ANN, "/me");
    world.start_bot();
    let replies = world
        .telegram
        .wait_for_messages(ANN, 2, crate::helpers::REPLY_WITHIN)
        .await;
    assert_eq!(replies[1].text, replies::NOT_SIGNED_IN);
    // Give a duplicate every chance to show up, then check there is none.
    world.say(ANN, "/dance").await;
    let help_replies = world
        .telegram
        .sent_to(ANN)
        .iter()
        .filter(|m| m.text.starts_with("Here is what I can do"))
        .count();
    assert_eq!(help_replies, 1);
}

#[tokio::test]
async fn after_a_crash_an_unconfirmed_but_handled_update_is_not_answered_again() {
    let mut world = world().await;
    let update_id = world.telegram.user_sends(ANN, "/help");
    world
        .telegram
        .wait_for_messages(ANN, 1, crate::helpers::REPLY_WITHIN)
        .await;
    // Wait until the bot has recorded the update as handled, then kill it.
    let marker = format!("handled:{update_id}");
    for _ in 0..200 {
        if world.bot_redis.keys().await.contains(&marker) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    world.kill_bot().await;

    world.start_bot();
    world.say(ANN, "/dance").await;
    let texts: Vec<String> = world
        .telegram
        .sent_to(ANN)
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert_eq!(texts[1], replies::unknown_command("dance"));
}

#[tokio::test]
async fn when_the_auth_service_is_down_the_person_is_told_and_the_bot_recovers() {
    let world = world().await;
    world.say(ANN, "/help").await;
    world.auth_proxy.set_mode(ProxyMode::Refuse);
    let reply = world.say(ANN, "/register").await;
    assert_eq!(reply.text, replies::UNAVAILABLE);

    world.auth_proxy.set_mode(ProxyMode::Forward);
    let reply = world.say(ANN, "/register").await;
    assert!(
        reply.text.contains("Your account is ready"),
        "{}",
        reply.text
    );
}

#[tokio::test]
async fn a_silent_auth_service_still_gets_the_person_an_answer() {
    let world = world().await;
    world.say(ANN, "/help").await;
    world.auth_proxy.set_mode(ProxyMode::Silent);
    // `say` waits at most the 15 s a person may wait.
    assert_eq!(world.say(ANN, "/register").await.text, replies::UNAVAILABLE);
}

#[tokio::test]
async fn the_bot_polls_only_once_the_auth_service_is_ready() {
    let mut world = world_without_bot().await;
    world.auth_proxy.set_mode(ProxyMode::Refuse);
    world.start_bot();
    world.telegram.user_sends(ANN, "/help");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        world.telegram.calls_of("getUpdates").is_empty(),
        "no polling while auth is down"
    );
    assert!(world.telegram.sent_to(ANN).is_empty());

    world.auth_proxy.set_mode(ProxyMode::Forward);
    let replies = world
        .telegram
        .wait_for_messages(ANN, 1, crate::helpers::REPLY_WITHIN)
        .await;
    assert!(replies[0].text.starts_with("Here is what I can do"));
}

#[tokio::test]
async fn a_rate_limited_reply_is_sent_after_retry_after() {
    let world = world().await;
    world.say(ANN, "/help").await;
    world.telegram.fail_next(
        "sendMessage",
        Failure::TooManyRequests { retry_after: 1 },
        1,
    );
    let reply = world.say(ANN, "/dance").await;
    assert_eq!(reply.text, replies::unknown_command("dance"));
    let sends = world.telegram.calls_of("sendMessage");
    let (refused, delivered) = (&sends[sends.len() - 2], &sends[sends.len() - 1]);
    assert_eq!((refused.status, delivered.status), (429, 200));
    assert!(delivered.at.duration_since(refused.at) >= Duration::from_secs(1));
}

#[tokio::test]
async fn telegram_server_errors_and_conflicts_are_waited_out() {
    let world = world().await;
    world.say(ANN, "/help").await;
    world
        .telegram
        .fail_next("getUpdates", Failure::BadGateway, 2);
    world.telegram.fail_next("getUpdates", Failure::Conflict, 1);
    // The bot's next polls meet the failures; wait until it has gone through them.
    let statuses = || -> Vec<u16> {
        world
            .telegram
            .calls_of("getUpdates")
            .iter()
            .map(|c| c.status)
            .collect()
    };
    for _ in 0..300 {
        if statuses().contains(&409) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seen = statuses();
    assert_eq!(seen.iter().filter(|s| **s == 502).count(), 2, "{seen:?}");
    assert!(seen.contains(&409), "{seen:?}");
    // And it is still polling and answering.
    let reply = world.say(ANN, "/dance").await;
    assert_eq!(reply.text, replies::unknown_command("dance"));
}
