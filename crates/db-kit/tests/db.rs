//! `Db` and the migrations against a real PostgreSQL.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use db_kit::{Db, Failure, PoolError, classify, run_migrations};
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use service_kit::dependency::{BoxError, Dependency};
use test_support::TestDatabase;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/auth");
const LOCK_KEY: i64 = 0x6462_6b69_7474_6573; // "dbkittes"

/// A service's error, as small as `Db` allows.
#[derive(Debug)]
#[allow(dead_code)]
enum TestError {
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

#[tokio::test]
async fn migrations_apply_once_even_when_started_together() {
    let db = TestDatabase::create("dbkit").await;
    let (first, second) = tokio::join!(
        run_migrations(db.url(), MIGRATIONS, LOCK_KEY),
        run_migrations(db.url(), MIGRATIONS, LOCK_KEY),
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    let all = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../migrations/auth"
    ))
    .unwrap()
    .count();
    assert_eq!(first.len() + second.len(), all, "{first:?} {second:?}");
    assert!(
        run_migrations(db.url(), MIGRATIONS, LOCK_KEY)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_unique_violation_names_its_constraint() {
    let db = TestDatabase::migrated("dbkit", &["auth"]).await;
    let pool = Db::new(db.url(), 2, Duration::from_secs(2)).unwrap();
    let insert = "INSERT INTO users (id, email, email_verified, created_at, updated_at) \
                  VALUES (gen_random_uuid(), 'a@example.com', false, now(), now())";
    let run = || {
        pool.run(async |conn| {
            diesel_async::RunQueryDsl::execute(diesel::sql_query(insert), conn).await?;
            Ok::<_, TestError>(())
        })
    };
    run().await.unwrap();
    match run().await {
        Err(TestError::Conflict(name)) => assert_eq!(name, "users_email_lower_key"),
        other => panic!("{other:?}"),
    }
    assert!(pool.is_up());
    pool.ping::<TestError>().await.unwrap();
}

#[tokio::test]
async fn a_database_that_does_not_answer_is_unavailable_within_the_deadline() {
    let pool = Db::new(
        "postgres://postgres:postgres@127.0.0.1:1/none",
        2,
        Duration::from_millis(500),
    )
    .unwrap();
    let started = Instant::now();
    let answer = pool.ping::<TestError>().await;
    assert!(
        matches!(answer, Err(TestError::Unavailable(Dependency::Database, _))),
        "{answer:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(!pool.is_up());
    assert_eq!(pool.status().max_size, 2);
}

#[derive(diesel::QueryableByName)]
struct Backend {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pid: i32,
}

/// The PostgreSQL backends that served `n` queries run one after another
/// on a thread of its own with its own runtime, as an actix worker does.
fn backends_seen_by_a_thread(db: &Db, n: usize) -> Vec<i32> {
    let db = db.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let mut pids = Vec::new();
            for _ in 0..n {
                let backend: Backend = db
                    .run::<_, TestError, _>(async |conn| {
                        Ok(diesel_async::RunQueryDsl::get_result(
                            diesel::sql_query("SELECT pg_backend_pid() AS pid"),
                            conn,
                        )
                        .await?)
                    })
                    .await
                    .unwrap();
                pids.push(backend.pid);
            }
            pids
        })
    })
    .join()
    .unwrap()
}

#[tokio::test]
async fn each_thread_keeps_to_the_connections_it_made() {
    let database = TestDatabase::create("dbkit").await;
    let db = Db::new(database.url(), 8, Duration::from_secs(5)).unwrap();
    assert_eq!(
        db.status().max_size,
        8,
        "the shares add up to the pool's size"
    );
    let first = backends_seen_by_a_thread(&db, 5);
    let second = backends_seen_by_a_thread(&db, 5);
    // A thread's idle connection is reused, by it alone: one shared pool would
    // have handed the second thread the first one's idle connection.
    assert!(first.iter().all(|pid| *pid == first[0]), "{first:?}");
    assert!(second.iter().all(|pid| *pid == second[0]), "{second:?}");
    assert_ne!(first[0], second[0]);
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Runs `text` three times on one connection, made by `statement` with the
/// values 7, 8 and 9 bound: what each answered, and how many statements of
/// that text the connection kept prepared after it.
async fn three_uses(
    text: &'static str,
    statement: fn(&'static str) -> db_kit::Prepared<'static>,
) -> Vec<(i64, i64)> {
    let database = TestDatabase::create("dbkit").await;
    let db = Db::new(database.url(), 1, Duration::from_secs(5)).unwrap();
    db.run::<_, TestError, _>(async |conn| {
        let mut uses = Vec::new();
        for value in [7_i64, 8, 9] {
            let row: Count = diesel_async::RunQueryDsl::get_result(
                statement(text).bind::<diesel::sql_types::BigInt, _>(value),
                conn,
            )
            .await?;
            let kept: Count = diesel_async::RunQueryDsl::get_result(
                db_kit::sql(
                    "SELECT count(*) AS n FROM pg_prepared_statements WHERE statement = $1",
                )
                .bind::<diesel::sql_types::Text, _>(text),
                conn,
            )
            .await?;
            uses.push((row.n, kept.n));
        }
        Ok(uses)
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_statement_made_with_sql_is_prepared_once_per_connection() {
    // The binds reach the statement; it is kept by the connection after the
    // first use, and not prepared again.
    assert_eq!(
        three_uses("SELECT $1::bigint AS n", db_kit::sql).await,
        vec![(7, 1), (8, 1), (9, 1)]
    );
}

#[tokio::test]
async fn a_statement_made_with_sql_once_is_never_kept() {
    // Planned for its values at each use: nothing kept on the connection.
    assert_eq!(
        three_uses("SELECT $1::bigint + 1 AS n", db_kit::sql_once).await,
        vec![(8, 0), (9, 0), (10, 0)]
    );
}
