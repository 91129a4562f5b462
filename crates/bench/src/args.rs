//! Command line and environment: every option has a `BENCH_*` variable, so
//! scripts/bench only exports what the person running it set.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(about = "Load generator for the Finance Bot services")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs every auth-service scenario against a running service and writes the tables.
    Auth(AuthArgs),
    /// Seeds a large family and many small ones, then runs the finance-service scenarios.
    Finance(FinanceArgs),
    /// Turns criterion's estimates (target/criterion) into a Markdown table.
    CriterionTable {
        /// criterion's output directory.
        #[arg(default_value = "target/criterion")]
        dir: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct AuthArgs {
    /// Address of the auth service under test.
    #[arg(long, env = "BENCH_AUTH_ADDR", default_value = "127.0.0.1:8000")]
    pub addr: SocketAddr,
    /// Process id of the service, whose memory is sampled from /proc.
    #[arg(long, env = "BENCH_AUTH_PID")]
    pub pid: u32,
    /// The service's BOT_HMAC_SECRET, to sign the bot-only requests.
    #[arg(long, env = "BOT_HMAC_SECRET", hide_env_values = true)]
    pub hmac_secret: String,
    /// The service's BCRYPT_COST (the bound of the login scenario is timed at it).
    #[arg(long, env = "BCRYPT_COST", default_value_t = 12)]
    pub bcrypt_cost: u32,
    /// Seconds measured in each scenario.
    #[arg(long, env = "BENCH_DURATION", default_value_t = 10)]
    pub duration: u64,
    /// Seconds of load before each measurement starts (not counted).
    #[arg(long, env = "BENCH_WARMUP", default_value_t = 3)]
    pub warmup: u64,
    /// Keep-alive connections of the throughput scenarios, each sending one request at a time.
    #[arg(long, env = "BENCH_CONNECTIONS", default_value_t = 32)]
    pub connections: usize,
    /// Connections of the login scenario; 0: twice the bcrypt permits, enough to keep them busy.
    #[arg(long, env = "BENCH_LOGIN_CONNECTIONS", default_value_t = 0)]
    pub login_connections: usize,
    /// Paced rate of `/me` (requests/s) while logins saturate bcrypt.
    #[arg(long, env = "BENCH_MIXED_ME_RATE", default_value_t = 1000)]
    pub mixed_me_rate: u64,
    /// Threads of the load generator's runtime (it shares the cores with the service).
    #[arg(long, env = "BENCH_THREADS", default_value_t = 1)]
    pub threads: usize,
    /// Only these scenarios (comma-separated names, e.g. `health,me`); all when empty.
    #[arg(long, env = "BENCH_ONLY", default_value = "", value_delimiter = ',')]
    pub only: Vec<String>,
    /// Where the Markdown results (tables and targets) are written.
    #[arg(long, env = "BENCH_OUT")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FinanceArgs {
    /// Address of the finance service under test.
    #[arg(long, env = "BENCH_FINANCE_ADDR", default_value = "127.0.0.1:8001")]
    pub addr: SocketAddr,
    /// Address of the auth service the finance service trusts (sessions come from it).
    #[arg(long, env = "BENCH_AUTH_ADDR", default_value = "127.0.0.1:8000")]
    pub auth_addr: SocketAddr,
    /// Process id of the finance service, whose memory is sampled from /proc.
    #[arg(long, env = "BENCH_FINANCE_PID")]
    pub pid: u32,
    /// The auth service's BOT_HMAC_SECRET, to open the Telegram users' sessions.
    #[arg(long, env = "BOT_HMAC_SECRET", hide_env_values = true)]
    pub hmac_secret: String,
    /// Address of web-service in front of both: the overview scenario loads its home page
    /// in headless Chromium. Without it, that scenario does not run.
    #[arg(long, env = "BENCH_WEB_ADDR")]
    pub web_addr: Option<SocketAddr>,
    /// The database both services use: the seed is written into it with psql.
    #[arg(long, env = "BENCH_DATABASE_URL", hide_env_values = true)]
    pub database_url: String,
    /// Expenses of the large family, spread over the last 365 days.
    #[arg(long, env = "BENCH_EXPENSES", default_value_t = 1_000_000)]
    pub expenses: u64,
    /// Small families beside it (one user, one account, a few transactions each).
    #[arg(long, env = "BENCH_SMALL_FAMILIES", default_value_t = 10_000)]
    pub small_families: usize,
    /// Seconds measured in each scenario.
    #[arg(long, env = "BENCH_DURATION", default_value_t = 10)]
    pub duration: u64,
    /// Seconds of load before each measurement starts (not counted).
    #[arg(long, env = "BENCH_WARMUP", default_value_t = 3)]
    pub warmup: u64,
    /// Keep-alive connections of each scenario (the original system was measured with 8).
    #[arg(long, env = "BENCH_FINANCE_CONNECTIONS", default_value_t = 8)]
    pub connections: usize,
    /// Threads of the load generator's runtime.
    #[arg(long, env = "BENCH_THREADS", default_value_t = 1)]
    pub threads: usize,
    /// Only these scenarios (comma-separated names, e.g. `list,create`); all when empty.
    #[arg(long, env = "BENCH_ONLY", default_value = "", value_delimiter = ',')]
    pub only: Vec<String>,
    /// Where the Markdown results are written.
    #[arg(long, env = "BENCH_FINANCE_OUT")]
    pub out: Option<PathBuf>,
}

/// Whether scenario `name` is among `only` (all are when it is empty).
fn wanted(only: &[String], name: &str) -> bool {
    let only: Vec<&str> = only
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    only.is_empty() || only.contains(&name)
}

impl AuthArgs {
    pub fn duration(&self) -> Duration {
        Duration::from_secs(self.duration.max(1))
    }

    pub fn warmup(&self) -> Duration {
        Duration::from_secs(self.warmup)
    }

    /// Whether scenario `name` was asked for.
    pub fn wants(&self, name: &str) -> bool {
        wanted(&self.only, name)
    }
}

impl FinanceArgs {
    /// The scenarios of this command, in the order they run.
    pub const SCENARIOS: [&str; 7] = [
        "list",
        "balance",
        "budget_status",
        "summary",
        "create",
        "csv",
        "overview",
    ];

    pub fn duration(&self) -> Duration {
        Duration::from_secs(self.duration.max(1))
    }

    pub fn warmup(&self) -> Duration {
        Duration::from_secs(self.warmup)
    }

    /// Whether scenario `name` was asked for.
    pub fn wants(&self, name: &str) -> bool {
        wanted(&self.only, name)
    }
}
