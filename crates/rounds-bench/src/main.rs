//! `rounds-bench`: measures Rounds on this machine and prints a table, each figure beside a
//! baseline measured in the same run.
//!
//! Server section: the real `rounds-server` binary (from the same target directory) on a
//! loopback port with a fresh data directory, driven over HTTP:
//! - sync push of ops in batches of 500, against raw SQLite inserts of the same ops;
//! - a full pull of every change, against a raw SQLite scan of the same rows;
//! - `GET /api/v1/tickets` and `GET /api/v1/tickets/{id}` throughput, against `GET /healthz`;
//! - the server's resident memory (VmRSS and its peak, VmHWM).
//!
//! Desktop section: cold start of `rounds-desktop` to its first rendered ticket list with
//! 10,000 tickets cached, against an empty profile (needs a display: run it inside
//! `scripts/with-session.sh`). `--desktop-only` runs that section alone; `--no-search` leaves
//! out the local search section (its million-ticket corpus takes minutes to build) and says so.
//!
//! `--quick` runs the same code at small sizes, checks the results are correct, and makes no
//! timing assertion; the test command runs it so the harness cannot rot.

mod client;
mod desktop;
mod search;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use chrono::Utc;
use serde_json::{Value, json};
use uuid::Uuid;

struct Sizes {
    desktop: desktop::Sizes,
    search_tickets: usize,
    local_saves: usize,
    propagations: usize,
    push_ops: usize,
    pull_tickets: usize,
    read_secs: f64,
    concurrency: usize,
}

const BATCH: usize = 500;
pub(crate) const PASSWORD: &str = "bench-password-1";

fn main() -> Result<()> {
    let quick = std::env::args().any(|a| a == "--quick");
    let mut sizes = if quick {
        Sizes {
            desktop: desktop::Sizes {
                tickets: 300,
                runs: 1,
                scroll_tickets: 1_000,
                scroll_frames: 60,
                idle_secs: 1,
            },
            search_tickets: 3_000,
            local_saves: 200,
            propagations: 20,
            push_ops: 1_000,
            pull_tickets: 3_000,
            read_secs: 0.3,
            concurrency: 4,
        }
    } else {
        Sizes {
            desktop: desktop::Sizes {
                tickets: 10_000,
                runs: 5,
                scroll_tickets: 100_000,
                scroll_frames: 600,
                idle_secs: 5,
            },
            search_tickets: 1_000_000,
            local_saves: 2_000,
            propagations: 300,
            push_ops: 10_000,
            pull_tickets: 100_000,
            read_secs: 5.0,
            concurrency: 8,
        }
    };
    // `--search-tickets N`: another corpus size for the search figures (to iterate faster).
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--search-tickets") {
        let n = args.get(i + 1).and_then(|n| n.parse().ok());
        sizes.search_tickets = n.context("--search-tickets wants a number")?;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // `--search-only`: the local search figures alone (the million-ticket corpus takes
    // minutes to build; the server figures do not depend on it).
    if std::env::args().any(|a| a == "--desktop-only") {
        let rows = desktop::section(&sizes.desktop)?;
        print_table(&rows, quick);
        return Ok(());
    }
    let mut rows = if std::env::args().any(|a| a == "--search-only") {
        Vec::new()
    } else {
        let mut rows = rt.block_on(server_section(&sizes))?;
        // `--server-only`: the server and client figures alone (no display needed).
        if !std::env::args().any(|a| a == "--server-only") {
            rows.extend(desktop::section(&sizes.desktop)?);
        }
        rows
    };
    if std::env::args().any(|a| a == "--no-search" || a == "--server-only") {
        println!("(the local search section was not run)");
    } else {
        let tmp = tempfile::tempdir()?;
        rows.extend(search::section(tmp.path(), sizes.search_tickets)?);
    }
    print_table(&rows, quick);
    Ok(())
}

pub(crate) struct Row {
    what: String,
    value: String,
    baseline: String,
    ratio: String,
    target: &'static str,
}

fn print_table(rows: &[Row], quick: bool) {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    println!(
        "rounds-bench{} — {} logical CPUs, {}",
        if quick {
            " --quick (sizes reduced; figures not meaningful)"
        } else {
            ""
        },
        cpus,
        Utc::now().format("%Y-%m-%d")
    );
    println!("| measure | value | baseline (same run) | ratio | target |");
    println!("| --- | --- | --- | --- | --- |");
    for r in rows {
        println!(
            "| {} | {} | {} | {} | {} |",
            r.what, r.value, r.baseline, r.ratio, r.target
        );
    }
}

fn server_bin() -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let bin = exe.with_file_name(format!("rounds-server{}", std::env::consts::EXE_SUFFIX));
    ensure!(
        bin.exists(),
        "{} is missing: build it first (cargo build [--release] -p rounds-server)",
        bin.display()
    );
    Ok(bin)
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    /// Stops the server gracefully (SIGTERM), killing it only if it does not exit in time.
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(self.child.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(data: &Path) -> Result<Self> {
        use std::io::BufRead;
        let bin = server_bin()?;
        let mut add = Command::new(&bin)
            .args([
                "user",
                "add",
                "--username",
                "bench-admin",
                "--role",
                "admin",
                "--data",
            ])
            .env("ROUNDS_LOG", "warn")
            .arg(data)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()?;
        add.stdin
            .take()
            .context("stdin")?
            .write_all(PASSWORD.as_bytes())?;
        ensure!(add.wait()?.success(), "user add failed");
        let mut child = Command::new(&bin)
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .env(
                "ROUNDS_LOG",
                std::env::var("ROUNDS_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::piped())
            .spawn()?;
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().context("stdout")?).read_line(&mut line)?;
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .context("no listening line")?
            .to_owned();
        Ok(Server { child, base })
    }

    /// (VmRSS, VmHWM) in MiB, from /proc.
    fn memory_mib(&self) -> Option<(f64, f64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let kb = |key: &str| {
            status
                .lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        };
        Some((kb("VmRSS:")? / 1024.0, kb("VmHWM:")? / 1024.0))
    }
}

#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    async fn login(http: &reqwest::Client, base: &str, user: &str) -> Result<Self> {
        let res: Value = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": user, "password": PASSWORD}))
            .send()
            .await?
            .json()
            .await?;
        let token = res["token"]
            .as_str()
            .with_context(|| format!("login failed: {res}"))?
            .to_owned();
        Ok(Client {
            http: http.clone(),
            base: base.to_owned(),
            token,
        })
    }

    async fn post(&self, path: &str, body: &Value) -> Result<Value> {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await?;
        let status = res.status();
        let v: Value = res.json().await?;
        ensure!(status.is_success(), "POST {path}: {status} {v}");
        Ok(v)
    }

    async fn get(&self, path: &str) -> Result<Value> {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await?;
        let status = res.status();
        let v: Value = res.json().await?;
        ensure!(status.is_success(), "GET {path}: {status} {v}");
        Ok(v)
    }
}

/// Ops creating generated tickets, each followed by its comments, `n` ops in all.
fn generated_ops(seed: u64, n: usize) -> (Vec<Value>, usize) {
    let mut ops = Vec::with_capacity(n);
    let mut tickets = 0;
    for g in rounds_fixtures::Generator::new(seed) {
        if ops.len() >= n {
            break;
        }
        let id = Uuid::now_v7();
        tickets += 1;
        ops.push(json!({"op_id": Uuid::now_v7(), "at": Utc::now(), "type": "ticket_create", "ticket": {
            "id": id, "title": g.title, "description": g.description, "campus": g.campus, "department": g.department,
            "location": g.location, "severity": g.severity, "work_type": g.work_type,
            "maintenance_type": g.maintenance_type, "channel": g.channel}}));
        for c in g.comments {
            if ops.len() >= n {
                break;
            }
            ops.push(json!({"op_id": Uuid::now_v7(), "at": Utc::now(), "type": "comment_add", "comment_id": Uuid::now_v7(),
                "ticket_id": id, "body": c.body, "internal": c.internal}));
        }
    }
    (ops, tickets)
}

/// Pushes `ops` in batches; returns the wall time and the server's own apply time (the sum of
/// its `Server-Timing: apply;dur=` headers).
async fn push_all(client: &Client, ops: &[Value]) -> Result<(Duration, Duration)> {
    let started = Instant::now();
    let mut applying = Duration::ZERO;
    for batch in ops.chunks(BATCH) {
        let res = client
            .http
            .post(format!("{}/api/v1/sync/push", client.base))
            .bearer_auth(&client.token)
            .json(&json!({ "ops": batch }))
            .send()
            .await?;
        ensure!(res.status().is_success(), "push: {}", res.status());
        let ms: f64 = res
            .headers()
            .get("server-timing")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split("dur=").nth(1))
            .and_then(|v| v.parse().ok())
            .context("no Server-Timing on the push answer")?;
        applying += Duration::from_secs_f64(ms / 1000.0);
        let body: Value = res.json().await?;
        let results = body["results"].as_array().context("results")?;
        ensure!(results.len() == batch.len(), "one result per op");
        if let Some(bad) = results.iter().find(|r| r["status"] != "applied") {
            bail!("op rejected: {bad}");
        }
    }
    Ok((started.elapsed(), applying))
}

/// The storage floor: the same ops' JSON inserted into a plain SQLite table, 500 a transaction.
fn raw_sqlite_inserts(dir: &Path, ops: &[Value]) -> Result<Duration> {
    let conn = rusqlite::Connection::open(dir.join("baseline.db"))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.execute_batch("CREATE TABLE ops (op_id TEXT PRIMARY KEY, body TEXT NOT NULL)")?;
    let started = Instant::now();
    for batch in ops.chunks(BATCH) {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        {
            let mut st = conn.prepare_cached("INSERT INTO ops (op_id, body) VALUES (?1, ?2)")?;
            for op in batch {
                st.execute(rusqlite::params![op["op_id"].as_str(), op.to_string()])?;
            }
        }
        conn.execute_batch("COMMIT")?;
    }
    Ok(started.elapsed())
}

/// The read floor: every ticket row of the server's database scanned with rusqlite.
fn raw_sqlite_scan(data: &Path) -> Result<(usize, Duration)> {
    let conn = rusqlite::Connection::open_with_flags(
        data.join("rounds.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )?;
    let started = Instant::now();
    let mut st = conn.prepare("SELECT id, number, title, description, campus, department, location, status, created_at FROM tickets")?;
    let mut n = 0;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let title: String = r.get(2)?;
        n += usize::from(!title.is_empty());
    }
    Ok((n, started.elapsed()))
}

/// Runs `f` from `concurrency` tasks for `secs`; returns completed calls per second.
async fn throughput<F, Fut>(concurrency: usize, secs: f64, f: F) -> Result<f64>
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<()>> + Send,
{
    let f = Arc::new(f);
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..concurrency {
        let (f, done) = (f.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = t as u64;
            while Instant::now() < deadline {
                f(i).await?;
                done.fetch_add(1, Ordering::Relaxed);
                i += concurrency as u64;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64())
}

pub(crate) fn rate(n: f64) -> String {
    if n >= 10_000.0 {
        format!("{:.1}k", n / 1000.0)
    } else {
        format!("{n:.0}")
    }
}

/// The p99 latency of sequential `GET /healthz` round trips: the floor of any HTTP exchange.
async fn healthz_latency_p99(c: &Client, n: usize) -> Result<Duration> {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let res = c.http.get(format!("{}/healthz", c.base)).send().await?;
        ensure!(res.status().is_success());
        res.bytes().await?;
        times.push(t.elapsed());
    }
    times.sort();
    Ok(times[((times.len() - 1) as f64 * 0.99).round() as usize])
}

async fn server_section(sizes: &Sizes) -> Result<Vec<Row>> {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("server");
    let server = Server::start(&data)?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let admin = Client::login(&http, &server.base, "bench-admin").await?;
    for c in rounds_fixtures::campuses() {
        admin
            .post("/api/v1/campuses", &json!({"code": c.code, "name": c.name}))
            .await?;
    }
    for d in rounds_fixtures::departments() {
        admin
            .post(
                "/api/v1/departments",
                &json!({"code": d.code, "name": d.name, "campus": d.campus}),
            )
            .await?;
    }
    admin
        .post(
            "/api/v1/users",
            &json!({"username": "bench-eng", "password": PASSWORD, "role": "engineer"}),
        )
        .await?;
    admin
        .post(
            "/api/v1/users",
            &json!({"username": "bench-eng2", "password": PASSWORD, "role": "engineer"}),
        )
        .await?;
    let eng = Client::login(&http, &server.base, "bench-eng").await?;
    let mut rows = Vec::new();

    // Push: three rounds of fresh ops, each against its own raw-SQLite baseline; the median
    // round is reported, since a 2-core machine shared with the client is noisy.
    let mut tickets = 0;
    let mut rounds_measured = Vec::new();
    for round in 0..3u64 {
        let (ops, n) = generated_ops(10 + round, sizes.push_ops);
        tickets += n;
        let (wall, applying) = push_all(&eng, &ops).await?;
        let dir = tmp.path().join(format!("baseline-{round}"));
        std::fs::create_dir_all(&dir)?;
        let base_rate = ops.len() as f64 / raw_sqlite_inserts(&dir, &ops)?.as_secs_f64();
        let n = ops.len() as f64;
        rounds_measured.push((
            n / wall.as_secs_f64(),
            n / applying.as_secs_f64(),
            base_rate,
        ));
    }
    rounds_measured.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (push_rate, apply_rate, base_rate) = rounds_measured[1];
    rows.push(Row {
        what: format!(
            "sync push, {} ops in batches of {BATCH}, median of 3, end to end (ops/s; range)",
            sizes.push_ops
        ),
        value: format!(
            "{} ({}–{})",
            rate(push_rate),
            rate(rounds_measured[0].0),
            rate(rounds_measured[2].0)
        ),
        baseline: format!("{} raw SQLite inserts/s", rate(base_rate)),
        ratio: format!("{:.2}", push_rate / base_rate),
        target: "≥ 20k ops/s",
    });
    rows.push(Row {
        what: "  the same, applied on the server (Server-Timing) (ops/s)".into(),
        value: rate(apply_rate),
        baseline: format!("{} raw SQLite inserts/s", rate(base_rate)),
        ratio: format!("{:.2}", apply_rate / base_rate),
        target: "≥ 20k ops/s",
    });

    // Fill up to the pull size with creates only, then pull everything.
    let fill: Vec<Value> = rounds_fixtures::Generator::new(2)
        .take(sizes.pull_tickets.saturating_sub(tickets))
        .map(|g| {
            json!({"op_id": Uuid::now_v7(), "at": Utc::now(), "type": "ticket_create", "ticket": {
                "id": Uuid::now_v7(), "title": g.title, "description": g.description, "campus": g.campus,
                "department": g.department, "location": g.location, "severity": g.severity}})
        })
        .collect();
    push_all(&eng, &fill).await?;
    tickets += fill.len();
    let started = Instant::now();
    let mut cursor = 0i64;
    let mut changes = 0usize;
    let mut ticket_changes = 0usize;
    loop {
        let page = eng
            .get(&format!("/api/v1/sync/pull?cursor={cursor}&limit=2000"))
            .await?;
        let list = page["changes"].as_array().context("changes")?;
        changes += list.len();
        ticket_changes += list.iter().filter(|c| c["kind"] == "ticket").count();
        cursor = page["cursor"].as_i64().context("cursor")?;
        if page["has_more"] != true {
            break;
        }
    }
    let pull_time = started.elapsed();
    ensure!(
        ticket_changes == tickets,
        "pulled {ticket_changes} tickets, expected {tickets}"
    );
    let (scanned, scan_time) = raw_sqlite_scan(&data)?;
    ensure!(
        scanned == tickets,
        "scanned {scanned} rows, expected {tickets}"
    );
    let pull_rate = changes as f64 / pull_time.as_secs_f64();
    let scan_rate = scanned as f64 / scan_time.as_secs_f64();
    rows.push(Row {
        what: format!("full pull, {changes} changes ({tickets} tickets) (changes/s)"),
        value: rate(pull_rate),
        baseline: format!("{} raw SQLite rows/s", rate(scan_rate)),
        ratio: format!("{:.3}", pull_rate / scan_rate),
        target: "—",
    });

    // Reads.
    let ids: Arc<Vec<String>> = Arc::new(
        eng.get("/api/v1/tickets?limit=500").await?["items"]
            .as_array()
            .context("items")?
            .iter()
            .filter_map(|t| t["id"].as_str().map(str::to_owned))
            .collect(),
    );
    let c = eng.clone();
    let health = throughput(sizes.concurrency, sizes.read_secs, move |_| {
        let c = c.clone();
        async move {
            let res = c.http.get(format!("{}/healthz", c.base)).send().await?;
            ensure!(res.status().is_success());
            res.bytes().await?;
            Ok(())
        }
    })
    .await?;
    let c = eng.clone();
    let list = throughput(sizes.concurrency, sizes.read_secs, move |_| {
        let c = c.clone();
        async move {
            let v = c.get("/api/v1/tickets?limit=50").await?;
            ensure!(v["items"].as_array().map(Vec::len) == Some(50));
            Ok(())
        }
    })
    .await?;
    let c = eng.clone();
    let ids2 = ids.clone();
    let single = throughput(sizes.concurrency, sizes.read_secs, move |i| {
        let c = c.clone();
        let id = ids2[(i as usize * 7919) % ids2.len()].clone();
        async move {
            let v = c.get(&format!("/api/v1/tickets/{id}")).await?;
            ensure!(v["id"] == id.as_str());
            Ok(())
        }
    })
    .await?;
    rows.push(Row {
        what: format!(
            "GET /api/v1/tickets/{{id}}, {tickets} stored, {} clients (req/s)",
            sizes.concurrency
        ),
        value: rate(single),
        baseline: format!("{} GET /healthz req/s", rate(health)),
        ratio: format!("{:.2}", single / health),
        target: "≥ 10k reads/s",
    });
    rows.push(Row {
        what: format!("GET /api/v1/tickets?limit=50, {tickets} stored (pages/s; tickets/s)"),
        value: format!("{}; {}", rate(list), rate(list * 50.0)),
        baseline: format!("{} GET /healthz req/s", rate(health)),
        ratio: format!("{:.2}", list / health),
        target: "≥ 10k tickets/s",
    });
    if let Some((rss, hwm)) = server.memory_mib() {
        rows.push(Row {
            what: "server memory after the server figures (RSS; peak)".into(),
            value: format!("{rss:.1} MiB; {hwm:.1} MiB"),
            baseline: "—".into(),
            ratio: "—".into(),
            target: "< 100 MB",
        });
    }

    // The client, against this server.
    rows.push(client::local_save(tmp.path(), sizes.local_saves)?);
    rows.extend(client::initial_sync(tmp.path(), &server.base, tickets, pull_rate).await?);
    let healthz_p99 = healthz_latency_p99(&eng, 200).await?;
    rows.push(
        client::propagation(tmp.path(), &server.base, sizes.propagations, healthz_p99).await?,
    );

    if let Some((rss, hwm)) = server.memory_mib() {
        rows.push(Row {
            what: "server memory after the client figures too (RSS; peak)".into(),
            value: format!("{rss:.1} MiB; {hwm:.1} MiB"),
            baseline: "—".into(),
            ratio: "—".into(),
            target: "< 100 MB",
        });
    }
    Ok(rows)
}
