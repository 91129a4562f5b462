//! The load loop: a fixed number of keep-alive connections, each sending one
//! request at a time, either as fast as answers come (closed loop, for peak
//! throughput) or on a fixed schedule (paced, for latency at a given rate).
//!
//! Paced latencies are measured from when each request was *due*, not from
//! when it was sent, so a stalled service cannot hide its stall by delaying
//! the requests behind it (the "coordinated omission" correction of wrk2).

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use hdrhistogram::Histogram;
use hyper::Request;
use tokio::time::Instant;

use crate::client::{Answer, Body, Connection};

/// How many distinct error messages are kept to print.
const ERROR_SAMPLES: usize = 5;

/// What one connection of a scenario sends and expects.
pub trait Workload: Send + 'static {
    /// The next request to send.
    fn next_request(&mut self) -> anyhow::Result<Request<Body>>;
    /// Checks an answer (learning from it, e.g. a rotated token); `Err` counts as an error.
    fn check(&mut self, answer: &Answer) -> Result<(), String>;
}

#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub warmup: Duration,
    pub duration: Duration,
    /// Total requests/s across the connections; `None`: as fast as possible.
    pub rate: Option<f64>,
}

/// What a run measured.
pub struct Outcome {
    /// Latencies in microseconds of the requests due in the measured window.
    pub histogram: Histogram<u64>,
    pub completed: u64,
    /// Errors over the whole run, warm-up included.
    pub errors: u64,
    pub error_samples: BTreeSet<String>,
    pub measured: Duration,
}

impl Outcome {
    fn empty(measured: Duration) -> anyhow::Result<Self> {
        Ok(Self {
            histogram: Histogram::new(3)?,
            completed: 0,
            errors: 0,
            error_samples: BTreeSet::new(),
            measured,
        })
    }

    pub fn throughput(&self) -> f64 {
        self.completed as f64 / self.measured.as_secs_f64()
    }

    /// Latency at `quantile` (0..=1), in milliseconds.
    pub fn latency_ms(&self, quantile: f64) -> f64 {
        self.histogram.value_at_quantile(quantile) as f64 / 1000.0
    }

    fn error(&mut self, message: String) {
        self.errors += 1;
        if self.error_samples.len() < ERROR_SAMPLES {
            self.error_samples.insert(message);
        }
    }

    fn merge(&mut self, other: Outcome) -> anyhow::Result<()> {
        self.histogram.add(&other.histogram)?;
        self.completed += other.completed;
        self.errors += other.errors;
        for sample in other.error_samples {
            if self.error_samples.len() < ERROR_SAMPLES {
                self.error_samples.insert(sample);
            }
        }
        Ok(())
    }
}

/// Runs one connection per workload against `addr` and merges what they measured.
pub async fn run<W: Workload>(
    addr: SocketAddr,
    workloads: Vec<W>,
    plan: Plan,
) -> anyhow::Result<Outcome> {
    let count = workloads.len();
    anyhow::ensure!(count > 0, "a run needs at least one connection");
    let start = Instant::now();
    let tasks: Vec<_> = workloads
        .into_iter()
        .enumerate()
        .map(|(index, workload)| {
            let schedule = plan.rate.map(|rate| {
                let interval = Duration::from_secs_f64(count as f64 / rate);
                // Spread the connections' first requests over one interval.
                let offset = interval.mul_f64(index as f64 / count as f64);
                (start + offset, interval)
            });
            tokio::spawn(drive(addr, workload, plan, start, schedule))
        })
        .collect();
    let mut total = Outcome::empty(plan.duration)?;
    for task in tasks {
        total.merge(task.await??)?;
    }
    Ok(total)
}

async fn drive<W: Workload>(
    addr: SocketAddr,
    mut workload: W,
    plan: Plan,
    start: Instant,
    mut schedule: Option<(Instant, Duration)>,
) -> anyhow::Result<Outcome> {
    let measure_from = start + plan.warmup;
    let until = measure_from + plan.duration;
    let mut outcome = Outcome::empty(plan.duration)?;
    let mut connection: Option<Connection> = None;
    loop {
        let due = match &mut schedule {
            Some((next, interval)) => {
                let due = *next;
                *next += *interval;
                if due >= until {
                    break;
                }
                tokio::time::sleep_until(due).await;
                due
            }
            None => {
                let now = Instant::now();
                if now >= until {
                    break;
                }
                now
            }
        };
        let conn = match &mut connection {
            Some(conn) => conn,
            None => match Connection::open(addr).await {
                Ok(conn) => connection.insert(conn),
                Err(err) => {
                    outcome.error(format!("{err:#}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let request = workload.next_request()?;
        let result = conn.send(request).await;
        let latency = due.elapsed();
        match result {
            Ok(answer) => match workload.check(&answer) {
                Ok(()) if due >= measure_from => {
                    let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
                    outcome.histogram.record(micros.max(1))?;
                    outcome.completed += 1;
                }
                Ok(()) => {}
                Err(message) => outcome.error(message),
            },
            Err(err) => {
                outcome.error(format!("{err:#}"));
                connection = None;
            }
        }
    }
    Ok(outcome)
}

/// Describes an unexpected answer for the error list.
pub fn unexpected(answer: &Answer) -> String {
    let body = String::from_utf8_lossy(&answer.body);
    let body: String = body.chars().take(160).collect();
    format!("HTTP {}: {body}", answer.status.as_u16())
}
