//! The service's memory, read from `/proc/<pid>/status`: resident set now
//! (`VmRSS`) and its high-water mark since start (`VmHWM`).

use std::time::Duration;

use anyhow::Context;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How often the resident set is sampled during a scenario.
const SAMPLE_EVERY: Duration = Duration::from_millis(50);

#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    pub rss_kib: u64,
    pub hwm_kib: u64,
}

/// Reads the memory of process `pid`.
pub fn read(pid: u32) -> anyhow::Result<Memory> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("read {path}"))?;
    let field = |name: &str| -> anyhow::Result<u64> {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .with_context(|| format!("no {name} in {path}"))
    };
    Ok(Memory {
        rss_kib: field("VmRSS:")?,
        hwm_kib: field("VmHWM:")?,
    })
}

/// Samples `VmRSS` until stopped, keeping the largest value.
pub struct Sampler {
    stop: oneshot::Sender<()>,
    task: JoinHandle<u64>,
}

impl Sampler {
    pub fn start(pid: u32) -> Self {
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let mut peak = 0;
            let mut ticks = tokio::time::interval(SAMPLE_EVERY);
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = ticks.tick() => {
                        if let Ok(memory) = read(pid) {
                            peak = peak.max(memory.rss_kib);
                        }
                    }
                }
            }
            peak
        });
        Self { stop, task }
    }

    /// The largest resident set seen, in KiB.
    pub async fn finish(self) -> anyhow::Result<u64> {
        // The task may have ended already; then the send fails harmlessly.
        let _ = self.stop.send(());
        Ok(self.task.await?)
    }
}
