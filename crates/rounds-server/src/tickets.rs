//! REST handlers for tickets, transitions and comments. They parse, call [`crate::ops`] inside
//! one write transaction, and answer; the rules live in `ops` and `rounds-core`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use rounds_core::error::ErrorCode;
use rounds_core::merge::TicketPatch;
use rounds_core::model::{Comment, Ticket, TicketDraft};
use rounds_core::perm::{self, Action, Scope};
use rounds_core::query::parse_terms;
use rounds_core::wire::{
    CommentListResponse, CommentRequest, TicketListResponse, TicketQuery, TransitionRequest,
    parse_severity_list, parse_status_list,
};
use rusqlite::{OptionalExtension, ToSql, params};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::Authed;
use crate::error::{ApiError, Json, Path, Query};
use crate::store::{self, ts};
use crate::{AppState, ops};

const IDEMPOTENCY_HEADER: &str = "idempotency-key";

#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", security(("bearer" = [])), request_body = TicketDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "repeat-safe create: the same key and body give the same ticket")),
    responses((status = 201, body = Ticket), (status = 400, body = rounds_core::ErrorBody), (status = 403, body = rounds_core::ErrorBody),
              (status = 409, body = rounds_core::ErrorBody), (status = 422, body = rounds_core::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Authed(user): Authed,
    headers: HeaderMap,
    Json(draft): Json<TicketDraft>,
) -> Result<(StatusCode, Json<Ticket>), ApiError> {
    let key = headers
        .get(IDEMPOTENCY_HEADER)
        .map(|v| {
            v.to_str()
                .ok()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty() && s.len() <= 200)
                .ok_or_else(|| {
                    ApiError::validation("Idempotency-Key must be 1 to 200 visible characters")
                })
        })
        .transpose()?;
    let request_hash = hex::encode(Sha256::digest(
        serde_json::to_vec(&draft).map_err(ApiError::internal)?,
    ));
    let now = state.now();
    let actor = store::actor_of(&user);
    let ticket = state
        .db
        .write(move |tx| {
            if let Some(key) = &key {
                let seen: Option<(String, String)> = tx
                    .query_row(
                        "SELECT request_hash, ticket_id FROM idempotency_keys WHERE user_id = ?1 AND key = ?2",
                        params![actor.user_id.to_string(), key],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                if let Some((hash, ticket_id)) = seen {
                    if hash != request_hash {
                        return Err(ApiError::new(
                            ErrorCode::Conflict,
                            "this Idempotency-Key was already used for a different request",
                        ));
                    }
                    let id = Uuid::parse_str(&ticket_id).map_err(ApiError::internal)?;
                    return ops::visible_ticket(tx, &actor, id);
                }
            }
            let (ticket, _) = ops::ticket_create(tx, &actor, draft, now, now)?;
            if let Some(key) = &key {
                tx.execute(
                    "INSERT INTO idempotency_keys (user_id, key, request_hash, ticket_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![actor.user_id.to_string(), key, request_hash, ticket.id.to_string(), ts(now)],
                )?;
            }
            Ok(ticket)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(ticket)))
}

const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 500;

fn encode_cursor(t: &Ticket) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
        "{}|{}",
        ts(t.created_at),
        t.id
    ))
}

fn decode_cursor(s: &str) -> Result<(String, String), ApiError> {
    let bad = || {
        ApiError::new(
            ErrorCode::InvalidRequest,
            "malformed cursor: pass back next_cursor unchanged",
        )
    };
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    let (at, id) = raw.split_once('|').ok_or_else(bad)?;
    Uuid::parse_str(id).map_err(|_| bad())?;
    chrono::DateTime::parse_from_rfc3339(at).map_err(|_| bad())?;
    Ok((at.to_owned(), id.to_owned()))
}

#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", security(("bearer" = [])), params(TicketQuery),
    responses((status = 200, body = TicketListResponse), (status = 401, body = rounds_core::ErrorBody), (status = 422, body = rounds_core::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Authed(user): Authed,
    Query(q): Query<TicketQuery>,
) -> Result<Json<TicketListResponse>, ApiError> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::validation(format!(
            "limit must be from 1 to {MAX_LIMIT}"
        )));
    }
    let actor = store::actor_of(&user);
    let (vis, vis_params) = store::ticket_visibility_sql(&actor);
    let mut sql = format!("SELECT {} FROM tickets t WHERE {vis}", store::TICKET_COLS);
    let mut args: Vec<Box<dyn ToSql + Send>> = vis_params
        .into_iter()
        .map(|p| Box::new(p) as Box<dyn ToSql + Send>)
        .collect();
    if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
        let list = parse_status_list(s)?;
        sql.push_str(&format!(
            " AND t.status IN ({})",
            vec!["?"; list.len()].join(",")
        ));
        args.extend(
            list.into_iter()
                .map(|s| Box::new(s.as_str()) as Box<dyn ToSql + Send>),
        );
    }
    if let Some(s) = q.severity.as_deref().filter(|s| !s.is_empty()) {
        let list = parse_severity_list(s).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidRequest,
                "severity must be a comma-separated list of 1 to 4",
            )
        })?;
        sql.push_str(&format!(
            " AND t.severity IN ({})",
            vec!["?"; list.len()].join(",")
        ));
        args.extend(
            list.into_iter()
                .map(|s| Box::new(s.get()) as Box<dyn ToSql + Send>),
        );
    }
    if let Some(c) = q.campus {
        sql.push_str(" AND t.campus = ?");
        args.push(Box::new(c));
    }
    if let Some(d) = q.department {
        sql.push_str(" AND t.department = ?");
        args.push(Box::new(d));
    }
    match q.assignee.as_deref() {
        None => {}
        Some("none") => sql.push_str(" AND t.assignee IS NULL"),
        Some("me") => {
            sql.push_str(" AND t.assignee = ?");
            args.push(Box::new(user.id.to_string()));
        }
        Some(other) => {
            let id = Uuid::parse_str(other).map_err(|_| {
                ApiError::new(
                    ErrorCode::InvalidRequest,
                    "assignee must be a user id, `me` or `none`",
                )
            })?;
            sql.push_str(" AND t.assignee = ?");
            args.push(Box::new(id.to_string()));
        }
    }
    if let Some(query) = q.q.as_deref().filter(|s| !parse_terms(s).is_empty()) {
        // The same rule as the clients' local search (rounds_core::query): every term in one
        // of number, title, description, location, campus and department names, or a
        // comment this user may read.
        sql.push_str(&format!(
            " AND rounds_match(?, t.number, t.title, t.description, t.location, \
             (SELECT name FROM campuses WHERE code = t.campus), \
             (SELECT name FROM departments WHERE code = t.department), \
             (SELECT group_concat(c.body, char({})) FROM comments c WHERE c.ticket_id = t.id AND (c.internal = 0 OR ?)))",
            crate::db::FIELD_SEP as u32
        ));
        args.push(Box::new(query.to_owned()));
        args.push(Box::new(actor.role.is_staff()));
    }
    if let Some(c) = q.cursor.as_deref() {
        let (at, id) = decode_cursor(c)?;
        sql.push_str(" AND (t.created_at < ? OR (t.created_at = ? AND t.id < ?))");
        args.push(Box::new(at.clone()));
        args.push(Box::new(at));
        args.push(Box::new(id));
    }
    sql.push_str(" ORDER BY t.created_at DESC, t.id DESC LIMIT ?");
    args.push(Box::new(i64::from(limit) + 1));
    let mut items = state
        .db
        .read(move |tx| {
            let mut st = tx.prepare_cached(&sql)?;
            let refs: Vec<&dyn ToSql> = args.iter().map(|a| a.as_ref() as &dyn ToSql).collect();
            let rows = st.query_map(refs.as_slice(), store::ticket_from_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(encode_cursor)
    } else {
        None
    };
    Ok(Json(TicketListResponse { items, next_cursor }))
}

#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Ticket), (status = 404, body = rounds_core::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Authed(user): Authed,
    Path(id): Path<Uuid>,
) -> Result<Json<Ticket>, ApiError> {
    let actor = store::actor_of(&user);
    state
        .db
        .read(move |tx| ops::visible_ticket(tx, &actor, id))
        .await
        .map(Json)
}

#[utoipa::path(patch, path = "/api/v1/tickets/{id}", tag = "tickets", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = TicketPatch,
    responses((status = 200, body = Ticket), (status = 403, body = rounds_core::ErrorBody), (status = 404, body = rounds_core::ErrorBody),
              (status = 422, body = rounds_core::ErrorBody)))]
pub async fn patch(
    State(state): State<AppState>,
    Authed(user): Authed,
    Path(id): Path<Uuid>,
    Json(patch): Json<TicketPatch>,
) -> Result<Json<Ticket>, ApiError> {
    let actor = store::actor_of(&user);
    let now = state.now();
    state
        .db
        .write(move |tx| {
            ops::ticket_update(tx, &actor, id, patch, Uuid::now_v7(), now, now).map(|(t, _)| t)
        })
        .await
        .map(Json)
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/transitions", tag = "tickets", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = TransitionRequest,
    responses((status = 200, body = Ticket), (status = 403, body = rounds_core::ErrorBody), (status = 404, body = rounds_core::ErrorBody),
              (status = 409, description = "invalid_transition", body = rounds_core::ErrorBody)))]
pub async fn transition(
    State(state): State<AppState>,
    Authed(user): Authed,
    Path(id): Path<Uuid>,
    Json(req): Json<TransitionRequest>,
) -> Result<Json<Ticket>, ApiError> {
    let actor = store::actor_of(&user);
    let now = state.now();
    state
        .db
        .write(move |tx| ops::ticket_transition(tx, &actor, id, req.to, req.reason, now, now))
        .await
        .map(Json)
}

#[utoipa::path(get, path = "/api/v1/tickets/{id}/comments", tag = "tickets", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "internal notes are left out for reporters", body = CommentListResponse),
              (status = 404, body = rounds_core::ErrorBody)))]
pub async fn comments(
    State(state): State<AppState>,
    Authed(user): Authed,
    Path(id): Path<Uuid>,
) -> Result<Json<CommentListResponse>, ApiError> {
    let actor = store::actor_of(&user);
    state
        .db
        .read(move |tx| {
            let t = ops::visible_ticket(tx, &actor, id)?;
            let internal = perm::decide(&actor, Action::ViewInternal, Scope::from(&t)).is_ok();
            Ok(CommentListResponse {
                items: store::comments_of(tx, id, internal)?,
            })
        })
        .await
        .map(Json)
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/comments", tag = "tickets", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = CommentRequest,
    responses((status = 201, body = Comment), (status = 403, body = rounds_core::ErrorBody), (status = 404, body = rounds_core::ErrorBody),
              (status = 422, body = rounds_core::ErrorBody)))]
pub async fn comment_create(
    State(state): State<AppState>,
    Authed(user): Authed,
    Path(id): Path<Uuid>,
    Json(req): Json<CommentRequest>,
) -> Result<(StatusCode, Json<Comment>), ApiError> {
    let actor = store::actor_of(&user);
    let now = state.now();
    let comment_id = req.id.unwrap_or_else(Uuid::now_v7);
    let (c, _) = state
        .db
        .write(move |tx| {
            ops::comment_add(tx, &actor, id, comment_id, req.body, req.internal, now, now)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(c)))
}
