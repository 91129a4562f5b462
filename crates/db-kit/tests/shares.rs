//! Which connections a thread uses: a binary of its own, so that no other
//! test's thread takes a worker slot (`service_kit::thread_slot`) between
//! the two made here.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::TestError;
use db_kit::Db;
use test_support::TestDatabase;
use tokio::runtime::Runtime;

#[derive(diesel::QueryableByName)]
struct Backend {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pid: i32,
}

/// The PostgreSQL backends that served `n` queries run one after another.
async fn backends(db: &Db, n: usize) -> Vec<i32> {
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
}

/// [`backends`] on a thread of its own with a current-thread runtime, as an
/// actix worker runs.
fn backends_seen_by_a_worker(db: &Db, n: usize) -> Vec<i32> {
    let db = db.clone();
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(backends(&db, n))
    })
    .join()
    .unwrap()
}

/// [`backends`] in a task of `runtime`, a multi-thread runtime, as the
/// services' start-up, health watches and background jobs run.
fn backends_seen_by_a_background_task(runtime: &Runtime, db: &Db, n: usize) -> Vec<i32> {
    let db = db.clone();
    runtime
        .block_on(runtime.spawn(async move { backends(&db, n).await }))
        .unwrap()
}

#[test]
fn each_thread_keeps_to_the_connections_it_made() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let database = runtime.block_on(TestDatabase::create("dbkit"));
    // On two cores: three shares of three, one per actix worker and one for the rest.
    let db = Db::new(database.url(), 9, Duration::from_secs(5)).unwrap();
    assert_eq!(
        db.status().max_size,
        9,
        "the shares add up to the pool's size"
    );
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let background = backends_seen_by_a_background_task(&runtime, &db, 5);
    // As many workers as there are shares: each has its own, or shares one
    // with another worker, never the background's.
    let workers: Vec<Vec<i32>> = (0..=cores)
        .map(|_| backends_seen_by_a_worker(&db, 5))
        .collect();
    let background_again = backends_seen_by_a_background_task(&runtime, &db, 5);
    // A thread's idle connection is reused, by it alone: one shared pool would
    // have handed the second worker the first one's idle connection, and a
    // worker the one a background task made (driven off the workers).
    for seen in workers.iter().chain([&background, &background_again]) {
        assert!(seen.iter().all(|pid| *pid == seen[0]), "{seen:?}");
    }
    if cores >= 2 {
        assert_ne!(workers[0][0], workers[1][0]);
    }
    for seen in &workers {
        assert_ne!(seen[0], background[0], "{workers:?} {background:?}");
    }
    assert_eq!(background[0], background_again[0]);
}
