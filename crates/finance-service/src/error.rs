//! The service's one error type and its mapping to the contract's problem+json.
//!
//! Policy: every failure a client can cause maps to a 4xx with a stable `code`
//! and a detail that is safe to show. A dependency that is down or too slow is
//! a 503 `unavailable` with `Retry-After`; every write is one database
//! transaction, so a 503 means nothing changed. Anything else is a bug: logged
//! in full (cause chain) and answered as a bare 500 `internal`. Storage code
//! returns diesel's errors; this file alone decides what they mean on the wire.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use auth_types::problem::codes;
use auth_types::{FieldError, Problem};
use service_kit::dependency::{BoxError, Dependency, DependencyError};
use service_kit::json::BodyError;
use session_guard::GuardError;

/// Seconds a client is asked to wait before repeating a request refused with 503.
const RETRY_AFTER_SECS: &str = "2";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Body(#[from] BodyError),
    #[error("request fields are invalid")]
    Validation(Vec<FieldError>),
    #[error("missing, invalid, expired or revoked bearer token")]
    Unauthorized,
    #[error("not found")]
    NotFound,
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("unknown, expired or used code")]
    InvalidCode,
    #[error("name taken")]
    NameTaken,
    #[error("in use: {0}")]
    InUse(&'static str),
    #[error("a request with this idempotency key is still running")]
    IdempotencyInFlight,
    #[error("the idempotency key was used for another request")]
    IdempotencyKeyReused,
    #[error("method not allowed")]
    MethodNotAllowed { allow: &'static str },
    #[error("{0} is unavailable")]
    Unavailable(Dependency, #[source] Option<BoxError>),
    #[error("internal error: {0}")]
    Internal(#[source] BoxError),
}

impl Error {
    pub fn internal(err: impl Into<BoxError>) -> Self {
        Self::Internal(err.into())
    }

    /// A 422 naming one field.
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message.into())])
    }

    /// Status, code and detail of the answer.
    pub fn parts(&self) -> (StatusCode, &'static str, String) {
        use StatusCode as S;
        match self {
            Self::Body(body) => {
                let status = body.status_code();
                let code = match body {
                    BodyError::Malformed(_) => codes::MALFORMED_REQUEST,
                    BodyError::Validation(_) => codes::VALIDATION_FAILED,
                    BodyError::UnsupportedMediaType => codes::UNSUPPORTED_MEDIA_TYPE,
                    BodyError::PayloadTooLarge => codes::PAYLOAD_TOO_LARGE,
                };
                (status, code, body.to_string())
            }
            Self::Validation(_) => (
                S::UNPROCESSABLE_ENTITY,
                codes::VALIDATION_FAILED,
                "Some fields are missing or invalid.".into(),
            ),
            Self::Unauthorized => (
                S::UNAUTHORIZED,
                codes::UNAUTHORIZED,
                "A valid access token is required.".into(),
            ),
            Self::NotFound => (
                S::NOT_FOUND,
                codes::NOT_FOUND,
                "There is nothing here.".into(),
            ),
            Self::Forbidden(why) => (S::FORBIDDEN, codes::FORBIDDEN, (*why).to_owned()),
            Self::InvalidCode => (
                S::NOT_FOUND,
                codes::INVALID_CODE,
                "The invite code is unknown, expired or already used.".into(),
            ),
            Self::NameTaken => (
                S::CONFLICT,
                codes::NAME_TAKEN,
                "Something with this name already exists here.".into(),
            ),
            Self::InUse(why) => (S::CONFLICT, codes::IN_USE, (*why).to_owned()),
            Self::IdempotencyInFlight => (
                S::CONFLICT,
                codes::IDEMPOTENCY_IN_FLIGHT,
                "A request with this Idempotency-Key is still being processed; retry shortly."
                    .into(),
            ),
            Self::IdempotencyKeyReused => (
                S::UNPROCESSABLE_ENTITY,
                codes::IDEMPOTENCY_KEY_REUSED,
                "This Idempotency-Key was used with another request.".into(),
            ),
            Self::MethodNotAllowed { allow } => (
                S::METHOD_NOT_ALLOWED,
                codes::METHOD_NOT_ALLOWED,
                format!("This resource only answers {allow}."),
            ),
            Self::Unavailable(..) => (
                S::SERVICE_UNAVAILABLE,
                codes::UNAVAILABLE,
                "The service is temporarily unavailable; try again shortly.".into(),
            ),
            Self::Internal(_) => (
                S::INTERNAL_SERVER_ERROR,
                codes::INTERNAL,
                "Something went wrong on our side.".into(),
            ),
        }
    }

    /// The problem document of this error.
    pub fn problem(&self) -> Problem {
        let (status, code, detail) = self.parts();
        let mut problem = Problem::new(
            status.as_u16(),
            status.canonical_reason().unwrap_or("Error"),
            code,
            detail,
        );
        match self {
            Self::Validation(errors) | Self::Body(BodyError::Validation(errors)) => {
                problem.errors = errors.clone();
            }
            _ => {}
        }
        problem
    }

    /// Whether this is the client's doing (a 4xx), which an idempotency key remembers.
    pub fn is_client_error(&self) -> bool {
        self.parts().0.is_client_error()
    }
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(_) => {
                tracing::error!(error = %service_kit::problem::cause_chain(self), "request failed");
            }
            Self::Unavailable(dependency, _) => {
                metrics::counter!("dependency_unavailable_total", "dependency" => dependency.to_string())
                    .increment(1);
                tracing::warn!(error = %service_kit::problem::cause_chain(self), "dependency unavailable");
            }
            _ => {}
        }
        let problem = self.problem();
        let status = self.parts().0;
        let mut response = HttpResponse::build(status);
        response.insert_header((
            header::CONTENT_TYPE,
            auth_types::problem::PROBLEM_CONTENT_TYPE,
        ));
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
            _ => {}
        }
        response.body(serde_json::to_vec(&problem).unwrap_or_default())
    }
}

impl DependencyError for Error {
    fn unavailable(dependency: Dependency, source: Option<BoxError>) -> Self {
        Self::Unavailable(dependency, source)
    }

    fn unavailable_dependency(&self) -> Option<Dependency> {
        match self {
            Self::Unavailable(dependency, _) => Some(*dependency),
            _ => None,
        }
    }

    fn is_internal(&self) -> bool {
        matches!(self, Self::Internal(_))
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

/// Unique constraints whose violation is the client's conflict, not our bug.
fn conflict_for_constraint(constraint: &str) -> Option<Error> {
    match constraint {
        "categories_name_key" | "budgets_category_currency_key" => Some(Error::NameTaken),
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
            // A row that another request deleted meanwhile.
            E::NotFound => Self::NotFound,
            // A race with a delete: the row still used (the delete's side) is
            // in use; the row gone (the writer's side) is an unknown id.
            E::DatabaseError(Kind::ForeignKeyViolation, info) => {
                if info.message().starts_with("update or delete") {
                    Self::InUse("Something else uses this record.")
                } else {
                    let field = match info.constraint_name() {
                        Some("transactions_to_account_id_fkey") => "to_account_id",
                        Some("transactions_category_id_fkey" | "budgets_category_id_fkey") => {
                            "category_id"
                        }
                        Some("categories_parent_id_fkey") => "parent_id",
                        _ => "account_id",
                    };
                    Self::field(
                        field,
                        codes::INVALID_VALUE,
                        "is not a record of this family",
                    )
                }
            }
            E::DatabaseError(Kind::ClosedConnection | Kind::UnableToSendCommand, _)
            | E::BrokenTransactionManager => {
                Self::Unavailable(Dependency::Database, Some(err.into()))
            }
            // PostgreSQL ended a statement that outlived the deadline (its
            // statement_timeout), or gave up on a deadlock: nothing was written,
            // and a retry may pass.
            E::DatabaseError(_, info)
                if info.message().contains("statement timeout")
                    || info.message().contains("deadlock detected") =>
            {
                Self::Unavailable(Dependency::Database, Some(err.into()))
            }
            _ => Self::internal(err),
        }
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for Error {
    fn from(err: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        Self::Unavailable(Dependency::Database, Some(err.into()))
    }
}

impl From<redis::RedisError> for Error {
    fn from(err: redis::RedisError) -> Self {
        GuardError::from(err).into()
    }
}
