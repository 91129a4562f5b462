//! PostgreSQL: the tables, and the embedded migrations with their lock key.
//! The pool ([`Db`]) and the migration runner are `db-kit`'s.

pub mod account_tokens;
pub mod schema;
pub mod user_merges;
pub mod users;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};

pub use db_kit::Db;

use crate::error::{Dependency, Error};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/auth");

/// Any number, as long as it is the same for every replica: it serialises migrations.
pub const MIGRATION_LOCK_KEY: i64 = 0x6175_7468_6d69_6772; // "authmigr"

/// Applies the auth service's pending migrations under its advisory lock
/// ([`db_kit::run_migrations`]). Returns the versions applied.
pub async fn run_migrations(url: &str) -> Result<Vec<String>, Error> {
    db_kit::run_migrations(url, MIGRATIONS, MIGRATION_LOCK_KEY)
        .await
        .map_err(|err| match err {
            db_kit::MigrationError::Connect(_) => Error::unavailable(Dependency::Database, err),
            _ => Error::internal(err),
        })
}
