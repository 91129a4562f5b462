//! What every handler can reach, shared through `web::Data`.

use crate::config::Settings;
use crate::db::Db;
use crate::passwords::PasswordHasher;
use crate::sessions::SessionStore;
use crate::tokens::TokenIssuer;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub sessions: SessionStore,
    pub tokens: TokenIssuer,
    pub passwords: PasswordHasher,
    pub settings: Settings,
}

/// Seconds since the Unix epoch, the unit of JWT times.
pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
