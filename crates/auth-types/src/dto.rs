//! Request and response bodies of the auth API (see the wire contract).
//!
//! Requests that carry a password deliberately do not implement `Debug`, so a
//! password can never reach a log line through `{:?}`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::UserId;

/// JSON numbers that are whole: `42` and also `42.0`, which JSON Schema counts
/// as an integer too (a client that writes every number as a float is not
/// refused), but never `42.5` or a number out of range.
mod integer {
    use serde::de::{self, Deserializer, Visitor};

    struct Whole;

    impl Visitor<'_> for Whole {
        type Value = i64;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an integer")
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
            // 2^63 is exactly representable; anything at or above it does not fit.
            const LIMIT: f64 = 9_223_372_036_854_775_808.0;
            if v.fract() == 0.0 && (-LIMIT..LIMIT).contains(&v) {
                Ok(v as i64)
            } else {
                Err(E::invalid_value(de::Unexpected::Float(v), &self))
            }
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
        deserializer.deserialize_any(Whole)
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterRequest {
    #[cfg_attr(feature = "openapi", schema(format = Email, max_length = 254))]
    pub email: String,
    /// 8 characters to 72 bytes of UTF-8.
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 72))]
    pub password: String,
    /// 1 to 100 characters, no control characters; trimmed.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
        )
    )]
    #[serde(default)]
    pub display_name: Option<String>,
}

#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    #[cfg_attr(feature = "openapi", schema(format = Email, max_length = 254))]
    pub email: String,
    pub password: String,
}

#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogoutRequest {
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// The user object of the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: String,
    pub expires_in: u64,
    pub refresh_expires_in: u64,
    pub user: UserResponse,
}

/// The web service's HttpOnly cookie that holds a browser's refresh token.
pub const REFRESH_COOKIE: &str = "fb_refresh";

/// `GET /health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthResponse {
    pub status: String,
    pub version: String,
}

/// State of one dependency in `GET /health/ready`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Ok,
    Down,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadinessChecks {
    pub database: CheckStatus,
    pub redis: CheckStatus,
}

/// `GET /health/ready`: `status` is `ok` or `unavailable`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadinessResponse {
    pub status: String,
    pub checks: ReadinessChecks,
}

/// `POST /api/v1/auth/telegram/register` (bot only).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TelegramRegisterRequest {
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    #[serde(deserialize_with = "integer::deserialize")]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TelegramStartRequest {
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    #[serde(deserialize_with = "integer::deserialize")]
    pub telegram_id: i64,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
}

/// Answer of `telegram/start`: the binding code and the page that confirms it.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TelegramStartResponse {
    pub code: String,
    pub link_url: String,
    pub expires_in: u64,
}

/// `POST /api/v1/auth/token/get` (bot only).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenGetRequest {
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    #[serde(deserialize_with = "integer::deserialize")]
    pub telegram_id: i64,
}

/// `POST /api/v1/auth/token/refresh-telegram` (bot only).
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TelegramRefreshRequest {
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    #[serde(deserialize_with = "integer::deserialize")]
    pub telegram_id: i64,
    pub refresh_token: String,
}

/// `POST /api/v1/auth/telegram/confirm` (bearer).
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TelegramConfirmRequest {
    pub code: String,
}

/// `POST /api/v1/auth/telegram/inspect` (bearer): the same body as confirm.
pub type TelegramInspectRequest = TelegramConfirmRequest;

/// Answer of `telegram/inspect`: the Telegram identity behind a live binding
/// code, as Telegram told the bot, so the person sees whom they would link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TelegramInspectResponse {
    pub telegram_id: i64,
    pub username: Option<String>,
    pub first_name: Option<String>,
}

/// `POST /api/v1/auth/email/verify`.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyEmailRequest {
    pub token: String,
}

/// `POST /api/v1/auth/password/forgot`.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForgotPasswordRequest {
    #[cfg_attr(feature = "openapi", schema(format = Email, max_length = 254))]
    pub email: String,
}

/// `POST /api/v1/auth/password/reset`.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResetPasswordRequest {
    pub token: String,
    /// 8 characters to 72 bytes of UTF-8.
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 72))]
    pub password: String,
}

/// `POST /api/v1/auth/password/change`.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    pub current_password: String,
    /// 8 characters to 72 bytes of UTF-8.
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 72))]
    pub new_password: String,
}

/// The body of every 202: `{"status": "accepted"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptedResponse {
    #[cfg_attr(feature = "openapi", schema(example = "accepted"))]
    pub status: String,
}

impl AcceptedResponse {
    pub fn new() -> Self {
        Self {
            status: "accepted".to_owned(),
        }
    }
}

impl Default for AcceptedResponse {
    fn default() -> Self {
        Self::new()
    }
}

/// One login session of the caller, in `GET /api/v1/auth/sessions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub id: crate::SessionId,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_used_at: OffsetDateTime,
    pub user_agent: String,
    pub ip: String,
    /// The session of the token that asked.
    pub current: bool,
}

/// `GET /api/v1/auth/sessions`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionListResponse {
    pub sessions: Vec<SessionInfo>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn telegram_id(json: &str) -> Result<i64, serde_json::Error> {
        serde_json::from_str::<TokenGetRequest>(json).map(|r| r.telegram_id)
    }

    #[test]
    fn whole_numbers_are_integers_even_when_written_as_floats() {
        assert_eq!(telegram_id(r#"{"telegram_id": 42}"#).ok(), Some(42));
        assert_eq!(telegram_id(r#"{"telegram_id": 42.0}"#).ok(), Some(42));
        assert_eq!(telegram_id(r#"{"telegram_id": -7}"#).ok(), Some(-7));
        assert_eq!(telegram_id(r#"{"telegram_id": 1e3}"#).ok(), Some(1000));
    }

    #[test]
    fn fractions_strings_and_numbers_out_of_range_are_refused() {
        for json in [
            r#"{"telegram_id": 42.5}"#,
            r#"{"telegram_id": "42"}"#,
            r#"{"telegram_id": 9223372036854775808}"#,
            r#"{"telegram_id": 1e19}"#,
            r#"{"telegram_id": null}"#,
        ] {
            assert!(telegram_id(json).is_err(), "{json}");
        }
    }
}
