//! Desktop cold start: the `rounds-desktop` binary from the same target directory, started on
//! a profile with N tickets cached, until its UI reports the first ticket list on screen
//! (`ui_ready`; the app prints `ready_ms=` and exits when `ROUNDS_EXIT_WHEN_READY` is set).
//! Measured from spawn, wall clock, so process start, WebKit and the first query all count.
//! Baselines: the same start on an empty profile, and the floor of the stack itself, an empty
//! Tauri window with the same build and rendering (`src-tauri/examples/bare-window.rs`),
//! started and measured the same way. Then the idle memory of the app and its
//! WebKit processes (PSS, summed over the process tree) some seconds after the first list,
//! and the frame intervals while the list of many tickets scrolls (the UI scrolls itself for
//! a number of animation frames when started with `ROUNDS_BENCH_SCROLL`, and reports).
//! Needs a display (`scripts/with-session.sh`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use rounds_core::model::{Role, UserPublic};
use rounds_core::wire::Change;
use uuid::Uuid;

use crate::Row;

/// A binary of the same build as this one: `rounds-desktop`, or the bare window among the
/// examples.
fn desktop_bin(name: &str, build: &str) -> Result<std::path::PathBuf> {
    let exe = std::env::current_exe()?;
    let bin = exe.with_file_name(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    ensure!(
        bin.exists(),
        "{} is missing: build it first (cargo build [--release] -p rounds-desktop{build})",
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
    let mut corpus = crate::search::pulled();
    let mut page: Vec<Change> = corpus.directory();
    for (i, g) in rounds_fixtures::stream(2026, n).enumerate() {
        page.extend(corpus.ticket(g, i)?);
        if page.len() >= 2_000 {
            store.apply_pull("bench", &page, corpus.seq, None)?;
            page.clear();
        }
    }
    store.apply_pull("bench", &page, corpus.seq, None)?;
    Ok(())
}

/// One cold start, as the app reports it on its ready line.
struct Start {
    /// Spawn to the ready line, wall clock.
    total: Duration,
    /// From the shell's start until the page began to load, the bundle ran, the status
    /// answered and the first list page answered (milliseconds; NaN when the UI sent no mark).
    page_ms: f64,
    script_ms: f64,
    status_ms: f64,
    list_ms: f64,
    rows: usize,
}

fn field(line: &str, name: &str) -> Option<f64> {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
}

/// One cold start: wall time from spawn to the app's ready line, and the rows it showed.
fn cold_start(bin: &Path, home: &Path) -> Result<Start> {
    let t = Instant::now();
    with_app(
        bin,
        home,
        &[("ROUNDS_EXIT_WHEN_READY", "1".into())],
        "ready_ms=",
        Duration::from_secs(60),
        |_, line| {
            Ok(Start {
                total: t.elapsed(),
                page_ms: field(&line, "page_ms").unwrap_or(f64::NAN),
                script_ms: field(&line, "script_ms").unwrap_or(f64::NAN),
                status_ms: field(&line, "status_ms").unwrap_or(f64::NAN),
                list_ms: field(&line, "list_ms").unwrap_or(f64::NAN),
                rows: field(&line, "rows").unwrap_or(0.0) as usize,
            })
        },
    )
}

/// Sizes of the desktop section.
pub struct Sizes {
    /// Tickets cached for the cold start and the memory figure.
    pub tickets: usize,
    pub runs: usize,
    /// Tickets cached for the scrolling figure, and how many frames it scrolls.
    pub scroll_tickets: usize,
    pub scroll_frames: u32,
    /// How long the app sits idle after its first list before its memory is read.
    pub idle_secs: u64,
}

/// Every process in the tree under `root` (itself included), from `/proc`.
fn process_tree(root: u32) -> Vec<u32> {
    let mut parent: std::collections::HashMap<u32, u32> = std::collections::HashMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        // `pid (comm) state ppid …`: the command may hold spaces and parentheses.
        if let Ok(stat) = std::fs::read_to_string(entry.path().join("stat"))
            && let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r)
            && let Some(ppid) = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok())
        {
            parent.insert(pid, ppid);
        }
    }
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let p = tree[i];
        tree.extend(parent.iter().filter(|(_, pp)| **pp == p).map(|(c, _)| *c));
        i += 1;
    }
    tree
}

/// Proportional set size of a process, in bytes (`/proc/PID/smaps_rollup`).
fn pss(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let line = text.lines().find(|l| l.starts_with("Pss:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Starts the app with `env`, waits up to `wait` for a stdout line starting with `prefix`,
/// then runs `then` with the child's pid and the line; the app is killed afterwards in any
/// case.
fn with_app<T>(
    bin: &Path,
    home: &Path,
    env: &[(&str, String)],
    prefix: &'static str,
    wait: Duration,
    then: impl FnOnce(u32, String) -> Result<T>,
) -> Result<T> {
    let mut cmd = Command::new(bin);
    cmd.env("ROUNDS_HOME", home)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let stdout = child.stdout.take().context("stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with(prefix) {
                let _ = tx.send(line);
                return;
            }
        }
    });
    let root = child.id();
    let result = match rx.recv_timeout(wait) {
        Ok(line) => then(root, line),
        Err(_) => Err(anyhow::anyhow!(
            "the desktop app printed no `{prefix}` line within {wait:?}"
        )),
    };
    let tree = process_tree(root);
    let _ = child.kill();
    let _ = child.wait();
    // WebKit's processes end with their parent's connection; make sure of it.
    for pid in tree.into_iter().filter(|pid| *pid != root) {
        let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
    }
    result
}

/// Idle memory of the app and every process it started (WebKit's web and network
/// processes), `idle` after its first list.
fn idle_memory(bin: &Path, home: &Path, idle: Duration) -> Result<u64> {
    with_app(
        bin,
        home,
        &[("ROUNDS_PRINT_READY", "1".into())],
        "ready_ms=",
        Duration::from_secs(120),
        |pid, _| {
            std::thread::sleep(idle);
            let tree = process_tree(pid);
            ensure!(
                tree.len() >= 2,
                "the app started no WebKit process: {tree:?}"
            );
            Ok(tree.into_iter().filter_map(pss).sum())
        },
    )
}

/// Whole milliseconds.
fn ms(v: f64) -> String {
    format!("{v:.0} ms")
}

/// A start's breakdown: `page / script / status / list`.
fn marks(s: &Start) -> String {
    format!(
        "{} / {} / {} / {}",
        ms(s.page_ms),
        ms(s.script_ms),
        ms(s.status_ms),
        ms(s.list_ms)
    )
}

/// The app's `scroll {json}` line: `rounds_desktop::bench::ScrollReport`, read back.
#[derive(Debug, serde::Deserialize)]
struct ScrollReport {
    p50_ms: f64,
    p95_ms: f64,
    max_ms: f64,
    long_frames: u32,
    rows: u32,
}

impl ScrollReport {
    /// "p50; p95; max; frames over 50 ms".
    fn summary(&self) -> String {
        format!(
            "{}; {}; {}; {}",
            ms(self.p50_ms),
            ms(self.p95_ms),
            ms(self.max_ms),
            self.long_frames
        )
    }
}

/// The UI's report of scrolling the list by `rows` rows on each of `frames` animation frames
/// (`rows` 0: the same frames with nothing scrolling, the baseline).
fn scroll(bin: &Path, home: &Path, frames: u32, rows: u32) -> Result<ScrollReport> {
    with_app(
        bin,
        home,
        &[("ROUNDS_BENCH_SCROLL", format!("{frames}:{rows}"))],
        "scroll ",
        // Start-up, then frames that take up to a few hundred milliseconds on software GL.
        Duration::from_secs(60) + Duration::from_millis(500) * frames,
        |_, line| {
            serde_json::from_str(&line["scroll ".len()..])
                .with_context(|| format!("the scroll report: {line}"))
        },
    )
}

/// The run with the median total time.
fn median(mut v: Vec<Start>) -> Start {
    v.sort_by_key(|s| s.total);
    v.swap_remove(v.len() / 2)
}

pub fn section(sizes: &Sizes) -> Result<Vec<Row>> {
    ensure!(
        std::env::var_os("DISPLAY").is_some(),
        "the desktop cold start needs a display: run the benchmark inside scripts/with-session.sh"
    );
    let bin = desktop_bin("rounds-desktop", "")?;
    let bare = desktop_bin("examples/bare-window", " --example bare-window")?;
    let (tickets, runs) = (sizes.tickets, sizes.runs);
    let empty_home = tempfile::tempdir()?;
    home_with(empty_home.path(), 0)?;
    let full_home = tempfile::tempdir()?;
    home_with(full_home.path(), tickets)?;
    let measure = |bin: &Path, home: &Path, n: usize| -> Result<Start> {
        // One start to warm the page cache, as on a workstation used every day.
        cold_start(bin, home)?;
        let mut starts = Vec::with_capacity(runs);
        for _ in 0..runs {
            let s = cold_start(bin, home)?;
            ensure!(
                n == 0 || s.rows > 0,
                "the first list showed no rows out of {n} cached"
            );
            starts.push(s);
        }
        Ok(median(starts))
    };
    let empty = measure(&bin, empty_home.path(), 0)?;
    let full = measure(&bin, full_home.path(), tickets)?;
    let floor = measure(&bare, empty_home.path(), 0)?;
    let mut rows = vec![
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
            what: "  of which: shell start until the page loads / the UI bundle runs / the status answers / the first list page answers".into(),
            value: marks(&full),
            baseline: format!("{} (empty profile)", marks(&empty)),
            ratio: String::new(),
            target: "",
        },
        Row {
            what: "  the stack's floor: an empty Tauri window (examples/bare-window, one line of text), cold start to its first paint; of which until its page loads".into(),
            value: format!("{}; {}", crate::client::ms(floor.total), ms(floor.page_ms)),
            baseline: String::new(),
            ratio: format!(
                "{:.2}x (the app with {tickets} tickets)",
                full.total.as_secs_f64() / floor.total.as_secs_f64().max(1e-9)
            ),
            target: "",
        },
    ];

    let idle = Duration::from_secs(sizes.idle_secs);
    let mib = |b: u64| format!("{:.1} MiB", b as f64 / 1048576.0);
    let mem_empty = idle_memory(&bin, empty_home.path(), idle)?;
    let mem_full = idle_memory(&bin, full_home.path(), idle)?;
    let mem_floor = idle_memory(&bare, empty_home.path(), idle)?;
    rows.push(Row {
        what: format!(
            "desktop idle memory, {tickets} tickets cached: PSS of the app and its WebKit processes, {}s after the first list",
            sizes.idle_secs
        ),
        value: mib(mem_full),
        baseline: format!("{} (empty profile)", mib(mem_empty)),
        ratio: format!("{:.2}x", mem_full as f64 / mem_empty.max(1) as f64),
        target: "< 150 MB",
    });
    rows.push(Row {
        what: "  the stack's floor: the same for the empty Tauri window".into(),
        value: mib(mem_floor),
        baseline: String::new(),
        ratio: format!(
            "{:.2}x (the app with {tickets} tickets)",
            mem_full as f64 / mem_floor.max(1) as f64
        ),
        target: "",
    });
    drop(full_home);

    let big_home = tempfile::tempdir()?;
    home_with(big_home.path(), sizes.scroll_tickets)?;
    let report = scroll(&bin, big_home.path(), sizes.scroll_frames, 5)?;
    let still = scroll(&bin, big_home.path(), sizes.scroll_frames, 0)?;
    ensure!(report.rows > 0, "the list did not scroll: {report:?}");
    rows.push(Row {
        what: format!(
            "desktop list scrolling, {} tickets cached: {} frames at 5 rows per frame ({} rows); frame interval p50; p95; max; frames over 50 ms",
            sizes.scroll_tickets, sizes.scroll_frames, report.rows
        ),
        value: report.summary(),
        baseline: format!("{} (the same frames, not scrolling)", still.summary()),
        ratio: format!("{:.2}x (p95)", report.p95_ms / still.p95_ms.max(1e-9)),
        target: "no frame over 50 ms",
    });
    Ok(rows)
}
