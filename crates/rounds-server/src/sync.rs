//! Sync: `POST /api/v1/sync/push` applies a batch of offline ops, `GET /api/v1/sync/pull` pages
//! through the changes above a cursor. The protocol is written down in `docs/sync.md`.
//!
//! A push runs in one transaction. A rejected op gets its own result and the rest of the batch
//! still applies: the ops check everything a client can get wrong before their first write
//! (`ops`), so a rejected op has written nothing and needs no savepoint of its own (see
//! [`settle`]).
//!
//! Pushing an op again has no second effect: creates and comments carry their entity's id and
//! are recognised by it; the results of applied updates and transitions are stored under their
//! op id and returned again. A rejected op is not stored, so it can be pushed again once the
//! reason is gone.

use axum::extract::State;
use rounds_core::error::ErrorCode;
use rounds_core::perm::Actor;
use rounds_core::wire::{Op, OpKind, OpResult, OpStatus, PullResponse, PushRequest, PushResponse};
use rusqlite::{OptionalExtension, params};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::Authed;
use crate::db::Tx;
use crate::error::{ApiError, Json, JsonBody, Query};
use crate::store::{self, ts};
use crate::{AppState, ops};

/// Most ops one push may carry.
pub const MAX_PUSH_OPS: usize = 1000;
pub const DEFAULT_PULL_LIMIT: u32 = 500;
pub const MAX_PULL_LIMIT: u32 = 5000;

fn apply_op(
    tx: &mut Tx<'_>,
    actor: &Actor,
    op: Op,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<OpResult, ApiError> {
    let mut superseded = Vec::new();
    match op.kind {
        OpKind::TicketCreate { ticket } => {
            if ticket.id.is_none() {
                return Err(ApiError::validation(
                    "an offline ticket_create must carry the ticket id",
                ));
            }
            ops::ticket_create(tx, actor, ticket, op.at, now)?;
        }
        OpKind::TicketUpdate { ticket_id, patch } => {
            let (_, outcome) =
                ops::ticket_update(tx, actor, ticket_id, patch, op.op_id, op.at, now)?;
            superseded = outcome.superseded.iter().map(|s| s.to_string()).collect();
        }
        OpKind::TicketTransition {
            ticket_id,
            to,
            reason,
        } => {
            ops::ticket_transition(tx, actor, ticket_id, to, reason, op.at, now)?;
        }
        OpKind::CommentAdd {
            comment_id,
            ticket_id,
            body,
            internal,
        } => {
            ops::comment_add(tx, actor, ticket_id, comment_id, body, internal, op.at, now)?;
        }
    }
    Ok(OpResult {
        op_id: Some(op.op_id),
        status: OpStatus::Applied,
        code: None,
        message: None,
        superseded,
    })
}

fn rejected(op_id: Option<Uuid>, e: &ApiError) -> OpResult {
    OpResult {
        op_id,
        status: OpStatus::Rejected,
        code: Some(e.code.as_str().to_owned()),
        message: Some(e.message.clone()),
        superseded: vec![],
    }
}

/// Applies one op; returns its result. Errors that are the server's own (database failures)
/// abort the whole push instead, so that nothing is half applied (see [`settle`]).
fn push_one(
    tx: &mut Tx<'_>,
    actor: &Actor,
    raw: &serde_json::value::RawValue,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<OpResult, ApiError> {
    let op: Op = match serde_json::from_str(raw.get()) {
        Ok(op) => op,
        Err(e) => {
            // Name the op in the rejection when its id can still be read.
            let op_id = serde_json::from_str::<serde_json::Value>(raw.get())
                .ok()
                .and_then(|v| {
                    v.get("op_id")?
                        .as_str()
                        .and_then(|s| Uuid::parse_str(s).ok())
                });
            return Ok(rejected(
                op_id,
                &ApiError::new(ErrorCode::InvalidRequest, format!("malformed op: {e}")),
            ));
        }
    };
    // Creates and comments are idempotent by the id they carry; updates and transitions are
    // not (a transition applied twice would fail the second time), so their results are kept.
    let remember = matches!(
        op.kind,
        OpKind::TicketUpdate { .. } | OpKind::TicketTransition { .. }
    );
    if remember {
        let stored: Option<String> = tx
            .prepare_cached("SELECT result FROM applied_ops WHERE op_id = ?1")?
            .query_row([op.op_id.to_string()], |r| r.get(0))
            .optional()?;
        if let Some(stored) = stored {
            return serde_json::from_str(&stored).map_err(ApiError::internal);
        }
    }
    let op_id = op.op_id;
    let writes_before = tx.total_changes();
    let applied = apply_op(tx, actor, op, now);
    let wrote = tx.total_changes() != writes_before;
    let result = settle(op_id, applied, wrote)?;
    if remember && result.status == OpStatus::Applied {
        tx.prepare_cached(
            "INSERT INTO applied_ops (op_id, user_id, result, applied_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            op_id.to_string(),
            actor.user_id.to_string(),
            serde_json::to_string(&result).map_err(ApiError::internal)?,
            ts(now)
        ])?;
    }
    Ok(result)
}

/// An op's result, given whether it wrote anything. A client's mistake becomes a rejection;
/// the server's own failure aborts the push. A rejection after a write would leave half an op
/// in the batch's transaction, so it aborts the push too: the ops module's rule (check, then
/// write) makes that a bug, and failing the whole push is what keeps it from losing data.
///
/// Why no savepoint per op: with one open, SQLite copies every page an op touches into its
/// sub-journal, which cost about a tenth of the time of applying a push (docs/benchmarks.md).
fn settle(
    op_id: Uuid,
    applied: Result<OpResult, ApiError>,
    wrote: bool,
) -> Result<OpResult, ApiError> {
    match applied {
        Ok(result) => Ok(result),
        Err(e) if e.code.is_server_fault() => Err(e),
        Err(e) if wrote => Err(ApiError::internal(format!(
            "op {op_id} was refused after it had written ({}: {}); the push is rolled back",
            e.code.as_str(),
            e.message
        ))),
        Err(e) => Ok(rejected(Some(op_id), &e)),
    }
}

#[utoipa::path(post, path = "/api/v1/sync/push", tag = "sync", security(("bearer" = [])), request_body = PushRequest,
    responses((status = 200, description = "one result per op, in order; `Server-Timing: apply;dur=MS` says how long applying took", body = PushResponse),
              (status = 401, body = rounds_core::ErrorBody), (status = 413, body = rounds_core::ErrorBody)))]
pub async fn push(
    State(state): State<AppState>,
    Authed(user): Authed,
    Json(req): Json<PushRequest>,
) -> Result<([(axum::http::HeaderName, String); 1], Json<PushResponse>), ApiError> {
    if req.ops.len() > MAX_PUSH_OPS {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "a push may carry at most {MAX_PUSH_OPS} ops; send {} in several batches",
                req.ops.len()
            ),
        ));
    }
    let actor = store::actor_of(&user);
    let now = state.now();
    let started = std::time::Instant::now();
    let n = req.ops.len();
    let results = state
        .db
        .write(move |tx| {
            req.ops
                .iter()
                .map(|raw| push_one(tx, &actor, raw, now))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    let elapsed = started.elapsed();
    tracing::debug!(
        ops = n,
        elapsed_us = elapsed.as_micros() as u64,
        "push applied"
    );
    // Server-Timing tells a client (and the benchmark) how long applying took on the server.
    let timing = format!("apply;dur={:.3}", elapsed.as_secs_f64() * 1000.0);
    Ok((
        [(axum::http::HeaderName::from_static("server-timing"), timing)],
        Json(PushResponse { results }),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PullQuery {
    /// The cursor of the previous pull; 0 or absent to start from the beginning.
    pub cursor: Option<i64>,
    /// 1..=5000, default 500.
    pub limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/sync/pull", tag = "sync", security(("bearer" = [])), params(PullQuery),
    responses((status = 200, body = PullResponse), (status = 401, body = rounds_core::ErrorBody), (status = 422, body = rounds_core::ErrorBody)))]
pub async fn pull(
    State(state): State<AppState>,
    Authed(user): Authed,
    Query(q): Query<PullQuery>,
) -> Result<JsonBody, ApiError> {
    let limit = q.limit.unwrap_or(DEFAULT_PULL_LIMIT);
    if !(1..=MAX_PULL_LIMIT).contains(&limit) {
        return Err(ApiError::validation(format!(
            "limit must be from 1 to {MAX_PULL_LIMIT}"
        )));
    }
    let cursor = q.cursor.unwrap_or(0);
    if cursor < 0 {
        return Err(ApiError::validation("cursor must not be negative"));
    }
    let actor = store::actor_of(&user);
    state
        .db
        .read(move |tx| {
            let rows = store::change_rows(tx, &actor, cursor, limit)?;
            let body = PullBody {
                epoch: &rows.epoch,
                changes: Streamed {
                    rows: &rows,
                    conn: tx,
                },
                cursor: rows.cursor,
                has_more: rows.has_more,
            };
            JsonBody::new(&body, rows.rows.len() * CHANGE_JSON_BYTES)
        })
        .await
}

/// About the size of one change in a pull's JSON (a ticket with its SLA record): the answer's
/// buffer is sized for the page up front rather than grown by copying.
const CHANGE_JSON_BYTES: usize = 2048;

/// A pull's answer, in the shape of [`PullResponse`], written as the entities are read: a page
/// is megabytes, and holding it as entities and again as JSON doubled the server's memory at
/// each pull (the page was the largest thing it held).
#[derive(serde::Serialize)]
struct PullBody<'a> {
    epoch: &'a str,
    changes: Streamed<'a>,
    cursor: i64,
    has_more: bool,
}

/// The changes of a page, each entity read from the database as the serializer reaches it.
struct Streamed<'a> {
    rows: &'a store::ChangeRows,
    conn: &'a rusqlite::Connection,
}

impl serde::Serialize for Streamed<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = s.serialize_seq(None)?;
        for change in self.rows.loaded(self.conn) {
            let (_, change) = change.map_err(|e| S::Error::custom(e.message))?;
            seq.serialize_element(&change)?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(op_id: Uuid) -> OpResult {
        OpResult {
            op_id: Some(op_id),
            status: OpStatus::Applied,
            code: None,
            message: None,
            superseded: vec![],
        }
    }

    #[test]
    fn a_refusal_before_any_write_is_the_ops_own_rejection() {
        let id = Uuid::now_v7();
        let r = settle(id, Err(ApiError::validation("title is empty")), false).unwrap();
        assert_eq!(r.status, OpStatus::Rejected);
        assert_eq!(r.op_id, Some(id));
        assert_eq!(r.code.as_deref(), Some("validation"));
        assert_eq!(r.message.as_deref(), Some("title is empty"));
    }

    #[test]
    fn a_refusal_after_a_write_fails_the_whole_push() {
        let id = Uuid::now_v7();
        let e = settle(id, Err(ApiError::validation("title is empty")), true).unwrap_err();
        // The detail goes to the server's log; the client is told only that the server failed.
        assert_eq!(e.code, ErrorCode::Internal);
        assert_eq!(e.message, "internal server error");
    }

    #[test]
    fn server_faults_fail_the_push_and_successes_pass_through() {
        let id = Uuid::now_v7();
        let e = settle(id, Err(ApiError::internal("disk I/O error")), false).unwrap_err();
        assert_eq!(e.code, ErrorCode::Internal);
        assert_eq!(settle(id, Ok(applied(id)), true).unwrap(), applied(id));
    }
}
