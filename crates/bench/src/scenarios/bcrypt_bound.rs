//! The most logins a service can answer per second: bcrypt runs on one permit
//! per core (crates/auth-service/src/passwords.rs), so the bound is the permits
//! divided by the time of one hash at the configured cost, timed here in the
//! same run on the same machine.

use std::time::{Duration, Instant};

/// Hashes timed; the median is used.
const SAMPLES: usize = 3;

#[derive(Debug, Clone, Copy)]
pub struct BcryptBound {
    pub cost: u32,
    /// Hashes the service runs at once: one per core, as it computes them.
    pub permits: usize,
    pub one_hash: Duration,
}

impl BcryptBound {
    pub async fn measure(cost: u32) -> anyhow::Result<Self> {
        let mut times = tokio::task::spawn_blocking(move || {
            (0..SAMPLES)
                .map(|_| {
                    let started = Instant::now();
                    bcrypt::hash("bench password", cost).map(|_| started.elapsed())
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .await??;
        times.sort();
        Ok(Self {
            cost,
            permits: std::thread::available_parallelism().map_or(1, |n| n.get()),
            one_hash: times[SAMPLES / 2],
        })
    }

    /// Logins per second the bcrypt pool allows.
    pub fn per_sec(&self) -> f64 {
        self.permits as f64 / self.one_hash.as_secs_f64()
    }

    /// "bound 7.9/s (2 permits ÷ 253 ms at cost 12): 95%".
    pub fn describe(&self, achieved: f64) -> String {
        format!(
            "bcrypt bound {:.1}/s ({} permits ÷ {:.0} ms a hash at cost {}): {:.0}% of it",
            self.per_sec(),
            self.permits,
            self.one_hash.as_secs_f64() * 1000.0,
            self.cost,
            100.0 * achieved / self.per_sec()
        )
    }
}
