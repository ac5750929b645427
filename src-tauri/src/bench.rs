//! The shell's side of `rounds-bench`'s desktop figures: the start-up breakdown the UI reports
//! when its first list is on screen, and the list-scrolling run. Nothing here runs unless the
//! benchmark's environment variables ask for it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Timestamps the web view took during start-up (`performance` clock, milliseconds).
#[derive(Debug, Clone, Copy, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StartupMarks {
    /// `performance.timeOrigin`: when the page started loading, on the Unix epoch.
    pub time_origin: f64,
    /// When the bundle began to run, relative to `time_origin`.
    pub script: f64,
    /// When the session's status answered, relative to `time_origin`.
    pub status: Option<f64>,
    /// When the first page of the ticket list answered, relative to `time_origin` (not on a
    /// reporter's first screen).
    pub list: Option<f64>,
}

/// Where the start-up time went: milliseconds from the shell's start until the page began
/// loading (before it: GTK and WebKit's processes), the bundle began to run, the status
/// answered and the first list page answered. NaN where the UI sent no mark.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Breakdown {
    pub page: f64,
    pub script: f64,
    pub status: f64,
    pub list: f64,
}

/// What the list-scrolling benchmark asks the UI to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct ScrollBench {
    pub frames: u32,
    pub rows_per_frame: u32,
}

impl ScrollBench {
    /// `ROUNDS_BENCH_SCROLL`: `FRAMES` or `FRAMES:ROWS_PER_FRAME` (default 5 rows; 0 measures
    /// the same frames without scrolling). `None` when unset or unreadable.
    pub fn from_env() -> Option<ScrollBench> {
        Self::parse(&std::env::var("ROUNDS_BENCH_SCROLL").ok()?)
    }

    fn parse(v: &str) -> Option<ScrollBench> {
        let (frames, rows) = v.split_once(':').unwrap_or((v, "5"));
        Some(ScrollBench {
            frames: frames.parse().ok()?,
            rows_per_frame: rows.parse().ok()?,
        })
    }
}

/// The UI's report of a scrolling run: frame intervals in milliseconds.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ScrollReport {
    pub frames: u32,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
    /// Frames that took longer than 50 ms (a "long frame", visible as a stutter).
    pub long_frames: u32,
    /// How far the list went, in rows.
    pub rows: u32,
}

/// What the benchmark asked of this run, from the environment: print the ready line
/// (`ROUNDS_PRINT_READY`), also exit once ready (`ROUNDS_EXIT_WHEN_READY`, the cold start),
/// or scroll the list first (`ROUNDS_BENCH_SCROLL`).
#[derive(Debug, Clone, Copy)]
pub struct Switches {
    pub exit_when_ready: bool,
    pub scroll: Option<ScrollBench>,
    print_ready: bool,
}

impl Switches {
    pub fn from_env() -> Switches {
        let exit_when_ready = std::env::var_os("ROUNDS_EXIT_WHEN_READY").is_some();
        let scroll = ScrollBench::from_env();
        Switches {
            exit_when_ready,
            scroll,
            print_ready: exit_when_ready
                || scroll.is_some()
                || std::env::var_os("ROUNDS_PRINT_READY").is_some(),
        }
    }

    /// The ready line `rounds-bench` reads, when it asked for one: milliseconds since the
    /// shell started, the start-up breakdown, and the rows the first list showed.
    pub fn print_ready(&self, ms: f64, b: &Breakdown, rows: usize) {
        if self.print_ready {
            println!(
                "ready_ms={ms:.1} page_ms={:.1} script_ms={:.1} status_ms={:.1} list_ms={:.1} rows={rows}",
                b.page, b.script, b.status, b.list
            );
        }
    }
}

/// Milliseconds from the shell's start to an instant given in milliseconds since the Unix
/// epoch, as the web view gives its `performance.timeOrigin`.
pub fn since_start(started: std::time::SystemTime, epoch_ms: f64) -> f64 {
    let start_epoch_ms = started
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or_default();
    epoch_ms - start_epoch_ms
}

/// The start-up breakdown on the shell's clock, from the UI's marks (all NaN without them).
pub fn startup_breakdown(started: std::time::SystemTime, marks: Option<StartupMarks>) -> Breakdown {
    // NaN where a mark is missing (all of them without marks).
    let page = marks.map_or(f64::NAN, |m| since_start(started, m.time_origin));
    let at = |mark: Option<f64>| mark.map_or(f64::NAN, |t| page + t);
    Breakdown {
        page,
        script: at(marks.map(|m| m.script)),
        status: at(marks.and_then(|m| m.status)),
        list: at(marks.and_then(|m| m.list)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scroll_switch() {
        let run = |frames, rows_per_frame| {
            Some(ScrollBench {
                frames,
                rows_per_frame,
            })
        };
        assert_eq!(ScrollBench::parse("600"), run(600, 5));
        assert_eq!(ScrollBench::parse("600:0"), run(600, 0));
        assert_eq!(ScrollBench::parse("600:x"), None);
        assert_eq!(ScrollBench::parse(""), None);
    }

    #[test]
    fn breakdown_is_relative_to_the_shell_start() {
        let started = std::time::UNIX_EPOCH + std::time::Duration::from_millis(10_000);
        let marks = StartupMarks {
            time_origin: 10_300.0,
            script: 50.0,
            status: Some(80.0),
            list: None,
        };
        let b = startup_breakdown(started, Some(marks));
        assert_eq!((b.page, b.script, b.status), (300.0, 350.0, 380.0));
        assert!(b.list.is_nan());
        assert!(startup_breakdown(started, None).page.is_nan());
    }
}
