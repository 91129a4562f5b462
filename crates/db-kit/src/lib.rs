//! PostgreSQL for every Finance Bot service: [`Db`], a pool of connections
//! with a deadline on every use that closes any connection whose work failed,
//! keeps each thread to the connections it made where it can (see
//! [`service_kit::thread_slot`]), and remembers whether the database answered
//! ([`Db::is_up`], [`Db::watch`]);
//! [`run_migrations`], which applies a service's embedded migrations under an
//! advisory lock; and [`classify`], which sorts a diesel error into what a
//! service answers for it.
//!
//! `Db` is generic over the caller's error type: anything that can say "the
//! database is unavailable" ([`DependencyError`]) and be made from a pool error.

mod prepared;

pub use prepared::{Prepared, sql, sql_once};

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::{Connection, RunQueryDsl};
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod, deadpool,
};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};
use service_kit::dependency::{BoxError, Dependency, DependencyError, deadline};
use service_kit::metrics::PoolStatus;

pub use diesel_async::pooled_connection::deadpool::{BuildError, PoolError};

/// How often [`Db::watch`] checks that the database answers.
const WATCH_EVERY: Duration = Duration::from_millis(250);

/// A pool of connections with a deadline on every use.
///
/// The connections are split into a few shares, one per actix worker and one
/// for every other thread (see [`service_kit::thread_slot`]): a
/// tokio-postgres connection is driven on the thread that made it, so a
/// request that used a connection another thread made would wake that thread
/// twice per round trip. A thread whose share has no idle connection
/// and can make no new one borrows an idle connection of another share rather
/// than wait.
#[derive(Clone)]
pub struct Db {
    shares: Arc<[deadpool::Pool<AsyncPgConnection>]>,
    timeout: Duration,
    /// Whether the last use of the database reached it (see [`Db::is_up`]).
    up: Arc<AtomicBool>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("timeout", &self.timeout)
            .field("up", &self.is_up())
            .finish_non_exhaustive()
    }
}

impl Db {
    /// At most `max_size` connections to `url`, made when needed. Every use
    /// ends within `timeout`, the wait for a connection included; PostgreSQL
    /// ends a statement running past it by itself. Fails only on a pool that
    /// cannot be built.
    pub fn new(url: &str, max_size: usize, timeout: Duration) -> Result<Self, BuildError> {
        // One share per core (the actix workers) and one for the rest (start-up,
        // the health watch, background jobs).
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let count = max_size.clamp(1, cores + 1);
        let shares = (0..count)
            .map(|i| {
                // max_size split as evenly as it goes, the first shares taking the rest.
                let size = max_size / count + usize::from(i < max_size % count);
                Self::share(url, size.max(1), timeout)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            shares: shares.into(),
            timeout,
            up: Arc::new(AtomicBool::new(true)),
        })
    }

    fn share(
        url: &str,
        max_size: usize,
        timeout: Duration,
    ) -> Result<deadpool::Pool<AsyncPgConnection>, BuildError> {
        let mut config = ManagerConfig::default();
        // No `SELECT 1` each time a connection is taken from the pool (a round trip
        // per request): `run` drops a connection whose work failed or was cut off
        // instead, and the pool still drops closed ones and broken transactions.
        config.recycling_method = RecyclingMethod::Fast;
        let statement_ms = timeout.as_millis();
        // A request that gives up on the database drops its connection mid-work;
        // these make PostgreSQL end such a statement or transaction by itself, so
        // no lock outlives the request that took it.
        config.custom_setup = Box::new(move |url| {
            Box::pin(async move {
                let mut conn =
                    <AsyncPgConnection as diesel_async::AsyncConnection>::establish(url).await?;
                diesel_async::SimpleAsyncConnection::batch_execute(
                    &mut conn,
                    &format!(
                        "SET statement_timeout = {statement_ms}; SET idle_in_transaction_session_timeout = {}",
                        statement_ms + 500
                    ),
                )
                .await
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(conn)
            })
        });
        let manager =
            AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, config);
        deadpool::Pool::builder(manager)
            .max_size(max_size)
            .wait_timeout(Some(timeout))
            .create_timeout(Some(timeout))
            .recycle_timeout(Some(timeout))
            .runtime(::deadpool::Runtime::Tokio1)
            .build()
    }

    /// The share of the calling thread, or another one's when the thread's own
    /// has no idle connection and is full while another has one idle.
    fn share_for_caller(&self) -> &deadpool::Pool<AsyncPgConnection> {
        let own = &self.shares[service_kit::thread_slot::share_of(self.shares.len())];
        let status = own.status();
        if status.available > 0 || status.size < status.max_size {
            return own;
        }
        self.shares
            .iter()
            .find(|share| share.status().available > 0)
            .unwrap_or(own)
    }

    /// Runs `f` on a pooled connection; past the deadline the database counts as
    /// unavailable (and the dropped future rolls back whatever it had begun).
    ///
    /// A connection goes back to the pool only when `f` finished without a 5xx
    /// (an error that is internal or names an unavailable dependency): one
    /// whose work failed or was cut off by the deadline may be broken or still
    /// busy, so it is closed and the pool makes a new one.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: AsyncFnOnce(&mut AsyncPgConnection) -> Result<T, E>,
        E: DependencyError + From<PoolError>,
    {
        let work = async {
            let mut conn = Suspect(Some(self.share_for_caller().get().await?));
            let pooled = conn.0.as_mut().expect("held until released");
            let result = f(&mut **pooled).await;
            let failed = match &result {
                Err(e) => e.is_internal() || e.unavailable_dependency().is_some(),
                Ok(_) => false,
            };
            if !failed {
                conn.release();
            }
            result
        };
        let result = deadline(self.timeout, Dependency::Database, work).await;
        match result.as_ref().err().map(E::unavailable_dependency) {
            Some(Some(Dependency::Database)) => self.up.store(false, Relaxed),
            // Another dependency failed inside the work: nothing learnt of this one.
            Some(Some(_)) => {}
            // Any other answer, an error included, came from the database.
            _ => self.up.store(true, Relaxed),
        }
        result
    }

    /// Whether the last use of the database, by a request or by [`Db::watch`],
    /// reached it. An answer that does not read the database (one from a
    /// cache) asks this first, so that an outage is still answered with 503 as
    /// for every other request, not hidden by the cache.
    pub fn is_up(&self) -> bool {
        self.up.load(Relaxed)
    }

    /// Pings the database every 250 ms for as long as the returned task runs,
    /// so [`Db::is_up`] turns false soon after the database stops answering
    /// (within the dependency deadline and 250 ms), requests or not.
    pub fn watch(&self) -> tokio::task::JoinHandle<()> {
        let db = self.clone();
        tokio::spawn(async move {
            loop {
                // The outcome is recorded by `run`.
                let _ = db.ping::<WatchError>().await;
                tokio::time::sleep(WATCH_EVERY).await;
            }
        })
    }

    /// The pool (all shares together), for the pool gauges.
    pub fn status(&self) -> PoolStatus {
        self.shares.iter().map(deadpool::Pool::status).fold(
            PoolStatus {
                max_size: 0,
                size: 0,
                available: 0,
                waiting: 0,
            },
            |sum, share| PoolStatus {
                max_size: sum.max_size + share.max_size,
                size: sum.size + share.size,
                available: sum.available + share.available,
                waiting: sum.waiting + share.waiting,
            },
        )
    }

    /// `SELECT 1`, for readiness.
    pub async fn ping<E>(&self) -> Result<(), E>
    where
        E: DependencyError + From<PoolError> + From<DieselError>,
    {
        self.run(async |conn| {
            diesel_async::RunQueryDsl::execute(diesel::sql_query("SELECT 1"), conn).await?;
            Ok(())
        })
        .await
    }
}

/// The error of [`Db::watch`]'s pings, which only `run` looks at (the causes
/// are kept for a debugger).
#[derive(Debug)]
#[allow(dead_code)]
enum WatchError {
    Unavailable(Dependency, Option<BoxError>),
    Internal(BoxError),
}

service_kit::impl_dependency_error!(WatchError);

impl From<PoolError> for WatchError {
    fn from(err: PoolError) -> Self {
        Self::Unavailable(Dependency::Database, Some(err.into()))
    }
}

impl From<DieselError> for WatchError {
    fn from(err: DieselError) -> Self {
        match classify(&err) {
            Failure::Unavailable => Self::Unavailable(Dependency::Database, Some(err.into())),
            _ => Self::Internal(err.into()),
        }
    }
}

/// A pooled connection that is closed when dropped, unless released back to the pool.
struct Suspect(Option<deadpool::Object<AsyncPgConnection>>);

impl Suspect {
    fn release(&mut self) {
        // Dropping the object returns it to the pool.
        self.0.take();
    }
}

impl Drop for Suspect {
    fn drop(&mut self) {
        if let Some(conn) = self.0.take() {
            drop(deadpool::Object::take(conn));
        }
    }
}

/// What a diesel error means for the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure<'a> {
    /// The connection was lost or its transaction manager broken: 503.
    Unavailable,
    /// A unique constraint refused the write: the client's conflict (409) when
    /// the service knows the constraint, else a bug.
    UniqueViolation { constraint: Option<&'a str> },
    /// Anything else: a bug (500), or for `NotFound` whatever the caller says.
    Other,
}

/// Sorts `err` for a service's `From<diesel::result::Error>`.
pub fn classify(err: &DieselError) -> Failure<'_> {
    use DatabaseErrorKind as Kind;
    match err {
        DieselError::DatabaseError(Kind::UniqueViolation, info) => Failure::UniqueViolation {
            constraint: info.constraint_name(),
        },
        DieselError::DatabaseError(Kind::ClosedConnection | Kind::UnableToSendCommand, _)
        | DieselError::BrokenTransactionManager => Failure::Unavailable,
        _ => Failure::Other,
    }
}

/// Why [`run_migrations`] failed.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    /// PostgreSQL could not be reached.
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] diesel::ConnectionError),
    /// Taking or releasing the advisory lock failed.
    #[error("the migration lock failed: {0}")]
    Lock(#[source] DieselError),
    /// A migration failed (it rolled back).
    #[error("a migration failed: {0}")]
    Migration(#[source] BoxError),
}

/// Applies the pending `migrations` to the database at `url`, holding the
/// PostgreSQL advisory lock `lock_key` so that replicas starting together
/// never race (any number, the same for every replica; services whose
/// migrations share a database should share it too). Returns the versions applied.
pub async fn run_migrations(
    url: &str,
    migrations: EmbeddedMigrations,
    lock_key: i64,
) -> Result<Vec<String>, MigrationError> {
    // Never hang on a silent server at start-up.
    let url = if url.contains("connect_timeout=") {
        url.to_owned()
    } else {
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}connect_timeout=10")
    };
    tokio::task::spawn_blocking(move || {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)
            .map_err(MigrationError::Connect)?;
        diesel::sql_query(format!("SELECT pg_advisory_lock({lock_key})"))
            .execute(&mut conn)
            .map_err(MigrationError::Lock)?;
        let applied = conn
            .run_pending_migrations(migrations)
            .map(|versions| versions.iter().map(ToString::to_string).collect())
            .map_err(MigrationError::Migration);
        diesel::sql_query(format!("SELECT pg_advisory_unlock({lock_key})"))
            .execute(&mut conn)
            .map_err(MigrationError::Lock)?;
        applied
    })
    .await
    .map_err(|e| MigrationError::Migration(e.into()))?
}
