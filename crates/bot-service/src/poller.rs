//! The long-polling loop.
//!
//! Updates come in batches from `getUpdates`. A batch is handled before the
//! next poll: different chats concurrently, one chat's updates in order. Only
//! then does the offset move past the batch, so Telegram keeps every update
//! until it is handled — a crash loses nothing. Each handled update is also
//! marked in Redis, so one seen again after a restart is skipped rather than
//! answered twice.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use frankenstein::updates::{Update, UpdateContent};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::Instrument;

use crate::api::auth::REQUEST_ID;
use crate::commands;
use crate::context::Context;
use crate::telegram::TelegramError;

const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How long a stopping bot may spend on the updates in hand (the contract allows 10 s).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(8);

/// Growing waits for repeated failures: 0.5 s, 1 s, 2 s ... up to 30 s.
struct Backoff(Duration);

impl Backoff {
    fn new() -> Self {
        Self(Duration::from_millis(500))
    }

    fn next(&mut self) -> Duration {
        let wait = self.0;
        self.0 = (self.0 * 2).min(MAX_BACKOFF);
        wait
    }

    fn reset(&mut self) {
        *self = Self::new();
    }
}

/// Sleeps `wait`, or less if shutdown is asked for; true when shutting down.
async fn sleep_or_stop(wait: Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        () = tokio::time::sleep(wait) => {}
        _ = shutdown.wait_for(|stop| *stop) => return true,
    }
    *shutdown.borrow()
}

fn chat_of(update: &Update) -> Option<i64> {
    match &update.content {
        UpdateContent::Message(message) | UpdateContent::EditedMessage(message) => {
            Some(message.chat.id)
        }
        UpdateContent::CallbackQuery(query) => Some(commands::callback_chat(query)),
        _ => None,
    }
}

/// Handles one batch; returns when every update of it is done.
async fn handle_batch(ctx: &Arc<Context>, updates: Vec<Update>) {
    let mut by_chat: BTreeMap<i64, Vec<Update>> = BTreeMap::new();
    for update in updates {
        match ctx.store.was_handled(update.update_id).await {
            Ok(true) => {
                crate::metrics::update_skipped();
                tracing::info!(
                    update_id = update.update_id,
                    "update already handled; skipped"
                );
                continue;
            }
            Ok(false) => {}
            // Without Redis we cannot tell; answering is better than dropping.
            Err(err) => {
                tracing::warn!(error = %err, "could not check whether an update was handled")
            }
        }
        by_chat
            .entry(chat_of(&update).unwrap_or(0))
            .or_default()
            .push(update);
    }
    let mut chats = JoinSet::new();
    for (_, updates) in by_chat {
        let ctx = ctx.clone();
        chats.spawn(async move {
            for update in updates {
                let request_id = format!("tg-{}", update.update_id);
                let span = tracing::info_span!("update", update_id = update.update_id, %request_id);
                REQUEST_ID
                    .scope(request_id, commands::handle_update(&ctx, &update).instrument(span))
                    .await;
                if let Err(err) = ctx.store.mark_handled(update.update_id).await {
                    tracing::warn!(error = %err, update_id = update.update_id, "could not mark the update handled");
                }
            }
        });
    }
    while let Some(result) = chats.join_next().await {
        if let Err(err) = result {
            tracing::error!(error = %err, "an update handler panicked");
        }
    }
}

/// Polls until `shutdown` turns true; then finishes the batch in hand and
/// confirms its offset to Telegram before returning.
pub async fn run(ctx: Arc<Context>, mut shutdown: watch::Receiver<bool>) {
    let mut offset: Option<i64> = None;
    let mut backoff = Backoff::new();
    loop {
        if *shutdown.borrow() {
            break;
        }
        let polled = tokio::select! {
            polled = ctx.telegram.updates(offset) => polled,
            _ = shutdown.wait_for(|stop| *stop) => break,
        };
        match polled {
            Ok(updates) => {
                backoff.reset();
                crate::metrics::poll_succeeded();
                crate::metrics::updates_received(updates.len());
                let Some(last) = updates.iter().map(|u| u.update_id).max() else {
                    continue;
                };
                tracing::debug!(count = updates.len(), "updates received");
                let batch = handle_batch(&ctx, updates);
                tokio::pin!(batch);
                let stopping = tokio::select! {
                    () = &mut batch => false,
                    _ = shutdown.wait_for(|stop| *stop) => true,
                };
                // Stopping: the batch in hand gets a bounded grace period.
                let finished = !stopping
                    || tokio::time::timeout(SHUTDOWN_GRACE, &mut batch)
                        .await
                        .is_ok();
                if !finished {
                    // Unfinished updates stay unconfirmed: Telegram sends them again
                    // after the restart, and the finished ones are skipped then.
                    tracing::warn!(
                        "stopping with updates unfinished; they will be handled after the restart"
                    );
                    return;
                }
                offset = Some(i64::from(last) + 1);
            }
            Err(TelegramError::RetryAfter(wait)) => {
                tracing::warn!(?wait, "getUpdates rate limited");
                if sleep_or_stop(wait, &mut shutdown).await {
                    break;
                }
            }
            Err(TelegramError::Conflict) => {
                let wait = backoff.next();
                tracing::error!(
                    ?wait,
                    "getUpdates conflict: another bot instance is polling with this token, or a webhook is set (deleteWebhook to use polling)"
                );
                if sleep_or_stop(wait, &mut shutdown).await {
                    break;
                }
            }
            Err(err) => {
                let wait = backoff.next();
                tracing::warn!(error = %err, ?wait, "getUpdates failed; backing off");
                if sleep_or_stop(wait, &mut shutdown).await {
                    break;
                }
            }
        }
    }
    if let Some(offset) = offset {
        // A zero-timeout poll with the offset tells Telegram the batch is done.
        match ctx
            .telegram
            .updates_with_timeout(Some(offset), Duration::ZERO)
            .await
        {
            Ok(_) => tracing::info!(offset, "offset confirmed"),
            Err(err) => {
                tracing::warn!(error = %err, "could not confirm the offset; handled updates will be skipped after restart")
            }
        }
    }
}

/// Waits until the auth service reports ready, logging while it waits; false
/// if shutdown came first.
pub async fn wait_for_auth(ctx: &Context, shutdown: &mut watch::Receiver<bool>) -> bool {
    let mut backoff = Backoff::new();
    loop {
        if ctx.auth.ready().await {
            tracing::info!("auth service is ready");
            return true;
        }
        let wait = backoff.next().min(Duration::from_secs(5));
        tracing::info!(?wait, "waiting for the auth service to be ready");
        if sleep_or_stop(wait, shutdown).await {
            return false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_a_cap_and_resets() {
        let mut backoff = Backoff::new();
        let waits: Vec<_> = (0..8).map(|_| backoff.next()).collect();
        assert_eq!(waits[0], Duration::from_millis(500));
        assert_eq!(waits[1], Duration::from_secs(1));
        assert!(waits.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(waits[7], MAX_BACKOFF);
        backoff.reset();
        assert_eq!(backoff.next(), Duration::from_millis(500));
    }
}
