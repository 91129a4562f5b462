//! Which Redis connection a thread uses: a binary of its own, so that no
//! other test's thread takes a worker slot (`service_kit::thread_slot`)
//! between the ones made here.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use session_guard::{GuardError, Redis};
use test_support::TestRedis;
use tokio::runtime::Runtime;

/// The `CLIENT ID`s of the connections that served `n` commands run one after another.
async fn clients(redis: &Redis, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for _ in 0..n {
        let id = redis
            .run(async |conn| {
                Ok::<_, GuardError>(redis::cmd("CLIENT").arg("ID").query_async(conn).await?)
            })
            .await
            .unwrap();
        ids.push(id);
    }
    ids
}

/// A thread of its own with a current-thread runtime, as an actix worker
/// runs, that keeps its runtime (and so the connections it drives) running
/// until it is let go.
struct Worker {
    clients: Vec<i64>,
    release: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Worker {
    /// Starts a worker that runs [`clients`] with `n` commands.
    fn start(redis: &Redis, n: usize) -> Self {
        let redis = redis.clone();
        let (seen, answered) = std::sync::mpsc::channel();
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async move {
                    seen.send(clients(&redis, n).await).unwrap();
                    let _ = released.await;
                });
        });
        Self {
            clients: answered.recv().unwrap(),
            release,
            thread,
        }
    }

    fn stop(self) {
        let _ = self.release.send(());
        self.thread.join().unwrap();
    }
}

/// [`clients`] in a task of `runtime`, a multi-thread runtime, as the
/// services' health watches and background jobs run.
fn clients_of_a_background_task(runtime: &Runtime, redis: &Redis, n: usize) -> Vec<i64> {
    let redis = redis.clone();
    runtime
        .block_on(runtime.spawn(async move { clients(&redis, n).await }))
        .unwrap()
}

#[test]
fn workers_never_use_the_connection_a_background_task_made() {
    let space = TestRedis::new();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let redis = Redis::new(space.url(), 3, space.prefix(), Duration::from_secs(5)).unwrap();
    let background = clients_of_a_background_task(&runtime, &redis, 3);
    // Three workers on two worker connections: the third shares the first's
    // socket, never the background's.
    let workers: Vec<Worker> = (0..3).map(|_| Worker::start(&redis, 3)).collect();
    let background_again = clients_of_a_background_task(&runtime, &redis, 3);
    let seen: Vec<&Vec<i64>> = workers.iter().map(|w| &w.clients).collect();
    for ids in seen.iter().copied().chain([&background, &background_again]) {
        assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    }
    assert_ne!(seen[0][0], seen[1][0]);
    assert_eq!(seen[2][0], seen[0][0]);
    for ids in &seen {
        assert_ne!(ids[0], background[0], "{seen:?} {background:?}");
    }
    assert_eq!(background[0], background_again[0]);
    for worker in workers {
        worker.stop();
    }
}
