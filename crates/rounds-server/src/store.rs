//! SQL for the server's entities: row mapping, the compacted change log and the audit log.
//!
//! Every function takes a connection or transaction; none opens one. Timestamps are stored as
//! RFC 3339 UTC strings with microseconds, so text order is time order.

use chrono::{DateTime, SecondsFormat, Utc};
use rounds_core::merge::FieldClocks;
use rounds_core::model::{Campus, Comment, Department, Role, Severity, Ticket, UserPublic};
use rounds_core::perm::Actor;
use rounds_core::wire::{Change, Entity, EventKind};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use crate::db::Tx;
use crate::error::ApiError;
use crate::events::ChangeEvent;

/// Truncates to whole microseconds, the precision timestamps are stored with.
pub fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::DurationRound;
    t.duration_trunc(chrono::TimeDelta::microseconds(1))
        .unwrap_or(t)
}

pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_ts(s: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
}

fn parse_opt_ts(s: Option<String>) -> rusqlite::Result<Option<DateTime<Utc>>> {
    s.as_deref().map(parse_ts).transpose()
}

fn parse_uuid(s: &str) -> rusqlite::Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn parse_enum<T: std::str::FromStr>(s: &str) -> rusqlite::Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    s.parse::<T>().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// The columns [`ticket_from_row`] reads, as a macro so statements are built at compile time.
macro_rules! ticket_cols {
    () => {
        "t.id, t.number, t.title, t.description, t.campus, t.department, t.location, \
    t.reporter, t.assignee, t.severity, t.status, t.work_type, t.maintenance_type, t.channel, \
    t.attachments, t.created_at, t.updated_at, t.acknowledged_at, t.resolved_at, t.closed_at, t.sla"
    };
}
pub const TICKET_COLS: &str = ticket_cols!();

pub fn ticket_from_row(r: &Row<'_>) -> rusqlite::Result<Ticket> {
    let attachments: String = r.get(14)?;
    Ok(Ticket {
        id: parse_uuid(&r.get::<_, String>(0)?)?,
        number: Some(r.get(1)?),
        title: r.get(2)?,
        description: r.get(3)?,
        campus: r.get(4)?,
        department: r.get(5)?,
        location: r.get(6)?,
        reporter: parse_uuid(&r.get::<_, String>(7)?)?,
        assignee: r
            .get::<_, Option<String>>(8)?
            .as_deref()
            .map(parse_uuid)
            .transpose()?,
        severity: Severity::new(r.get(9)?).ok_or(rusqlite::Error::IntegralValueOutOfRange(9, 0))?,
        status: parse_enum(&r.get::<_, String>(10)?)?,
        work_type: parse_enum(&r.get::<_, String>(11)?)?,
        maintenance_type: parse_enum(&r.get::<_, String>(12)?)?,
        channel: parse_enum(&r.get::<_, String>(13)?)?,
        attachments: serde_json::from_str(&attachments).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(14, rusqlite::types::Type::Text, Box::new(e))
        })?,
        created_at: parse_ts(&r.get::<_, String>(15)?)?,
        updated_at: parse_ts(&r.get::<_, String>(16)?)?,
        acknowledged_at: parse_opt_ts(r.get(17)?)?,
        resolved_at: parse_opt_ts(r.get(18)?)?,
        closed_at: parse_opt_ts(r.get(19)?)?,
        sla: r
            .get::<_, Option<String>>(20)?
            .map(|s| {
                serde_json::from_str(&s).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        20,
                        rusqlite::types::Type::Text,
                        Box::new(e),
                    )
                })
            })
            .transpose()?,
    })
}

pub fn ticket_get(conn: &Connection, id: Uuid) -> Result<Option<Ticket>, ApiError> {
    let mut st = conn.prepare_cached(concat!(
        "SELECT ",
        ticket_cols!(),
        " FROM tickets t WHERE t.id = ?1"
    ))?;
    Ok(st.query_row([id.to_string()], ticket_from_row).optional()?)
}

pub fn ticket_clocks(conn: &Connection, id: Uuid) -> Result<FieldClocks, ApiError> {
    let mut st = conn.prepare_cached("SELECT field_clocks FROM tickets WHERE id = ?1")?;
    let s: String = st.query_row([id.to_string()], |r| r.get(0))?;
    serde_json::from_str(&s).map_err(ApiError::internal)
}

pub fn ticket_insert(conn: &Connection, t: &Ticket) -> Result<(), ApiError> {
    let mut st = conn.prepare_cached(
        "INSERT INTO tickets (id, number, title, description, campus, department, location, reporter, assignee, \
         severity, status, work_type, maintenance_type, channel, attachments, field_clocks, created_at, updated_at, \
         acknowledged_at, resolved_at, closed_at, sla) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, '{}', ?16, ?17, ?18, ?19, ?20, ?21)",
    )?;
    st.execute(params![
        t.id.to_string(),
        t.number,
        t.title,
        t.description,
        t.campus,
        t.department,
        t.location,
        t.reporter.to_string(),
        t.assignee.map(|a| a.to_string()),
        t.severity.get(),
        t.status.as_str(),
        t.work_type.as_str(),
        t.maintenance_type.as_str(),
        t.channel.as_str(),
        serde_json::to_string(&t.attachments).map_err(ApiError::internal)?,
        ts(t.created_at),
        ts(t.updated_at),
        t.acknowledged_at.map(ts),
        t.resolved_at.map(ts),
        t.closed_at.map(ts),
        sla_json(t)?,
    ])?;
    for sha in &t.attachments {
        link_attachment(conn, t.id, sha)?;
    }
    Ok(())
}

fn sla_json(t: &Ticket) -> Result<Option<String>, ApiError> {
    t.sla
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(ApiError::internal)
}

/// Writes every mutable column of an existing ticket.
pub fn ticket_update(conn: &Connection, t: &Ticket, clocks: &FieldClocks) -> Result<(), ApiError> {
    let mut st = conn.prepare_cached(
        "UPDATE tickets SET title = ?2, description = ?3, location = ?4, assignee = ?5, severity = ?6, status = ?7, \
         work_type = ?8, maintenance_type = ?9, channel = ?10, attachments = ?11, field_clocks = ?12, \
         updated_at = ?13, acknowledged_at = ?14, resolved_at = ?15, closed_at = ?16, sla = ?17 WHERE id = ?1",
    )?;
    st.execute(params![
        t.id.to_string(),
        t.title,
        t.description,
        t.location,
        t.assignee.map(|a| a.to_string()),
        t.severity.get(),
        t.status.as_str(),
        t.work_type.as_str(),
        t.maintenance_type.as_str(),
        t.channel.as_str(),
        serde_json::to_string(&t.attachments).map_err(ApiError::internal)?,
        serde_json::to_string(clocks).map_err(ApiError::internal)?,
        ts(t.updated_at),
        t.acknowledged_at.map(ts),
        t.resolved_at.map(ts),
        t.closed_at.map(ts),
        sla_json(t)?,
    ])?;
    for sha in &t.attachments {
        link_attachment(conn, t.id, sha)?;
    }
    Ok(())
}

fn link_attachment(conn: &Connection, ticket: Uuid, sha: &str) -> Result<(), ApiError> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO ticket_attachments (ticket_id, sha256) VALUES (?1, ?2)",
    )?
    .execute(params![ticket.to_string(), sha])?;
    Ok(())
}

/// Assigns the next human number of `year`, such as `R-2026-000123`.
pub fn next_number(conn: &Connection, year: i32) -> Result<String, ApiError> {
    let n: i64 = conn
        .prepare_cached(
            "INSERT INTO ticket_numbers (year, last) VALUES (?1, 1) \
             ON CONFLICT(year) DO UPDATE SET last = last + 1 RETURNING last",
        )?
        .query_row([year], |r| r.get(0))?;
    Ok(format!("R-{year}-{n:06}"))
}

/// The columns [`comment_from_row`] reads, as a macro so statements are built at compile time.
macro_rules! comment_cols {
    () => {
        "c.id, c.ticket_id, c.author, c.body, c.internal, c.created_at"
    };
}
pub const COMMENT_COLS: &str = comment_cols!();

pub fn comment_from_row(r: &Row<'_>) -> rusqlite::Result<Comment> {
    Ok(Comment {
        id: parse_uuid(&r.get::<_, String>(0)?)?,
        ticket_id: parse_uuid(&r.get::<_, String>(1)?)?,
        author: parse_uuid(&r.get::<_, String>(2)?)?,
        body: r.get(3)?,
        internal: r.get(4)?,
        created_at: parse_ts(&r.get::<_, String>(5)?)?,
    })
}

pub fn comment_get(conn: &Connection, id: Uuid) -> Result<Option<Comment>, ApiError> {
    let mut st = conn.prepare_cached(concat!(
        "SELECT ",
        comment_cols!(),
        " FROM comments c WHERE c.id = ?1"
    ))?;
    Ok(st
        .query_row([id.to_string()], comment_from_row)
        .optional()?)
}

pub fn comment_insert(conn: &Connection, c: &Comment) -> Result<(), ApiError> {
    conn.prepare_cached(
        "INSERT INTO comments (id, ticket_id, author, body, internal, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![c.id.to_string(), c.ticket_id.to_string(), c.author.to_string(), c.body, c.internal, ts(c.created_at)])?;
    Ok(())
}

pub fn comments_of(
    conn: &Connection,
    ticket: Uuid,
    include_internal: bool,
) -> Result<Vec<Comment>, ApiError> {
    let mut st = conn.prepare_cached(concat!("SELECT ", comment_cols!(), " FROM comments c WHERE c.ticket_id = ?1 AND (?2 OR c.internal = 0) ORDER BY c.created_at, c.id"))?;
    let rows = st.query_map(
        params![ticket.to_string(), include_internal],
        comment_from_row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn campus_list(conn: &Connection) -> Result<Vec<Campus>, ApiError> {
    let mut st = conn.prepare_cached("SELECT code, name FROM campuses ORDER BY code")?;
    let rows = st.query_map([], |r| {
        Ok(Campus {
            code: r.get(0)?,
            name: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn campus_get(conn: &Connection, code: &str) -> Result<Option<Campus>, ApiError> {
    let mut st = conn.prepare_cached("SELECT code, name FROM campuses WHERE code = ?1")?;
    Ok(st
        .query_row([code], |r| {
            Ok(Campus {
                code: r.get(0)?,
                name: r.get(1)?,
            })
        })
        .optional()?)
}

pub fn department_list(conn: &Connection) -> Result<Vec<Department>, ApiError> {
    let mut st =
        conn.prepare_cached("SELECT code, name, campus FROM departments ORDER BY campus, code")?;
    let rows = st.query_map([], |r| {
        Ok(Department {
            code: r.get(0)?,
            name: r.get(1)?,
            campus: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn department_get(conn: &Connection, code: &str) -> Result<Option<Department>, ApiError> {
    let mut st =
        conn.prepare_cached("SELECT code, name, campus FROM departments WHERE code = ?1")?;
    Ok(st
        .query_row([code], |r| {
            Ok(Department {
                code: r.get(0)?,
                name: r.get(1)?,
                campus: r.get(2)?,
            })
        })
        .optional()?)
}

/// The columns [`user_from_row`] reads, as a macro so statements are built at compile time.
macro_rules! user_cols {
    () => {
        "u.id, u.username, u.display_name, u.role, u.campus, u.department"
    };
}
pub(crate) use user_cols;
pub const USER_COLS: &str = user_cols!();

pub fn user_from_row(r: &Row<'_>) -> rusqlite::Result<UserPublic> {
    Ok(UserPublic {
        id: parse_uuid(&r.get::<_, String>(0)?)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        role: parse_enum(&r.get::<_, String>(3)?)?,
        campus: r.get(4)?,
        department: r.get(5)?,
    })
}

pub fn user_get(conn: &Connection, id: Uuid) -> Result<Option<UserPublic>, ApiError> {
    let mut st = conn.prepare_cached(concat!(
        "SELECT ",
        user_cols!(),
        " FROM users u WHERE u.id = ?1 AND u.disabled = 0"
    ))?;
    Ok(st.query_row([id.to_string()], user_from_row).optional()?)
}

pub fn user_list(conn: &Connection) -> Result<Vec<UserPublic>, ApiError> {
    let mut st = conn.prepare_cached(concat!(
        "SELECT ",
        user_cols!(),
        " FROM users u WHERE u.disabled = 0 ORDER BY u.username"
    ))?;
    let rows = st.query_map([], user_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn actor_of(u: &UserPublic) -> Actor {
    Actor {
        user_id: u.id,
        role: u.role,
        campus: u.campus.clone(),
        department: u.department.clone(),
    }
}

/// Whether `role` may be given tickets to work on.
pub fn is_assignable(role: Role) -> bool {
    role.is_staff()
}

/// Where an entity belongs, for the visibility of its changes.
#[derive(Debug, Clone, Default)]
pub struct ChangeScope {
    pub campus: Option<String>,
    pub department: Option<String>,
    pub internal: bool,
}

/// Records that `entity` changed: moves its row in the compacted change log to a new, higher
/// sequence and queues the event that subscribers receive after the commit.
pub fn record_change(
    tx: &mut Tx<'_>,
    event: EventKind,
    entity: Entity,
    scope: ChangeScope,
) -> Result<i64, ApiError> {
    let (kind, id) = entity_key(&entity);
    let seq = tx.next_seq()?;
    // One statement moves the entity's row to its new sequence (or adds it).
    tx.prepare_cached(
        "INSERT INTO changes (seq, entity, entity_id, event, campus, department, internal) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT(entity, entity_id) DO UPDATE SET seq = excluded.seq, event = excluded.event, \
         campus = excluded.campus, department = excluded.department, internal = excluded.internal",
    )?
    .execute(params![
        seq,
        kind,
        id,
        event.as_str(),
        scope.campus,
        scope.department,
        scope.internal
    ])?;
    tx.events
        .push(ChangeEvent::new(event, scope, Change { seq, entity }));
    Ok(seq)
}

fn entity_key(e: &Entity) -> (&'static str, String) {
    match e {
        Entity::Ticket(t) => ("ticket", t.id.to_string()),
        Entity::Comment(c) => ("comment", c.id.to_string()),
        Entity::Campus(c) => ("campus", c.code.clone()),
        Entity::Department(d) => ("department", d.code.clone()),
        Entity::User(u) => ("user", u.id.to_string()),
    }
}

/// Loads the current state of a change-log entry.
pub fn load_entity(conn: &Connection, kind: &str, id: &str) -> Result<Option<Entity>, ApiError> {
    let uuid = || Uuid::parse_str(id).map_err(ApiError::internal);
    Ok(match kind {
        "ticket" => ticket_get(conn, uuid()?)?.map(Entity::Ticket),
        "comment" => comment_get(conn, uuid()?)?.map(Entity::Comment),
        "campus" => campus_get(conn, id)?.map(Entity::Campus),
        "department" => department_get(conn, id)?.map(Entity::Department),
        "user" => user_get(conn, uuid()?)?.map(Entity::User),
        other => return Err(ApiError::internal(format!("unknown entity kind {other}"))),
    })
}

/// SQL predicate (over a table aliased `c` with `campus`, `department` and `internal` columns)
/// that keeps what `actor` may see, with its parameters. It mirrors [`Actor::sees`] and
/// [`rounds_core::perm::Action::ViewInternal`]; directory rows have no campus and are seen by all.
pub fn visibility_sql(actor: &Actor) -> (String, Vec<Option<String>>) {
    match actor.role {
        Role::Admin => ("1".into(), vec![]),
        Role::Engineer | Role::Dispatcher => match &actor.campus {
            None => ("1".into(), vec![]),
            Some(c) => ("(c.campus IS NULL OR c.campus = ?)".into(), vec![Some(c.clone())]),
        },
        Role::Reporter => (
            "(c.campus IS NULL OR (c.internal = 0 AND c.department = ? AND (? IS NULL OR c.campus = ?)))".into(),
            vec![actor.department.clone(), actor.campus.clone(), actor.campus.clone()],
        ),
    }
}

/// Writes an audit row: who did what to which entity, with its state before and after.
#[allow(clippy::too_many_arguments)]
pub fn audit<B: serde::Serialize, A: serde::Serialize>(
    conn: &Connection,
    at: DateTime<Utc>,
    actor: Option<Uuid>,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<(), ApiError> {
    conn.prepare_cached(
        "INSERT INTO audit (at, actor, action, entity, entity_id, before, after) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        ts(at),
        actor.map(|a| a.to_string()),
        action,
        entity,
        entity_id,
        before.map(serde_json::to_string).transpose().map_err(ApiError::internal)?,
        after.map(serde_json::to_string).transpose().map_err(ApiError::internal)?,
    ])?;
    Ok(())
}

/// A page of visible changes above a cursor, with each change's event kind.
pub struct ChangesPage {
    pub epoch: String,
    pub changes: Vec<(String, Change)>,
    pub cursor: i64,
    pub has_more: bool,
}

/// One row of the change log: which entity changed, at which sequence, and the event kind.
pub struct ChangeRow {
    pub seq: i64,
    pub kind: String,
    pub id: String,
    pub event: String,
}

/// A page of the change log before its entities are read: a pull writes each entity out as it
/// loads it (see [`ChangeRows::loaded`]) rather than holding the whole page in memory twice.
pub struct ChangeRows {
    pub epoch: String,
    pub rows: Vec<ChangeRow>,
    pub cursor: i64,
    pub has_more: bool,
}

/// The sequence of the latest change in the log (0 when empty).
pub fn log_head(conn: &Connection) -> Result<i64, ApiError> {
    Ok(conn
        .prepare_cached("SELECT coalesce(max(seq), 0) FROM changes")?
        .query_row([], |r| r.get(0))?)
}

/// Reads the log rows of up to `limit` changes above `after` that `actor` may see, in
/// sequence order.
///
/// Run inside one read transaction, and load the entities in the same one: when the page is
/// the last, the cursor moves to the highest sequence of the snapshot, so a client does not
/// rescan changes it may not see.
pub fn change_rows(
    conn: &Connection,
    actor: &Actor,
    after: i64,
    limit: u32,
) -> Result<ChangeRows, ApiError> {
    let (vis, vis_params) = visibility_sql(actor);
    let sql = format!(
        "SELECT c.seq, c.entity, c.entity_id, c.event FROM changes c WHERE c.seq > ? AND {vis} ORDER BY c.seq LIMIT ?"
    );
    let mut st = conn.prepare_cached(&sql)?;
    let mut params: Vec<&dyn rusqlite::ToSql> = vec![&after];
    for p in &vis_params {
        params.push(p);
    }
    let fetch = i64::from(limit) + 1;
    params.push(&fetch);
    let mut rows: Vec<ChangeRow> = st
        .query_map(params.as_slice(), |r| {
            Ok(ChangeRow {
                seq: r.get(0)?,
                kind: r.get(1)?,
                id: r.get(2)?,
                event: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let cursor = match rows.last() {
        Some(last) if has_more => last.seq,
        _ => log_head(conn)?.max(after),
    };
    let epoch = conn
        .prepare_cached("SELECT value FROM meta WHERE key = 'epoch'")?
        .query_row([], |r| r.get(0))?;
    Ok(ChangeRows {
        epoch,
        rows,
        cursor,
        has_more,
    })
}

impl ChangeRows {
    /// The changes of these rows, each entity read as the iterator reaches it. An entity that
    /// cannot be shown any more (a disabled user) is skipped; the cursor still moves past it.
    pub fn loaded<'a>(
        &'a self,
        conn: &'a Connection,
    ) -> impl Iterator<Item = Result<(&'a str, Change), ApiError>> + 'a {
        self.rows.iter().filter_map(move |r| {
            load_entity(conn, &r.kind, &r.id)
                .map(|e| e.map(|entity| (r.event.as_str(), Change { seq: r.seq, entity })))
                .transpose()
        })
    }
}

/// Reads up to `limit` changes above `after` that `actor` may see, in sequence order, with
/// their entities (see [`change_rows`]).
pub fn changes_page(
    conn: &Connection,
    actor: &Actor,
    after: i64,
    limit: u32,
) -> Result<ChangesPage, ApiError> {
    let rows = change_rows(conn, actor, after, limit)?;
    let changes = rows
        .loaded(conn)
        .map(|c| c.map(|(event, change)| (event.to_owned(), change)))
        .collect::<Result<_, _>>()?;
    Ok(ChangesPage {
        epoch: rows.epoch,
        changes,
        cursor: rows.cursor,
        has_more: rows.has_more,
    })
}

/// SQL predicate over `tickets t` keeping the tickets `actor` may see; mirrors [`Actor::sees`].
pub fn ticket_visibility_sql(actor: &Actor) -> (String, Vec<Option<String>>) {
    match actor.role {
        Role::Admin => ("1".into(), vec![]),
        Role::Engineer | Role::Dispatcher => match &actor.campus {
            None => ("1".into(), vec![]),
            Some(c) => ("t.campus = ?".into(), vec![Some(c.clone())]),
        },
        Role::Reporter => (
            "(t.department = ? AND (? IS NULL OR t.campus = ?))".into(),
            vec![
                actor.department.clone(),
                actor.campus.clone(),
                actor.campus.clone(),
            ],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SQL predicates must keep exactly what `Actor::sees` and the internal-note rule allow,
    /// for every kind of actor and every kind of row.
    #[test]
    fn visibility_sql_agrees_with_the_rule_in_core() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE c (id INTEGER PRIMARY KEY, campus TEXT, department TEXT, internal INTEGER NOT NULL);
             CREATE TABLE t (id INTEGER PRIMARY KEY, campus TEXT NOT NULL, department TEXT NOT NULL);",
        )
        .unwrap();
        let scopes: Vec<(Option<&str>, Option<&str>, bool)> = vec![
            (None, None, false), // a directory entry
            (Some("main"), Some("main-ivf"), false),
            (Some("main"), Some("main-ivf"), true),
            (Some("main"), Some("main-lab"), false),
            (Some("east"), Some("east-ivf"), false),
            (Some("east"), Some("east-ivf"), true),
        ];
        for (i, (campus, dept, internal)) in scopes.iter().enumerate() {
            conn.execute(
                "INSERT INTO c VALUES (?1, ?2, ?3, ?4)",
                params![i as i64, campus, dept, internal],
            )
            .unwrap();
            if let (Some(c), Some(d)) = (campus, dept) {
                conn.execute("INSERT INTO t VALUES (?1, ?2, ?3)", params![i as i64, c, d])
                    .unwrap();
            }
        }
        let actor = |role, campus: Option<&str>, dept: Option<&str>| Actor {
            user_id: Uuid::nil(),
            role,
            campus: campus.map(Into::into),
            department: dept.map(Into::into),
        };
        let actors = [
            actor(Role::Admin, None, None),
            actor(Role::Dispatcher, None, None),
            actor(Role::Dispatcher, Some("east"), None),
            actor(Role::Engineer, Some("main"), None),
            actor(Role::Engineer, None, Some("main-it")),
            actor(Role::Reporter, Some("main"), Some("main-ivf")),
            actor(Role::Reporter, None, Some("main-lab")),
            actor(Role::Reporter, None, None),
        ];
        let ids = |sql: &str, p: &[Option<String>]| -> Vec<i64> {
            let mut st = conn.prepare(sql).unwrap();
            st.query_map(rusqlite::params_from_iter(p), |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        for a in &actors {
            let (vis, p) = visibility_sql(a);
            let got = ids(&format!("SELECT id FROM c WHERE {vis} ORDER BY id"), &p);
            let want: Vec<i64> = scopes
                .iter()
                .enumerate()
                .filter(|(_, (campus, dept, internal))| match (campus, dept) {
                    (Some(c), Some(d)) => a.sees(c, d) && (!internal || a.role.is_staff()),
                    _ => true,
                })
                .map(|(i, _)| i as i64)
                .collect();
            assert_eq!(got, want, "changes visible to {a:?}");

            let (vis, p) = ticket_visibility_sql(a);
            let got = ids(&format!("SELECT id FROM t WHERE {vis} ORDER BY id"), &p);
            let want: Vec<i64> = scopes
                .iter()
                .enumerate()
                .filter(|(_, (campus, dept, _))| matches!((campus, dept), (Some(c), Some(d)) if a.sees(c, d)))
                .map(|(i, _)| i as i64)
                .collect();
            assert_eq!(got, want, "tickets visible to {a:?}");
        }
    }
}
