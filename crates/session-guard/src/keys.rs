//! Where the auth service keeps sessions in its Redis: the one description of
//! the layout, for the auth service that writes it and every guard that reads it.
//! Each key is under the auth service's prefix (`REDIS_KEY_PREFIX`, `auth:` by
//! default), which the [`Redis`] client adds:
//!
//! - `session:{sid}`: hash, [`SESSION_USER_ID`] (the owner) and the session's
//!   other fields; it expires with the refresh lifetime;
//! - `user_sessions:{user_id}`: set of the user's session ids;
//! - `revoked:{jti}`: an access token revoked before it expired.
//!
//! An access token is live while its session exists, belongs to the token's
//! `sub`, and its `jti` is not revoked.

use std::fmt::Display;

use auth_types::UserId;
use uuid::Uuid;

use crate::redis::Redis;

/// The field of `session:{sid}` that holds its user's id.
pub const SESSION_USER_ID: &str = "user_id";

/// `session:{sid}` (the id may be a string read from a user's session set).
pub fn session(redis: &Redis, sid: impl Display) -> String {
    redis.key("session", sid)
}

/// What every `session:{sid}` key starts with, for a script that makes them
/// from ids.
pub fn session_prefix(redis: &Redis) -> String {
    session(redis, "")
}

/// `user_sessions:{user_id}`.
pub fn user_sessions(redis: &Redis, user: UserId) -> String {
    redis.key("user_sessions", user)
}

/// `revoked:{jti}`.
pub fn revoked(redis: &Redis, jti: Uuid) -> String {
    redis.key("revoked", jti)
}
