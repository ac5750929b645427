//! Log files: one per day in the app's log directory, the last 14 kept. Tokens never reach
//! them (`rounds_app::credentials::Secret` prints redacted).

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; keep the guard alive until exit so buffered lines flush.
pub fn init(dir: &Path) -> Option<WorkerGuard> {
    let _ = std::fs::create_dir_all(dir);
    let filter = EnvFilter::try_from_env("ROUNDS_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    match RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("rounds-desktop")
        .filename_suffix("log")
        .max_log_files(14)
        .build(dir)
    {
        Ok(file) => {
            let (writer, guard) = tracing_appender::non_blocking(file);
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_ansi(false)
                .with_writer(writer)
                .init();
            Some(guard)
        }
        Err(e) => {
            tracing_subscriber::fmt().with_env_filter(filter).init();
            tracing::warn!(error = %e, dir = %dir.display(), "cannot write log files; logging to stderr");
            None
        }
    }
}
