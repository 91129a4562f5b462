//! PostgreSQL: the connection pool, the embedded migrations and the tables.

pub mod account_tokens;
pub mod schema;
pub mod users;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use diesel::{Connection, RunQueryDsl};
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod, deadpool,
};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::{Dependency, Error};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/auth");

/// Any number, as long as it is the same for every replica: it serialises migrations.
const MIGRATION_LOCK_KEY: i64 = 0x6175_7468_6d69_6772; // "authmigr"

/// How often [`Db::watch`] checks that the database answers.
const WATCH_EVERY: Duration = Duration::from_millis(250);

/// A pool of connections with a deadline on every use.
#[derive(Clone)]
pub struct Db {
    pool: deadpool::Pool<AsyncPgConnection>,
    timeout: Duration,
    /// Whether the last use of the database reached it (see [`Db::is_up`]).
    up: Arc<AtomicBool>,
}

impl Db {
    pub fn new(url: &str, max_size: usize, timeout: Duration) -> Result<Self, Error> {
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
        let pool = deadpool::Pool::builder(manager)
            .max_size(max_size)
            .wait_timeout(Some(timeout))
            .create_timeout(Some(timeout))
            .recycle_timeout(Some(timeout))
            .runtime(deadpool_redis::Runtime::Tokio1)
            .build()
            .map_err(Error::internal)?;
        Ok(Self {
            pool,
            timeout,
            up: Arc::new(AtomicBool::new(true)),
        })
    }

    /// Runs `f` on a pooled connection; past the deadline the database counts as
    /// unavailable (and the dropped future rolls back whatever it had begun).
    ///
    /// A connection goes back to the pool only when `f` finished without a 5xx:
    /// one whose work failed or was cut off by the deadline may be broken or
    /// still busy, so it is closed and the pool makes a new one.
    pub async fn run<T, F>(&self, f: F) -> Result<T, Error>
    where
        F: AsyncFnOnce(&mut AsyncPgConnection) -> Result<T, Error>,
    {
        let work = async {
            let mut conn = Suspect(Some(self.pool.get().await?));
            let result = match conn.0.as_mut() {
                Some(pooled) => f(&mut **pooled).await,
                None => Err(Error::internal("pooled connection missing")),
            };
            if !matches!(result, Err(Error::Unavailable(..) | Error::Internal(_))) {
                conn.release();
            }
            result
        };
        let result = deadline(self.timeout, Dependency::Database, work).await;
        match &result {
            Err(Error::Unavailable(Dependency::Database, _)) => self.up.store(false, Relaxed),
            // Another dependency failed inside the work: nothing learnt of this one.
            Err(Error::Unavailable(..)) => {}
            // Any other answer, an error included, came from the database.
            _ => self.up.store(true, Relaxed),
        }
        result
    }

    /// Whether the last use of the database, by a request or by [`Db::watch`],
    /// reached it. An answer that does not read the database (`/me` from the
    /// user cache) asks this first, so that an outage is still answered with
    /// 503 as for every other request, not hidden by the cache.
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
                // The outcome is recorded by `run`; a failure is only logged there.
                let _ = db.ping().await;
                tokio::time::sleep(WATCH_EVERY).await;
            }
        })
    }

    pub fn status(&self) -> ::deadpool_redis::Status {
        self.pool.status()
    }

    /// `SELECT 1`, for readiness.
    pub async fn ping(&self) -> Result<(), Error> {
        self.run(async |conn| {
            diesel_async::RunQueryDsl::execute(diesel::sql_query("SELECT 1"), conn).await?;
            Ok(())
        })
        .await
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

/// Fails with 503 `unavailable` when `work` takes longer than `timeout`.
pub async fn deadline<T>(
    timeout: Duration,
    dependency: Dependency,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    tokio::time::timeout(timeout, work)
        .await
        .unwrap_or_else(|_| Err(Error::unavailable(dependency, "timed out")))
}

/// Applies pending migrations, holding an advisory lock so that replicas
/// starting together never race. Returns the versions applied.
pub async fn run_migrations(url: &str) -> Result<Vec<String>, Error> {
    // Never hang on a silent server at start-up.
    let url = if url.contains("connect_timeout=") {
        url.to_owned()
    } else {
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}connect_timeout=10")
    };
    tokio::task::spawn_blocking(move || {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)
            .map_err(|e| Error::unavailable(Dependency::Database, e))?;
        diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
            .execute(&mut conn)?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(ToString::to_string).collect())
            .map_err(Error::Internal);
        diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
            .execute(&mut conn)?;
        applied
    })
    .await
    .map_err(Error::internal)?
}
