//! PostgreSQL: the embedded migrations and one module per table (or per
//! group of tables that change together). Queries are written in SQL with
//! typed binds; each function returns diesel's errors, which `error.rs` alone
//! turns into answers.

pub mod accounts;
pub mod budgets;
pub mod categories;
pub mod families;
pub mod goals;
pub mod invites;
pub mod members;
pub mod totals;
pub mod transactions;

use diesel::result::Error as DieselError;
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, embed_migrations};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/finance");

/// The auth service's migration lock: both services' migrations share
/// PostgreSQL's migration table, so they never run at the same time.
pub const MIGRATION_LOCK_KEY: i64 = 0x6175_7468_6d69_6772;

/// Applies pending migrations under the shared lock.
pub async fn run_migrations(url: &str) -> Result<Vec<String>, db_kit::MigrationError> {
    db_kit::run_migrations(url, MIGRATIONS, MIGRATION_LOCK_KEY).await
}

/// `Ok(None)` for a query that found no row.
pub trait Optional<T> {
    fn optional(self) -> Result<Option<T>, DieselError>;
}

impl<T> Optional<T> for Result<T, DieselError> {
    fn optional(self) -> Result<Option<T>, DieselError> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(DieselError::NotFound) => Ok(None),
            Err(err) => Err(err),
        }
    }
}

/// A NUMERIC sum read as text (`sum::text`): exact, never a float.
pub fn sum(text: &str) -> Result<i128, DieselError> {
    text.parse()
        .map_err(|e| DieselError::DeserializationError(Box::new(e)))
}

/// A statement without binds or rows (`BEGIN`, `COMMIT`, `SAVEPOINT work`…),
/// kept prepared like every other, so that it can go out in one write with
/// the statements around it: futures made on one `&AsyncPgConnection` and
/// polled together are sent in the order they are first polled, without
/// waiting for each other's answers (diesel-async's pipelining). PostgreSQL
/// still runs them one after the other, each in its own snapshot.
pub async fn exec(
    mut conn: &AsyncPgConnection,
    statement: &'static str,
) -> Result<(), DieselError> {
    db_kit::sql(statement).execute(&mut conn).await?;
    Ok(())
}

/// Runs `first` and then `work` in a database transaction: committed when
/// `work` returns `Ok`, rolled back when either returns `Err`. `BEGIN` and
/// `first` go out in one write and come back in one round trip (see [`exec`]),
/// `first` running inside the transaction, so a lock it takes is held to the
/// end. (diesel-async's own `transaction` wants a `Send` future, which a
/// handler's generic work cannot promise.) A dropped future leaves the
/// transaction open, but its connection is then closed, never reused
/// (`db_kit::Db::run`).
pub async fn atomically<T, U, E, F, G>(
    conn: &mut AsyncPgConnection,
    first: F,
    work: G,
) -> Result<T, E>
where
    F: AsyncFnOnce(&AsyncPgConnection) -> Result<U, E>,
    G: AsyncFnOnce(&mut AsyncPgConnection, U) -> Result<T, E>,
    E: From<DieselError>,
{
    let (began, first) = {
        let conn: &AsyncPgConnection = conn;
        futures_util::future::join(exec(conn, "BEGIN"), first(conn)).await
    };
    began?;
    let result = match first {
        Ok(found) => work(conn, found).await,
        Err(err) => Err(err),
    };
    match result {
        Ok(value) => {
            conn.batch_execute("COMMIT").await?;
            Ok(value)
        }
        Err(err) => {
            // A failed rollback fails the request as the database's error, so
            // the connection is closed rather than returned in a transaction.
            conn.batch_execute("ROLLBACK").await?;
            Err(err)
        }
    }
}
