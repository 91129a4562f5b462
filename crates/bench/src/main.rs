//! The load generator of scripts/bench: runs each scenario against a service
//! that is already running, and prints (and writes) the results and the
//! issue's targets as Markdown. Numbers are reported, never asserted.

mod api;
mod args;
mod client;
mod cpu;
mod criterion_table;
mod finance;
mod load;
mod report;
mod rss;
mod scenarios;

use anyhow::Context;
use clap::Parser;

use crate::args::{AuthArgs, Cli, Command, FinanceArgs};

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Auth(args) => auth(&args),
        Command::Finance(args) => finance(&args),
        Command::CriterionTable { dir } => {
            print!("{}", criterion_table::render(&dir)?);
            Ok(())
        }
    }
}

fn auth(args: &AuthArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()?;
    let results = runtime.block_on(scenarios::run(args))?;
    let markdown = format!(
        "### Results\n\n{}\n### Targets\n\n{}",
        results.table(),
        results.targets()
    );
    print!("{markdown}");
    if let Some(out) = &args.out {
        std::fs::write(out, &markdown).with_context(|| format!("write {}", out.display()))?;
    }
    Ok(())
}

fn finance(args: &FinanceArgs) -> anyhow::Result<()> {
    let markdown = finance::run(args)?;
    print!("{markdown}");
    if let Some(out) = &args.out {
        std::fs::write(out, &markdown).with_context(|| format!("write {}", out.display()))?;
    }
    Ok(())
}
