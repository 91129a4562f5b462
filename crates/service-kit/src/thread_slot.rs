//! A small number per thread, for clients that keep each thread to its own
//! connections.
//!
//! A tokio-based connection (Redis's multiplexed one, tokio-postgres's) is
//! driven by a task on the runtime of the thread that made it. Used from
//! another thread (the other actix worker), every round trip wakes that
//! thread and then wakes the caller back: two context switches, which on a
//! small VM cost more than the request itself. Keeping each thread to the
//! connections it made keeps a request's I/O on its own thread.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The calling thread's slot: 0 for the first thread that asks, then 1, 2, …;
/// the same number every time on one thread.
pub fn thread_slot() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SLOT: usize = NEXT.fetch_add(1, Ordering::Relaxed);
    }
    SLOT.with(|slot| *slot)
}

#[cfg(test)]
mod tests {
    use super::thread_slot;

    #[test]
    fn a_thread_keeps_its_slot_and_threads_get_different_ones() {
        let mine = thread_slot();
        assert_eq!(thread_slot(), mine);
        let others: Vec<usize> = (0..3)
            .map(|_| std::thread::spawn(thread_slot).join().expect("thread"))
            .collect();
        let mut all = others.clone();
        all.push(mine);
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 4, "{mine} {others:?}");
    }
}
