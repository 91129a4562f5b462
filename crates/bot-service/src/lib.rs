//! Finance Bot's Telegram bot: long polling through frankenstein, commands to
//! sign up and link accounts (HMAC-signed calls to the auth service) and to
//! record and read the family's money (the finance service, with the chat's
//! access token), each chat's tokens in Redis.
//!
//! `main.rs` reads the settings and runs [`BotApp`]; tests run the same app
//! against a fake Telegram server.

pub mod api;
pub mod chart;
pub mod commands;
pub mod config;
pub mod context;
pub mod metrics;
pub mod poller;
pub mod replies;
pub mod session;
pub mod store;
pub mod telegram;

use std::sync::Arc;

use auth_types::HmacSigner;
use service_kit::metrics::MetricsListener;
use tokio::sync::watch;

use crate::api::{AuthClient, FinanceClient};
use crate::config::BotSettings;
use crate::context::Context;
use crate::store::Store;
use crate::telegram::Telegram;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("could not build an HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    #[error("could not prepare the Redis pool: {0}")]
    Store(#[from] store::StoreError),
}

/// The bot, ready to run.
pub struct BotApp {
    telegram: Telegram,
    auth: AuthClient,
    finance: FinanceClient,
    store: Store,
    metrics: Option<MetricsListener>,
}

impl BotApp {
    pub fn new(settings: &BotSettings) -> Result<Self, StartError> {
        Ok(Self {
            telegram: Telegram::new(
                &settings.telegram_api_url,
                settings.telegram_bot_token.expose(),
                settings.poll_timeout,
            )?,
            auth: AuthClient::new(
                &settings.auth_service_url,
                HmacSigner::new(settings.bot_hmac_secret.expose().as_bytes()),
            )?,
            finance: FinanceClient::new(&settings.finance_service_url)?,
            store: Store::new(
                settings.redis_url.expose(),
                &settings.redis_key_prefix,
                settings.bot_id,
                settings.bot_store_key.clone(),
            )?,
            metrics: MetricsListener::bind(settings.metrics_bind_addr),
        })
    }

    /// The port of `/metrics`, when it is served.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(MetricsListener::port)
    }

    /// Learns the bot's name, sets its menu, waits for the auth service, then
    /// polls until `shutdown` turns true. `/metrics` is served meanwhile.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let _metrics = self.metrics.map(|listener| {
            crate::metrics::describe();
            listener.serve(|| {})
        });
        let mut wait = std::time::Duration::from_millis(500);
        let username = loop {
            match self.telegram.username().await {
                Ok(name) => break name,
                Err(err) => {
                    tracing::warn!(error = %err, ?wait, "getMe failed; retrying");
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        _ = shutdown.wait_for(|stop| *stop) => return,
                    }
                    wait = (wait * 2).min(std::time::Duration::from_secs(30));
                }
            }
        };
        tracing::info!(%username, "bot identity");
        if let Err(err) = self.telegram.set_commands(commands::MENU).await {
            tracing::warn!(error = %err, "could not set the command menu");
        }
        let ctx = Arc::new(Context {
            telegram: self.telegram,
            auth: self.auth,
            finance: self.finance,
            store: self.store,
            username,
        });
        if !poller::wait_for_auth(&ctx, &mut shutdown).await {
            return;
        }
        tracing::info!("polling for updates");
        poller::run(ctx, shutdown).await;
        tracing::info!("bot stopped");
    }
}
