//! bcrypt hashing on threads of its own.
//!
//! bcrypt is deliberately slow CPU work: run on the async executor it would
//! stall every other request, and run on an unbounded pool a burst of logins
//! would oversubscribe the cores. So it runs on one permit per core, off the
//! executor; the rest wait their turn.
//!
//! Each hash first goes to a thread of the lowest priority (`SCHED_IDLE` on
//! Linux, nice 19 elsewhere): when requests and hashes compete for a core, the
//! requests go first, so a burst of logins barely delays `/me`
//! (docs/benchmarks.md). `SCHED_IDLE` and not only nice 19: the scheduler then
//! takes the core from a hash at once for any woken request, where a nice-19
//! thread may finish its time slice first (milliseconds).
//!
//! But the lowest priority alone lets a flood of cheap requests starve logins
//! completely. So a hash that has not finished within twice the time a hash
//! takes on a free core (timed at start) is hedged: the same work also goes to
//! a thread of normal priority (`SCHED_OTHER`, nice 0), which gets its fair
//! share of the cores, and the first answer wins. For a while after that
//! (a second, doubled while starvation recurs), new hashes go straight to the
//! normal threads, so a sustained flood does not make every login wait out
//! the hedge first. A hash whose answer came already is skipped by a thread
//! that picks it up late.
//!
//! A fair share among equals is still not enough under such a flood: the two
//! actix workers, Redis and the flood's own clients outnumber one hashing
//! thread per core. So while starved, twice as many hashes run at once, on
//! twice as many fair threads, and logins keep at least half of the cores.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tracing::Instrument;

use crate::domain::{Password, password::MAX_BYTES};
use crate::error::Error;

/// The longest a request waits for a free hashing thread.
const QUEUE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long after a hedge new hashes skip the lowest-priority threads: at
/// first a second; doubled each time the idle threads are starved again right
/// after such a period (the flood goes on), up to [`STARVED_AT_MOST`]; a second
/// again after a calm. Under a sustained flood, only the first hash after each
/// period waits out the hedge, ever more rarely; after a lone burst, hashes are
/// soon back on the idle threads, where they do not delay requests.
const STARVED_AT_FIRST: Duration = Duration::from_secs(1);
const STARVED_AT_MOST: Duration = Duration::from_secs(30);
/// Fair threads (and hashes at once) per core while the idle threads are
/// starved. A fair thread weighs as much as a request thread; with two per
/// core the hashes outweigh the actix workers, Redis and the flood's clients,
/// and logins keep at least half the cores. A nice value below a request
/// thread's would say the same, but lowering one takes a privilege a
/// container does not have.
const FAIR_THREADS_PER_CORE: usize = 2;
type Job = Box<dyn FnOnce() + Send>;

/// The priority of a pool of bcrypt threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Priority {
    /// Yields to every other thread: `SCHED_IDLE` where there is one.
    Lowest,
    /// A fair share beside the request threads: the default (`SCHED_OTHER`, nice 0).
    Fair,
}

impl Priority {
    fn name(self) -> &'static str {
        match self {
            Self::Lowest => "idle",
            Self::Fair => "fair",
        }
    }

    /// Sets the calling thread's priority (a fair thread keeps the default).
    fn apply(self) -> Result<(), thread_priority::Error> {
        if self == Self::Fair {
            return Ok(());
        }
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
}

/// A pool of bcrypt threads: they take jobs until every sender is gone.
fn start_workers(count: usize, priority: Priority) -> Result<mpsc::Sender<Job>, Error> {
    let (sender, receiver) = mpsc::channel::<Job>();
    let receiver = Arc::new(Mutex::new(receiver));
    for n in 0..count {
        let receiver = Arc::clone(&receiver);
        std::thread::Builder::new()
            .name(format!("bcrypt-{}-{n}", priority.name()))
            .spawn(move || {
                if let Err(err) = priority.apply() {
                    tracing::warn!(error = ?err, pool = priority.name(), "bcrypt thread keeps its default priority");
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

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// The length (ms) of the period without idle threads that starts at `now`,
/// after a period of `last_ms` that ended at `last_until` (0: none yet).
/// Starved again within `recur_ms` of the end: twice as long, up to
/// [`STARVED_AT_MOST`]; otherwise [`STARVED_AT_FIRST`].
fn starved_window(now: u64, last_until: u64, last_ms: u64, recur_ms: u64) -> u64 {
    let (first, most) = (millis(STARVED_AT_FIRST), millis(STARVED_AT_MOST));
    if last_until > 0 && now <= last_until.saturating_add(recur_ms) {
        last_ms.saturating_mul(2).clamp(first, most)
    } else {
        first
    }
}

#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    permits: Arc<Semaphore>,
    /// Hashes at once while the idle threads are starved (the fair threads' count).
    fair_permits: Arc<Semaphore>,
    /// The threads of the lowest priority, where every hash starts.
    idle: mpsc::Sender<Job>,
    /// The threads of normal priority, for hashes the idle ones are starved of.
    fair: mpsc::Sender<Job>,
    /// Twice the time of one hash on a free core: a hash slower than that is hedged.
    hedge_after: Duration,
    /// Until when (ms since `started`) new hashes skip the idle threads.
    starved_until_ms: Arc<AtomicU64>,
    /// The length of the last such period (ms).
    starved_for_ms: Arc<AtomicU64>,
    started: Instant,
    /// Verified when the email is unknown, so that answer takes as long as a wrong password.
    dummy_hash: Arc<str>,
    /// Password verifications done so far (real or dummy).
    verifications: Arc<AtomicU64>,
    /// New passwords hashed so far.
    hashes: Arc<AtomicU64>,
}

impl PasswordHasher {
    /// Computes the dummy hash once (one bcrypt at `cost`): call at start-up.
    pub fn new(cost: u32) -> Result<Self, Error> {
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        let timed = Instant::now();
        let dummy_hash =
            bcrypt::hash("not a real password; equalises timing", cost).map_err(Error::internal)?;
        let one_hash = timed.elapsed();
        Ok(Self {
            cost,
            permits: Arc::new(Semaphore::new(workers)),
            fair_permits: Arc::new(Semaphore::new(workers * FAIR_THREADS_PER_CORE)),
            idle: start_workers(workers, Priority::Lowest)?,
            fair: start_workers(workers * FAIR_THREADS_PER_CORE, Priority::Fair)?,
            hedge_after: (one_hash * 2).max(Duration::from_millis(50)),
            starved_until_ms: Arc::new(AtomicU64::new(0)),
            starved_for_ms: Arc::new(AtomicU64::new(0)),
            started: Instant::now(),
            dummy_hash: dummy_hash.into(),
            verifications: Arc::new(AtomicU64::new(0)),
            hashes: Arc::new(AtomicU64::new(0)),
        })
    }

    pub async fn hash(&self, password: &Password) -> Result<String, Error> {
        let password = password.expose().to_owned();
        let cost = self.cost;
        self.hashes.fetch_add(1, Ordering::Relaxed);
        self.run(move || bcrypt::hash(&password, cost).map_err(Error::internal))
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
            .run(move || Ok(bcrypt::verify(&candidate, &hash).unwrap_or(false)))
            .await?;
        self.verifications.fetch_add(1, Ordering::Relaxed);
        Ok(matchable && ok)
    }

    /// How many new passwords were hashed (register, reset, change).
    pub fn hashes(&self) -> u64 {
        self.hashes.load(Ordering::Relaxed)
    }

    /// How many verifications ran: every login costs exactly one, known email or not.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Records a hedge: new hashes skip the idle threads for a while.
    fn mark_starved(&self) {
        let now = self.elapsed_ms();
        let window = starved_window(
            now,
            self.starved_until_ms.load(Ordering::Relaxed),
            self.starved_for_ms.load(Ordering::Relaxed),
            millis(self.hedge_after * 4),
        );
        self.starved_for_ms.store(window, Ordering::Relaxed);
        self.starved_until_ms
            .fetch_max(now.saturating_add(window), Ordering::Relaxed);
    }

    /// Whether a hedge happened a moment ago (the idle threads are starved).
    fn starved(&self) -> bool {
        self.elapsed_ms() < self.starved_until_ms.load(Ordering::Relaxed)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl Fn() -> Result<T, Error> + Send + Sync + 'static,
    ) -> Result<T, Error> {
        let waiting = metrics::gauge!("auth_bcrypt_waiting");
        waiting.increment(1.0);
        let starved = self.starved();
        let permits = if starved {
            &self.fair_permits
        } else {
            &self.permits
        };
        let permit = tokio::time::timeout(QUEUE_TIMEOUT, permits.acquire()).await;
        waiting.decrement(1.0);
        // A queue this long means the service is saturated: refuse rather than hang.
        let _permit = permit
            .map_err(|_| Error::Unavailable(crate::error::PASSWORD_HASHER, None))?
            .map_err(Error::internal)?;
        let span = tracing::Span::current();
        let work = Arc::new(work);
        // Set by the first answer: a thread that picks the job up later skips it.
        let answered = Arc::new(AtomicBool::new(false));
        let (answer, mut answers) = tokio::sync::mpsc::channel::<Result<T, Error>>(2);
        // Only the jobs hold senders: when both are gone unanswered (a thread
        // stopped), the wait ends.
        let answer = Arc::new(Mutex::new(Some(answer)));
        let job = |pool: Priority| -> Job {
            let sender = answer.lock().ok().and_then(|s| s.clone());
            let (work, answered, answer, span) = (
                Arc::clone(&work),
                Arc::clone(&answered),
                sender,
                span.clone(),
            );
            Box::new(move || {
                if answered.load(Ordering::Acquire) {
                    return;
                }
                let started = Instant::now();
                let result = span.in_scope(|| work());
                metrics::histogram!("auth_bcrypt_duration_seconds", "pool" => pool.name())
                    .record(started.elapsed().as_secs_f64());
                if !answered.swap(true, Ordering::AcqRel)
                    && let Some(answer) = answer
                {
                    // The request may have gone; its answer is then simply dropped.
                    let _ = answer.try_send(result);
                }
            })
        };
        let send = |pool: Priority| {
            let sender = match pool {
                Priority::Lowest => &self.idle,
                Priority::Fair => &self.fair,
            };
            sender
                .send(job(pool))
                .map_err(|_| Error::internal("the bcrypt threads have stopped"))
        };
        let first = if starved {
            Priority::Fair
        } else {
            Priority::Lowest
        };
        send(first)?;
        let waited = async {
            if first == Priority::Lowest {
                match tokio::time::timeout(self.hedge_after, answers.recv()).await {
                    Ok(result) => return result,
                    Err(_) => {
                        // Starved: the same work at a fair priority, first answer wins.
                        self.mark_starved();
                        send(Priority::Fair).ok()?;
                    }
                }
            }
            if let Ok(mut sender) = answer.lock() {
                sender.take();
            }
            answers.recv().await
        };
        waited
            .instrument(tracing::debug_span!("bcrypt"))
            .await
            .ok_or_else(|| Error::internal("a bcrypt thread stopped mid-hash"))?
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

    /// The name and scheduling policy of a thread of `pool`.
    #[cfg(target_os = "linux")]
    fn thread_of(pool: Priority) -> (Option<String>, thread_priority::ThreadSchedulePolicy) {
        let workers = start_workers(1, pool).expect("workers");
        let (tx, rx) = mpsc::channel();
        workers
            .send(Box::new(move || {
                let name = std::thread::current().name().map(str::to_owned);
                let _ = tx.send((name, thread_priority::thread_schedule_policy()));
            }))
            .expect("send");
        let (name, policy) = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the job ran");
        (name, policy.expect("policy"))
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashes_start_on_threads_of_the_lowest_priority_and_are_hedged_on_fair_ones() {
        use thread_priority::{NormalThreadSchedulePolicy as P, ThreadSchedulePolicy as S};
        let (name, policy) = thread_of(Priority::Lowest);
        assert!(name.is_some_and(|n| n.starts_with("bcrypt-idle-")));
        assert_eq!(policy, S::Normal(P::Idle));
        let (name, policy) = thread_of(Priority::Fair);
        assert!(name.is_some_and(|n| n.starts_with("bcrypt-fair-")));
        assert_eq!(policy, S::Normal(P::Other));
        // The executor's own threads keep theirs.
        assert_eq!(
            thread_priority::thread_schedule_policy().expect("policy"),
            S::Normal(P::Other)
        );
    }

    /// Busy threads of normal priority on every core (a closed-loop flood of
    /// cheap requests) for at most `secs`; they stop when dropped.
    struct Flood {
        stop: Arc<AtomicBool>,
        threads: Vec<std::thread::JoinHandle<()>>,
    }

    impl Flood {
        fn start(threads: usize, secs: u64) -> Self {
            let stop = Arc::new(AtomicBool::new(false));
            let deadline = Instant::now() + Duration::from_secs(secs);
            let threads = (0..threads)
                .map(|_| {
                    let stop = Arc::clone(&stop);
                    std::thread::spawn(move || {
                        let mut x = 0u64;
                        while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                            for i in 0..10_000u64 {
                                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
                            }
                        }
                    })
                })
                .collect();
            Self { stop, threads }
        }
    }

    impl Drop for Flood {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::Relaxed);
            for thread in self.threads.drain(..) {
                let _ = thread.join();
            }
        }
    }

    #[tokio::test]
    async fn busy_cores_do_not_starve_hashes() {
        let hasher = PasswordHasher::new(8).expect("hasher");
        let password = Password::parse("correct horse").expect("valid");
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        // Twice as many spinning threads as cores, for 20 s at most: threads of
        // the lowest priority alone would get next to nothing until they stop.
        let flood = Flood::start(cores * 2, 20);
        let started = Instant::now();
        for _ in 0..3 {
            hasher.hash(&password).await.expect("hash");
        }
        let took = started.elapsed();
        drop(flood);
        assert!(
            took < Duration::from_secs(10),
            "3 hashes at cost 8 took {took:?} on busy cores"
        );
    }

    /// Runs `n` jobs at once that each wait until all `n` are running.
    async fn all_at_once(hasher: &PasswordHasher, n: usize) -> bool {
        let barrier = Arc::new(std::sync::Barrier::new(n));
        let jobs = (0..n).map(|_| {
            let barrier = Arc::clone(&barrier);
            hasher.run(move || {
                barrier.wait();
                Ok(())
            })
        });
        let all = futures_util::future::join_all(jobs);
        tokio::time::timeout(Duration::from_secs(5), all)
            .await
            .is_ok_and(|answers| answers.iter().all(Result::is_ok))
    }

    #[tokio::test]
    async fn while_starved_twice_as_many_hashes_run_at_once() {
        let hasher = PasswordHasher::new(4).expect("hasher");
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        hasher.mark_starved();
        assert!(hasher.starved());
        assert!(
            all_at_once(&hasher, cores * FAIR_THREADS_PER_CORE).await,
            "{} hashes did not run at once on the fair threads",
            cores * FAIR_THREADS_PER_CORE
        );
    }

    #[test]
    fn the_starved_period_doubles_while_starvation_recurs_and_resets_after_a_calm() {
        let (first, most) = (millis(STARVED_AT_FIRST), millis(STARVED_AT_MOST));
        // The first hedge ever.
        assert_eq!(starved_window(5_000, 0, 0, 800), first);
        // Starved again right after the period ended: twice as long each time.
        assert_eq!(starved_window(6_300, 6_000, first, 800), 2 * first);
        assert_eq!(starved_window(8_500, 8_000, 2 * first, 800), 4 * first);
        // Never longer than the most.
        assert_eq!(starved_window(100_200, 100_000, most, 800), most);
        // A calm between the end and the next hedge: back to the first length.
        assert_eq!(starved_window(20_000, 8_000, 4 * first, 800), first);
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
