//! The server's SQLite database: opening, migrations, and the connections the handlers use.
//!
//! One writer connection behind a mutex (SQLite allows one writer at a time anyway, and a
//! single writer makes the change sequence commit in order) and a few reader connections
//! that WAL mode lets run beside it. All database work runs on tokio's blocking pool, never
//! on the async executor.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::ApiError;
use crate::events::{ChangeEvent, EventBus};
use crate::sla::SlaSettings;

/// Embedded migrations, applied in order. `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../migrations/0001_init.sql")),
    ("0002_sla", include_str!("../migrations/0002_sla.sql")),
    (
        "0003_sla_timer_rows",
        include_str!("../migrations/0003_sla_timer_rows.sql"),
    ),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub const DB_FILE: &str = "rounds.db";

#[derive(Debug, thiserror::Error)]
pub enum DbOpenError {
    #[error(
        "the database at {path} has schema version {found}, newer than the {supported} this rounds-server supports; \
         upgrade rounds-server (or restore a backup made by this version)"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("cannot open the database at {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("invalid SLA settings: {0}")]
    Settings(String),
    #[error("cannot create the data directory {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Opens a connection with the settings every connection of the server uses.
pub fn open_connection(path: &Path, read_only: bool) -> rusqlite::Result<Connection> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    if !read_only {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // WAL + NORMAL is durable across application crashes; a power cut may lose the last
        // commits but never corrupts. The client cache, where "saved" is promised, uses FULL.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // 16 MiB of page cache for the one writer keeps the hot indexes in memory.
        conn.pragma_update(None, "cache_size", -16_000)?;
        // Checkpoint every ~64 MiB of WAL rather than every 4 MiB: a sync push batch writes
        // megabytes, and each checkpoint costs an fsync of the database file.
        conn.pragma_update(None, "wal_autocheckpoint", 16_384)?;
        // Statement journals (the pages a statement changes, kept in case it must be undone
        // within its transaction) stay in memory: in a temporary file each page was a write
        // system call, which once took a quarter of the time a sync push took.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
    }
    conn.set_prepared_statement_cache_capacity(64);
    register_search(&conn)?;
    Ok(conn)
}

/// Field separator inside one argument of `rounds_match` (the comments of a ticket arrive as
/// one `group_concat`): ASCII unit separator, which no form sends.
pub const FIELD_SEP: char = '\u{1F}';

/// `rounds_match(q, field, ...)`: whether the search query `q` matches a ticket whose
/// searchable fields are the other arguments (NULLs ignored; an argument may hold several
/// fields separated by [`FIELD_SEP`]). This is `rounds_core::query::matches_all`, the rule the
/// clients' local index also implements, so online and offline searches agree.
fn register_search(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
    conn.create_scalar_function(
        "rounds_match",
        -1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            // The query is the same for every row: parse it once per statement.
            let terms: Arc<Vec<String>> = ctx.get_or_create_aux(0, |q| -> Result<_, BoxError> {
                Ok(rounds_core::query::parse_terms(q.as_str().unwrap_or("")))
            })?;
            let mut texts = Vec::with_capacity(ctx.len());
            for i in 1..ctx.len() {
                if let Some(s) = ctx.get_raw(i).as_str_or_null()? {
                    texts.push(s);
                }
            }
            let fields: Vec<&str> = texts.iter().flat_map(|s| s.split(FIELD_SEP)).collect();
            Ok(rounds_core::query::matches_all(&terms, &fields))
        },
    )
}

/// Applies pending migrations, or refuses a database newer than this binary.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<(), DbOpenError> {
    let sqlite = |source| DbOpenError::Sqlite {
        path: path.to_owned(),
        source,
    };
    let found: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(sqlite)?;
    if found > SCHEMA_VERSION {
        return Err(DbOpenError::TooNew {
            path: path.to_owned(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction().map_err(sqlite)?;
        tx.execute_batch(sql).map_err(sqlite)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)
            .map_err(sqlite)?;
        tx.commit().map_err(sqlite)?;
        tracing::info!(migration = name, "applied migration");
    }
    Ok(())
}

/// Opens (creating if needed) the database in `data_dir` and brings it to [`SCHEMA_VERSION`].
pub fn open_and_migrate(data_dir: &Path) -> Result<Connection, DbOpenError> {
    std::fs::create_dir_all(data_dir).map_err(|source| DbOpenError::Io {
        path: data_dir.to_owned(),
        source,
    })?;
    let path = data_dir.join(DB_FILE);
    let mut conn = open_connection(&path, false).map_err(|source| DbOpenError::Sqlite {
        path: path.clone(),
        source,
    })?;
    migrate(&mut conn, &path)?;
    Ok(conn)
}

/// A write transaction plus the change events it will publish once it commits, and the
/// change-sequence counter.
///
/// Sequences come from a counter persisted in `meta.last_seq` (written once per transaction),
/// not from the table's rowids: the change log keeps one row per entity and moves it up on
/// every change, so its highest row can disappear, and a sequence must never be handed out
/// twice. A rolled-back transaction leaves a gap, which is allowed: sequences only increase.
pub struct Tx<'a> {
    pub tx: rusqlite::Transaction<'a>,
    pub events: Vec<ChangeEvent>,
    /// The SLA rules that ticket writes in this transaction apply.
    pub sla: Arc<SlaSettings>,
    last_seq: Option<i64>,
    seq_dirty: bool,
}

impl<'a> Tx<'a> {
    pub fn new(tx: rusqlite::Transaction<'a>) -> Self {
        Tx {
            tx,
            events: Vec::new(),
            sla: Arc::default(),
            last_seq: None,
            seq_dirty: false,
        }
    }

    /// The next change sequence.
    pub fn next_seq(&mut self) -> rusqlite::Result<i64> {
        let last = match self.last_seq {
            Some(s) => s,
            None => self.tx.query_row(
                "SELECT max(coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'last_seq'), 0), \
                            coalesce((SELECT max(seq) FROM changes), 0))",
                [],
                |r| r.get(0),
            )?,
        };
        self.last_seq = Some(last + 1);
        self.seq_dirty = true;
        Ok(last + 1)
    }

    /// Persists the counter, commits, and returns the events to publish.
    pub fn commit(self) -> rusqlite::Result<Vec<ChangeEvent>> {
        if let (true, Some(last)) = (self.seq_dirty, self.last_seq) {
            self.tx.execute(
                "INSERT INTO meta (key, value) VALUES ('last_seq', ?1) \
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [last.to_string()],
            )?;
        }
        self.tx.commit()?;
        Ok(self.events)
    }
}

impl<'a> std::ops::Deref for Tx<'a> {
    type Target = rusqlite::Transaction<'a>;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

/// The connections of a running server.
#[derive(Clone)]
pub struct Db {
    bus: EventBus,
    sla: Arc<SlaSettings>,
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Vec<Mutex<Connection>>>,
    next_reader: Arc<AtomicUsize>,
}

impl Db {
    pub fn open(
        data_dir: &Path,
        readers: usize,
        bus: EventBus,
        sla: Arc<SlaSettings>,
    ) -> Result<Self, DbOpenError> {
        let writer = open_and_migrate(data_dir)?;
        let path = data_dir.join(DB_FILE);
        let readers = (0..readers.max(1))
            .map(|_| {
                open_connection(&path, true)
                    .map(Mutex::new)
                    .map_err(|source| DbOpenError::Sqlite {
                        path: path.clone(),
                        source,
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Db {
            bus,
            sla,
            writer: Arc::new(Mutex::new(writer)),
            readers: Arc::new(readers),
            next_reader: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// Runs `f` in one write transaction on the blocking pool. It commits only if `f` returns
    /// `Ok`, so a failed request never leaves half a change behind. The events `f` queued are
    /// published after the commit and before the writer is released, so subscribers receive
    /// them in sequence order.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, ApiError> + Send + 'static,
    {
        let writer = self.writer.clone();
        let bus = self.bus.clone();
        let sla = self.sla.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = writer.lock().unwrap_or_else(|p| p.into_inner());
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut tx = Tx::new(tx);
            tx.sla = sla;
            let out = f(&mut tx)?;
            for e in tx.commit()? {
                bus.publish(e);
            }
            Ok(out)
        })
        .await
        .map_err(|e| ApiError::internal(format!("database task failed: {e}")))?
    }

    /// Runs `f` on a reader connection, inside one read transaction so it sees one snapshot.
    pub async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T, ApiError> + Send + 'static,
    {
        let readers = self.readers.clone();
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % readers.len();
        tokio::task::spawn_blocking(move || {
            let mut conn = readers[i].lock().unwrap_or_else(|p| p.into_inner());
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Deferred)?;
            let out = f(&tx)?;
            tx.finish()?;
            Ok(out)
        })
        .await
        .map_err(|e| ApiError::internal(format!("database task failed: {e}")))?
    }

    /// Runs `f` with the writer connection outside any transaction (backup, checkpoints).
    pub async fn with_writer<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let writer = self.writer.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = writer.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(|e| ApiError::internal(format!("database task failed: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_to_an_empty_file_and_are_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open_and_migrate(dir.path()).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        drop(conn);
        let conn = open_and_migrate(dir.path()).unwrap();
        let n: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='tickets'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn version_3_folds_the_timers_of_a_ticket_into_one_row_soonest_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        let mut conn = Connection::open(&path).unwrap();
        for (_, sql) in &MIGRATIONS[..2] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 2).unwrap();
        // Timer rows as version 2 wrote them (the ticket rows do not matter here).
        conn.execute_batch(
            "PRAGMA foreign_keys = OFF; INSERT INTO sla_timers VALUES \
             ('t1', 'resolution', 50, 1, '2026-11-27T12:00:00.000000Z'), \
             ('t1', 'response', 100, 2, '2026-11-27T09:00:00.000000Z'), \
             ('t1', 'response', 50, 1, '2026-11-27T08:30:00.000000Z'), \
             ('t2', 'resolution', 75, 2, '2026-11-28T08:00:00.000000Z');",
        )
        .unwrap();
        migrate(&mut conn, &path).unwrap();
        let rows: Vec<(String, String, String)> = conn
            .prepare("SELECT ticket_id, due_at, points FROM sla_timers ORDER BY ticket_id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            [
                (
                    "t1".to_owned(),
                    "2026-11-27T08:30:00.000000Z".to_owned(),
                    r#"[["response",50,1,"2026-11-27T08:30:00.000000Z"],["response",100,2,"2026-11-27T09:00:00.000000Z"],["resolution",50,1,"2026-11-27T12:00:00.000000Z"]]"#.to_owned()
                ),
                (
                    "t2".to_owned(),
                    "2026-11-28T08:00:00.000000Z".to_owned(),
                    r#"[["resolution",75,2,"2026-11-28T08:00:00.000000Z"]]"#.to_owned()
                ),
            ]
        );
    }

    #[test]
    fn a_newer_database_is_refused_with_a_clear_message() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open_and_migrate(dir.path()).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 5)
            .unwrap();
        drop(conn);
        let err = open_and_migrate(dir.path()).err().unwrap();
        let msg = err.to_string();
        assert!(matches!(err, DbOpenError::TooNew { found, .. } if found == SCHEMA_VERSION + 5));
        assert!(msg.contains("upgrade rounds-server"), "{msg}");
    }
}
