//! Client figures: durable local save, initial sync into an empty cache, and how fast a change
//! made on one client reaches another's cache with both online.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use chrono::Utc;
use rounds_app::App;
use rounds_app::credentials::TokenStoreKind;
use rounds_core::model::{
    Channel, MaintenanceType, Role, Severity, TicketDraft, UserPublic, WorkType,
};

use crate::{PASSWORD, Row, rate};

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub(crate) fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

pub(crate) fn draft(g: rounds_fixtures::GenTicket) -> Result<TicketDraft> {
    Ok(TicketDraft {
        id: None,
        title: g.title,
        description: g.description,
        campus: g.campus.into(),
        department: g.department.into(),
        location: g.location,
        severity: Severity::new(g.severity).context("severity")?,
        assignee: None,
        work_type: g
            .work_type
            .parse::<WorkType>()
            .map_err(|e| anyhow::anyhow!(e.message))?,
        maintenance_type: g
            .maintenance_type
            .parse::<MaintenanceType>()
            .map_err(|e| anyhow::anyhow!(e.message))?,
        channel: g
            .channel
            .parse::<Channel>()
            .map_err(|e| anyhow::anyhow!(e.message))?,
        attachments: vec![],
    })
}

/// Durable local ticket saves (SQLite `synchronous = FULL`, row and outbox op in one
/// transaction), against single-row durable inserts of the same JSON in a bare table.
pub fn local_save(dir: &Path, n: usize) -> Result<Row> {
    let mut store = rounds_store::Store::open(&dir.join("profile"))?;
    store.set_me(Some(&UserPublic {
        id: uuid::Uuid::now_v7(),
        username: "bench".into(),
        display_name: "bench".into(),
        role: Role::Engineer,
        campus: None,
        department: None,
    }))?;
    let mut times = Vec::with_capacity(n);
    let drafts: Vec<TicketDraft> = rounds_fixtures::stream(7, n)
        .map(draft)
        .collect::<Result<_>>()?;
    let payloads: Vec<String> = drafts
        .iter()
        .map(serde_json::to_string)
        .collect::<Result<_, _>>()?;
    for d in drafts {
        let t = Instant::now();
        store.ticket_create(d, Utc::now())?;
        times.push(t.elapsed());
    }
    ensure!(store.outbox_len()? == n, "every save queued an op");
    times.sort();

    let conn = rusqlite::Connection::open(dir.join("baseline-save.db"))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")?;
    let mut base = Vec::with_capacity(n);
    for p in &payloads {
        let t = Instant::now();
        conn.execute("INSERT INTO t (body) VALUES (?1)", [p])?;
        base.push(t.elapsed());
    }
    base.sort();
    let (p50, p95, b95) = (
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        percentile(&base, 0.95),
    );
    Ok(Row {
        what: format!("durable local ticket save, {n} saves (p50; p95)"),
        value: format!("{}; {}", ms(p50), ms(p95)),
        baseline: format!("{} p95 durable single-row SQLite insert", ms(b95)),
        ratio: format!("{:.2}", p95.as_secs_f64() / b95.as_secs_f64().max(1e-9)),
        target: "p95 ≤ 5 ms",
    })
}

async fn signed_in(dir: &Path, base: &str, user: &str) -> Result<Arc<App>> {
    let app = App::open(dir)?;
    app.login(base, user, PASSWORD, TokenStoreKind::File)
        .await?;
    Ok(app)
}

/// A fresh profile's first sync of everything the server holds, against the HTTP-only pull
/// rate measured in the same run; then the indexing it leaves for the background
/// ([`App::index_backlog`]), against a rebuild of the same index.
pub async fn initial_sync(
    dir: &Path,
    base: &str,
    tickets: usize,
    http_pull_rate: f64,
) -> Result<Vec<Row>> {
    let app = signed_in(&dir.join("initial"), base, "bench-eng").await?;
    let t = Instant::now();
    let report = app.sync_now().await?;
    let secs = t.elapsed().as_secs_f64();
    let local = app.tickets(Default::default()).await?.len();
    ensure!(
        local >= tickets,
        "cached {local} tickets, expected at least {tickets}"
    );
    let rows_per_s = report.pulled as f64 / secs;
    let t = Instant::now();
    let indexed = app.index_backlog().await?;
    let index_secs = t.elapsed().as_secs_f64();
    ensure!(
        indexed >= tickets,
        "indexed {indexed} tickets after the sync, expected at least {tickets}"
    );
    let t = Instant::now();
    let rebuilt = app.search_rebuild().await?;
    let rebuild_secs = t.elapsed().as_secs_f64();
    ensure!(rebuilt == local, "rebuilt {rebuilt} of {local} tickets");
    let sync = Row {
        what: format!(
            "initial sync into an empty cache, {} changes ({local} tickets) (rows/s)",
            report.pulled
        ),
        value: rate(rows_per_s),
        baseline: format!(
            "{} changes/s pulled over HTTP without storing",
            rate(http_pull_rate)
        ),
        ratio: format!("{:.2}", rows_per_s / http_pull_rate),
        target: "≥ 50k rows/s",
    };
    let index = Row {
        what: format!(
            "  then its search index, built in the background in slices of {} ({indexed} tickets) (tickets/s)",
            rounds_app::INDEX_SLICE
        ),
        value: rate(indexed as f64 / index_secs),
        baseline: format!(
            "{} tickets/s rebuilding the same index in one transaction",
            rate(rebuilt as f64 / rebuild_secs)
        ),
        ratio: format!("{:.2}", rebuild_secs / index_secs),
        target: "—",
    };
    Ok(vec![sync, index])
}

/// Client A raises a ticket; client B (background sync listening to the event stream) has it
/// in its cache. Timed from A's local save to B's cache showing it.
pub async fn propagation(dir: &Path, base: &str, n: usize, healthz_p99: Duration) -> Result<Row> {
    let a = signed_in(&dir.join("a"), base, "bench-eng").await?;
    let b = signed_in(&dir.join("b"), base, "bench-eng2").await?;
    for app in [&a, &b] {
        app.sync_now().await?;
        // A steady state: the first sync's search index built (measured above on its own).
        app.index_backlog().await?;
    }
    let _bg_a = rounds_app::background::start(a.clone(), Duration::from_secs(60));
    let _bg_b = rounds_app::background::start(b.clone(), Duration::from_secs(60));
    // Let B's event stream connect.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut times = Vec::with_capacity(n);
    for g in rounds_fixtures::stream(99, n) {
        let started = Instant::now();
        let t = a.ticket_create(draft(g)?).await?;
        let id = t.id.to_string();
        let deadline = started + Duration::from_secs(10);
        loop {
            if b.ticket(&id).await.is_ok() {
                break;
            }
            ensure!(
                Instant::now() < deadline,
                "ticket {id} did not reach client B within 10 s"
            );
            tokio::time::sleep(Duration::from_micros(500)).await;
        }
        times.push(started.elapsed());
    }
    times.sort();
    let (p50, p99) = (percentile(&times, 0.5), percentile(&times, 0.99));
    Ok(Row {
        what: format!(
            "one change from client A to client B's cache, both online, {n} changes (p50; p99)"
        ),
        value: format!("{}; {}", ms(p50), ms(p99)),
        baseline: format!("{} p99 GET /healthz round trip", ms(healthz_p99)),
        ratio: format!(
            "{:.1}",
            p99.as_secs_f64() / healthz_p99.as_secs_f64().max(1e-9)
        ),
        target: "p99 < 50 ms",
    })
}
