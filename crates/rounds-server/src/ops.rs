//! The ticket operations, shared by the REST handlers and sync push, so that both paths apply
//! exactly the same rules: validation, permissions, the merge rule and the status machine.
//!
//! Each runs inside the caller's write transaction and writes, with the change itself, its
//! change-log row and its audit row. Times: `at` is when the user acted (a client's clock for
//! offline ops), clamped so it is never in the server's future nor before the ticket existed.
//!
//! Invariant: every check a client can fail (validation, permission, a missing or conflicting
//! entity) comes before an operation's first write; after it, only the server's own failures
//! can stop it. A sync push relies on this to reject one op of a batch without a savepoint,
//! and fails the whole push if an op is refused after writing (`sync::settle`).

use chrono::{DateTime, Datelike, Utc};
use rounds_core::error::ErrorCode;
use rounds_core::merge::{self, MergeOutcome, TicketPatch};
use rounds_core::model::{Comment, Status, Ticket, TicketDraft, validate_comment_body};
use rounds_core::perm::{self, Action, Actor, Scope};
use rounds_core::status;
use rounds_core::wire::{Entity, EventKind};
use rusqlite::OptionalExtension;
use uuid::Uuid;

use crate::db::Tx;
use crate::error::ApiError;
use crate::store::{self, ChangeScope};

fn clamp(at: DateTime<Utc>, now: DateTime<Utc>, not_before: DateTime<Utc>) -> DateTime<Utc> {
    store::micros(at).min(now).max(not_before)
}

fn ticket_scope(t: &Ticket) -> ChangeScope {
    ChangeScope {
        campus: Some(t.campus.clone()),
        department: Some(t.department.clone()),
        internal: false,
    }
}

fn check_assignee(tx: &Tx<'_>, assignee: Uuid, campus: &str) -> Result<(), ApiError> {
    let user = store::user_get(tx, assignee)?
        .ok_or_else(|| ApiError::validation(format!("unknown assignee {assignee}")))?;
    if !store::is_assignable(user.role) {
        return Err(ApiError::validation(format!(
            "{} is a reporter and cannot be assigned tickets",
            user.username
        )));
    }
    if user.campus.as_deref().is_some_and(|c| c != campus) {
        return Err(ApiError::validation(format!(
            "{} works on another campus",
            user.username
        )));
    }
    Ok(())
}

fn check_attachments_exist(tx: &Tx<'_>, shas: &[String]) -> Result<(), ApiError> {
    let mut st = tx.prepare_cached("SELECT 1 FROM attachments WHERE sha256 = ?1")?;
    for sha in shas {
        if st.query_row([sha], |_| Ok(())).optional()?.is_none() {
            return Err(ApiError::validation(format!(
                "attachment {sha} has not been uploaded"
            )));
        }
    }
    Ok(())
}

/// Loads a ticket the actor may see, or `not_found`.
pub fn visible_ticket(
    tx: &rusqlite::Connection,
    actor: &Actor,
    id: Uuid,
) -> Result<Ticket, ApiError> {
    let t = store::ticket_get(tx, id)?.ok_or_else(|| ApiError::not_found("no such ticket"))?;
    perm::decide(actor, Action::View, Scope::from(&t))?;
    Ok(t)
}

/// Creates a ticket. Creating the same id again by the same reporter returns the ticket as it
/// is (a retried create); by anyone else it is a conflict.
pub fn ticket_create(
    tx: &mut Tx<'_>,
    actor: &Actor,
    draft: TicketDraft,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(Ticket, bool), ApiError> {
    let draft = draft.validate()?;
    let id = draft.id.unwrap_or_else(Uuid::now_v7);
    if let Some(existing) = store::ticket_get(tx, id)? {
        if existing.reporter == actor.user_id {
            return Ok((existing, false));
        }
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!("ticket {id} already exists"),
        ));
    }
    let dept = store::department_get(tx, &draft.department)?.ok_or_else(|| {
        ApiError::validation(format!("unknown department `{}`", draft.department))
    })?;
    if dept.campus != draft.campus {
        return Err(ApiError::validation(format!(
            "department `{}` belongs to campus `{}`, not `{}`",
            dept.code, dept.campus, draft.campus
        )));
    }
    let scope = Scope {
        campus: &draft.campus,
        department: &draft.department,
        reporter: actor.user_id,
        assignee: None,
        status: Status::New,
    };
    perm::decide(actor, Action::Create, scope)?;
    if let Some(a) = draft.assignee {
        perm::decide(actor, Action::Assign { to: Some(a) }, scope)?;
        check_assignee(tx, a, &draft.campus)?;
    }
    check_attachments_exist(tx, &draft.attachments)?;
    let created_at = clamp(at, now, now - chrono::Duration::days(365));
    let mut attachments = draft.attachments;
    attachments.sort();
    attachments.dedup();
    let mut ticket = Ticket {
        id,
        number: Some(store::next_number(tx, now.year())?),
        title: draft.title,
        description: draft.description,
        campus: draft.campus,
        department: draft.department,
        location: draft.location,
        reporter: actor.user_id,
        assignee: draft.assignee,
        severity: draft.severity,
        status: Status::New,
        work_type: draft.work_type,
        maintenance_type: draft.maintenance_type,
        channel: draft.channel,
        attachments,
        created_at,
        updated_at: created_at,
        acknowledged_at: None,
        resolved_at: None,
        closed_at: None,
        sla: None,
    };
    let settings = tx.sla.clone();
    let sla_write = crate::sla::prepare(
        &settings,
        &mut ticket,
        vec![],
        Some((created_at, Status::New)),
        None,
        now,
    )?;
    store::ticket_insert(tx, &ticket)?;
    crate::sla::save(tx, &sla_write)?;
    store::audit(
        tx,
        now,
        Some(actor.user_id),
        "ticket.create",
        "ticket",
        &id.to_string(),
        None::<&()>,
        Some(&ticket),
    )?;
    store::record_change(
        tx,
        EventKind::TicketCreated,
        Entity::Ticket(ticket.clone()),
        ticket_scope(&ticket),
    )?;
    crate::sla::page_if_needed(tx, &settings, &mut ticket, &sla_write, now)?;
    Ok((ticket, true))
}

/// Applies a partial update under the merge rule (`rounds_core::merge`).
pub fn ticket_update(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: Uuid,
    patch: TicketPatch,
    op_id: Uuid,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(Ticket, MergeOutcome), ApiError> {
    let patch = patch.validate()?;
    let before = visible_ticket(tx, actor, id)?;
    let scope = Scope::from(&before);
    let details = patch.title.is_some()
        || patch.description.is_some()
        || patch.location.is_some()
        || patch.work_type.is_some()
        || patch.maintenance_type.is_some()
        || patch.channel.is_some();
    if details {
        perm::decide(actor, Action::EditDetails, scope)?;
    }
    if !patch.attachments_add.is_empty() {
        perm::decide(actor, Action::Attach, scope)?;
        check_attachments_exist(tx, &patch.attachments_add)?;
    }
    if let Some(sev) = patch.severity
        && sev != before.severity
    {
        perm::decide(actor, Action::SetSeverity, scope)?;
        if patch.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            return Err(ApiError::validation(
                "changing the fault level needs a reason",
            ));
        }
    }
    if let Some(to) = patch.assignee
        && to != before.assignee
    {
        perm::decide(actor, Action::Assign { to }, scope)?;
        if let Some(a) = to {
            check_assignee(tx, a, &before.campus)?;
        }
    }
    let mut clocks = store::ticket_clocks(tx, id)?;
    let mut after = before.clone();
    let at = clamp(at, now, before.created_at);
    let outcome = merge::apply_patch(&mut after, &mut clocks, &patch, op_id, at);
    if after != before || !outcome.applied.is_empty() {
        // A level change recomputes the due times from the opening; the audit row below
        // records who changed it and why.
        let settings = tx.sla.clone();
        let history = crate::sla::history_load(tx, &after)?;
        let sla_write = crate::sla::prepare(
            &settings,
            &mut after,
            history,
            None,
            Some(actor.user_id),
            now,
        )?;
        store::ticket_update(tx, &after, &clocks)?;
        crate::sla::save(tx, &sla_write)?;
        let action = if patch.severity.is_some_and(|s| s != before.severity) {
            "ticket.severity"
        } else {
            "ticket.update"
        };
        let audit_after =
            serde_json::json!({ "ticket": &after, "reason": patch.reason, "op_id": op_id });
        store::audit(
            tx,
            now,
            Some(actor.user_id),
            action,
            "ticket",
            &id.to_string(),
            Some(&before),
            Some(&audit_after),
        )?;
        let event = if after.assignee != before.assignee {
            EventKind::TicketAssigned
        } else {
            EventKind::TicketUpdated
        };
        store::record_change(
            tx,
            event,
            Entity::Ticket(after.clone()),
            ticket_scope(&after),
        )?;
        crate::sla::page_if_needed(tx, &settings, &mut after, &sla_write, now)?;
    }
    Ok((after, outcome))
}

/// Moves a ticket through the status machine. Invalid when applied is `invalid_transition`.
pub fn ticket_transition(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: Uuid,
    to: Status,
    reason: Option<String>,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Ticket, ApiError> {
    let reason = rounds_core::model::normalise_optional("reason", reason.as_deref())?;
    let before = visible_ticket(tx, actor, id)?;
    perm::decide(
        actor,
        Action::Transition {
            to,
            reason: reason.as_deref(),
        },
        Scope::from(&before),
    )?;
    let mut after = before.clone();
    let at = clamp(at, now, before.created_at);
    status::apply(&mut after, to, at);
    let settings = tx.sla.clone();
    let history = crate::sla::history_load(tx, &before)?;
    let moved = (after.status != before.status).then_some((at, after.status));
    let sla_write = crate::sla::prepare(
        &settings,
        &mut after,
        history,
        moved,
        Some(actor.user_id),
        now,
    )?;
    let clocks = store::ticket_clocks(tx, id)?;
    store::ticket_update(tx, &after, &clocks)?;
    crate::sla::save(tx, &sla_write)?;
    let audit_after =
        serde_json::json!({ "ticket": &after, "from": before.status, "to": to, "reason": reason });
    store::audit(
        tx,
        now,
        Some(actor.user_id),
        "ticket.transition",
        "ticket",
        &id.to_string(),
        Some(&before),
        Some(&audit_after),
    )?;
    store::record_change(
        tx,
        EventKind::TicketStatusChanged,
        Entity::Ticket(after.clone()),
        ticket_scope(&after),
    )?;
    Ok(after)
}

/// Appends a comment. The same comment id again by the same author is a retried add.
#[allow(clippy::too_many_arguments)]
pub fn comment_add(
    tx: &mut Tx<'_>,
    actor: &Actor,
    ticket_id: Uuid,
    comment_id: Uuid,
    body: String,
    internal: bool,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(Comment, bool), ApiError> {
    let ticket = visible_ticket(tx, actor, ticket_id)?;
    perm::decide(actor, Action::Comment { internal }, Scope::from(&ticket))?;
    validate_comment_body(&body)?;
    if let Some(existing) = store::comment_get(tx, comment_id)? {
        if existing.author == actor.user_id && existing.ticket_id == ticket_id {
            return Ok((existing, false));
        }
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!("comment {comment_id} already exists"),
        ));
    }
    let comment = Comment {
        id: comment_id,
        ticket_id,
        author: actor.user_id,
        body,
        internal,
        created_at: clamp(at, now, ticket.created_at),
    };
    store::comment_insert(tx, &comment)?;
    store::audit(
        tx,
        now,
        Some(actor.user_id),
        "comment.add",
        "comment",
        &comment_id.to_string(),
        None::<&()>,
        Some(&comment),
    )?;
    let scope = ChangeScope {
        internal,
        ..ticket_scope(&ticket)
    };
    store::record_change(
        tx,
        EventKind::CommentAdded,
        Entity::Comment(comment.clone()),
        scope,
    )?;
    Ok((comment, true))
}
