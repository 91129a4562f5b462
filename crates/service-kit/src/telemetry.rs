//! Logging: `tracing` to stdout, readable text or one JSON object per line.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::LogFormat;

/// The log filter: `RUST_LOG` when it is set and valid, else `info`. An empty
/// value counts as unset (an empty filter would silence even errors).
fn filter_from(rust_log: Option<String>) -> EnvFilter {
    rust_log
        .filter(|v| !v.trim().is_empty())
        .and_then(|v| EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| EnvFilter::new("info"))
}

/// Installs the global subscriber; `RUST_LOG` filters (default `info`).
pub fn init(format: LogFormat) {
    let filter = filter_from(std::env::var("RUST_LOG").ok());
    // Colours only for a person at a terminal: in a file or a collector's pipe
    // the escape codes are noise, and writing them costs every line.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stdout().is_terminal())
        .with_target(false);
    match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init(),
        LogFormat::Text => builder.init(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_or_invalid_rust_log_means_info() {
        for value in [None, Some(""), Some("   "), Some("=[")] {
            let filter = filter_from(value.map(str::to_owned));
            assert_eq!(
                filter.max_level_hint(),
                Some(tracing_subscriber::filter::LevelFilter::INFO),
                "{value:?}"
            );
        }
        let debug = filter_from(Some("debug".to_owned()));
        assert_eq!(
            debug.max_level_hint(),
            Some(tracing_subscriber::filter::LevelFilter::DEBUG)
        );
    }
}
