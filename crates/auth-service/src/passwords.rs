//! bcrypt hashing on threads of its own.
//!
//! bcrypt is deliberately slow CPU work: run on the async executor it would
//! stall every other request, and run on an unbounded pool a burst of logins
//! would oversubscribe the cores. So it runs on one thread per core, off the
//! executor; the rest wait their turn. Those threads run at the lowest priority
//! (`SCHED_IDLE` on Linux, nice 19 elsewhere): when requests and hashes compete
//! for a core, the requests go first, so a burst of logins barely delays `/me`
//! (docs/benchmarks.md). `SCHED_IDLE` and not only nice 19: the scheduler then
//! takes the core from a hash at once for any woken request, where a nice-19
//! thread may finish its time slice first (milliseconds).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use tokio::sync::Semaphore;
use tracing::Instrument;

use crate::domain::{Password, password::MAX_BYTES};
use crate::error::Error;

/// The longest a request waits for a free hashing thread.
const QUEUE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

type Job = Box<dyn FnOnce() + Send>;

/// Makes the calling thread yield to every other: `SCHED_IDLE` where there is one.
fn lower_own_priority() -> Result<(), thread_priority::Error> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    return thread_priority::set_thread_priority_and_policy(
        thread_priority::thread_native_id(),
        thread_priority::ThreadPriority::Min,
        thread_priority::ThreadSchedulePolicy::Normal(
            thread_priority::NormalThreadSchedulePolicy::Idle,
        ),
    );
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min)
}

/// The bcrypt threads: they take jobs until every sender is gone.
fn start_workers(count: usize) -> Result<mpsc::Sender<Job>, Error> {
    let (sender, receiver) = mpsc::channel::<Job>();
    let receiver = Arc::new(Mutex::new(receiver));
    for n in 0..count {
        let receiver = Arc::clone(&receiver);
        std::thread::Builder::new()
            .name(format!("bcrypt-{n}"))
            .spawn(move || {
                if let Err(err) = lower_own_priority() {
                    tracing::warn!(error = ?err, "bcrypt thread keeps normal priority");
                }
                loop {
                    // The lock is held only while waiting for the next job.
                    let job = match receiver.lock() {
                        Ok(receiver) => receiver.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            })
            .map_err(Error::internal)?;
    }
    Ok(sender)
}

#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    permits: Arc<Semaphore>,
    workers: mpsc::Sender<Job>,
    /// Verified when the email is unknown, so that answer takes as long as a wrong password.
    dummy_hash: Arc<str>,
    /// Password verifications done so far (real or dummy).
    verifications: Arc<AtomicU64>,
}

impl PasswordHasher {
    /// Computes the dummy hash once (one bcrypt at `cost`): call at start-up.
    pub fn new(cost: u32) -> Result<Self, Error> {
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        let dummy_hash =
            bcrypt::hash("not a real password; equalises timing", cost).map_err(Error::internal)?;
        Ok(Self {
            cost,
            permits: Arc::new(Semaphore::new(workers)),
            workers: start_workers(workers)?,
            dummy_hash: dummy_hash.into(),
            verifications: Arc::new(AtomicU64::new(0)),
        })
    }

    pub async fn hash(&self, password: &Password) -> Result<String, Error> {
        let password = password.expose().to_owned();
        let cost = self.cost;
        self.run(move || bcrypt::hash(password, cost).map_err(Error::internal))
            .await
    }

    /// Checks `candidate` against `hash`, or against the dummy hash when there is
    /// no hash (unknown user), so both answers cost the same time.
    pub async fn verify(&self, candidate: &str, hash: Option<&str>) -> Result<bool, Error> {
        let matchable = hash.is_some() && candidate.len() <= MAX_BYTES;
        // Over-long candidates cannot match (bcrypt would silently truncate them),
        // but still cost one verification.
        let candidate = if candidate.len() <= MAX_BYTES {
            candidate.to_owned()
        } else {
            String::new()
        };
        let hash = hash.map_or_else(|| self.dummy_hash.to_string(), str::to_owned);
        let ok = self
            .run(move || Ok(bcrypt::verify(candidate, &hash).unwrap_or(false)))
            .await?;
        self.verifications.fetch_add(1, Ordering::Relaxed);
        Ok(matchable && ok)
    }

    /// How many verifications ran: every login costs exactly one, known email or not.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let waiting = metrics::gauge!("auth_bcrypt_waiting");
        waiting.increment(1.0);
        let permit = tokio::time::timeout(QUEUE_TIMEOUT, self.permits.acquire()).await;
        waiting.decrement(1.0);
        // A queue this long means the service is saturated: refuse rather than hang.
        let _permit = permit
            .map_err(|_| Error::Unavailable(crate::error::PASSWORD_HASHER, None))?
            .map_err(Error::internal)?;
        let span = tracing::Span::current();
        let started = std::time::Instant::now();
        let timed = move || {
            let result = span.in_scope(work);
            metrics::histogram!("auth_bcrypt_duration_seconds")
                .record(started.elapsed().as_secs_f64());
            result
        };
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            // The request may have gone; its answer is then simply dropped.
            let _ = answer.send(timed());
        });
        self.workers
            .send(job)
            .map_err(|_| Error::internal("the bcrypt threads have stopped"))?;
        answered
            .instrument(tracing::debug_span!("bcrypt"))
            .await
            .map_err(|_| Error::internal("a bcrypt thread stopped mid-hash"))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let hasher = PasswordHasher::new(4).expect("hasher");
        let password = Password::parse("correct horse").expect("valid");
        let hash = hasher.hash(&password).await.expect("hash");
        assert!(!hash.contains("correct horse"));
        assert!(
            hasher
                .verify("correct horse", Some(&hash))
                .await
                .expect("verify")
        );
        assert!(
            !hasher
                .verify("wrong horse!", Some(&hash))
                .await
                .expect("verify")
        );
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashes_run_on_bcrypt_threads_of_the_lowest_priority() {
        let hasher = PasswordHasher::new(4).expect("hasher");
        let (name, policy) = hasher
            .run(|| {
                let name = std::thread::current().name().map(str::to_owned);
                Ok((name, thread_priority::thread_schedule_policy()))
            })
            .await
            .expect("run");
        let idle = thread_priority::ThreadSchedulePolicy::Normal(
            thread_priority::NormalThreadSchedulePolicy::Idle,
        );
        assert!(name.is_some_and(|n| n.starts_with("bcrypt-")));
        assert_eq!(policy.expect("policy"), idle);
        // The executor's own threads keep theirs.
        assert_ne!(
            thread_priority::thread_schedule_policy().expect("policy"),
            idle
        );
    }

    #[tokio::test]
    async fn unknown_users_and_overlong_candidates_never_match() {
        let hasher = PasswordHasher::new(4).expect("hasher");
        assert!(
            !hasher
                .verify("anything at all", None)
                .await
                .expect("verify")
        );
        let long = "a".repeat(73);
        let hash = bcrypt::hash(&long[..72], 4).expect("hash");
        // bcrypt alone would accept the 73-byte password against this hash.
        assert!(!hasher.verify(&long, Some(&hash)).await.expect("verify"));
    }
}
