//! The service's one error type and its mapping to the contract's problem+json
//! (written by `service_kit::problem`).
//!
//! Policy: every failure a client can cause maps to a 4xx with a stable `code`
//! and a detail that is safe to show. A dependency that is down or too slow is
//! a 503 `unavailable` with `Retry-After` — and since every write is a single
//! statement or transaction, a 503 means nothing changed. Anything else is a
//! bug: it is logged in full (cause chain) and answered as a bare 500 `internal`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use auth_types::FieldError;
use auth_types::problem::codes;
use db_kit::Failure;
use service_kit::json::BodyError;
use service_kit::problem::{self, problem_response};
use session_guard::GuardError;

pub use service_kit::dependency::{BoxError, Dependency, DependencyError};

/// The mail server is not configured (no `SMTP_URL`), or its queue is full.
pub const MAIL: Dependency = Dependency::Named("mail");
/// Every bcrypt thread is busy and the queue is too long.
pub const PASSWORD_HASHER: Dependency = Dependency::Named("password hasher");

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 400, 413, 415, or 422 for fields that do not fit the body's type.
    #[error(transparent)]
    Body(#[from] BodyError),
    #[error("request fields are invalid")]
    Validation(Vec<FieldError>),
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
    #[error("email already taken")]
    EmailTaken,
    #[error("{0} is unavailable")]
    Unavailable(Dependency, #[source] Option<BoxError>),
    #[error("internal error: {0}")]
    Internal(#[source] BoxError),
}

impl Error {
    pub fn internal(err: impl Into<BoxError>) -> Self {
        Self::Internal(err.into())
    }

    pub fn unavailable(dependency: Dependency, err: impl Into<BoxError>) -> Self {
        Self::Unavailable(dependency, Some(err.into()))
    }

    /// The status, code and detail of the 4xx answers that need nothing else.
    fn client_error(&self) -> Option<(StatusCode, &'static str, &'static str)> {
        use StatusCode as S;
        Some(match self {
            Self::InvalidCredentials => (
                S::UNAUTHORIZED,
                codes::INVALID_CREDENTIALS,
                "The email or password is wrong.",
            ),
            Self::InvalidRefreshToken => (
                S::UNAUTHORIZED,
                codes::INVALID_REFRESH_TOKEN,
                "The refresh token is invalid, expired or revoked.",
            ),
            Self::TokenReused => (
                S::UNAUTHORIZED,
                codes::TOKEN_REUSED,
                "This refresh token was already used; the session has been revoked.",
            ),
            Self::InvalidSignature => (
                S::UNAUTHORIZED,
                codes::INVALID_SIGNATURE,
                "The request signature is missing, malformed or wrong.",
            ),
            Self::StaleRequest => (
                S::UNAUTHORIZED,
                codes::STALE_REQUEST,
                "The request timestamp is too far from the server's clock.",
            ),
            Self::ReplayedRequest => (
                S::UNAUTHORIZED,
                codes::REPLAYED_REQUEST,
                "This request was already received.",
            ),
            Self::NotRegistered => (
                S::NOT_FOUND,
                codes::NOT_REGISTERED,
                "No account is bound to this Telegram user.",
            ),
            Self::InvalidCode => (
                S::NOT_FOUND,
                codes::INVALID_CODE,
                "The code is unknown, expired or already used.",
            ),
            Self::TelegramAlreadyLinked => (
                S::CONFLICT,
                codes::TELEGRAM_ALREADY_LINKED,
                "This Telegram account or this user is already linked elsewhere.",
            ),
            Self::NoEmail => (
                S::CONFLICT,
                codes::NO_EMAIL,
                "This account has no email address.",
            ),
            Self::TelegramOnly => (
                S::CONFLICT,
                codes::TELEGRAM_ONLY,
                "This account has no email address: Telegram is its only way in.",
            ),
            Self::EmailTaken => (
                S::CONFLICT,
                codes::EMAIL_TAKEN,
                "An account with this email already exists.",
            ),
            _ => return None,
        })
    }
}

service_kit::impl_dependency_error!(Error);

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Body(body) => body.status_code(),
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(..) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => self
                .client_error()
                .map_or(StatusCode::INTERNAL_SERVER_ERROR, |(status, ..)| status),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Body(body) => body.error_response(),
            Self::Validation(errors) => problem::validation_failed(errors.clone()),
            Self::Unauthorized => problem::unauthorized(),
            Self::NotFound => problem::not_found(),
            Self::RateLimited { retry_after_secs } => problem::rate_limited(*retry_after_secs),
            Self::Unavailable(dependency, _) => problem::dependency_unavailable(*dependency, self),
            Self::Internal(_) => problem::internal(self),
            _ => match self.client_error() {
                Some((status, code, detail)) => problem_response(status, code, detail, Vec::new()),
                None => problem::internal(self),
            },
        }
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
        match db_kit::classify(&err) {
            Failure::UniqueViolation {
                constraint: Some(constraint),
            } => conflict_for_constraint(constraint).unwrap_or_else(|| Self::internal(err)),
            Failure::Unavailable => Self::unavailable(Dependency::Database, err),
            _ => Self::internal(err),
        }
    }
}

impl From<db_kit::PoolError> for Error {
    fn from(err: db_kit::PoolError) -> Self {
        Self::unavailable(Dependency::Database, err)
    }
}

impl From<GuardError> for Error {
    fn from(err: GuardError) -> Self {
        match err {
            GuardError::Unauthorized => Self::Unauthorized,
            GuardError::Unavailable(dependency, source) => Self::Unavailable(dependency, source),
            GuardError::Internal(source) => Self::Internal(source),
        }
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
