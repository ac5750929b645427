//! Desktop cold start: the `rounds-desktop` binary from the same target directory, started on
//! a profile with N tickets cached, until its UI reports the first ticket list on screen
//! (`ui_ready`; the app prints `ready_ms=` and exits when `ROUNDS_EXIT_WHEN_READY` is set).
//! Measured from spawn, wall clock, so process start, WebKit and the first query all count.
//! Baseline: the same start on an empty profile. Needs a display (`scripts/with-session.sh`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use rounds_core::model::{Role, UserPublic};
use rounds_core::wire::Change;
use uuid::Uuid;

use crate::Row;

fn desktop_bin() -> Result<std::path::PathBuf> {
    let exe = std::env::current_exe()?;
    let bin = exe.with_file_name(format!("rounds-desktop{}", std::env::consts::EXE_SUFFIX));
    ensure!(
        bin.exists(),
        "{} is missing: build it first (cargo build [--release] -p rounds-desktop)",
        bin.display()
    );
    Ok(bin)
}

/// A desktop home whose profile holds `n` tickets and a signed-in engineer (whose first
/// screen is the ticket list).
fn home_with(dir: &Path, n: usize) -> Result<()> {
    let mut store = rounds_store::Store::open(&dir.join("profile"))?;
    // A server nobody answers on: the app starts offline, as on a ward with no network.
    store.set_meta("server", Some("http://127.0.0.1:9"))?;
    store.set_me(Some(&UserPublic {
        id: Uuid::from_u128(2),
        username: "bench-eng".into(),
        display_name: "陈浩".into(),
        role: Role::Engineer,
        campus: None,
        department: None,
    }))?;
    let mut seq = 0i64;
    let mut page: Vec<Change> = crate::search::directory_changes(&mut seq);
    for (i, g) in rounds_fixtures::stream(2026, n).enumerate() {
        page.extend(crate::search::changes(g, i, &mut seq)?);
        if page.len() >= 2_000 {
            store.apply_pull("bench", &page, seq)?;
            page.clear();
        }
    }
    store.apply_pull("bench", &page, seq)?;
    Ok(())
}

/// One cold start, as the app reports it on its ready line.
struct Start {
    /// Spawn to the ready line, wall clock.
    total: Duration,
    /// From the shell's start until the page began to load, and until the bundle ran
    /// (milliseconds; NaN when the UI sent no marks).
    page_ms: f64,
    script_ms: f64,
    rows: usize,
}

fn field(line: &str, name: &str) -> Option<f64> {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
}

/// One cold start: wall time from spawn to the app's ready line, and the rows it showed.
fn cold_start(bin: &Path, home: &Path) -> Result<Start> {
    let t = Instant::now();
    let mut child = Command::new(bin)
        .env("ROUNDS_HOME", home)
        .env("ROUNDS_EXIT_WHEN_READY", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let stdout = child.stdout.take().context("stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("ready_ms=") {
                let _ = tx.send(Start {
                    total: t.elapsed(),
                    page_ms: field(&line, "page_ms").unwrap_or(f64::NAN),
                    script_ms: field(&line, "script_ms").unwrap_or(f64::NAN),
                    rows: field(&line, "rows").unwrap_or(0.0) as usize,
                });
                return;
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(r) => {
            child.wait()?;
            Ok(r)
        }
        Err(_) => {
            let _ = child.kill();
            let status = child.wait()?;
            bail!("the desktop app ({status}) did not render its ticket list within 60 s")
        }
    }
}

/// The run with the median total time.
fn median(mut v: Vec<Start>) -> Start {
    v.sort_by_key(|s| s.total);
    v.swap_remove(v.len() / 2)
}

pub fn section(tickets: usize, runs: usize) -> Result<Vec<Row>> {
    ensure!(
        std::env::var_os("DISPLAY").is_some(),
        "the desktop cold start needs a display: run the benchmark inside scripts/with-session.sh"
    );
    let bin = desktop_bin()?;
    let measure = |n: usize| -> Result<Start> {
        let home = tempfile::tempdir()?;
        home_with(home.path(), n)?;
        // One start to warm the page cache, as on a workstation used every day.
        cold_start(&bin, home.path())?;
        let mut starts = Vec::with_capacity(runs);
        for _ in 0..runs {
            let s = cold_start(&bin, home.path())?;
            ensure!(
                n == 0 || s.rows > 0,
                "the first list showed no rows out of {n} cached"
            );
            starts.push(s);
        }
        Ok(median(starts))
    };
    let empty = measure(0)?;
    let full = measure(tickets)?;
    let ms = |v: f64| format!("{v:.0} ms");
    Ok(vec![
        Row {
            what: format!(
                "desktop cold start to first ticket list, {tickets} tickets cached (median of {runs})"
            ),
            value: crate::client::ms(full.total),
            baseline: format!("{} (empty profile)", crate::client::ms(empty.total)),
            ratio: format!(
                "{:.2}x",
                full.total.as_secs_f64() / empty.total.as_secs_f64().max(1e-9)
            ),
            target: "< 400 ms",
        },
        Row {
            what: "  of which: shell start until the page loads / until the UI bundle runs".into(),
            value: format!("{} / {}", ms(full.page_ms), ms(full.script_ms)),
            baseline: format!(
                "{} / {} (empty profile)",
                ms(empty.page_ms),
                ms(empty.script_ms)
            ),
            ratio: String::new(),
            target: "",
        },
    ])
}
