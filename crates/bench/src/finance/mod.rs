//! The finance-service scenarios, against the seed of [`seed`]: a page of the
//! large family's transaction list (walked by cursor), one account's balance,
//! the month's budget status, the month's summary, recording an expense
//! (budget alerts included), and the year's CSV. The original system's
//! figures, measured on the same kind of machine with 8 connections, are the
//! baseline of the targets: every read ≥ 10× its rate with p99 ≤ 10 ms.

mod overview;
mod seed;
mod workloads;

use std::fmt::Write;
use std::time::{Duration, Instant};

use auth_types::HmacSigner;
use time::OffsetDateTime;

use crate::args::FinanceArgs;
use crate::client::{Connection, request};
use crate::cpu::CpuReading;
use crate::load::{self, Plan, unexpected};
use crate::report::{self, Row, mib, rate, thousands, verdict};
use crate::rss::{self, Memory};
use workloads::{CreateExpense, Get, ListPages};

/// The original system's figures (requests/s) and what ours must reach.
const BASELINES: [(&str, &str, f64, f64); 5] = [
    ("list", "a list page", 767.0, 10.0),
    ("balance", "a balance", 1_945.0, 10.0),
    ("budget_status", "the month's budget status", 91.0, 10.0),
    ("summary", "the month's summary", 152.0, 10.0),
    ("create", "creating an expense", 39.0, 20.0),
];
/// Creating an expense: at least this many per second, whatever the baseline.
const CREATE_TARGET: f64 = 3_000.0;
/// The CSV: at least this many bytes a second.
const CSV_TARGET_BYTES: f64 = 50_000_000.0;
/// "Flat memory": the service grows by less than this while streaming the CSV.
const CSV_GROWTH_LIMIT_KIB: u64 = 16 * 1024;

fn progress(what: &str) {
    eprintln!("==> {what}");
}

/// What the CSV scenario measured.
struct Csv {
    downloads: u32,
    bytes: u64,
    rows: u64,
    elapsed: Duration,
    before: Memory,
    peak_kib: u64,
}

impl Csv {
    fn bytes_per_sec(&self) -> f64 {
        self.bytes as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn growth_kib(&self) -> u64 {
        self.peak_kib.saturating_sub(self.before.rss_kib)
    }
}

struct Results {
    rows: Vec<Row>,
    idle: Memory,
    end: Memory,
    /// (scenario, requests/s, p99 ms)
    measured: Vec<(&'static str, f64, f64)>,
    csv: Option<Csv>,
    /// Milliseconds to draw the overview, each load; or why it was not measured.
    overview: Option<Result<Vec<f64>, String>>,
}

pub fn run(args: &FinanceArgs) -> anyhow::Result<String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()?;
    let results = runtime.block_on(scenarios(args))?;
    Ok(format!(
        "### Results\n\n{}\n### Targets\n\n{}",
        report::table(&results.rows, results.idle, results.end),
        targets(&results)
    ))
}

async fn scenarios(args: &FinanceArgs) -> anyhow::Result<Results> {
    let signer = HmacSigner::new(args.hmac_secret.as_bytes());
    let mut results = Results {
        rows: Vec::new(),
        idle: rss::read(args.pid)?,
        end: Memory::default(),
        measured: Vec::new(),
        csv: None,
        overview: None,
    };
    if !FinanceArgs::SCENARIOS.iter().any(|s| args.wants(s)) {
        results.end = rss::read(args.pid)?;
        return Ok(results);
    }
    let seed = seed::seed(
        args.addr,
        args.auth_addr,
        &signer,
        &args.database_url,
        args.expenses,
        args.small_families,
    )
    .await?;
    let n = args.connections.max(1);
    let plan = Plan {
        warmup: args.warmup(),
        duration: args.duration(),
        rate: None,
    };
    let family = seed.family_id;
    let token = seed.access_token.as_str();
    let today = OffsetDateTime::now_utc().date();
    let month_start = today.replace_day(1)?;
    let base = format!("/api/v1/families/{family}");
    let load = format!(
        "{n} conn, {} expenses in the family",
        thousands(seed.transactions as f64)
    );

    let gets: [(&'static str, &'static str, String); 4] = [
        ("list", "GET transactions (a page of 50)", String::new()),
        (
            "balance",
            "GET an account (its balance)",
            format!("{base}/accounts/{}", seed.accounts[0]),
        ),
        (
            "budget_status",
            "GET budgets/status",
            format!("{base}/budgets/status"),
        ),
        (
            "summary",
            "GET reports/summary (the month)",
            format!("{base}/reports/summary?from={month_start}&to={today}"),
        ),
    ];
    for (name, title, path) in gets {
        if !args.wants(name) {
            continue;
        }
        progress(title);
        let sampler = rss::Sampler::start(args.pid);
        let cpu = cpu_from(args.pid, plan.warmup);
        let outcome = if name == "list" {
            let runs = (0..n).map(|_| ListPages::new(family, token)).collect();
            load::run(args.addr, runs, plan).await
        } else {
            let runs = (0..n).map(|_| Get::new(path.clone(), token)).collect();
            load::run(args.addr, runs, plan).await
        };
        let cpu = cpu
            .await?
            .per_request(&CpuReading::now(args.pid), outcome_completed(&outcome));
        let peak = sampler.finish().await?;
        let outcome = outcome?;
        results
            .measured
            .push((name, outcome.throughput(), outcome.latency_ms(0.99)));
        let row = Row::new(title, load.clone(), &outcome, peak);
        results.rows.push(if name == "list" {
            row.note(&format!("walks the pages by cursor, newest first; {cpu}"))
        } else {
            row.note(&cpu)
        });
    }

    if args.wants("create") {
        progress("POST transactions (an expense)");
        let runs = (0..n)
            .map(|lane| {
                CreateExpense::new(
                    family,
                    token,
                    seed.accounts[lane % seed.accounts.len()],
                    seed.expense_categories.clone(),
                    lane,
                )
            })
            .collect();
        let sampler = rss::Sampler::start(args.pid);
        let cpu = cpu_from(args.pid, plan.warmup);
        let outcome = load::run(args.addr, runs, plan).await;
        let cpu = cpu
            .await?
            .per_request(&CpuReading::now(args.pid), outcome_completed(&outcome));
        let peak = sampler.finish().await?;
        let outcome = outcome?;
        results
            .measured
            .push(("create", outcome.throughput(), outcome.latency_ms(0.99)));
        let row = Row::new(
            "POST transactions (an expense)",
            load.clone(),
            &outcome,
            peak,
        );
        results.rows.push(row.note(&format!(
            "a new Idempotency-Key each; {} accounts, budgets on every category (alerts checked); {cpu}",
            seed.accounts.len()
        )));
    }

    if args.wants("csv") {
        let from = today - time::Duration::days(365);
        let path = format!("{base}/reports/transactions.csv?from={from}&to={today}");
        progress("GET reports/transactions.csv (a year)");
        results.csv = Some(csv(args, &path, token).await?);
    }
    if args.wants("overview") {
        results.overview = Some(match (args.web_addr, overview::unavailable()) {
            (None, _) => Err("no web-service given (--web-addr)".to_owned()),
            (Some(_), Some(why)) => Err(why),
            (Some(web), None) => {
                progress("the overview page in headless Chromium");
                overview::measure(web, &seed.owner_email, seed::OWNER_PASSWORD)
                    .await
                    .map_err(|err| format!("{err:#}"))
            }
        });
    }
    results.end = rss::read(args.pid)?;
    Ok(results)
}

/// The CPU reading taken once the warm-up is over.
fn cpu_from(pid: u32, warmup: Duration) -> tokio::task::JoinHandle<CpuReading> {
    tokio::spawn(async move {
        tokio::time::sleep(warmup).await;
        CpuReading::now(pid)
    })
}

fn outcome_completed(outcome: &anyhow::Result<load::Outcome>) -> u64 {
    outcome.as_ref().map_or(0, |o| o.completed)
}

/// Downloads the year's CSV one after another for the scenario's duration (at
/// least twice), on one connection.
async fn csv(args: &FinanceArgs, path: &str, token: &str) -> anyhow::Result<Csv> {
    let authorization = format!("Bearer {token}");
    let mut connection = Connection::open(args.addr).await?;
    let before = rss::read(args.pid)?;
    let sampler = rss::Sampler::start(args.pid);
    let started = Instant::now();
    let (mut downloads, mut bytes, mut rows) = (0u32, 0u64, 0u64);
    while downloads < 2 || started.elapsed() < args.duration() {
        let req = request("GET", path, None, &[("authorization", &authorization)])?;
        let answer = connection.send(req).await?;
        anyhow::ensure!(answer.status.is_success(), "CSV: {}", unexpected(&answer));
        downloads += 1;
        bytes += answer.body.len() as u64;
        // Lines less the header; notes hold no newlines in this seed.
        rows = answer.body.iter().filter(|b| **b == b'\n').count() as u64 - 1;
    }
    let elapsed = started.elapsed();
    let peak_kib = sampler.finish().await?;
    Ok(Csv {
        downloads,
        bytes,
        rows,
        elapsed,
        before,
        peak_kib,
    })
}

fn targets(results: &Results) -> String {
    let mut out = String::from("| target | measured | |\n|---|---|---|\n");
    let mut line = |target: String, measured: String, met: Option<bool>| {
        let verdict = met.map_or("not run", verdict);
        let _ = writeln!(out, "| {target} | {measured} | {verdict} |");
    };
    for (name, what, baseline, p99_limit) in BASELINES {
        let wanted = if name == "create" {
            CREATE_TARGET
        } else {
            baseline * 10.0
        };
        let target = format!(
            "{what} ≥ {}/s, p99 ≤ {p99_limit:.0} ms (original: {}/s)",
            thousands(wanted),
            rate(baseline)
        );
        match results.measured.iter().find(|(n, ..)| *n == name) {
            Some((_, throughput, p99)) => line(
                target,
                format!("{}/s, p99 {p99:.2} ms", thousands(*throughput)),
                Some(*throughput >= wanted && *p99 <= p99_limit),
            ),
            None => line(target, "—".to_owned(), None),
        }
    }
    match &results.csv {
        Some(csv) => {
            line(
                "the year's CSV ≥ 50 MB/s (original: 81 MB in 12 s)".to_owned(),
                format!(
                    "{:.1} MB ({} rows) × {} in {:.1} s: {:.0} MB/s",
                    csv.bytes as f64 / f64::from(csv.downloads) / 1e6,
                    thousands(csv.rows as f64),
                    csv.downloads,
                    csv.elapsed.as_secs_f64(),
                    csv.bytes_per_sec() / 1e6
                ),
                Some(csv.bytes_per_sec() >= CSV_TARGET_BYTES),
            );
            line(
                "flat memory while streaming it (grows < 16 MiB)".to_owned(),
                format!(
                    "{:.1} MiB before, {:.1} MiB at most: +{:.1} MiB",
                    mib(csv.before.rss_kib),
                    mib(csv.peak_kib),
                    mib(csv.growth_kib())
                ),
                Some(csv.growth_kib() < CSV_GROWTH_LIMIT_KIB),
            );
        }
        None => line("the year's CSV ≥ 50 MB/s".to_owned(), "—".to_owned(), None),
    }
    let target = "the overview page of that family drawn in under a second (Chromium)".to_owned();
    match &results.overview {
        Some(Ok(times)) if !times.is_empty() => {
            let mut sorted = times.clone();
            sorted.sort_by(f64::total_cmp);
            let median = sorted[sorted.len() / 2];
            let max = sorted[sorted.len() - 1];
            line(
                target,
                format!(
                    "median {median:.0} ms, slowest {max:.0} ms of {} loads",
                    sorted.len()
                ),
                Some(max < 1000.0),
            );
        }
        Some(Ok(_)) => line(target, "no load measured".to_owned(), Some(false)),
        Some(Err(why)) => line(target, format!("not measured: {why}"), Some(false)),
        None => line(target, "—".to_owned(), None),
    }
    let errors: u64 = results.rows.iter().map(|r| r.errors).sum();
    line(
        "no errors in any scenario".to_owned(),
        format!("{errors} errors"),
        Some(errors == 0),
    );
    out
}
