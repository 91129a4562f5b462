//! criterion's results as a Markdown table: for each benchmark, the time of
//! one iteration and its 95% confidence interval from
//! `<dir>/<group>/<bench>/new/estimates.json` — the slope estimate, which
//! criterion prints, or the mean when it has no slope.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

#[derive(Deserialize)]
struct Estimates {
    mean: Estimate,
    slope: Option<Estimate>,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
    confidence_interval: Interval,
}

#[derive(Deserialize)]
struct Interval {
    lower_bound: f64,
    upper_bound: f64,
}

/// `benchmark.json` names the benchmark as it was written (`group/function`).
#[derive(Deserialize)]
struct Benchmark {
    full_id: String,
}

/// Every `new/` directory under `dir` (criterion keeps `base/` and `change/` beside it).
fn result_dirs(dir: &Path, found: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("read {}", dir.display()))? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") {
            found.push(path);
        } else {
            result_dirs(&path, found)?;
        }
    }
    Ok(())
}

/// Nanoseconds, in the unit that reads best.
fn duration(ns: f64) -> String {
    if ns >= 1_000_000.0 {
        format!("{:.2} ms", ns / 1_000_000.0)
    } else if ns >= 1_000.0 {
        format!("{:.2} µs", ns / 1_000.0)
    } else {
        format!("{ns:.0} ns")
    }
}

pub fn render(dir: &Path) -> anyhow::Result<String> {
    let mut dirs = Vec::new();
    result_dirs(dir, &mut dirs)?;
    let mut rows = Vec::new();
    for new in dirs {
        let read = |name: &str| -> anyhow::Result<String> {
            let path = new.join(name);
            std::fs::read_to_string(&path).with_context(|| format!("read {}", path.display()))
        };
        let benchmark: Benchmark = serde_json::from_str(&read("benchmark.json")?)?;
        let estimates: Estimates = serde_json::from_str(&read("estimates.json")?)?;
        rows.push((benchmark.full_id, estimates.slope.unwrap_or(estimates.mean)));
    }
    anyhow::ensure!(
        !rows.is_empty(),
        "no criterion results under {}",
        dir.display()
    );
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = String::from(
        "| benchmark | time | 95% interval | per second, one core |\n|---|--:|--:|--:|\n",
    );
    for (id, time) in rows {
        out.push_str(&format!(
            "| {id} | {} | {} – {} | {} |\n",
            duration(time.point_estimate),
            duration(time.confidence_interval.lower_bound),
            duration(time.confidence_interval.upper_bound),
            crate::report::thousands(1e9 / time.point_estimate)
        ));
    }
    Ok(out)
}
