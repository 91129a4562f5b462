//! The dependencies a request may wait on (PostgreSQL, Redis, …), the errors
//! that say one of them failed, and the deadline every use of one runs under.
//!
//! Each service has its own error type; the shared clients (`db-kit`'s `Db`,
//! `session-guard`'s `Redis`) only need to make one that says "this dependency
//! is unavailable" and to ask an error which dependency failed, which
//! [`DependencyError`] gives them.

use std::fmt;
use std::future::Future;
use std::time::Duration;

/// The cause of a failure, kept for the logs.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A dependency whose failure turns into 503 `unavailable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dependency {
    /// PostgreSQL.
    Database,
    Redis,
    /// Any other, by the name the logs and the `dependency` label of
    /// `dependency_unavailable_total` give it (`"mail"`, `"password hasher"`).
    Named(&'static str),
}

impl fmt::Display for Dependency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Database => "database",
            Self::Redis => "redis",
            Self::Named(name) => name,
        })
    }
}

/// What the shared clients need of a service's error type.
pub trait DependencyError: Sized {
    /// `dependency` failed or was too slow (503).
    fn unavailable(dependency: Dependency, source: Option<BoxError>) -> Self;
    /// The dependency this error says is unavailable, if it says so.
    fn unavailable_dependency(&self) -> Option<Dependency>;
    /// Whether this error is a bug of ours (500).
    fn is_internal(&self) -> bool;
}

/// Implements [`DependencyError`] for an error enum that has the variants
/// `Unavailable(Dependency, Option<BoxError>)` and `Internal(BoxError)`, as
/// the services' errors do: `service_kit::impl_dependency_error!(Error);`.
#[macro_export]
macro_rules! impl_dependency_error {
    ($error:ty) => {
        impl $crate::dependency::DependencyError for $error {
            fn unavailable(
                dependency: $crate::dependency::Dependency,
                source: ::std::option::Option<$crate::dependency::BoxError>,
            ) -> Self {
                Self::Unavailable(dependency, source)
            }

            fn unavailable_dependency(
                &self,
            ) -> ::std::option::Option<$crate::dependency::Dependency> {
                match self {
                    Self::Unavailable(dependency, _) => ::std::option::Option::Some(*dependency),
                    _ => ::std::option::Option::None,
                }
            }

            fn is_internal(&self) -> bool {
                ::std::matches!(self, Self::Internal(_))
            }
        }
    };
}

/// Runs `work`, failing with `E::unavailable(dependency)` when it takes longer
/// than `timeout` (the work is dropped, and with it whatever it had begun).
pub async fn deadline<T, E: DependencyError>(
    timeout: Duration,
    dependency: Dependency,
    work: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    tokio::time::timeout(timeout, work)
        .await
        .unwrap_or_else(|_| Err(E::unavailable(dependency, Some("timed out".into()))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    enum TestError {
        Unavailable(Dependency, String),
        Other,
    }

    impl DependencyError for TestError {
        fn unavailable(dependency: Dependency, source: Option<BoxError>) -> Self {
            Self::Unavailable(
                dependency,
                source.map(|s| s.to_string()).unwrap_or_default(),
            )
        }
        fn unavailable_dependency(&self) -> Option<Dependency> {
            match self {
                Self::Unavailable(dependency, _) => Some(*dependency),
                Self::Other => None,
            }
        }
        fn is_internal(&self) -> bool {
            false
        }
    }

    #[test]
    fn dependencies_are_named_as_the_metrics_label_them() {
        assert_eq!(Dependency::Database.to_string(), "database");
        assert_eq!(Dependency::Redis.to_string(), "redis");
        assert_eq!(Dependency::Named("mail").to_string(), "mail");
    }

    #[tokio::test]
    async fn work_past_the_deadline_is_the_dependency_unavailable() {
        let slow = async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok::<_, TestError>(1)
        };
        match deadline(Duration::from_millis(20), Dependency::Redis, slow).await {
            Err(TestError::Unavailable(Dependency::Redis, why)) => assert_eq!(why, "timed out"),
            other => panic!("{other:?}"),
        }
        let quick = async { Err::<u8, _>(TestError::Other) };
        let answer = deadline(Duration::from_secs(1), Dependency::Database, quick).await;
        assert!(matches!(answer, Err(TestError::Other)));
    }
}
