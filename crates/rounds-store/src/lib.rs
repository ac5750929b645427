//! The Rounds client's local cache: one SQLite file per profile.
//!
//! Everything the desktop app and the CLI show is read from here, and every change the user
//! makes is written here first, so the client works the same with or without a network.
//!
//! Invariants:
//! - The database is opened in one place, [`Store::open`], with WAL, foreign keys, a busy
//!   timeout and `synchronous = FULL`: a change is on disk before the call that made it
//!   returns.
//! - Every local change writes its row and its outbox op in **one transaction**.
//! - A ticket's `server_data` is what the server last sent (NULL while the server has none,
//!   `''` when it is exactly `data`: read it through `server_copy`); its `data` (what the user
//!   sees) is always the server's copy with the pending ops of the outbox replayed on top.
//!   Acknowledging, rejecting or discarding an op, and applying a pull, recompute `data`;
//!   nothing else writes it.
//! - An op leaves the outbox only when the server acknowledged it ([`Store::outbox_applied`])
//!   or refused it ([`Store::outbox_rejected`]); a refused op becomes a conflict, kept with the
//!   server's reason until the user retries or discards it.
//! - Attachments are stored beside the database under their SHA-256 until uploaded.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rounds_core::error::ErrorDetail;
use rounds_core::merge::{self, FieldClocks, TicketPatch};
use rounds_core::model::{
    Campus, Comment, Department, Status, Ticket, TicketDraft, UserPublic, validate_comment_body,
};
use rounds_core::notices::{self, Notice};
use rounds_core::perm::{self, Action, Actor, Scope};
use rounds_core::status;
use rounds_core::wire::{Change, Entity, Op, OpKind};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;
use uuid::Uuid;

mod search;

/// The cache's migrations, in order, each with what must run after its SQL in the same
/// transaction (work SQL alone cannot do: tokens are made in Rust).
type AfterMigration = fn(&Transaction<'_>) -> Result<()>;

const MIGRATIONS: &[(&str, Option<AfterMigration>)] = &[
    (include_str!("../migrations/0001_init.sql"), None),
    // Migrations 2 to 4 each recreate the search index. Only the last one re-indexes: the
    // tokens are made by today's code, for today's columns, and a cache upgrading across
    // several versions is indexed once. (A cache left between them by a crash re-runs the
    // rest, the last one included, at the next open.)
    (include_str!("../migrations/0002_search.sql"), None),
    // A one-character prefix index.
    (include_str!("../migrations/0003_search_prefix.sql"), None),
    // Suffixes of ASCII words and numbers, for fast ticket-number and English queries.
    (
        include_str!("../migrations/0004_search_words.sql"),
        Some(|tx| search::rebuild_index(tx).map(|_| ())),
    ),
    // The attachment behind a conflict.
    (
        include_str!("../migrations/0005_refused_attachments.sql"),
        None,
    ),
    // Tickets a long pull left for the search index.
    (include_str!("../migrations/0006_search_backlog.sql"), None),
];
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;
/// The page cache while a long pull is applied, in KiB ([`Store::bulk_pull`]).
const BULK_CACHE_KIB: i64 = 64 * 1024;
/// SQLite's default page cache, in KiB.
const DEFAULT_CACHE_KIB: i64 = 2000;
pub const DB_FILE: &str = "cache.db";
/// About how many characters of text a search result's snippet shows.
pub const SNIPPET_CHARS: usize = 80;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the local cache {path} has schema version {found}, newer than the {supported} this version of Rounds supports; upgrade Rounds"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("local database error: {0}")]
    Sqlite(rusqlite::Error),
    /// The disk holding the profile is full; the change was not saved (its transaction rolled
    /// back), and what was saved before is intact.
    #[error(
        "the disk holding the Rounds profile is full: nothing was saved; free some space and try again"
    )]
    DiskFull,
    #[error("{0}")]
    Io(String),
    /// A rule refused the change (validation, permissions, status machine, not found).
    #[error("{}", .0.message)]
    Refused(ErrorDetail),
    #[error("corrupt local data: {0}")]
    Corrupt(String),
    #[error("not signed in: sign in once while online")]
    NotSignedIn,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) {
            StoreError::DiskFull
        } else {
            StoreError::Sqlite(e)
        }
    }
}

impl From<ErrorDetail> for StoreError {
    fn from(e: ErrorDetail) -> Self {
        StoreError::Refused(e)
    }
}

type Result<T, E = StoreError> = std::result::Result<T, E>;

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_json<T: for<'de> Deserialize<'de>>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn not_found() -> StoreError {
    StoreError::Refused(ErrorDetail::new(
        rounds_core::ErrorCode::NotFound,
        "no such ticket in the local cache",
    ))
}

/// A ticket as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TicketRow {
    pub ticket: Ticket,
    /// Changes to it wait in the outbox.
    pub pending: bool,
    /// Changes to it were refused by the server.
    pub conflict: bool,
    /// With a search query: an excerpt of the best matching field, every match wrapped in
    /// [`rounds_core::query::MARK_START`] and [`rounds_core::query::MARK_END`]
    /// (U+E000, U+E001), so a UI can highlight without parsing HTML. Plain text otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
}

/// With a search query, [`TicketPage::total`] counts at most this many matches: counting
/// every match of a frequent term (a tenth of a million tickets) costs more than the page.
pub const SEARCH_TOTAL_CAP: usize = 10_000;

/// One page of a ticket list: the rows asked for and how many match in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TicketPage {
    /// Tickets matching the filter, ignoring `offset` and `limit`. With a search query,
    /// at most [`SEARCH_TOTAL_CAP`]: when more match, `total` is the cap and
    /// `total_capped` is set (show "10,000+"; the list can still page past it).
    pub total: usize,
    /// `total` is a lower bound: more tickets match than were counted.
    #[serde(default)]
    pub total_capped: bool,
    pub rows: Vec<TicketRow>,
}

/// The order of a ticket list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TicketSort {
    /// Newest created first.
    #[default]
    Newest,
    Oldest,
    /// Most recently updated first.
    Updated,
    /// Best search match first (FTS5 bm25, title matches weigh more), then newest; without
    /// a query, newest first.
    Relevance,
    /// Fault level 1 first, then the earliest response deadline (`sla.response_due`, tickets
    /// without one last), then the oldest.
    Triage,
}

/// A ticket with its comments, as a detail view shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TicketView {
    pub ticket: Ticket,
    pub comments: Vec<CommentRow>,
    pub pending_ops: usize,
    pub conflicts: Vec<Conflict>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CommentRow {
    #[serde(flatten)]
    pub comment: Comment,
    pub pending: bool,
}

/// An op the server refused, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Conflict {
    pub op: Op,
    pub code: String,
    pub message: String,
    pub at: DateTime<Utc>,
    /// The attachment (SHA-256) the server refused, when that is why the op was refused: the
    /// op can be retried without it.
    pub attachment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub seq: i64,
    pub op: Op,
    pub attempts: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AttachmentInfo {
    pub sha256: String,
    pub content_type: String,
    pub filename: Option<String>,
    pub size: u64,
    pub uploaded: bool,
}

/// Which pulled changes [`Store::apply_pull`] reports notices for: those after `after` (see
/// [`Store::news_after`]), judged at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct News {
    pub after: i64,
    pub now: DateTime<Utc>,
}

/// Where the pull left off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncCursor {
    pub epoch: Option<String>,
    pub cursor: i64,
}

/// Filters of [`Store::ticket_page`] and [`Store::tickets`]; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct TicketFilter {
    pub status: Option<Vec<Status>>,
    pub severity: Option<Vec<u8>>,
    pub campus: Option<String>,
    pub department: Option<String>,
    pub assignee: Option<Uuid>,
    /// Only tickets nobody is assigned to.
    pub unassigned: bool,
    /// Only tickets this user reported.
    pub reporter: Option<Uuid>,
    /// A search query, as [`rounds_core::query`] defines it.
    pub q: Option<String>,
    pub sort: TicketSort,
    /// Rows to skip (for a virtualised list).
    pub offset: usize,
    pub limit: Option<usize>,
}

pub struct Store {
    conn: Connection,
    dir: PathBuf,
    /// While a long pull runs ([`Store::bulk_pull`]): pulled tickets go to the search
    /// backlog instead of the index.
    defer_index: bool,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("dir", &self.dir).finish()
    }
}

/// Opens a connection with the settings of the client cache.
fn open_connection(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: "saved" on screen means on disk, even if the laptop loses power next.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

impl Store {
    /// Opens (creating if needed) the cache of the profile in `dir` and migrates it.
    pub fn open(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir.join("attachments"))
            .map_err(|e| StoreError::Io(format!("creating {}: {e}", dir.display())))?;
        let path = dir.join(DB_FILE);
        let mut conn = open_connection(&path)?;
        let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path,
                found,
                supported: SCHEMA_VERSION,
            });
        }
        for (i, (sql, after)) in MIGRATIONS
            .iter()
            .enumerate()
            .filter(|(i, _)| *i as i64 >= found)
        {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            if let Some(after) = after {
                after(&tx)?;
            }
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(Store {
            conn,
            dir: dir.to_owned(),
            defer_index: false,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    // ---- settings -------------------------------------------------------------------------

    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        read_meta(&self.conn, key)
    }

    pub fn set_meta(&self, key: &str, value: Option<&str>) -> Result<()> {
        match value {
            Some(v) => self.conn.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, v],
            )?,
            None => self.conn.execute("DELETE FROM meta WHERE key = ?1", [key])?,
        };
        Ok(())
    }

    /// The signed-in user, remembered so the client works offline after one online sign-in.
    pub fn me(&self) -> Result<Option<UserPublic>> {
        read_me(&self.conn)
    }

    /// Records the signed-in user. When that changes whether internal notes may be read, the
    /// search index is rebuilt in the same transaction, so nobody finds a ticket by a note
    /// they may not see.
    pub fn set_me(&self, user: Option<&UserPublic>) -> Result<()> {
        let json = user.map(to_json).transpose()?;
        let was_staff = self.me()?.is_some_and(|u| u.role.is_staff());
        let tx = self.conn.unchecked_transaction()?;
        match &json {
            Some(v) => tx.execute(
                "INSERT INTO meta (key, value) VALUES ('me', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [v],
            )?,
            None => tx.execute("DELETE FROM meta WHERE key = 'me'", [])?,
        };
        if was_staff != user.is_some_and(|u| u.role.is_staff()) {
            search::rebuild(&tx)?;
        }
        tx.commit()?;
        Ok(())
    }

    fn actor(&self) -> Result<(UserPublic, Actor)> {
        let me = self.me()?.ok_or(StoreError::NotSignedIn)?;
        let actor = Actor {
            user_id: me.id,
            role: me.role,
            campus: me.campus.clone(),
            department: me.department.clone(),
        };
        Ok((me, actor))
    }

    pub fn cursor(&self) -> Result<SyncCursor> {
        Ok(SyncCursor {
            epoch: self.meta("epoch")?,
            cursor: self
                .meta("cursor")?
                .and_then(|c| c.parse().ok())
                .unwrap_or(0),
        })
    }

    // ---- local changes --------------------------------------------------------------------

    fn enqueue(tx: &Transaction<'_>, op: &Op) -> Result<()> {
        tx.prepare_cached("INSERT INTO outbox (op_id, ticket_id, op) VALUES (?1, ?2, ?3)")?
            .execute(params![
                op.op_id.to_string(),
                op.kind.ticket_id().map(|t| t.to_string()),
                to_json(op)?
            ])?;
        Ok(())
    }

    /// Raises a ticket locally: it exists at once, without a number, and waits in the outbox.
    pub fn ticket_create(&mut self, mut draft: TicketDraft, now: DateTime<Utc>) -> Result<Ticket> {
        let (_, actor) = self.actor()?;
        draft.id = Some(draft.id.unwrap_or_else(Uuid::now_v7));
        let draft = draft.validate()?;
        let scope = Scope {
            campus: &draft.campus,
            department: &draft.department,
            reporter: actor.user_id,
            assignee: None,
            status: Status::New,
        };
        perm::decide(&actor, Action::Create, scope)?;
        if let Some(a) = draft.assignee {
            perm::decide(&actor, Action::Assign { to: Some(a) }, scope)?;
        }
        for sha in &draft.attachments {
            if self.attachment(sha)?.is_none() {
                return Err(StoreError::Refused(ErrorDetail::new(
                    rounds_core::ErrorCode::Validation,
                    format!("attachment {sha} is not in the local cache"),
                )));
            }
        }
        let op = Op {
            op_id: Uuid::now_v7(),
            at: now,
            kind: OpKind::TicketCreate { ticket: draft },
        };
        let ticket = ticket_from_create(&op, actor.user_id)
            .ok_or_else(|| StoreError::Corrupt("create op".into()))?;
        let tx = self.conn.transaction()?;
        Self::enqueue(&tx, &op)?;
        write_ticket(&tx, &ticket, ServerCopy::Kept)?;
        reindex_one(&tx, ticket.id)?;
        tx.commit()?;
        Ok(ticket)
    }

    fn visible(&self, actor: &Actor, id: Uuid) -> Result<Ticket> {
        let t = self.ticket_data(id)?.ok_or_else(not_found)?;
        perm::decide(actor, Action::View, Scope::from(&t))?;
        Ok(t)
    }

    /// Edits a ticket locally (the merge rule settles it with other edits at sync).
    pub fn ticket_update(
        &mut self,
        id: Uuid,
        patch: TicketPatch,
        now: DateTime<Utc>,
    ) -> Result<Ticket> {
        let (_, actor) = self.actor()?;
        let patch = patch.validate()?;
        let t = self.visible(&actor, id)?;
        let scope = Scope::from(&t);
        if patch.title.is_some()
            || patch.description.is_some()
            || patch.location.is_some()
            || patch.work_type.is_some()
            || patch.maintenance_type.is_some()
            || patch.channel.is_some()
        {
            perm::decide(&actor, Action::EditDetails, scope)?;
        }
        if let Some(s) = patch.severity
            && s != t.severity
        {
            perm::decide(&actor, Action::SetSeverity, scope)?;
            if patch.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                return Err(ErrorDetail::new(
                    rounds_core::ErrorCode::Validation,
                    "changing the fault level needs a reason",
                )
                .into());
            }
        }
        if let Some(to) = patch.assignee
            && to != t.assignee
        {
            perm::decide(&actor, Action::Assign { to }, scope)?;
        }
        if !patch.attachments_add.is_empty() {
            perm::decide(&actor, Action::Attach, scope)?;
        }
        let op = Op {
            op_id: Uuid::now_v7(),
            at: now,
            kind: OpKind::TicketUpdate {
                ticket_id: id,
                patch,
            },
        };
        self.enqueue_and_recompute(&op, id)
    }

    /// Moves a ticket through the status machine locally.
    pub fn ticket_transition(
        &mut self,
        id: Uuid,
        to: Status,
        reason: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Ticket> {
        let (_, actor) = self.actor()?;
        let t = self.visible(&actor, id)?;
        perm::decide(
            &actor,
            Action::Transition {
                to,
                reason: reason.as_deref(),
            },
            Scope::from(&t),
        )?;
        let op = Op {
            op_id: Uuid::now_v7(),
            at: now,
            kind: OpKind::TicketTransition {
                ticket_id: id,
                to,
                reason,
            },
        };
        self.enqueue_and_recompute(&op, id)
    }

    fn enqueue_and_recompute(&mut self, op: &Op, id: Uuid) -> Result<Ticket> {
        let tx = self.conn.transaction()?;
        Self::enqueue(&tx, op)?;
        let t = recompute(&tx, id)?.ok_or_else(not_found)?;
        tx.commit()?;
        Ok(t)
    }

    /// Adds a comment locally.
    pub fn comment_add(
        &mut self,
        ticket_id: Uuid,
        body: String,
        internal: bool,
        now: DateTime<Utc>,
    ) -> Result<Comment> {
        let (_, actor) = self.actor()?;
        let t = self.visible(&actor, ticket_id)?;
        perm::decide(&actor, Action::Comment { internal }, Scope::from(&t))?;
        validate_comment_body(&body)?;
        let comment = Comment {
            id: Uuid::now_v7(),
            ticket_id,
            author: actor.user_id,
            body,
            internal,
            created_at: now,
        };
        let op = Op {
            op_id: Uuid::now_v7(),
            at: now,
            kind: OpKind::CommentAdd {
                comment_id: comment.id,
                ticket_id,
                body: comment.body.clone(),
                internal,
            },
        };
        let tx = self.conn.transaction()?;
        Self::enqueue(&tx, &op)?;
        write_comment(&tx, &comment, Some(op.op_id))?;
        reindex_one(&tx, ticket_id)?;
        tx.commit()?;
        Ok(comment)
    }

    /// Copies a file into the profile, content-addressed, and records it for upload.
    pub fn attachment_add(
        &mut self,
        bytes: &[u8],
        content_type: &str,
        filename: Option<&str>,
    ) -> Result<AttachmentInfo> {
        let sha = hex::encode(Sha256::digest(bytes));
        let path = self.attachment_path(&sha);
        if !path.exists() {
            let dir = path.parent().unwrap_or(&self.dir);
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Io(format!("creating {}: {e}", dir.display())))?;
            let tmp = dir.join(format!(".{sha}.partial"));
            let write = || -> std::io::Result<()> {
                use std::io::Write;
                let mut f = std::fs::File::create(&tmp)?;
                f.write_all(bytes)?;
                f.sync_all()?;
                std::fs::rename(&tmp, &path)
            };
            if let Err(e) = write() {
                // A disk that filled up part-way must not keep the part.
                let _ = std::fs::remove_file(&tmp);
                return Err(match e.kind() {
                    std::io::ErrorKind::StorageFull => StoreError::DiskFull,
                    _ => StoreError::Io(format!("storing the attachment: {e}")),
                });
            }
        }
        self.conn.execute(
            "INSERT OR IGNORE INTO attachments (sha256, content_type, filename, size) VALUES (?1, ?2, ?3, ?4)",
            params![sha, content_type, filename, bytes.len() as i64],
        )?;
        self.attachment(&sha)?
            .ok_or_else(|| StoreError::Corrupt("attachment row".into()))
    }

    pub fn attachment_path(&self, sha: &str) -> PathBuf {
        self.dir
            .join("attachments")
            .join(sha.get(..2).unwrap_or("00"))
            .join(sha)
    }

    pub fn attachment(&self, sha: &str) -> Result<Option<AttachmentInfo>> {
        Ok(self
            .conn
            .query_row(
                "SELECT sha256, content_type, filename, size, uploaded FROM attachments WHERE sha256 = ?1",
                [sha],
                |r| {
                    Ok(AttachmentInfo {
                        sha256: r.get(0)?,
                        content_type: r.get(1)?,
                        filename: r.get(2)?,
                        size: r.get::<_, i64>(3)? as u64,
                        uploaded: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    pub fn attachment_uploaded(&mut self, sha: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE attachments SET uploaded = 1 WHERE sha256 = ?1",
            [sha],
        )?;
        Ok(())
    }

    // ---- reading --------------------------------------------------------------------------

    fn ticket_data(&self, id: Uuid) -> Result<Option<Ticket>> {
        let s: Option<String> = self
            .conn
            .query_row(
                "SELECT data FROM tickets WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        s.map(|s| from_json(&s)).transpose()
    }

    /// Finds a ticket by its id or its number.
    pub fn resolve(&self, id_or_number: &str) -> Result<Option<Uuid>> {
        if let Ok(id) = Uuid::parse_str(id_or_number) {
            return Ok(self.ticket_data(id)?.map(|t| t.id));
        }
        let id: Option<String> = self
            .conn
            .query_row(
                "SELECT id FROM tickets WHERE number = ?1",
                [id_or_number.trim()],
                |r| r.get(0),
            )
            .optional()?;
        id.map(|s| Uuid::parse_str(&s).map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()
    }

    /// Tickets in the filter's order, with their pending and conflict markers (and a
    /// snippet when searching). Same as [`Store::ticket_page`] without the total.
    pub fn tickets(&self, f: &TicketFilter) -> Result<Vec<TicketRow>> {
        self.index_for(f.q.as_deref())?;
        self.ticket_rows(f)
    }

    /// One page of the ticket list: the rows from `offset` up to `limit`, and how many
    /// tickets match the filter in all.
    pub fn ticket_page(&self, f: &TicketFilter) -> Result<TicketPage> {
        self.index_for(f.q.as_deref())?;
        let rows = self.ticket_rows(f)?;
        let (total, total_capped) = self.ticket_count(f)?;
        Ok(TicketPage {
            total,
            total_capped,
            rows,
        })
    }

    /// Rebuilds the search index from the cached tickets; returns how many were indexed.
    /// Searches need not wait for it: every change keeps the index current. This is for
    /// repair, and for after a change of what the index holds.
    pub fn search_rebuild(&mut self) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let n = search::rebuild(&tx)?;
        tx.commit()?;
        Ok(n)
    }

    /// The WHERE clause (after `WHERE`) and its arguments for a filter, over `tickets t`;
    /// the search term, if any, is the last argument.
    fn filter_sql(f: &TicketFilter) -> (String, Vec<Box<dyn rusqlite::ToSql>>, bool) {
        let mut sql = String::from("1");
        let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
        if let Some(list) = &f.status {
            sql.push_str(&format!(
                " AND t.status IN ({})",
                vec!["?"; list.len()].join(",")
            ));
            args.extend(
                list.iter()
                    .map(|s| Box::new(s.as_str()) as Box<dyn rusqlite::ToSql>),
            );
        }
        if let Some(list) = &f.severity {
            sql.push_str(&format!(
                " AND t.severity IN ({})",
                vec!["?"; list.len()].join(",")
            ));
            args.extend(
                list.iter()
                    .map(|s| Box::new(*s) as Box<dyn rusqlite::ToSql>),
            );
        }
        if let Some(c) = &f.campus {
            sql.push_str(" AND t.campus = ?");
            args.push(Box::new(c.clone()));
        }
        if let Some(d) = &f.department {
            sql.push_str(" AND t.department = ?");
            args.push(Box::new(d.clone()));
        }
        if let Some(a) = f.assignee {
            sql.push_str(" AND t.assignee = ?");
            args.push(Box::new(a.to_string()));
        }
        if f.unassigned {
            sql.push_str(" AND t.assignee IS NULL");
        }
        if let Some(r) = f.reporter {
            sql.push_str(" AND t.reporter = ?");
            args.push(Box::new(r.to_string()));
        }
        let only_search = args.is_empty() && !f.unassigned;
        (sql, args, only_search)
    }

    fn ticket_rows(&self, f: &TicketFilter) -> Result<Vec<TicketRow>> {
        let terms = rounds_core::query::parse_terms(f.q.as_deref().unwrap_or(""));
        let expr = search::match_expr(f.q.as_deref().unwrap_or(""));
        let (filter, mut args, _) = Self::filter_sql(f);
        let order = match (f.sort, expr.is_some()) {
            // With a query, creation order is the index's own rowid order (the search key):
            // FTS5 streams matches newest first and stops at the limit, without sorting
            // every match (a one-character query can match a tenth of a million tickets).
            (TicketSort::Newest | TicketSort::Relevance, false) => "t.created_at DESC, t.id DESC",
            (TicketSort::Newest, true) => "ticket_search.rowid DESC",
            (TicketSort::Oldest, false) => "t.created_at ASC, t.id ASC",
            (TicketSort::Oldest, true) => "ticket_search.rowid ASC",
            (TicketSort::Updated, _) => "t.updated_at DESC, t.id DESC",
            (TicketSort::Relevance, true) => {
                "bm25(ticket_search, 4.0, 1.0, 1.0), ticket_search.rowid DESC"
            }
            (TicketSort::Triage, _) => {
                "t.severity ASC, json_extract(t.data, '$.sla.response_due') IS NULL, \
                 json_extract(t.data, '$.sla.response_due') ASC, t.created_at ASC, t.id ASC"
            }
        };
        // Only rowids go through the ORDER BY: sorting whole rows spills to temporary files.
        let mut sql = match &expr {
            Some(e) => {
                args.insert(0, Box::new(e.clone()));
                format!(
                    "SELECT t.rowid FROM ticket_search JOIN tickets t ON t.search_key = ticket_search.rowid \
                     WHERE ticket_search MATCH ? AND {filter}"
                )
            }
            None => format!("SELECT t.rowid FROM tickets t WHERE {filter}"),
        };
        sql.push_str(&format!(" ORDER BY {order}"));
        // SQLite wants a LIMIT before an OFFSET; -1 is "no limit".
        let limit = f.limit.map_or(-1, |n| n.min(i64::MAX as usize) as i64);
        sql.push_str(&format!(" LIMIT {limit} OFFSET {}", f.offset));
        let refs: Vec<&dyn rusqlite::ToSql> = args.iter().map(|a| a.as_ref()).collect();
        let rowids: Vec<i64> = self
            .conn
            .prepare_cached(&sql)?
            .query_map(refs.as_slice(), |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut fetch = self.conn.prepare_cached(
            "SELECT t.data, EXISTS(SELECT 1 FROM outbox o WHERE o.ticket_id = t.id), \
             EXISTS(SELECT 1 FROM conflicts c WHERE c.ticket_id = t.id) FROM tickets t WHERE t.rowid = ?1",
        )?;
        let mut out = Vec::with_capacity(rowids.len());
        for rowid in rowids {
            let (data, pending, conflict) = fetch.query_row([rowid], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, bool>(1)?,
                    r.get::<_, bool>(2)?,
                ))
            })?;
            out.push(TicketRow {
                ticket: from_json(&data)?,
                pending,
                conflict,
                snippet: None,
            });
        }
        if !terms.is_empty() {
            self.add_snippets(&mut out, &terms)?;
        }
        Ok(out)
    }

    /// The ids of every ticket a query matches, in no particular order (for checks and
    /// tools; lists use [`Store::ticket_page`]).
    pub fn search_ids(&self, q: &str) -> Result<Vec<Uuid>> {
        self.index_for(Some(q))?;
        let ids: Vec<String> = match search::match_expr(q) {
            Some(e) => self
                .conn
                .prepare_cached(
                    "SELECT t.id FROM ticket_search JOIN tickets t ON t.search_key = ticket_search.rowid \
                     WHERE ticket_search MATCH ?1",
                )?
                .query_map([e], |r| r.get(0))?
                .collect::<Result<_, _>>()?,
            None => self
                .conn
                .prepare_cached("SELECT id FROM tickets")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?,
        };
        ids.iter()
            .map(|s| Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(e.to_string())))
            .collect()
    }

    /// Fills in each row's snippet from the first field (description, comments, location,
    /// title, number, names) where a term occurs.
    fn add_snippets(&self, rows: &mut [TicketRow], terms: &[String]) -> Result<()> {
        // A read transaction only to share the indexing code's context loader.
        let tx = self.conn.unchecked_transaction()?;
        let ctx = search::Context::load(&tx)?;
        for row in rows {
            let comments = search::comments_of(&tx, &row.ticket.id.to_string())?;
            let fields = ctx.fields(&row.ticket, &comments);
            // The title is shown anyway; prefer an excerpt of the body.
            row.snippet = fields[1..]
                .iter()
                .chain(fields.first())
                .find_map(|f| rounds_core::query::snippet(f, terms, SNIPPET_CHARS));
        }
        tx.finish()?;
        Ok(())
    }

    /// How many tickets match, and whether counting stopped at [`SEARCH_TOTAL_CAP`]
    /// (search queries only: FTS5 streams the matches, so a capped count of a frequent
    /// term reads a few thousand doclist entries instead of all of them).
    fn ticket_count(&self, f: &TicketFilter) -> Result<(usize, bool)> {
        let expr = search::match_expr(f.q.as_deref().unwrap_or(""));
        let (filter, mut args, only_search) = Self::filter_sql(f);
        let cap = SEARCH_TOTAL_CAP + 1;
        let sql = match &expr {
            // Counting the index alone avoids a lookup per match.
            Some(_) if only_search => format!(
                "SELECT count(*) FROM (SELECT 1 FROM ticket_search WHERE ticket_search MATCH ? LIMIT {cap})"
            ),
            Some(_) => format!(
                "SELECT count(*) FROM (SELECT 1 FROM ticket_search JOIN tickets t ON t.search_key = ticket_search.rowid \
                 WHERE ticket_search MATCH ? AND {filter} LIMIT {cap})"
            ),
            None => format!("SELECT count(*) FROM tickets t WHERE {filter}"),
        };
        let searching = expr.is_some();
        if let Some(e) = expr {
            args.insert(0, Box::new(e));
        }
        let refs: Vec<&dyn rusqlite::ToSql> = args.iter().map(|a| a.as_ref()).collect();
        let n: i64 = self
            .conn
            .prepare_cached(&sql)?
            .query_row(refs.as_slice(), |r| r.get(0))?;
        let n = n as usize;
        if searching && n > SEARCH_TOTAL_CAP {
            Ok((SEARCH_TOTAL_CAP, true))
        } else {
            Ok((n, false))
        }
    }

    /// One ticket with its comments (internal notes only if the user may see them).
    pub fn ticket(&self, id: Uuid) -> Result<Option<TicketView>> {
        let Some(ticket) = self.ticket_data(id)? else {
            return Ok(None);
        };
        let internal = match self.actor() {
            Ok((_, actor)) => {
                perm::decide(&actor, Action::ViewInternal, Scope::from(&ticket)).is_ok()
            }
            Err(_) => false,
        };
        let mut st = self.conn.prepare_cached(
            "SELECT data, pending_op IS NOT NULL FROM comments WHERE ticket_id = ?1 ORDER BY created_at, id",
        )?;
        let mut comments = Vec::new();
        for row in st.query_map([id.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?))
        })? {
            let (data, pending) = row?;
            let comment: Comment = from_json(&data)?;
            if internal || !comment.internal {
                comments.push(CommentRow { comment, pending });
            }
        }
        let pending_ops: i64 = self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE ticket_id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )?;
        let conflicts = self
            .conflicts()?
            .into_iter()
            .filter(|c| c.op.kind.ticket_id() == Some(id))
            .collect();
        Ok(Some(TicketView {
            ticket,
            comments,
            pending_ops: pending_ops as usize,
            conflicts,
        }))
    }

    pub fn campuses(&self) -> Result<Vec<Campus>> {
        self.directory("campus")
    }
    pub fn departments(&self) -> Result<Vec<Department>> {
        self.directory("department")
    }
    pub fn users(&self) -> Result<Vec<UserPublic>> {
        self.directory("user")
    }

    fn directory<T: for<'de> Deserialize<'de>>(&self, kind: &str) -> Result<Vec<T>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT data FROM directory WHERE kind = ?1 ORDER BY key")?;
        let rows = st.query_map([kind], |r| r.get::<_, String>(0))?;
        rows.map(|r| from_json(&r?)).collect()
    }

    // ---- the outbox and conflicts ---------------------------------------------------------

    /// The pending ops, oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        outbox_entries(&self.conn)
    }

    pub fn outbox_len(&self) -> Result<usize> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get::<_, i64>(0))?
            as usize)
    }

    /// Removes ops the server applied. Their effects arrive with the next pull.
    pub fn outbox_applied(&mut self, op_ids: &[Uuid]) -> Result<()> {
        let tx = self.conn.transaction()?;
        for id in op_ids {
            let removed: Option<(Option<String>, String)> = tx
                .query_row(
                    "DELETE FROM outbox WHERE op_id = ?1 RETURNING ticket_id, op",
                    [id.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((_, op)) = removed {
                let op: Op = from_json(&op)?;
                match &op.kind {
                    OpKind::CommentAdd { comment_id, .. } => {
                        tx.execute(
                            "UPDATE comments SET pending_op = NULL WHERE id = ?1",
                            [comment_id.to_string()],
                        )?;
                    }
                    _ => fold_into_server(&tx, &op)?,
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Moves a refused op from the outbox to the conflicts, with the server's reason, and
    /// shows the ticket again without it.
    pub fn outbox_rejected(
        &mut self,
        op_id: Uuid,
        code: &str,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        reject(&tx, op_id, code, message, None, now)?;
        tx.commit()?;
        Ok(())
    }

    /// The server refused the attachment `sha` for good: every pending op that carries it
    /// becomes a conflict naming it, in one transaction. Returns how many.
    pub fn attachment_refused(
        &mut self,
        sha: &str,
        code: &str,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let carriers: Vec<Uuid> = outbox_entries(&tx)?
            .into_iter()
            .filter(|e| e.op.kind.attachments().iter().any(|a| a == sha))
            .map(|e| e.op.op_id)
            .collect();
        for op_id in &carriers {
            reject(&tx, *op_id, code, message, Some(sha), now)?;
        }
        tx.commit()?;
        Ok(carriers.len())
    }

    /// Switches to the mode for applying a long pull (`true`, an initial sync) and back
    /// (`false`).
    ///
    /// - Pulled tickets go to the search backlog instead of the index: indexing was about
    ///   nine tenths of an initial sync's time (docs/benchmarks.md). Searches index the
    ///   backlog before they run ([`Store::index_backlog`]), so they find the same tickets
    ///   either way; the app works it off in the background after the sync.
    /// - The connection gets a large page cache, given back (and its pages freed) when the
    ///   mode ends, so a desktop at rest keeps its memory. FTS5 reads its segments back while
    ///   merging them, and with the default 2 MiB those reads went to the file.
    pub fn bulk_pull(&mut self, on: bool) -> Result<()> {
        let kib = if on {
            BULK_CACHE_KIB
        } else {
            DEFAULT_CACHE_KIB
        };
        self.conn.pragma_update(None, "cache_size", -kib)?;
        self.defer_index = on;
        Ok(())
    }

    /// How many tickets a long pull left for the search index.
    pub fn search_backlog(&self) -> Result<usize> {
        search::backlog_len(&self.conn)
    }

    /// Indexes up to `limit` tickets of the search backlog, in one transaction; returns how
    /// many are left. The app calls this a slice at a time after a long pull, so the UI's
    /// reads go in between.
    pub fn index_backlog(&mut self, limit: usize) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let left = search::index_backlog(&tx, limit)?;
        tx.commit()?;
        Ok(left)
    }

    /// Before a search for `q`, indexes the whole search backlog, so that the search sees
    /// every ticket; nothing to do without a query, or without a backlog. Takes `&self` like
    /// the reads that call it; the store is used from one thread.
    fn index_for(&self, q: Option<&str>) -> Result<()> {
        if search::match_expr(q.unwrap_or("")).is_none() || !search::has_backlog(&self.conn)? {
            return Ok(());
        }
        let tx = self.conn.unchecked_transaction()?;
        search::index_backlog(&tx, usize::MAX)?;
        tx.commit()?;
        Ok(())
    }

    /// Counts a failed attempt to push an op (for the UI and backoff).
    pub fn outbox_attempted(&mut self, op_ids: &[Uuid]) -> Result<()> {
        let tx = self.conn.transaction()?;
        for id in op_ids {
            tx.execute(
                "UPDATE outbox SET attempts = attempts + 1 WHERE op_id = ?1",
                [id.to_string()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn conflicts(&self) -> Result<Vec<Conflict>> {
        let mut st = self.conn.prepare_cached(
            "SELECT op, code, message, at, attachment FROM conflicts ORDER BY at, op_id",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        rows.map(|r| {
            let (op, code, message, at, attachment) = r?;
            let at = DateTime::parse_from_rfc3339(&at)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?
                .with_timezone(&Utc);
            Ok(Conflict {
                op: from_json(&op)?,
                code,
                message,
                at,
                attachment,
            })
        })
        .collect()
    }

    /// Drops a refused op for good.
    pub fn conflict_discard(&mut self, op_id: Uuid) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let ticket: Option<Option<String>> = tx
            .query_row(
                "DELETE FROM conflicts WHERE op_id = ?1 RETURNING ticket_id",
                [op_id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(Some(t)) = &ticket {
            let id = Uuid::parse_str(t).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            recompute(&tx, id)?;
        }
        tx.commit()?;
        Ok(ticket.is_some())
    }

    /// Queues a refused op again, as a new op (optionally edited by `edit`, which also sees
    /// the conflict), and removes the conflict. The new op has a new id, so the server judges
    /// it afresh. An op the edit leaves with nothing to do is not queued (`None`): the
    /// conflict is settled as if discarded.
    pub fn conflict_retry(
        &mut self,
        op_id: Uuid,
        now: DateTime<Utc>,
        edit: impl FnOnce(&Conflict, &mut OpKind),
    ) -> Result<Option<Op>> {
        let conflict = self
            .conflicts()?
            .into_iter()
            .find(|c| c.op.op_id == op_id)
            .ok_or_else(|| {
                StoreError::Refused(ErrorDetail::new(
                    rounds_core::ErrorCode::NotFound,
                    "no such conflict",
                ))
            })?;
        let mut kind = conflict.op.kind.clone();
        edit(&conflict, &mut kind);
        if kind.is_noop() {
            return self.conflict_discard(op_id).map(|_| None);
        }
        let op = Op {
            op_id: Uuid::now_v7(),
            at: now,
            kind,
        };
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM conflicts WHERE op_id = ?1",
            [op_id.to_string()],
        )?;
        Self::enqueue(&tx, &op)?;
        if let OpKind::CommentAdd {
            comment_id,
            ticket_id,
            body,
            internal,
        } = &op.kind
        {
            let c = Comment {
                id: *comment_id,
                ticket_id: *ticket_id,
                author: self_id(&tx)?,
                body: body.clone(),
                internal: *internal,
                created_at: now,
            };
            write_comment(&tx, &c, Some(op.op_id))?;
        }
        if let Some(t) = op.kind.ticket_id() {
            recompute(&tx, t)?;
        }
        tx.commit()?;
        Ok(Some(op))
    }

    // ---- applying a pull ------------------------------------------------------------------

    /// Applies one pulled page in one transaction: stores each entity's server state, replays
    /// pending ops on top, and records the cursor. A new epoch (the server was restored) first
    /// drops every server state and starts over.
    ///
    /// With `news`, returns the notices the page deserves for the signed-in user
    /// ([`rounds_core::notices`]) among its changes after `news.after`, each decided against
    /// the local view the change replaced.
    pub fn apply_pull(
        &mut self,
        epoch: &str,
        changes: &[Change],
        cursor: i64,
        news: Option<News>,
    ) -> Result<Vec<Notice>> {
        let tx = self.conn.transaction()?;
        let known = read_meta(&tx, "epoch")?;
        if known.as_deref().is_some_and(|k| k != epoch) {
            return Err(StoreError::Corrupt(format!(
                "the server's epoch changed ({} -> {epoch}): call reset_server_state first",
                known.unwrap_or_default()
            )));
        }
        // With an empty outbox (the usual case, and always on a first sync) no ticket has
        // pending ops: skip asking for each one.
        let outbox_empty: bool =
            tx.query_row("SELECT NOT EXISTS(SELECT 1 FROM outbox)", [], |r| r.get(0))?;
        // Tickets whose searchable text this page changes, indexed once at the end of the
        // page (a ticket and its comments often arrive together), in this transaction.
        let mut dirty: Vec<String> = Vec::new();
        let mut renamed_campuses: Vec<String> = Vec::new();
        let mut renamed_departments: Vec<String> = Vec::new();
        let me = match news {
            Some(_) => read_me(&tx)?,
            None => None,
        };
        let mut notices = Vec::new();
        for c in changes {
            if let (Some(me), Some(news)) = (&me, news)
                && c.seq > news.after
            {
                notices.extend(notice_for(&tx, me, c, news.now)?);
            }
            match &c.entity {
                Entity::Ticket(t) => {
                    let pending: bool = !outbox_empty
                        && tx
                            .prepare_cached(
                                "SELECT EXISTS(SELECT 1 FROM outbox WHERE ticket_id = ?1)",
                            )?
                            .query_row([t.id.to_string()], |r| r.get(0))?;
                    if pending {
                        tx.prepare_cached("UPDATE tickets SET server_data = ?2 WHERE id = ?1")?
                            .execute(params![t.id.to_string(), to_json(t)?])?;
                        recompute(&tx, t.id)?;
                    } else {
                        // Nothing pending: what the user sees is exactly the server's state.
                        write_ticket(&tx, t, ServerCopy::IsData)?;
                        dirty.push(t.id.to_string());
                    }
                }
                Entity::Comment(cm) => {
                    tx.prepare_cached(
                        "INSERT INTO comments (id, ticket_id, created_at, data, pending_op) VALUES (?1, ?2, ?3, ?4, NULL) \
                         ON CONFLICT(id) DO UPDATE SET data = excluded.data, created_at = excluded.created_at, pending_op = NULL",
                    )?
                    .execute(params![cm.id.to_string(), cm.ticket_id.to_string(), ts(cm.created_at), to_json(cm)?],
                    )?;
                    dirty.push(cm.ticket_id.to_string());
                }
                Entity::Campus(x) => {
                    if put_directory(&tx, "campus", &x.code, x)? {
                        renamed_campuses.push(x.code.clone());
                    }
                }
                Entity::Department(x) => {
                    if put_directory(&tx, "department", &x.code, x)? {
                        renamed_departments.push(x.code.clone());
                    }
                }
                Entity::User(x) => {
                    put_directory(&tx, "user", &x.id.to_string(), x)?;
                }
            }
        }
        if !renamed_campuses.is_empty() || !renamed_departments.is_empty() {
            dirty.extend(search::tickets_of_directory(
                &tx,
                &renamed_campuses,
                &renamed_departments,
            )?);
        }
        if self.defer_index {
            search::defer(&tx, dirty.iter().map(String::as_str))?;
        } else if !dirty.is_empty() {
            let ctx = search::Context::load(&tx)?;
            search::reindex(&tx, &ctx, dirty.iter().map(String::as_str))?;
        }
        for (k, v) in [("epoch", epoch.to_owned()), ("cursor", cursor.to_string())] {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![k, v],
            )?;
        }
        tx.commit()?;
        Ok(notices)
    }

    /// Records where news starts for a cache that holds no server state yet: the change log's
    /// position when the user signed in (the login answer's `events_from`; 0 or less clears
    /// it). Dropped with the server state.
    pub fn set_news_from(&mut self, seq: i64) -> Result<()> {
        let value = (seq > 0).then(|| seq.to_string());
        self.set_meta("news_from", value.as_deref())
    }

    /// The log position after which the next sync's changes are news to the user: the cursor
    /// (everything this cache had not pulled yet), or on a first sync the position at sign-in
    /// ([`Store::set_news_from`]); `None` on a first sync without one, which brings history.
    pub fn news_after(&self) -> Result<Option<i64>> {
        for key in ["cursor", "news_from"] {
            if let Some(v) = self.meta(key)? {
                return v
                    .parse()
                    .map(Some)
                    .map_err(|e| StoreError::Corrupt(format!("meta {key} = {v:?}: {e}")));
            }
        }
        Ok(None)
    }

    /// Forgets everything the server sent (after a restore on the server, or a change of
    /// server), keeping the user's pending ops and conflicts.
    pub fn reset_server_state(&mut self) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute_batch(
            "DELETE FROM directory; DELETE FROM comments WHERE pending_op IS NULL; \
             UPDATE tickets SET server_data = NULL; DELETE FROM meta WHERE key IN ('epoch', 'cursor', 'news_from');",
        )?;
        let ids: Vec<String> = tx
            .prepare("SELECT id FROM tickets")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for id in ids {
            recompute(
                &tx,
                Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

fn read_meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

/// The signed-in user as the cache remembers it (see [`Store::me`]).
pub(crate) fn read_me(conn: &Connection) -> Result<Option<UserPublic>> {
    read_meta(conn, "me")?.map(|m| from_json(&m)).transpose()
}

/// The notice one pulled change deserves, read against the local view before it is applied.
/// A comment this cache already holds (written here, or pulled before) is not news.
fn notice_for(
    tx: &Transaction<'_>,
    me: &UserPublic,
    change: &Change,
    now: DateTime<Utc>,
) -> Result<Option<Notice>> {
    let ticket_id = match &change.entity {
        Entity::Ticket(t) => t.id,
        Entity::Comment(c) => {
            let known: bool = tx
                .prepare_cached("SELECT EXISTS(SELECT 1 FROM comments WHERE id = ?1)")?
                .query_row([c.id.to_string()], |r| r.get(0))?;
            if known {
                return Ok(None);
            }
            c.ticket_id
        }
        _ => return Ok(None),
    };
    let before: Option<Ticket> = tx
        .prepare_cached("SELECT data FROM tickets WHERE id = ?1")?
        .query_row([ticket_id.to_string()], |r| r.get::<_, String>(0))
        .optional()?
        .map(|d| from_json(&d))
        .transpose()?;
    Ok(notices::notice_for(me, change, before.as_ref(), now))
}

/// Brings one ticket's search index row up to date, in the transaction that changed it.
fn reindex_one(tx: &Transaction<'_>, id: Uuid) -> Result<()> {
    let ctx = search::Context::load(tx)?;
    search::reindex(tx, &ctx, [id.to_string().as_str()])
}

fn self_id(tx: &Transaction<'_>) -> Result<Uuid> {
    Ok(read_me(tx)?.ok_or(StoreError::NotSignedIn)?.id)
}

/// Stores a directory entry; true when it changed (so tickets indexed with its name need
/// re-indexing).
fn put_directory<T: Serialize>(tx: &Transaction<'_>, kind: &str, key: &str, v: &T) -> Result<bool> {
    let data = to_json(v)?;
    let changed = tx
        .prepare_cached(
            "INSERT INTO directory (kind, key, data) VALUES (?1, ?2, ?3) ON CONFLICT(kind, key) DO UPDATE SET data = excluded.data \
             WHERE directory.data IS NOT excluded.data",
        )?
        .execute(params![kind, key, data])?;
    Ok(changed > 0)
}

/// The ticket a create op makes, as the client shows it before the server numbers it.
fn ticket_from_create(op: &Op, reporter: Uuid) -> Option<Ticket> {
    let OpKind::TicketCreate { ticket: d } = &op.kind else {
        return None;
    };
    let mut attachments = d.attachments.clone();
    attachments.sort();
    attachments.dedup();
    Some(Ticket {
        id: d.id?,
        number: None,
        title: d.title.clone(),
        description: d.description.clone(),
        campus: d.campus.clone(),
        department: d.department.clone(),
        location: d.location.clone(),
        reporter,
        assignee: d.assignee,
        severity: d.severity,
        status: Status::New,
        work_type: d.work_type,
        maintenance_type: d.maintenance_type,
        channel: d.channel,
        attachments,
        created_at: op.at,
        updated_at: op.at,
        acknowledged_at: None,
        resolved_at: None,
        closed_at: None,
        sla: None,
    })
}

/// `tickets.server_data` holding this means "the server's copy is `data`". Nearly every ticket
/// has nothing pending, and storing its JSON once rather than twice halves what a first sync
/// writes (the commit of each pulled page was most of its time, docs/benchmarks.md).
const SAME_AS_DATA: &str = "";

/// What a ticket write does with the server's copy of the ticket.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ServerCopy {
    /// It stays what it was (none, for a new row).
    Kept,
    /// It is exactly the ticket written: a pulled ticket with nothing pending.
    IsData,
}

/// The server's copy of a ticket: `None` without a row, `Some(None)` while the server has
/// none.
fn server_copy(tx: &Transaction<'_>, id: Uuid) -> Result<Option<Option<Ticket>>> {
    let json: Option<Option<String>> = tx
        .prepare_cached(
            "SELECT CASE server_data WHEN '' THEN data ELSE server_data END FROM tickets WHERE id = ?1",
        )?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    json.map(|j| j.map(|s| from_json(&s)).transpose())
        .transpose()
}

/// Writes a ticket as the user sees it, and what becomes of the server's copy.
fn write_ticket(tx: &Transaction<'_>, t: &Ticket, server: ServerCopy) -> Result<()> {
    let data = to_json(t)?;
    tx.prepare_cached(
        "INSERT INTO tickets (id, number, status, severity, campus, department, assignee, reporter, created_at, updated_at, data, server_data) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
         ON CONFLICT(id) DO UPDATE SET number = excluded.number, status = excluded.status, severity = excluded.severity, \
         campus = excluded.campus, department = excluded.department, assignee = excluded.assignee, reporter = excluded.reporter, \
         created_at = excluded.created_at, updated_at = excluded.updated_at, data = excluded.data, \
         server_data = CASE WHEN excluded.server_data IS NOT NULL THEN excluded.server_data \
                            WHEN tickets.server_data = '' THEN tickets.data \
                            ELSE tickets.server_data END",
    )?
    .execute(params![
        t.id.to_string(),
        t.number,
        t.status.as_str(),
        t.severity.get(),
        t.campus,
        t.department,
        t.assignee.map(|a| a.to_string()),
        t.reporter.to_string(),
        ts(t.created_at),
        ts(t.updated_at),
        &data,
        (server == ServerCopy::IsData).then_some(SAME_AS_DATA),
    ])?;
    Ok(())
}

fn write_comment(tx: &Transaction<'_>, c: &Comment, pending_op: Option<Uuid>) -> Result<()> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO comments (id, ticket_id, created_at, data, pending_op) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![c.id.to_string(), c.ticket_id.to_string(), ts(c.created_at), to_json(c)?, pending_op.map(|o| o.to_string())])?;
    Ok(())
}

/// Applies one op to a ticket state the way the server does when it accepts it; `None` when
/// the op does not apply to that state.
fn apply_op(
    state: Option<Ticket>,
    op: &Op,
    reporter: Option<Uuid>,
    clocks: &mut FieldClocks,
) -> Option<Ticket> {
    match (&op.kind, state) {
        (OpKind::TicketCreate { .. }, None) => reporter.and_then(|r| ticket_from_create(op, r)),
        (OpKind::TicketUpdate { patch, .. }, Some(mut t)) => {
            merge::apply_patch(&mut t, clocks, patch, op.op_id, op.at);
            Some(t)
        }
        (OpKind::TicketTransition { to, .. }, Some(mut t)) => {
            if status::find(t.status, *to).is_some() {
                status::apply(&mut t, *to, op.at);
            }
            Some(t)
        }
        (_, state) => state,
    }
}

/// Records that the server accepted `op`: until a pull brings the server's own copy, the
/// best knowledge of the server's state is the previous one with this op applied.
fn fold_into_server(tx: &Transaction<'_>, op: &Op) -> Result<()> {
    let Some(id) = op.kind.ticket_id() else {
        return Ok(());
    };
    let Some(state) = server_copy(tx, id)? else {
        return Ok(());
    };
    if let Some(t) = apply_op(state, op, self_id(tx).ok(), &mut FieldClocks::new()) {
        tx.execute(
            "UPDATE tickets SET server_data = ?2 WHERE id = ?1",
            params![id.to_string(), to_json(&t)?],
        )?;
    }
    Ok(())
}

/// The pending ops, oldest first.
fn outbox_entries(conn: &Connection) -> Result<Vec<OutboxEntry>> {
    let mut st = conn.prepare_cached("SELECT seq, op, attempts FROM outbox ORDER BY seq")?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    rows.map(|r| {
        let (seq, op, attempts) = r?;
        Ok(OutboxEntry {
            seq,
            op: from_json(&op)?,
            attempts,
        })
    })
    .collect()
}

/// Moves a refused op from the outbox to the conflicts (naming the refused `attachment` when
/// that is the reason) and shows its ticket again without it.
fn reject(
    tx: &Transaction<'_>,
    op_id: Uuid,
    code: &str,
    message: &str,
    attachment: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let removed: Option<(Option<String>, String)> = tx
        .query_row(
            "DELETE FROM outbox WHERE op_id = ?1 RETURNING ticket_id, op",
            [op_id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((ticket_id, op)) = removed else {
        return Ok(());
    };
    tx.execute(
        "INSERT OR REPLACE INTO conflicts (op_id, ticket_id, op, code, message, at, attachment) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![op_id.to_string(), ticket_id, op, code, message, ts(now), attachment],
    )?;
    let op: Op = from_json(&op)?;
    if let OpKind::CommentAdd { comment_id, .. } = op.kind {
        tx.execute(
            "DELETE FROM comments WHERE id = ?1 AND pending_op IS NOT NULL",
            [comment_id.to_string()],
        )?;
    }
    if let Some(t) = op.kind.ticket_id() {
        recompute(tx, t)?;
    }
    Ok(())
}

/// Rebuilds what the user sees of a ticket: the server's state with the pending ops replayed
/// in order. Ops that no longer apply locally (a transition the server state makes invalid)
/// are skipped here; the server will judge them when they are pushed.
fn recompute(tx: &Transaction<'_>, id: Uuid) -> Result<Option<Ticket>> {
    let mut ticket = server_copy(tx, id)?.flatten();
    let reporter = self_id(tx).ok();
    let mut st = tx.prepare_cached("SELECT op FROM outbox WHERE ticket_id = ?1 ORDER BY seq")?;
    let ops: Vec<String> = st
        .query_map([id.to_string()], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut clocks = FieldClocks::new();
    for op in ops {
        let op: Op = from_json(&op)?;
        ticket = apply_op(ticket, &op, reporter, &mut clocks);
    }
    match &ticket {
        Some(t) => {
            write_ticket(tx, t, ServerCopy::Kept)?;
            reindex_one(tx, id)?;
        }
        // Neither the server nor a pending create has it any more (a discarded create).
        None => {
            search::unindex(tx, &id.to_string())?;
            tx.execute("DELETE FROM tickets WHERE id = ?1", [id.to_string()])?;
        }
    }
    Ok(ticket)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_mode_defers_indexing_and_gives_its_cache_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        let size = |s: &Store| {
            s.conn
                .pragma_query_value(None, "cache_size", |r| r.get::<_, i64>(0))
                .unwrap()
        };
        assert_eq!(size(&s), -DEFAULT_CACHE_KIB);
        s.bulk_pull(true).unwrap();
        assert_eq!(size(&s), -BULK_CACHE_KIB);
        assert!(s.defer_index);
        s.bulk_pull(false).unwrap();
        assert_eq!(size(&s), -DEFAULT_CACHE_KIB);
        assert!(!s.defer_index);
    }
}
