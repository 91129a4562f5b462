//! Which share of a client's connections the calling thread keeps to.
//!
//! A tokio-based connection (Redis's multiplexed one, tokio-postgres's) is
//! driven by a task on the runtime of the thread that made it. Used from
//! another thread (the other actix worker), every round trip wakes that
//! thread and then wakes the caller back: two context switches, which on a
//! small VM cost more than the request itself. Keeping each thread to the
//! connections it made keeps a request's I/O on its own thread.
//!
//! Only a thread that runs a current-thread runtime (each actix worker does,
//! and so do the blocking threads a worker starts, which see its runtime)
//! drives what it makes; the threads of a multi-thread runtime (the main one:
//! start-up, health watches, background jobs) pass tasks between them, so they
//! keep to one share of their own rather than to a worker's: a connection they
//! made, driven off the workers, would cost a worker two wake-ups per round
//! trip every time it used it. (A full share may still borrow another's idle
//! connection; see `db_kit::Db`.)

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::runtime::{Handle, RuntimeFlavor};

/// The calling thread's number among the threads that drive their own
/// connections: 0 for the first such thread that asks, then 1, 2, …, the same
/// every time on one thread; `None` for any other thread.
pub fn worker_slot() -> Option<usize> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SLOT: Option<usize> = Handle::try_current()
            .is_ok_and(|runtime| runtime.runtime_flavor() == RuntimeFlavor::CurrentThread)
            .then(|| NEXT.fetch_add(1, Ordering::Relaxed));
    }
    SLOT.with(|slot| *slot)
}

/// Which of `count` shares the calling thread uses: with two or more, a
/// worker (see [`worker_slot`]) one of the first `count - 1` and every other
/// thread the last; with one, everyone that one.
pub fn share_of(count: usize) -> usize {
    let workers = count.saturating_sub(1);
    match worker_slot() {
        Some(slot) if workers > 0 => slot % workers,
        _ => workers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on_a_current_thread_runtime<T: Send + 'static>(f: fn() -> T) -> T {
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("runtime")
                .block_on(async { f() })
        })
        .join()
        .expect("thread")
    }

    fn on_a_multi_thread_runtime<T: Send + 'static>(f: fn() -> T) -> T {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .expect("runtime");
        runtime
            .block_on(runtime.spawn(async move { f() }))
            .expect("task")
    }

    #[test]
    fn a_worker_keeps_its_slot_and_workers_get_different_ones() {
        let (first, again) = on_a_current_thread_runtime(|| (worker_slot(), worker_slot()));
        let second = on_a_current_thread_runtime(worker_slot);
        assert!(first.is_some(), "{first:?}");
        assert_eq!(first, again);
        assert!(second.is_some(), "{second:?}");
        assert_ne!(first, second);
    }

    #[test]
    fn other_threads_share_the_last_share_and_never_a_workers() {
        assert_eq!(on_a_multi_thread_runtime(worker_slot), None);
        assert_eq!(
            std::thread::spawn(worker_slot).join().expect("thread"),
            None
        );
        assert_eq!(on_a_multi_thread_runtime(|| share_of(3)), 2);
        assert_eq!(
            std::thread::spawn(|| share_of(3)).join().expect("thread"),
            2
        );
        for _ in 0..4 {
            assert!(on_a_current_thread_runtime(|| share_of(3)) < 2);
        }
        // One share is everyone's.
        assert_eq!(on_a_multi_thread_runtime(|| share_of(1)), 0);
        assert_eq!(on_a_current_thread_runtime(|| share_of(1)), 0);
    }
}
