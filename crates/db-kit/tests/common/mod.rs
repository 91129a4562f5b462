//! What the db-kit test binaries share.

use db_kit::{Failure, PoolError, classify};
use service_kit::dependency::{BoxError, Dependency};

/// A service's error, as small as `Db` allows.
#[derive(Debug)]
#[allow(dead_code)]
pub enum TestError {
    Unavailable(Dependency, Option<BoxError>),
    Conflict(String),
    Internal(BoxError),
}

service_kit::impl_dependency_error!(TestError);

impl From<PoolError> for TestError {
    fn from(err: PoolError) -> Self {
        Self::Unavailable(Dependency::Database, Some(err.into()))
    }
}

impl From<diesel::result::Error> for TestError {
    fn from(err: diesel::result::Error) -> Self {
        match classify(&err) {
            Failure::Unavailable => Self::Unavailable(Dependency::Database, Some(err.into())),
            Failure::UniqueViolation {
                constraint: Some(name),
            } => Self::Conflict(name.to_owned()),
            _ => Self::Internal(err.into()),
        }
    }
}
