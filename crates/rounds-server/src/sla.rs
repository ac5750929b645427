//! The SLA engine of the server: computes each ticket's SLA record on every write, keeps one
//! timer row per escalation point still ahead, and fires due timers exactly once.
//!
//! Invariants:
//! - The SLA record (`tickets.sla`) and the timers (`sla_timers`) are written in the same
//!   transaction as the ticket change that moved them, so they never disagree with the ticket.
//! - Firing a timer deletes its row in the transaction that appends the escalation to the
//!   ticket, writes the audit row, the change-log row and the alert deliveries. A timer
//!   therefore fires once: never twice, and after a stop it fires late but is not lost.
//! - The rules (due times, ladder points) are `rounds_core::sla`; this module only stores.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rounds_core::model::{Role, Status, Ticket};
use rounds_core::sla::{
    self, BusinessCalendar, ChecklistKey, Escalation, HistoryStatus, PendingEscalation, SlaPolicy,
    SlaTargetKind, TicketTimes,
};
use rounds_core::wire::{Entity, EventKind};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::Tx;
use crate::error::ApiError;
use crate::store::{self, ChangeScope, ts};

/// File names in the data directory. Each is optional; absent means the defaults.
pub const POLICY_FILE: &str = "sla-policy.toml";
pub const CALENDAR_FILE: &str = "calendar.toml";
pub const ESCALATION_FILE: &str = "escalation.toml";

/// Who the last step of the ladder notifies, and the emergency checklist's deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EscalationConfig {
    /// Roles whose members (on the ticket's campus or on every campus) are service managers.
    pub manager_roles: Vec<Role>,
    /// Usernames of further service managers.
    pub manager_users: Vec<String>,
    /// Hours after the opening by which the root-cause report of a level 1 or 2 ticket is due.
    pub root_cause_hours: u32,
}

impl Default for EscalationConfig {
    fn default() -> Self {
        EscalationConfig {
            manager_roles: vec![Role::Admin],
            manager_users: vec![],
            root_cause_hours: 72,
        }
    }
}

/// Everything the SLA rules need, loaded once at start.
#[derive(Debug, Clone, Default)]
pub struct SlaSettings {
    pub policy: SlaPolicy,
    pub calendar: BusinessCalendar,
    pub escalation: EscalationConfig,
}

impl SlaSettings {
    /// Reads the optional files of `data_dir`; an invalid file is an error naming it.
    pub fn load(data_dir: &Path) -> Result<Self, String> {
        let read = |name: &str| -> Result<Option<String>, String> {
            let path = data_dir.join(name);
            match std::fs::read_to_string(&path) {
                Ok(s) => Ok(Some(s)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(format!("{}: {e}", path.display())),
            }
        };
        let at = |name: &str, e: &dyn std::fmt::Display| {
            format!("{}: {e}", data_dir.join(name).display())
        };
        let mut s = SlaSettings::default();
        if let Some(text) = read(POLICY_FILE)? {
            s.policy = SlaPolicy::from_toml_str(&text).map_err(|e| at(POLICY_FILE, &e))?;
        }
        if let Some(text) = read(CALENDAR_FILE)? {
            s.calendar =
                BusinessCalendar::from_toml_str(&text).map_err(|e| at(CALENDAR_FILE, &e))?;
        }
        if let Some(text) = read(ESCALATION_FILE)? {
            s.escalation = toml::from_str(&text).map_err(|e| at(ESCALATION_FILE, &e))?;
        }
        Ok(s)
    }
}

/// A status history as stored in `tickets.status_history`.
pub type History = Vec<(DateTime<Utc>, HistoryStatus)>;

fn history_status(s: Status) -> HistoryStatus {
    match s {
        Status::New => HistoryStatus::New,
        Status::Acknowledged => HistoryStatus::Acknowledged,
        Status::InProgress => HistoryStatus::InProgress,
        Status::Pending => HistoryStatus::Pending,
        Status::Resolved => HistoryStatus::Resolved,
        Status::Closed => HistoryStatus::Closed,
    }
}

/// The stored history of a ticket; for a ticket written before histories were kept, one
/// rebuilt from its timestamps.
pub fn history_load(conn: &rusqlite::Connection, t: &Ticket) -> Result<History, ApiError> {
    let text: Option<String> = conn
        .prepare_cached("SELECT status_history FROM tickets WHERE id = ?1")?
        .query_row([t.id.to_string()], |r| r.get(0))
        .optional()?;
    let mut h: History = match text {
        Some(s) => serde_json::from_str(&s).map_err(ApiError::internal)?,
        None => vec![],
    };
    if h.is_empty() {
        h.push((t.created_at, HistoryStatus::New));
        if let Some(a) = t.acknowledged_at {
            h.push((a, HistoryStatus::Acknowledged));
        }
        if t.status != Status::New && t.status != Status::Acknowledged {
            h.push((t.updated_at, history_status(t.status)));
        }
    }
    Ok(h)
}

/// The new SLA state of a ticket, computed before its row is written and saved after.
pub struct SlaWrite {
    pub ticket_id: Uuid,
    pub history: History,
    pub pending: Vec<PendingEscalation>,
    /// The page of a new emergency (level 1 or 2) ticket, to fire with this write.
    pub page: bool,
}

/// Recomputes `ticket.sla` at `now` from `history` (with the move to `moved` appended when
/// the status changed). Opens the emergency checklist when the ticket is level 1 or 2 and
/// has none yet, and marks its `acknowledge` step when the ticket is first responded to.
pub fn prepare(
    settings: &SlaSettings,
    ticket: &mut Ticket,
    mut history: History,
    moved: Option<(DateTime<Utc>, Status)>,
    actor: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<SlaWrite, ApiError> {
    if let Some((at, status)) = moved {
        history.push((at, history_status(status)));
    }
    let sla_err = |e: sla::SlaError| ApiError::internal(format!("SLA computation: {e}"));
    let times = TicketTimes::from_history(ticket.created_at, &history, now);
    let level = ticket.severity.get();
    let mut record = sla::compute(
        &settings.policy,
        &settings.calendar,
        level,
        &times,
        ticket.status == Status::Pending,
        now,
        ticket.sla.as_deref(),
    )
    .map_err(sla_err)?;
    let mut page = false;
    if ticket.severity.is_emergency() && record.checklist.is_none() {
        record.checklist = Some(sla::emergency_checklist(
            ticket.created_at,
            record.response_due,
            record.resolution_due,
            chrono::Duration::hours(i64::from(settings.escalation.root_cause_hours)),
        ));
        page = true;
    }
    if let (Some(list), Some(responded)) = (record.checklist.as_mut(), record.responded_at) {
        for step in list.iter_mut() {
            if step.key == ChecklistKey::Acknowledge && step.done_at.is_none() {
                step.done_at = Some(responded);
                step.done_by = actor;
            }
        }
    }
    let pending =
        sla::pending_escalations(&settings.policy, &settings.calendar, level, &times, &record)
            .map_err(sla_err)?;
    ticket.sla = Some(Box::new(record));
    Ok(SlaWrite {
        ticket_id: ticket.id,
        history,
        pending,
        page,
    })
}

/// A ladder point as stored in a ticket's timer row: target, percent, step, due time.
#[derive(Serialize, Deserialize)]
struct TimerPoint(SlaTargetKind, u8, u8, DateTime<Utc>);

/// Stores the history and replaces the ticket's timer row with its ladder points still ahead
/// (none: no row). Call after the ticket row is written.
pub fn save(tx: &Tx<'_>, w: &SlaWrite) -> Result<(), ApiError> {
    let id = w.ticket_id.to_string();
    tx.prepare_cached("UPDATE tickets SET status_history = ?2 WHERE id = ?1")?
        .execute(params![
            id,
            serde_json::to_string(&w.history).map_err(ApiError::internal)?
        ])?;
    let mut points: Vec<TimerPoint> = w
        .pending
        .iter()
        .map(|p| TimerPoint(p.target, p.percent, p.step, p.due))
        .collect();
    points.sort_by_key(|p| (p.3, p.0.as_str(), p.1));
    write_timers(tx, &id, &points)
}

/// Writes a ticket's timer row from its points, soonest first; no points deletes the row.
fn write_timers(tx: &Tx<'_>, ticket_id: &str, points: &[TimerPoint]) -> Result<(), ApiError> {
    match points.first() {
        None => {
            tx.prepare_cached("DELETE FROM sla_timers WHERE ticket_id = ?1")?
                .execute([ticket_id])?;
        }
        Some(first) => {
            tx.prepare_cached(
                "INSERT INTO sla_timers (ticket_id, due_at, points) VALUES (?1, ?2, ?3) \
                 ON CONFLICT(ticket_id) DO UPDATE SET due_at = excluded.due_at, points = excluded.points",
            )?
            .execute(params![
                ticket_id,
                ts(first.3),
                serde_json::to_string(points).map_err(ApiError::internal)?
            ])?;
        }
    }
    Ok(())
}

/// The users a step notifies: 0 and 1 the assignee or else the on-call primary; 2 the on-call
/// backup and the dispatchers; 3 the service managers.
fn recipients(
    tx: &Tx<'_>,
    settings: &SlaSettings,
    t: &Ticket,
    step: u8,
    at: DateTime<Utc>,
) -> Result<Vec<Uuid>, ApiError> {
    let duty = crate::oncall::on_duty(tx, &t.campus, at)?;
    let mut out: Vec<Uuid> = Vec::new();
    match step {
        0 => {
            out.extend(duty.as_ref().map(|s| s.primary));
            out.extend(t.assignee);
        }
        1 => out.extend(t.assignee.or(duty.as_ref().map(|s| s.primary))),
        2 => {
            out.extend(duty.as_ref().and_then(|s| s.backup));
            out.extend(users_where(tx, &t.campus, |u| u.role == Role::Dispatcher)?);
        }
        _ => {
            let esc = &settings.escalation;
            out.extend(users_where(tx, &t.campus, |u| {
                esc.manager_roles.contains(&u.role)
                    || esc
                        .manager_users
                        .iter()
                        .any(|n| n.eq_ignore_ascii_case(&u.username))
            })?);
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|u| seen.insert(*u));
    Ok(out)
}

/// Staff of `campus` (or of every campus) matching `keep`.
fn users_where(
    tx: &Tx<'_>,
    campus: &str,
    keep: impl Fn(&rounds_core::model::UserPublic) -> bool,
) -> Result<Vec<Uuid>, ApiError> {
    Ok(store::user_list(tx)?
        .into_iter()
        .filter(|u| u.role.is_staff() && u.campus.as_deref().is_none_or(|c| c == campus))
        .filter(|u| keep(u))
        .map(|u| u.id)
        .collect())
}

/// Appends an escalation to the ticket and records it everywhere it must appear: the stored
/// ticket, the audit log (the timeline), the change log and event stream, the alert queue.
#[allow(clippy::too_many_arguments)]
fn escalate(
    tx: &mut Tx<'_>,
    settings: &SlaSettings,
    ticket: &mut Ticket,
    target: SlaTargetKind,
    percent: u8,
    step: u8,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Escalation, ApiError> {
    let notified = recipients(tx, settings, ticket, step, now)?;
    let e = Escalation {
        target,
        percent,
        step,
        at: now,
        due,
        notified,
    };
    let record = ticket
        .sla
        .as_mut()
        .ok_or_else(|| ApiError::internal("escalating a ticket without an SLA record"))?;
    record.escalations.push(e.clone());
    if percent >= 100 {
        // The target is used up with its clock still running.
        match target {
            SlaTargetKind::Response => record.response_breached = true,
            SlaTargetKind::Resolution => record.resolution_breached = true,
        }
    }
    tx.prepare_cached("UPDATE tickets SET sla = ?2 WHERE id = ?1")?
        .execute(params![
            ticket.id.to_string(),
            serde_json::to_string(record).map_err(ApiError::internal)?
        ])?;
    store::audit(
        tx,
        now,
        None,
        "ticket.escalated",
        "ticket",
        &ticket.id.to_string(),
        None::<&()>,
        Some(&e),
    )?;
    crate::alerts::enqueue(tx, ticket, &e, now)?;
    store::record_change(
        tx,
        EventKind::TicketEscalated,
        Entity::Ticket(ticket.clone()),
        ChangeScope {
            campus: Some(ticket.campus.clone()),
            department: Some(ticket.department.clone()),
            internal: false,
        },
    )?;
    Ok(e)
}

/// Pages the on-call engineer for a new emergency ticket (step 0), when `w.page` says so.
pub fn page_if_needed(
    tx: &mut Tx<'_>,
    settings: &SlaSettings,
    ticket: &mut Ticket,
    w: &SlaWrite,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if w.page {
        let due = ticket.created_at;
        escalate(
            tx,
            settings,
            ticket,
            SlaTargetKind::Response,
            0,
            0,
            due,
            now,
        )?;
    }
    Ok(())
}

/// Fires every ladder point due at or before `now`, soonest first, from at most `limit`
/// tickets' timer rows. Returns how many fired.
pub fn fire_due(
    tx: &mut Tx<'_>,
    settings: &SlaSettings,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<usize, ApiError> {
    let rows: Vec<(String, String)> = {
        let mut st = tx.prepare_cached(
            "SELECT ticket_id, points FROM sla_timers WHERE due_at <= ?1 \
             ORDER BY due_at, ticket_id LIMIT ?2",
        )?;
        st.query_map(params![ts(now), limit as i64], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<Result<_, _>>()?
    };
    let mut fired = 0;
    for (ticket_id, points) in rows {
        let points: Vec<TimerPoint> = serde_json::from_str(&points).map_err(ApiError::internal)?;
        let (due, ahead): (Vec<TimerPoint>, Vec<TimerPoint>) =
            points.into_iter().partition(|p| p.3 <= now);
        // The row loses its due points in the transaction that records their escalations,
        // so each fires once.
        write_timers(tx, &ticket_id, &ahead)?;
        let id = Uuid::parse_str(&ticket_id).map_err(ApiError::internal)?;
        // `escalate` records each escalation on `ticket` as well as in its row, so one read
        // serves all of the row's due points.
        let Some(mut ticket) = store::ticket_get(tx, id)? else {
            continue;
        };
        for TimerPoint(target, percent, step, due) in due {
            if ticket.sla.as_ref().is_none_or(|s| s.fired(target, percent)) {
                continue;
            }
            escalate(tx, settings, &mut ticket, target, percent, step, due, now)?;
            fired += 1;
        }
    }
    Ok(fired)
}

/// The earliest timer, if any.
pub fn next_due(conn: &rusqlite::Connection) -> Result<Option<DateTime<Utc>>, ApiError> {
    let s: Option<String> = conn
        .prepare_cached("SELECT min(due_at) FROM sla_timers")?
        .query_row([], |r| r.get(0))?;
    s.map(|s| {
        DateTime::parse_from_rfc3339(&s)
            .map(|d| d.with_timezone(&Utc))
            .map_err(ApiError::internal)
    })
    .transpose()
}

/// The escalation worker: fires due timers, then sleeps until the next one (at most
/// `poll`, so a clock that jumps, or a timer added meanwhile, is noticed promptly).
pub async fn run_worker(state: crate::AppState, poll: std::time::Duration) {
    let mut closing = state.closing();
    let settings: Arc<SlaSettings> = state.sla.clone();
    loop {
        let now = state.now();
        let next = match state.db.read(|tx| next_due(tx)).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e.message, "reading SLA timers");
                None
            }
        };
        let mut wait = poll;
        if let Some(next) = next {
            if next <= now {
                let s = settings.clone();
                match state.db.write(move |tx| fire_due(tx, &s, now, 200)).await {
                    Ok(n) => {
                        tracing::info!(fired = n, "SLA escalations");
                        continue;
                    }
                    // Retried after `poll`, not in a tight loop.
                    Err(e) => tracing::warn!(error = %e.message, "firing SLA timers"),
                }
            } else {
                wait = (next - now).to_std().unwrap_or_default().min(poll);
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = closing.changed() => return,
        }
        if *closing.borrow() {
            return;
        }
    }
}

/// Result of marking a checklist step.
pub fn checklist_mark(
    ticket: &mut Ticket,
    key: ChecklistKey,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let list = ticket
        .sla
        .as_mut()
        .and_then(|s| s.checklist.as_mut())
        .ok_or_else(|| {
            ApiError::validation("this ticket has no emergency checklist (only levels 1 and 2 do)")
        })?;
    let step = list
        .iter_mut()
        .find(|s| s.key == key)
        .ok_or_else(|| ApiError::internal("checklist step missing"))?;
    if step.done_at.is_some() {
        return Ok(false);
    }
    step.done_at = Some(now);
    step.done_by = Some(by);
    Ok(true)
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/checklist/{step}", tag = "tickets", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("step" = String, Path, description = "acknowledge, assess_scope, inform_it, restore_service or root_cause_report")),
    responses((status = 200, body = Ticket), (status = 403, body = rounds_core::ErrorBody),
              (status = 404, body = rounds_core::ErrorBody), (status = 422, body = rounds_core::ErrorBody)))]
pub async fn checklist_step(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    crate::auth::Authed(user): crate::auth::Authed,
    crate::error::Path((id, step)): crate::error::Path<(Uuid, String)>,
) -> Result<crate::error::Json<Ticket>, ApiError> {
    let key = ChecklistKey::parse(&step).ok_or_else(|| {
        ApiError::not_found(format!(
            "no checklist step `{step}`: expected acknowledge, assess_scope, inform_it, restore_service or root_cause_report"
        ))
    })?;
    let actor = store::actor_of(&user);
    let now = state.now();
    state
        .db
        .write(move |tx| {
            let mut t = crate::ops::visible_ticket(tx, &actor, id)?;
            if !actor.role.is_staff() {
                return Err(ApiError::forbidden(
                    "only staff may mark the emergency checklist",
                ));
            }
            let before = t.sla.clone();
            if !checklist_mark(&mut t, key, actor.user_id, now)? {
                return Ok(t);
            }
            let record = t
                .sla
                .as_ref()
                .ok_or_else(|| ApiError::internal("no SLA record"))?;
            tx.prepare_cached("UPDATE tickets SET sla = ?2 WHERE id = ?1")?
                .execute(params![
                    id.to_string(),
                    serde_json::to_string(record).map_err(ApiError::internal)?
                ])?;
            store::audit(
                tx,
                now,
                Some(actor.user_id),
                "ticket.checklist",
                "ticket",
                &id.to_string(),
                before.as_ref(),
                Some(&serde_json::json!({ "step": key, "sla": record })),
            )?;
            store::record_change(
                tx,
                EventKind::TicketUpdated,
                Entity::Ticket(t.clone()),
                ChangeScope {
                    campus: Some(t.campus.clone()),
                    department: Some(t.department.clone()),
                    internal: false,
                },
            )?;
            Ok(t)
        })
        .await
        .map(crate::error::Json)
}
