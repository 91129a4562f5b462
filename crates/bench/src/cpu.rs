//! CPU time used by the service, PostgreSQL, Redis and the load generator
//! itself, read from `/proc/<pid>/stat`: divided by the requests answered, it
//! holds still when other work shares the machine, where requests/s do not.
//! The four together show where two cores' time goes (the kernel's work for
//! loopback traffic is charged to the process that sent or received it).

use std::time::Duration;

/// CPU time (user + system) of one process so far.
fn process_cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: count from after it.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let mut fields = rest.split(' ');
    // utime and stime are fields 14 and 15 of the whole line: 12th and 13th here.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    let ticks = rustix::param::clock_ticks_per_second().max(1);
    Some(Duration::from_secs_f64(
        (utime + stime) as f64 / ticks as f64,
    ))
}

/// CPU time of every process named `name` (PostgreSQL's backends: `postgres`).
fn named_cpu(name: &str) -> Duration {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Duration::ZERO;
    };
    dir.filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|comm| comm.trim_end() == name)
        })
        .filter_map(process_cpu)
        .sum()
}

/// A reading of the service's, PostgreSQL's, Redis's and this generator's CPU time.
#[derive(Debug, Clone, Copy)]
pub struct CpuReading {
    service: Duration,
    postgres: Duration,
    redis: Duration,
    generator: Duration,
}

impl CpuReading {
    pub fn now(service_pid: u32) -> Self {
        Self {
            service: process_cpu(service_pid).unwrap_or_default(),
            postgres: named_cpu("postgres"),
            redis: named_cpu("redis-server"),
            generator: process_cpu(std::process::id()).unwrap_or_default(),
        }
    }

    /// "service 80 µs, PostgreSQL 120 µs, Redis 5 µs, generator 20 µs" per
    /// request, from `self` to `later`.
    pub fn per_request(&self, later: &Self, requests: u64) -> String {
        let per = |a: Duration, b: Duration| {
            b.saturating_sub(a).as_secs_f64() * 1e6 / requests.max(1) as f64
        };
        format!(
            "CPU per request: service {:.0} µs, PostgreSQL {:.0} µs, Redis {:.0} µs, generator {:.0} µs",
            per(self.service, later.service),
            per(self.postgres, later.postgres),
            per(self.redis, later.redis),
            per(self.generator, later.generator)
        )
    }
}
