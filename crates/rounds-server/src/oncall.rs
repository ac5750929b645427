//! The on-call roster: shifts per campus, `[starts_at, ends_at)`, each with a primary and an
//! optional backup engineer. Shifts of one campus never overlap, so "who is on duty now for
//! campus X" has one answer, read with one indexed query ([`on_duty`]).
//!
//! Admins edit the roster (one shift at a time or a CSV import, all or nothing); staff read
//! it for the campuses they see. Every change writes an audit row.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use rounds_core::model::UserPublic;
use rusqlite::{OptionalExtension, params};
use serde::Deserialize;
use uuid::Uuid;

pub use rounds_core::oncall::{OnDuty, RosterImport, Shift, ShiftRequest};

use crate::AppState;
use crate::auth::{Authed, require_admin};
use crate::db::Tx;
use crate::error::{ApiError, Json, Path, Query};
use crate::store::{self, ts};

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RosterQuery {
    pub campus: Option<String>,
    /// Only shifts ending after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only shifts starting before this instant.
    pub to: Option<DateTime<Utc>>,
    /// For `/oncall/now`: the instant to ask about (default: now).
    pub at: Option<DateTime<Utc>>,
}

fn parse_ts(s: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
}

fn parse_uuid(s: &str) -> rusqlite::Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn shift_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Shift> {
    Ok(Shift {
        id: parse_uuid(&r.get::<_, String>(0)?)?,
        campus: r.get(1)?,
        starts_at: parse_ts(&r.get::<_, String>(2)?)?,
        ends_at: parse_ts(&r.get::<_, String>(3)?)?,
        primary: parse_uuid(&r.get::<_, String>(4)?)?,
        backup: r
            .get::<_, Option<String>>(5)?
            .as_deref()
            .map(parse_uuid)
            .transpose()?,
    })
}

const SHIFT_COLS: &str = "id, campus, starts_at, ends_at, primary_user, backup_user";

/// The shift covering `at` on `campus`, if any: the latest one starting at or before `at`,
/// if it has not ended. Shifts never overlap, so that is the only candidate.
pub fn on_duty(
    conn: &rusqlite::Connection,
    campus: &str,
    at: DateTime<Utc>,
) -> Result<Option<Shift>, ApiError> {
    let shift = conn
        .prepare_cached(
            "SELECT id, campus, starts_at, ends_at, primary_user, backup_user FROM oncall_shifts \
             WHERE campus = ?1 AND starts_at <= ?2 ORDER BY starts_at DESC LIMIT 1",
        )?
        .query_row(params![campus, ts(at)], shift_from_row)
        .optional()?;
    Ok(shift.filter(|s| s.ends_at > at))
}

/// A user id or username of an active staff member who may work on `campus`.
fn resolve_staff(tx: &Tx<'_>, who: &str, campus: &str) -> Result<Uuid, ApiError> {
    let who = who.trim();
    let user = match Uuid::parse_str(who) {
        Ok(id) => store::user_get(tx, id)?,
        Err(_) => store::user_list(tx)?
            .into_iter()
            .find(|u| u.username.eq_ignore_ascii_case(who)),
    }
    .ok_or_else(|| ApiError::validation(format!("unknown user `{who}`")))?;
    if !user.role.is_staff() {
        return Err(ApiError::validation(format!(
            "{} is a reporter and cannot be on call",
            user.username
        )));
    }
    if user.campus.as_deref().is_some_and(|c| c != campus) {
        return Err(ApiError::validation(format!(
            "{} works on another campus",
            user.username
        )));
    }
    Ok(user.id)
}

/// Validates and inserts one shift; refuses overlaps with shifts of the same campus.
pub fn shift_insert(
    tx: &mut Tx<'_>,
    actor: Uuid,
    req: ShiftRequest,
    now: DateTime<Utc>,
) -> Result<Shift, ApiError> {
    if store::campus_get(tx, &req.campus)?.is_none() {
        return Err(ApiError::validation(format!(
            "unknown campus `{}`",
            req.campus
        )));
    }
    let (starts_at, ends_at) = (store::micros(req.starts_at), store::micros(req.ends_at));
    if ends_at <= starts_at {
        return Err(ApiError::validation("a shift must end after it starts"));
    }
    if ends_at - starts_at > chrono::Duration::days(31) {
        return Err(ApiError::validation("a shift may last at most 31 days"));
    }
    let primary = resolve_staff(tx, &req.primary, &req.campus)?;
    let backup = req
        .backup
        .as_deref()
        .filter(|b| !b.trim().is_empty())
        .map(|b| resolve_staff(tx, b, &req.campus))
        .transpose()?;
    if backup == Some(primary) {
        return Err(ApiError::validation(
            "the backup must be someone other than the primary",
        ));
    }
    let overlap: Option<String> = tx
        .prepare_cached(
            "SELECT id FROM oncall_shifts WHERE campus = ?1 AND starts_at < ?3 AND ends_at > ?2 LIMIT 1",
        )?
        .query_row(params![req.campus, ts(starts_at), ts(ends_at)], |r| r.get(0))
        .optional()?;
    if let Some(other) = overlap {
        return Err(ApiError::new(
            rounds_core::ErrorCode::Conflict,
            format!(
                "the shift overlaps shift {other} of campus `{}`",
                req.campus
            ),
        ));
    }
    let shift = Shift {
        id: Uuid::now_v7(),
        campus: req.campus,
        starts_at,
        ends_at,
        primary,
        backup,
    };
    tx.prepare_cached(
        "INSERT INTO oncall_shifts (id, campus, starts_at, ends_at, primary_user, backup_user, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        shift.id.to_string(),
        shift.campus,
        ts(shift.starts_at),
        ts(shift.ends_at),
        shift.primary.to_string(),
        shift.backup.map(|b| b.to_string()),
        ts(now)
    ])?;
    store::audit(
        tx,
        now,
        Some(actor),
        "oncall.create",
        "oncall_shift",
        &shift.id.to_string(),
        None::<&()>,
        Some(&shift),
    )?;
    Ok(shift)
}

/// Parses the roster CSV: a header `campus,starts_at,ends_at,primary,backup`, then one shift
/// per line (times RFC 3339, people by username or id, backup may be empty).
pub fn parse_csv(text: &str) -> Result<Vec<ShiftRequest>, ApiError> {
    let mut lines = text
        .lines()
        .map(|l| l.trim_start_matches('\u{feff}').trim())
        .enumerate()
        .filter(|(_, l)| !l.is_empty());
    let header: Vec<String> = lines
        .next()
        .map(|(_, l)| {
            l.split(',')
                .map(|c| c.trim().to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default();
    if header != ["campus", "starts_at", "ends_at", "primary", "backup"] {
        return Err(ApiError::validation(
            "the first line must be the header campus,starts_at,ends_at,primary,backup",
        ));
    }
    let mut out = Vec::new();
    for (i, line) in lines {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if cells.len() != 5 {
            return Err(ApiError::validation(format!(
                "line {}: expected 5 fields, found {}",
                i + 1,
                cells.len()
            )));
        }
        let time = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|e| ApiError::validation(format!("line {}: `{s}`: {e}", i + 1)))
        };
        out.push(ShiftRequest {
            campus: cells[0].to_owned(),
            starts_at: time(cells[1])?,
            ends_at: time(cells[2])?,
            primary: cells[3].to_owned(),
            backup: (!cells[4].is_empty()).then(|| cells[4].to_owned()),
        });
    }
    Ok(out)
}

fn check_campus_visible(user: &UserPublic, campus: &str) -> Result<(), ApiError> {
    if user.campus.as_deref().is_some_and(|c| c != campus) {
        return Err(ApiError::forbidden("this campus is not yours"));
    }
    Ok(())
}

#[utoipa::path(get, path = "/api/v1/oncall/shifts", tag = "oncall", security(("bearer" = [])), params(RosterQuery),
    responses((status = 200, body = Vec<Shift>), (status = 403, body = rounds_core::ErrorBody)))]
pub async fn shifts(
    State(state): State<AppState>,
    Authed(user): Authed,
    Query(q): Query<RosterQuery>,
) -> Result<Json<Vec<Shift>>, ApiError> {
    if !user.role.is_staff() {
        return Err(ApiError::forbidden(
            "only staff may read the on-call roster",
        ));
    }
    // Staff limited to one campus see only its roster.
    let campus = match (&user.campus, q.campus) {
        (Some(mine), Some(asked)) if *mine != asked => {
            return Err(ApiError::forbidden("this campus is not yours"));
        }
        (Some(mine), _) => Some(mine.clone()),
        (None, asked) => asked,
    };
    let from = q.from.map(ts).unwrap_or_default();
    let to = q.to.map(ts).unwrap_or_else(|| "9999".into());
    state
        .db
        .read(move |tx| {
            let mut st = tx.prepare_cached(&format!(
                "SELECT {SHIFT_COLS} FROM oncall_shifts WHERE (?1 IS NULL OR campus = ?1) \
                 AND ends_at > ?2 AND starts_at < ?3 ORDER BY campus, starts_at LIMIT 5000"
            ))?;
            let rows = st.query_map(params![campus, from, to], shift_from_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
        .map(Json)
}

#[utoipa::path(post, path = "/api/v1/oncall/shifts", tag = "oncall", security(("bearer" = [])), request_body = ShiftRequest,
    responses((status = 201, body = Shift), (status = 403, body = rounds_core::ErrorBody),
              (status = 409, body = rounds_core::ErrorBody), (status = 422, body = rounds_core::ErrorBody)))]
pub async fn shift_create(
    State(state): State<AppState>,
    Authed(user): Authed,
    Json(req): Json<ShiftRequest>,
) -> Result<(StatusCode, Json<Shift>), ApiError> {
    require_admin(&user)?;
    let now = state.now();
    let s = state
        .db
        .write(move |tx| shift_insert(tx, user.id, req, now))
        .await?;
    Ok((StatusCode::CREATED, Json(s)))
}

#[utoipa::path(delete, path = "/api/v1/oncall/shifts/{id}", tag = "oncall", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = rounds_core::ErrorBody), (status = 404, body = rounds_core::ErrorBody)))]
pub async fn shift_delete(
    State(state): State<AppState>,
    Authed(user): Authed,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    require_admin(&user)?;
    let now = state.now();
    state
        .db
        .write(move |tx| {
            let before = tx
                .prepare_cached(&format!(
                    "SELECT {SHIFT_COLS} FROM oncall_shifts WHERE id = ?1"
                ))?
                .query_row([id.to_string()], shift_from_row)
                .optional()?
                .ok_or_else(|| ApiError::not_found("no such shift"))?;
            tx.execute("DELETE FROM oncall_shifts WHERE id = ?1", [id.to_string()])?;
            store::audit(
                tx,
                now,
                Some(user.id),
                "oncall.delete",
                "oncall_shift",
                &id.to_string(),
                Some(&before),
                None::<&()>,
            )
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/oncall/import", tag = "oncall", security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv", description = "campus,starts_at,ends_at,primary,backup"),
    responses((status = 201, body = RosterImport), (status = 403, body = rounds_core::ErrorBody),
              (status = 409, body = rounds_core::ErrorBody), (status = 422, body = rounds_core::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    Authed(user): Authed,
    body: String,
) -> Result<(StatusCode, Json<RosterImport>), ApiError> {
    require_admin(&user)?;
    let shifts = parse_csv(&body)?;
    let now = state.now();
    let imported = state
        .db
        .write(move |tx| {
            let n = shifts.len();
            for (i, s) in shifts.into_iter().enumerate() {
                shift_insert(tx, user.id, s, now).map_err(|mut e| {
                    e.message = format!("shift {}: {}", i + 1, e.message);
                    e
                })?;
            }
            Ok(n)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(RosterImport { imported })))
}

#[utoipa::path(get, path = "/api/v1/oncall/now", tag = "oncall", security(("bearer" = [])), params(RosterQuery),
    responses((status = 200, body = OnDuty), (status = 403, body = rounds_core::ErrorBody), (status = 422, body = rounds_core::ErrorBody)))]
pub async fn now(
    State(state): State<AppState>,
    Authed(user): Authed,
    Query(q): Query<RosterQuery>,
) -> Result<Json<OnDuty>, ApiError> {
    let campus = q
        .campus
        .or_else(|| user.campus.clone())
        .ok_or_else(|| ApiError::validation("pass campus=CODE"))?;
    check_campus_visible(&user, &campus)?;
    let at = q.at.unwrap_or_else(|| state.now());
    state
        .db
        .read(move |tx| {
            if store::campus_get(tx, &campus)?.is_none() {
                return Err(ApiError::not_found(format!("no campus `{campus}`")));
            }
            let shift = on_duty(tx, &campus, at)?;
            let primary = shift
                .as_ref()
                .map(|s| store::user_get(tx, s.primary))
                .transpose()?
                .flatten();
            let backup = shift
                .as_ref()
                .and_then(|s| s.backup)
                .map(|b| store::user_get(tx, b))
                .transpose()?
                .flatten();
            Ok(OnDuty {
                campus,
                at,
                shift,
                primary,
                backup,
            })
        })
        .await
        .map(Json)
}
