//! The RFC 9457 problem document every service answers errors with, and the
//! stable `code`s it carries ([`codes`]).

use serde::{Deserialize, Serialize};

/// Media type of a problem document.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// An error answer: `{"type", "title", "status", "detail", "code", "errors"?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable, machine-readable code (`invalid_credentials`, `email_taken`, ...).
    pub code: String,
    /// Field-level causes of a 422 `validation_failed`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl Problem {
    pub fn new(status: u16, title: &str, code: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: "about:blank".to_owned(),
            title: title.to_owned(),
            status,
            detail: detail.into(),
            code: code.to_owned(),
            errors: Vec::new(),
        }
    }
}

/// One invalid field of a request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// Every problem `code` of the auth and finance contracts, and the field codes
/// of a 422's `errors[]` (last), so that the services, their OpenAPI documents
/// and their tests spell each one the same way.
pub mod codes {
    // 400
    pub const MALFORMED_REQUEST: &str = "malformed_request";
    // 401
    pub const UNAUTHORIZED: &str = "unauthorized";
    pub const INVALID_CREDENTIALS: &str = "invalid_credentials";
    pub const INVALID_REFRESH_TOKEN: &str = "invalid_refresh_token";
    pub const TOKEN_REUSED: &str = "token_reused";
    pub const INVALID_SIGNATURE: &str = "invalid_signature";
    pub const STALE_REQUEST: &str = "stale_request";
    pub const REPLAYED_REQUEST: &str = "replayed_request";
    // 403
    pub const FORBIDDEN: &str = "forbidden";
    // 404
    pub const NOT_FOUND: &str = "not_found";
    pub const NOT_REGISTERED: &str = "not_registered";
    pub const INVALID_CODE: &str = "invalid_code";
    // 405
    pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";
    // 409
    pub const EMAIL_TAKEN: &str = "email_taken";
    pub const TELEGRAM_ALREADY_LINKED: &str = "telegram_already_linked";
    pub const NO_EMAIL: &str = "no_email";
    pub const TELEGRAM_ONLY: &str = "telegram_only";
    pub const NAME_TAKEN: &str = "name_taken";
    pub const IN_USE: &str = "in_use";
    pub const IDEMPOTENCY_IN_FLIGHT: &str = "idempotency_in_flight";
    // 413
    pub const PAYLOAD_TOO_LARGE: &str = "payload_too_large";
    // 415
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported_media_type";
    // 422
    pub const VALIDATION_FAILED: &str = "validation_failed";
    pub const IDEMPOTENCY_KEY_REUSED: &str = "idempotency_key_reused";
    // 429
    pub const RATE_LIMITED: &str = "rate_limited";
    // 500
    pub const INTERNAL: &str = "internal";
    // 503
    pub const UNAVAILABLE: &str = "unavailable";

    // Field codes: only in `errors[]` of a 422 `validation_failed`, never a problem's `code`.
    /// A field error without a code of its own.
    pub const INVALID_VALUE: &str = "invalid_value";
    pub const INVALID_EMAIL: &str = "invalid_email";
    pub const WEAK_PASSWORD: &str = "weak_password";
    pub const PASSWORD_TOO_LONG: &str = "password_too_long";
    pub const INVALID_AMOUNT: &str = "invalid_amount";
    pub const INVALID_CURRENCY: &str = "invalid_currency";
    pub const CURRENCY_MISMATCH: &str = "currency_mismatch";
}
