//! What every handler can reach, shared through `web::Data`.

use auth_types::HmacSigner;
use service_kit::metrics::record_pool;
use session_guard::{AccessGuard, Redis};

use crate::config::Settings;
use crate::db::Db;
use crate::link_codes::LinkCodes;
use crate::mail::Mailer;
use crate::nonces::NonceCache;
use crate::passwords::PasswordHasher;
use crate::rate_limit::RateLimiter;
use crate::sessions::SessionStore;
use crate::tokens::TokenIssuer;
use crate::user_cache::UserCache;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub redis: Redis,
    /// Verifies access tokens and checks their sessions (also as `web::Data`,
    /// for the `Authenticated` extractor).
    pub guard: AccessGuard,
    pub sessions: SessionStore,
    pub link_codes: LinkCodes,
    pub nonces: NonceCache,
    /// The user objects `/me` answers; every write to a user row goes through it.
    pub users: UserCache,
    pub limits: RateLimiter,
    pub mailer: Mailer,
    /// Verifies the signatures of bot-only requests.
    pub bot_signer: HmacSigner,
    pub tokens: TokenIssuer,
    pub passwords: PasswordHasher,
    pub settings: Settings,
}

/// Seconds since the Unix epoch, the unit of JWT times.
pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

impl AppState {
    /// Sets the pool gauges (called when metrics are scraped).
    pub fn observe_pools(&self) {
        record_pool("database", self.db.status());
        record_pool("redis", self.redis.status());
    }

    /// Opens a new session for `user` and returns its first token pair.
    pub async fn open_session(
        &self,
        user: &crate::db::users::User,
        client: &crate::sessions::ClientInfo,
        channel: crate::sessions::Channel,
    ) -> Result<auth_types::dto::TokenResponse, crate::error::Error> {
        let now = unix_now();
        let pair = self
            .tokens
            .issue_pair(user.id(), auth_types::SessionId::new(), now)?;
        self.sessions
            .create(&pair.refresh, client, channel, now)
            .await?;
        Ok(self.tokens.response(pair, user))
    }

    /// Rotates the session of the verified refresh token `presented` held by `user`.
    ///
    /// Everything that can fail runs before the rotation, so a 503 leaves the
    /// presented token valid; the rotation itself is one atomic Redis script.
    /// A token rotated less than the reuse grace ago is a retry (its answer was
    /// lost, or a 503 came after the rotation): it gets the session's current
    /// refresh token, and the session stays one.
    pub async fn rotate_session(
        &self,
        presented: &auth_types::Claims,
        user: &crate::db::users::User,
        channel: crate::sessions::Channel,
    ) -> Result<auth_types::dto::TokenResponse, crate::error::Error> {
        use crate::error::Error;
        use crate::sessions::Rotation;
        let now = unix_now();
        let pair = self.tokens.issue_pair(user.id(), presented.sid, now)?;
        let rotation = self
            .sessions
            .rotate(presented, &pair.refresh, channel, now)
            .await?;
        let outcome = match rotation {
            Rotation::Rotated => "rotated",
            Rotation::NoSession => "no_session",
            Rotation::Reused => "reused",
            Rotation::Retried { .. } => "retried",
        };
        metrics::counter!("auth_token_refreshes_total", "outcome" => outcome).increment(1);
        match rotation {
            Rotation::Rotated => Ok(self.tokens.response(pair, user)),
            Rotation::Retried { jti, iat, exp } => {
                tracing::info!(user_id = %user.id, session_id = %presented.sid, "refresh retried within the grace; current token given again");
                let current =
                    self.tokens
                        .current_pair(user.id(), presented.sid, (jti, iat, exp), now)?;
                Ok(self.tokens.response(current, user))
            }
            Rotation::NoSession => Err(Error::InvalidRefreshToken),
            Rotation::Reused => {
                tracing::warn!(user_id = %user.id, session_id = %presented.sid, "refresh token reused; session revoked");
                Err(Error::TokenReused)
            }
        }
    }
}
