//! Request and response bodies of the auth API (see the wire contract).
//!
//! Requests that carry a password deliberately do not implement `Debug`, so a
//! password can never reach a log line through `{:?}`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::UserId;

#[derive(Clone, Serialize, Deserialize)]
pub struct RegisterRequest {
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub display_name: Option<String>,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Clone, Default, Serialize, Deserialize)]
pub struct LogoutRequest {
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// The user object of the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserResponse {
    pub id: UserId,
    pub email: Option<String>,
    pub email_verified: bool,
    pub telegram_id: Option<i64>,
    pub telegram_username: Option<String>,
    pub display_name: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Answer of register, login, refresh and the Telegram token endpoints.
#[derive(Clone, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: String,
    pub expires_in: u64,
    pub refresh_expires_in: u64,
    pub user: UserResponse,
}

/// `GET /health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthResponse {
    pub status: String,
    pub version: String,
}

/// State of one dependency in `GET /health/ready`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Ok,
    Down,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadinessChecks {
    pub database: CheckStatus,
    pub redis: CheckStatus,
}

/// `GET /health/ready`: `status` is `ok` or `unavailable`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadinessResponse {
    pub status: String,
    pub checks: ReadinessChecks,
}

/// `POST /api/v1/auth/telegram/register` (bot only).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TelegramRegisterRequest {
    pub telegram_id: i64,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
}

/// `POST /api/v1/auth/telegram/start` (bot only).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TelegramStartRequest {
    pub telegram_id: i64,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
}

/// Answer of `telegram/start`: the binding code and the page that confirms it.
#[derive(Clone, Serialize, Deserialize)]
pub struct TelegramStartResponse {
    pub code: String,
    pub link_url: String,
    pub expires_in: u64,
}

/// `POST /api/v1/auth/token/get` (bot only).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenGetRequest {
    pub telegram_id: i64,
}

/// `POST /api/v1/auth/token/refresh-telegram` (bot only).
#[derive(Clone, Serialize, Deserialize)]
pub struct TelegramRefreshRequest {
    pub telegram_id: i64,
    pub refresh_token: String,
}

/// `POST /api/v1/auth/telegram/confirm` (bearer).
#[derive(Clone, Serialize, Deserialize)]
pub struct TelegramConfirmRequest {
    pub code: String,
}
