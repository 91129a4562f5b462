//! What every handler can reach: the injected clients, no globals.

use crate::api::{AuthClient, AuthError, FinanceClient, FinanceError};
use crate::store::{Store, StoreError};
use crate::telegram::Telegram;

pub struct Context {
    pub telegram: Telegram,
    pub auth: AuthClient,
    pub finance: FinanceClient,
    pub store: Store,
    /// The bot's username, to recognise `/command@username`.
    pub username: String,
}

/// Why a command could not be carried out; the person is told to try again.
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Finance(#[from] FinanceError),
    /// The chat's sign-in is gone (its account was removed): the person is
    /// asked to sign in again.
    #[error("the chat is no longer signed in")]
    SignedOut,
    /// The person is in no family (they left every one).
    #[error("the person is in no family")]
    NoFamily,
    /// An answer the bot cannot use: a bug on one side.
    #[error("unexpected: {0}")]
    Unexpected(String),
}

pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
