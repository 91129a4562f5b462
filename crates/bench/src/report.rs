//! What a run measured, as Markdown: the results table, the errors seen, and
//! the targets each marked met or missed.

use std::fmt::Write;

use crate::load::Outcome;
use crate::rss::Memory;
use crate::scenarios::BcryptBound;

/// One line of the results table.
pub struct Row {
    pub scenario: &'static str,
    pub load: String,
    pub throughput: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub errors: u64,
    pub error_samples: Vec<String>,
    pub peak_rss_kib: u64,
    pub note: String,
}

impl Row {
    pub fn new(scenario: &'static str, load: String, outcome: &Outcome, peak_rss_kib: u64) -> Self {
        Self {
            scenario,
            load,
            throughput: outcome.throughput(),
            p50_ms: outcome.latency_ms(0.5),
            p99_ms: outcome.latency_ms(0.99),
            p999_ms: outcome.latency_ms(0.999),
            errors: outcome.errors,
            error_samples: outcome.error_samples.iter().cloned().collect(),
            peak_rss_kib,
            note: String::new(),
        }
    }

    pub fn note(mut self, note: &str) -> Self {
        note.clone_into(&mut self.note);
        self
    }
}

/// Everything one run measured.
pub struct Results {
    pub rows: Vec<Row>,
    /// Memory after start-up, before any load.
    pub idle: Memory,
    /// Memory at the end (its `hwm_kib` covers the whole run).
    pub end: Memory,
    pub health: Option<f64>,
    pub me: Option<f64>,
    pub me_half_p99: Option<f64>,
    pub refresh: Option<f64>,
    pub token_get: Option<f64>,
    pub login: Option<(f64, BcryptBound)>,
    pub mixed_me_p99: Option<f64>,
    /// Logins (rate, bound) and `/me` p99 while a closed-loop `/me` flood saturates the CPU.
    pub flood_login: Option<(f64, BcryptBound)>,
    pub flood_me_p99: Option<f64>,
}

/// The rows as a Markdown table, the service's memory and the errors seen.
pub fn table(rows: &[Row], idle: Memory, end: Memory) -> String {
    let mut out = String::new();
    out.push_str(
        "| scenario | load | requests/s | p50 ms | p99 ms | p99.9 ms | errors | peak RSS MiB | notes |\n\
         |---|---|--:|--:|--:|--:|--:|--:|---|\n",
    );
    for row in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.2} | {:.2} | {:.2} | {} | {:.1} | {} |",
            row.scenario,
            row.load,
            rate(row.throughput),
            row.p50_ms,
            row.p99_ms,
            row.p999_ms,
            row.errors,
            mib(row.peak_rss_kib),
            row.note
        );
    }
    let _ = writeln!(
        out,
        "\nService memory: {:.1} MiB resident when idle (after start-up, before any load); \
         {:.1} MiB at the end; high-water mark {:.1} MiB (`VmHWM`).",
        mib(idle.rss_kib),
        mib(end.rss_kib),
        mib(end.hwm_kib),
    );
    let failing: Vec<&Row> = rows.iter().filter(|r| r.errors > 0).collect();
    if !failing.is_empty() {
        out.push_str("\nFirst distinct errors:\n\n");
        for row in failing {
            for sample in &row.error_samples {
                let _ = writeln!(out, "- {} ({}): `{}`", row.scenario, row.load, sample);
            }
        }
    }
    out
}

pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// 12345.6 → "12,346".
pub fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Small rates (logins) keep a decimal; large ones get separators.
pub fn rate(value: f64) -> String {
    if value < 100.0 {
        format!("{value:.1}")
    } else {
        thousands(value)
    }
}

pub fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "**missed**" }
}

impl Results {
    pub fn new(idle: Memory) -> Self {
        Self {
            rows: Vec::new(),
            idle,
            end: idle,
            health: None,
            me: None,
            me_half_p99: None,
            refresh: None,
            token_get: None,
            login: None,
            mixed_me_p99: None,
            flood_login: None,
            flood_me_p99: None,
        }
    }

    pub fn push(&mut self, row: Row) {
        self.rows.push(row);
    }

    pub fn total_errors(&self) -> u64 {
        self.rows.iter().map(|r| r.errors).sum()
    }

    /// The highest resident set seen: sampled during the scenarios, or the kernel's mark.
    pub fn peak_rss_kib(&self) -> u64 {
        let sampled = self.rows.iter().map(|r| r.peak_rss_kib).max().unwrap_or(0);
        sampled.max(self.end.hwm_kib)
    }

    /// The results table and the errors seen, as Markdown.
    pub fn table(&self) -> String {
        table(&self.rows, self.idle, self.end)
    }

    /// The targets, each with what was measured and met or missed.
    pub fn targets(&self) -> String {
        let mut out = String::from("| target | measured | |\n|---|---|---|\n");
        let mut line = |target: &str, measured: String, met: Option<bool>| {
            let verdict = met.map_or("not run", verdict);
            let _ = writeln!(out, "| {target} | {measured} | {verdict} |");
        };
        let na = || "—".to_owned();
        line(
            "`/me` ≥ 30,000 requests/s",
            self.me.map_or_else(na, |v| format!("{}/s", thousands(v))),
            self.me.map(|v| v >= 30_000.0),
        );
        let share = self.me.zip(self.health).map(|(me, h)| me / h);
        line(
            "`/me` ≥ 20% of `/health`",
            share.map_or_else(na, |s| format!("{:.0}%", s * 100.0)),
            share.map(|s| s >= 0.2),
        );
        line(
            "`/me` p99 < 5 ms at half of peak",
            self.me_half_p99.map_or_else(na, |v| format!("{v:.2} ms")),
            self.me_half_p99.map(|v| v < 5.0),
        );
        let login_share = self.login.map(|(rate, bound)| rate / bound.per_sec());
        line(
            "login ≥ 90% of the bcrypt bound",
            self.login.map_or_else(na, |(rate, bound)| {
                format!(
                    "{rate:.1}/s of {:.1}/s: {:.0}%",
                    bound.per_sec(),
                    100.0 * rate / bound.per_sec()
                )
            }),
            login_share.map(|s| s >= 0.9),
        );
        line(
            "`/me` p99 < 10 ms while logins saturate bcrypt",
            self.mixed_me_p99.map_or_else(na, |v| format!("{v:.2} ms")),
            self.mixed_me_p99.map(|v| v < 10.0),
        );
        line(
            "login ≥ 50% of the bcrypt bound under a closed-loop `/me` flood",
            self.flood_login.map_or_else(na, |(rate, bound)| {
                format!(
                    "{rate:.1}/s of {:.1}/s: {:.0}%",
                    bound.per_sec(),
                    100.0 * rate / bound.per_sec()
                )
            }),
            self.flood_login
                .map(|(rate, bound)| rate / bound.per_sec() >= 0.5),
        );
        line(
            "`/me` p99 during that flood (reported)",
            self.flood_me_p99.map_or_else(na, |v| format!("{v:.2} ms")),
            self.flood_me_p99.map(|_| true),
        );
        line(
            "refresh ≥ 3,000 requests/s",
            self.refresh
                .map_or_else(na, |v| format!("{}/s", thousands(v))),
            self.refresh.map(|v| v >= 3_000.0),
        );
        line(
            "token/get ≥ 3,000 requests/s",
            self.token_get
                .map_or_else(na, |v| format!("{}/s", thousands(v))),
            self.token_get.map(|v| v >= 3_000.0),
        );
        let peak = self.peak_rss_kib();
        line(
            "RSS < 50 MiB at peak load",
            format!("{:.1} MiB", mib(peak)),
            Some(mib(peak) < 50.0),
        );
        line(
            "RSS < 20 MiB idle",
            format!("{:.1} MiB", mib(self.idle.rss_kib)),
            Some(mib(self.idle.rss_kib) < 20.0),
        );
        let errors = self.total_errors();
        line(
            "no errors in any scenario",
            format!("{errors} errors"),
            Some(errors == 0),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0.4), "0");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1000.0), "1,000");
        assert_eq!(thousands(1_234_567.8), "1,234,568");
    }
}
