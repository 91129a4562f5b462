//! What every handler can reach: the injected clients, no globals.

use crate::api::{AuthClient, AuthError};
use crate::store::{Store, StoreError};
use crate::telegram::Telegram;

pub struct Context {
    pub telegram: Telegram,
    pub auth: AuthClient,
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
}

pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
