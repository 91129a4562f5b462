//! The service's one error type and its mapping to the contract's problem+json.
//!
//! Policy: every failure a client can cause maps to a 4xx with a stable `code`
//! and a detail that is safe to show. A dependency that is down or too slow is
//! a 503 `unavailable` with `Retry-After` — and since every write is a single
//! statement or transaction, a 503 means nothing changed. Anything else is a
//! bug: it is logged in full (cause chain) and answered as a bare 500 `internal`.

use std::fmt;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use auth_types::problem::PROBLEM_CONTENT_TYPE;
use auth_types::{FieldError, Problem};

/// A dependency whose failure turns into 503.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dependency {
    Database,
    Redis,
    /// The mail server is not configured (no `SMTP_URL`).
    Mail,
    /// Every bcrypt thread is busy and the queue is too long.
    PasswordHasher,
}

impl fmt::Display for Dependency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Database => "database",
            Self::Redis => "redis",
            Self::Mail => "mail",
            Self::PasswordHasher => "password hasher",
        })
    }
}

/// Seconds a client is asked to wait before repeating a request refused with 503.
const RETRY_AFTER_SECS: &str = "2";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the request body is not a JSON object: {0}")]
    MalformedRequest(String),
    #[error("request fields are invalid")]
    Validation(Vec<FieldError>),
    #[error("the request body is not JSON")]
    UnsupportedMediaType,
    #[error("the request body is larger than the limit")]
    PayloadTooLarge,
    #[error("missing, invalid, expired or revoked bearer token")]
    Unauthorized,
    #[error("invalid email or password")]
    InvalidCredentials,
    #[error("invalid refresh token")]
    InvalidRefreshToken,
    #[error("refresh token reused; session revoked")]
    TokenReused,
    #[error("missing, malformed or wrong request signature")]
    InvalidSignature,
    #[error("request timestamp outside the allowed window")]
    StaleRequest,
    #[error("request nonce already used")]
    ReplayedRequest,
    #[error("not found")]
    NotFound,
    #[error("no user is bound to this Telegram identity")]
    NotRegistered,
    #[error("unknown, expired or used code")]
    InvalidCode,
    #[error("Telegram identity already linked")]
    TelegramAlreadyLinked,
    #[error("the account has no email address")]
    NoEmail,
    #[error("unlinking would leave the account without a way in")]
    TelegramOnly,
    #[error("rate limited for {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("method not allowed")]
    MethodNotAllowed { allow: &'static str },
    #[error("email already taken")]
    EmailTaken,
    #[error("{0} is unavailable")]
    Unavailable(
        Dependency,
        #[source] Option<Box<dyn std::error::Error + Send + Sync>>,
    ),
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl Error {
    pub fn internal(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(err.into())
    }

    pub fn unavailable(
        dependency: Dependency,
        err: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Unavailable(dependency, Some(err.into()))
    }

    fn parts(&self) -> (StatusCode, &'static str, String) {
        use StatusCode as S;
        match self {
            Self::MalformedRequest(why) => (
                S::BAD_REQUEST,
                "malformed_request",
                format!("The request body must be a JSON object ({why})."),
            ),
            Self::Validation(_) => (
                S::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "Some fields are missing or invalid.".into(),
            ),
            Self::UnsupportedMediaType => (
                S::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send the body as JSON with Content-Type: application/json.".into(),
            ),
            Self::PayloadTooLarge => (
                S::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "The request body is larger than 64 KiB.".into(),
            ),
            Self::Unauthorized => (
                S::UNAUTHORIZED,
                "unauthorized",
                "A valid access token is required.".into(),
            ),
            Self::InvalidCredentials => (
                S::UNAUTHORIZED,
                "invalid_credentials",
                "The email or password is wrong.".into(),
            ),
            Self::InvalidRefreshToken => (
                S::UNAUTHORIZED,
                "invalid_refresh_token",
                "The refresh token is invalid, expired or revoked.".into(),
            ),
            Self::TokenReused => (
                S::UNAUTHORIZED,
                "token_reused",
                "This refresh token was already used; the session has been revoked.".into(),
            ),
            Self::InvalidSignature => (
                S::UNAUTHORIZED,
                "invalid_signature",
                "The request signature is missing, malformed or wrong.".into(),
            ),
            Self::StaleRequest => (
                S::UNAUTHORIZED,
                "stale_request",
                "The request timestamp is too far from the server's clock.".into(),
            ),
            Self::ReplayedRequest => (
                S::UNAUTHORIZED,
                "replayed_request",
                "This request was already received.".into(),
            ),
            Self::NotRegistered => (
                S::NOT_FOUND,
                "not_registered",
                "No account is bound to this Telegram user.".into(),
            ),
            Self::InvalidCode => (
                S::NOT_FOUND,
                "invalid_code",
                "The code is unknown, expired or already used.".into(),
            ),
            Self::TelegramAlreadyLinked => (
                S::CONFLICT,
                "telegram_already_linked",
                "This Telegram account or this user is already linked elsewhere.".into(),
            ),
            Self::NoEmail => (
                S::CONFLICT,
                "no_email",
                "This account has no email address.".into(),
            ),
            Self::TelegramOnly => (
                S::CONFLICT,
                "telegram_only",
                "This account has no email address: Telegram is its only way in.".into(),
            ),
            Self::RateLimited { retry_after_secs } => (
                S::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("Too many attempts; try again in {retry_after_secs} seconds."),
            ),
            Self::NotFound => (S::NOT_FOUND, "not_found", "There is nothing here.".into()),
            Self::MethodNotAllowed { allow } => (
                S::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("This resource only answers {allow}."),
            ),
            Self::EmailTaken => (
                S::CONFLICT,
                "email_taken",
                "An account with this email already exists.".into(),
            ),
            Self::Unavailable(..) => (
                S::SERVICE_UNAVAILABLE,
                "unavailable",
                "The service is temporarily unavailable; try again shortly.".into(),
            ),
            Self::Internal(_) => (
                S::INTERNAL_SERVER_ERROR,
                "internal",
                "Something went wrong on our side.".into(),
            ),
        }
    }
}

/// Writes `err` and every cause under it, for logs.
fn chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        let (status, code, detail) = self.parts();
        match self {
            Self::Internal(_) => tracing::error!(error = %chain(self), "request failed"),
            Self::Unavailable(dependency, _) => {
                metrics::counter!("dependency_unavailable_total", "dependency" => dependency.to_string()).increment(1);
                tracing::warn!(error = %chain(self), "dependency unavailable");
            }
            _ => {}
        }
        let mut problem = Problem::new(
            status.as_u16(),
            status.canonical_reason().unwrap_or("Error"),
            code,
            detail,
        );
        if let Self::Validation(errors) = self {
            problem.errors = errors.clone();
        }
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE));
        match self {
            Self::Unauthorized => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::MethodNotAllowed { allow } => {
                response.insert_header((header::ALLOW, *allow));
            }
            Self::Unavailable(..) => {
                response.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECS));
            }
            Self::RateLimited { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            _ => {}
        }
        // Serialising a struct of strings cannot fail; fall back to an empty body anyway.
        response.body(serde_json::to_vec(&problem).unwrap_or_default())
    }
}

/// Unique constraints whose violation is the client's conflict, not our bug.
fn conflict_for_constraint(constraint: &str) -> Option<Error> {
    match constraint {
        "users_email_lower_key" => Some(Error::EmailTaken),
        "users_telegram_id_key" => Some(Error::TelegramAlreadyLinked),
        _ => None,
    }
}

impl From<diesel::result::Error> for Error {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error as E};
        match &err {
            E::DatabaseError(Kind::UniqueViolation, info) => info
                .constraint_name()
                .and_then(conflict_for_constraint)
                .unwrap_or_else(|| Self::internal(err)),
            E::DatabaseError(Kind::ClosedConnection | Kind::UnableToSendCommand, _)
            | E::BrokenTransactionManager => Self::unavailable(Dependency::Database, err),
            _ => Self::internal(err),
        }
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for Error {
    fn from(err: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        Self::unavailable(Dependency::Database, err)
    }
}

impl From<deadpool_redis::PoolError> for Error {
    fn from(err: deadpool_redis::PoolError) -> Self {
        Self::unavailable(Dependency::Redis, err)
    }
}

impl From<redis::RedisError> for Error {
    fn from(err: redis::RedisError) -> Self {
        // A reply we cannot read is our bug; everything else (I/O, refused,
        // busy, loading) is Redis being unavailable.
        if err.kind() == redis::ErrorKind::UnexpectedReturnType {
            Self::internal(err)
        } else {
            Self::unavailable(Dependency::Redis, err)
        }
    }
}
