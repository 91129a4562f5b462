use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

use diesel::Connection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use sha2::{Digest, Sha256};

/// A PostgreSQL database of its own for one test, dropped with the fixture.
pub struct TestDatabase {
    name: String,
    admin_url: String,
    url: String,
}

fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".to_owned())
}

/// `admin_url` with its database name replaced by `name`.
fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = admin_url
        .split_once('?')
        .map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let base = base.rsplit_once('/').map_or(base, |(server, _)| server);
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Serialises the making of template databases across test processes.
const TEMPLATE_LOCK_KEY: i64 = 0x7465_7374_7470_6c74; // "testtplt"

async fn connect_admin(admin_url: &str) -> AsyncPgConnection {
    AsyncPgConnection::establish(admin_url)
        .await
        .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at TEST_DATABASE_URL: {e}"))
}

/// A database migrated once with the migrations of one or more folders under
/// the repository's `migrations/` (`auth`, `finance`, applied in that order),
/// from which each test's database is copied ([`TestDatabase::from_template`]).
///
/// Its name is a hash of every file of those folders, so a changed or added
/// migration makes a new template. It is made once per PostgreSQL server, by
/// whichever test process comes first (the others wait on an advisory lock),
/// and kept for the next runs.
#[derive(Debug, Clone)]
pub struct Template {
    name: String,
    folders: Vec<PathBuf>,
}

impl Template {
    /// The template of the migrations in `migrations/{source}` for each of
    /// `sources`, applied in this order.
    pub fn new(sources: &[&str]) -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
        let folders: Vec<PathBuf> = sources.iter().map(|s| root.join(s)).collect();
        let mut hash = Sha256::new();
        for (source, folder) in sources.iter().zip(&folders) {
            hash.update(source.as_bytes());
            let mut files = Vec::new();
            collect_files(folder, &mut files);
            assert!(!files.is_empty(), "no migrations in {}", folder.display());
            files.sort();
            for file in files {
                let relative = file.strip_prefix(folder).unwrap_or(&file);
                hash.update(relative.to_string_lossy().as_bytes());
                hash.update(std::fs::read(&file).expect("read a migration"));
            }
        }
        let digest = hex::encode(hash.finalize());
        Self {
            name: format!("test_template_{}", &digest[..16]),
            folders,
        }
    }

    /// The auth service's migrations.
    pub fn auth() -> Self {
        Self::new(&["auth"])
    }

    /// The template database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Makes the template database unless it exists.
    async fn ensure(&self, admin_url: &str) {
        static READY: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
        let ready = READY.get_or_init(Default::default);
        let is_ready = |ready: &Mutex<HashSet<String>>| {
            ready
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .contains(&self.name)
        };
        if is_ready(ready) {
            return;
        }
        let mut admin = connect_admin(admin_url).await;
        // Session-level: released by the unlock below, or when the connection ends.
        diesel::sql_query(format!("SELECT pg_advisory_lock({TEMPLATE_LOCK_KEY})"))
            .execute(&mut admin)
            .await
            .expect("lock the templates");
        let exists = diesel::sql_query(format!(
            "SELECT 1 FROM pg_database WHERE datname = '{}'",
            self.name
        ))
        .execute(&mut admin)
        .await
        .expect("look for the template")
            > 0;
        if !exists {
            // Made under another name and renamed once whole, so a run that
            // died midway leaves no template half-made.
            let building = format!("{}_building", self.name);
            for statement in [
                format!("DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"),
                format!("CREATE DATABASE \"{building}\""),
            ] {
                diesel::sql_query(statement)
                    .execute(&mut admin)
                    .await
                    .expect("create the template");
            }
            let url = with_database(admin_url, &building);
            let folders = self.folders.clone();
            tokio::task::spawn_blocking(move || migrate(&url, &folders))
                .await
                .expect("migrate the template");
            diesel::sql_query(format!(
                "ALTER DATABASE \"{building}\" RENAME TO \"{}\"",
                self.name
            ))
            .execute(&mut admin)
            .await
            .expect("name the template");
        }
        diesel::sql_query(format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK_KEY})"))
            .execute(&mut admin)
            .await
            .expect("unlock the templates");
        ready
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(self.name.clone());
    }
}

/// Every file under `folder`.
fn collect_files(folder: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(folder)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", folder.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect_files(&path, files);
        } else {
            files.push(path);
        }
    }
}

/// Applies the migrations of each folder, in order, to the database at `url`.
fn migrate(url: &str, folders: &[PathBuf]) {
    let mut conn = <AsyncConnectionWrapper<AsyncPgConnection> as Connection>::establish(url)
        .expect("connect to the template");
    for folder in folders {
        let migrations = FileBasedMigrations::from_path(folder)
            .unwrap_or_else(|e| panic!("migrations in {}: {e}", folder.display()));
        conn.run_pending_migrations(migrations)
            .unwrap_or_else(|e| panic!("migrations in {}: {e}", folder.display()));
    }
}

impl TestDatabase {
    /// Creates an empty database with a unique name; the caller migrates it.
    pub async fn create(label: &str) -> Self {
        Self::create_from(label, None).await
    }

    /// A database of its own for one test, a copy of `template` (made first if
    /// needed): already migrated, in the time of a file copy.
    pub async fn from_template(label: &str, template: &Template) -> Self {
        template.ensure(&admin_url()).await;
        Self::create_from(label, Some(template.name())).await
    }

    /// [`from_template`](Self::from_template) of [`Template::new`]`(sources)`:
    /// `TestDatabase::migrated("finance", &["auth", "finance"])`.
    pub async fn migrated(label: &str, sources: &[&str]) -> Self {
        Self::from_template(label, &Template::new(sources)).await
    }

    async fn create_from(label: &str, template: Option<&str>) -> Self {
        let admin_url = admin_url();
        let name = format!("test_{label}_{}", uuid::Uuid::new_v4().simple());
        let mut admin = connect_admin(&admin_url).await;
        let statement = match template {
            Some(template) => format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""),
            None => format!("CREATE DATABASE \"{name}\""),
        };
        diesel::sql_query(statement)
            .execute(&mut admin)
            .await
            .expect("create test database");
        let url = with_database(&admin_url, &name);
        Self {
            name,
            admin_url,
            url,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// A new connection to this database, for assertions on its rows.
    pub async fn connect(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.url)
            .await
            .expect("connect to test database")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        crate::block_on_side_thread(async move {
            if let Ok(mut admin) = AsyncPgConnection::establish(&admin_url).await {
                // FORCE ends the connections the app under test still holds.
                let _ =
                    diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .execute(&mut admin)
                        .await;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_is_replaced_keeping_the_query() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/postgres", "x"),
            "postgres://u:p@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://h/postgres?sslmode=disable", "x"),
            "postgres://h/x?sslmode=disable"
        );
    }
}
