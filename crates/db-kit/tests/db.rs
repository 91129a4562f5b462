//! `Db` and the migrations against a real PostgreSQL.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

mod common;

use common::TestError;
use db_kit::{Db, run_migrations};
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use service_kit::dependency::Dependency;
use test_support::TestDatabase;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/auth");
const LOCK_KEY: i64 = 0x6462_6b69_7474_6573; // "dbkittes"

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
