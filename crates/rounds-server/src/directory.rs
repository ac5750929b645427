//! Campuses, departments and users: read by everyone signed in, written by admins.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use rounds_core::model::{
    Campus, Department, Role, SHORT_TEXT_MAX_CHARS, UserPublic, normalise_optional, validate_len,
};
use rounds_core::wire::{CreateUserRequest, Entity, EventKind};
use rusqlite::{Connection, params};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{self, Authed, require_admin};
use crate::db::Tx;
use crate::error::{ApiError, Json};
use crate::store::{self, ChangeScope, ts};

fn check_code(what: &str, code: &str) -> Result<(), ApiError> {
    let ok = !code.is_empty()
        && code.len() <= 64
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "{what} code `{code}` must be 1 to 64 characters of a-z, 0-9, '-' or '_'"
        )))
    }
}

fn check_name(name: &str) -> Result<String, ApiError> {
    let n = name.trim();
    if n.is_empty() {
        return Err(ApiError::validation("name must not be empty"));
    }
    validate_len("name", n, SHORT_TEXT_MAX_CHARS)?;
    Ok(n.to_owned())
}

pub fn campus_upsert(tx: &mut Tx<'_>, actor: Option<Uuid>, c: Campus) -> Result<Campus, ApiError> {
    check_code("campus", &c.code)?;
    let c = Campus {
        name: check_name(&c.name)?,
        ..c
    };
    let before = store::campus_get(tx, &c.code)?;
    if before.as_ref() == Some(&c) {
        return Ok(c);
    }
    tx.execute(
        "INSERT INTO campuses (code, name) VALUES (?1, ?2) ON CONFLICT(code) DO UPDATE SET name = excluded.name",
        params![c.code, c.name],
    )?;
    store::audit(
        tx,
        Utc::now(),
        actor,
        "campus.save",
        "campus",
        &c.code,
        before.as_ref(),
        Some(&c),
    )?;
    store::record_change(
        tx,
        EventKind::DirectoryUpdated,
        Entity::Campus(c.clone()),
        ChangeScope::default(),
    )?;
    Ok(c)
}

pub fn department_upsert(
    tx: &mut Tx<'_>,
    actor: Option<Uuid>,
    d: Department,
) -> Result<Department, ApiError> {
    check_code("department", &d.code)?;
    let d = Department {
        name: check_name(&d.name)?,
        ..d
    };
    if store::campus_get(tx, &d.campus)?.is_none() {
        return Err(ApiError::validation(format!(
            "unknown campus `{}`",
            d.campus
        )));
    }
    let before = store::department_get(tx, &d.code)?;
    if before.as_ref() == Some(&d) {
        return Ok(d);
    }
    tx.execute(
        "INSERT INTO departments (code, name, campus) VALUES (?1, ?2, ?3) \
         ON CONFLICT(code) DO UPDATE SET name = excluded.name, campus = excluded.campus",
        params![d.code, d.name, d.campus],
    )?;
    store::audit(
        tx,
        Utc::now(),
        actor,
        "department.save",
        "department",
        &d.code,
        before.as_ref(),
        Some(&d),
    )?;
    store::record_change(
        tx,
        EventKind::DirectoryUpdated,
        Entity::Department(d.clone()),
        ChangeScope::default(),
    )?;
    Ok(d)
}

fn username_taken(conn: &Connection, username: &str) -> Result<bool, ApiError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM users WHERE username = ?1",
        [username],
        |r| r.get::<_, i64>(0),
    )? > 0)
}

/// Checks a new user's fields and hashes the password (slow: call off the writer lock).
pub fn prepare_user(req: CreateUserRequest) -> Result<(CreateUserRequest, String), ApiError> {
    let username = req.username.trim().to_owned();
    let ok = (2..=64).contains(&username.chars().count())
        && username
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'));
    if !ok {
        return Err(ApiError::validation(
            "username must be 2 to 64 letters, digits or . - _ @, without spaces",
        ));
    }
    auth::check_new_password(&req.password)?;
    if req.role == Role::Reporter && req.department.is_none() {
        return Err(ApiError::validation("a reporter needs a department"));
    }
    let display_name = normalise_optional("display_name", req.display_name.as_deref())?;
    let hash = auth::hash_password(&req.password)?;
    Ok((
        CreateUserRequest {
            username,
            display_name,
            ..req
        },
        hash,
    ))
}

/// Inserts a prepared user. A reporter's campus is their department's campus.
pub fn user_insert(
    tx: &mut Tx<'_>,
    actor: Option<Uuid>,
    req: CreateUserRequest,
    hash: String,
) -> Result<UserPublic, ApiError> {
    if username_taken(tx, &req.username)? {
        return Err(ApiError::new(
            rounds_core::ErrorCode::Conflict,
            format!("the username `{}` is taken", req.username),
        ));
    }
    let mut campus = req.campus.clone();
    if let Some(code) = &req.department {
        let dept = store::department_get(tx, code)?
            .ok_or_else(|| ApiError::validation(format!("unknown department `{code}`")))?;
        if let Some(c) = &campus
            && *c != dept.campus
        {
            return Err(ApiError::validation(format!(
                "department `{code}` belongs to campus `{}`, not `{c}`",
                dept.campus
            )));
        }
        if req.role == Role::Reporter {
            campus = Some(dept.campus);
        }
    }
    if let Some(c) = &campus
        && store::campus_get(tx, c)?.is_none()
    {
        return Err(ApiError::validation(format!("unknown campus `{c}`")));
    }
    let user = UserPublic {
        id: Uuid::now_v7(),
        display_name: req
            .display_name
            .clone()
            .unwrap_or_else(|| req.username.clone()),
        username: req.username,
        role: req.role,
        campus,
        department: req.department,
    };
    tx.execute(
        "INSERT INTO users (id, username, display_name, role, campus, department, password_hash, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            user.id.to_string(),
            user.username,
            user.display_name,
            user.role.as_str(),
            user.campus,
            user.department,
            hash,
            ts(Utc::now())
        ],
    )?;
    store::audit(
        tx,
        Utc::now(),
        actor,
        "user.create",
        "user",
        &user.id.to_string(),
        None::<&()>,
        Some(&user),
    )?;
    store::record_change(
        tx,
        EventKind::DirectoryUpdated,
        Entity::User(user.clone()),
        ChangeScope::default(),
    )?;
    Ok(user)
}

#[utoipa::path(get, path = "/api/v1/campuses", tag = "directory", security(("bearer" = [])),
    responses((status = 200, body = Vec<Campus>), (status = 401, body = rounds_core::ErrorBody)))]
pub async fn campuses(
    State(state): State<AppState>,
    _: Authed,
) -> Result<Json<Vec<Campus>>, ApiError> {
    state.db.read(|tx| store::campus_list(tx)).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/campuses", tag = "directory", security(("bearer" = [])), request_body = Campus,
    responses((status = 201, body = Campus), (status = 403, body = rounds_core::ErrorBody), (status = 422, body = rounds_core::ErrorBody)))]
pub async fn campus_create(
    State(state): State<AppState>,
    Authed(user): Authed,
    Json(req): Json<Campus>,
) -> Result<(StatusCode, Json<Campus>), ApiError> {
    require_admin(&user)?;
    let c = state
        .db
        .write(move |tx| campus_upsert(tx, Some(user.id), req))
        .await?;
    Ok((StatusCode::CREATED, Json(c)))
}

#[utoipa::path(get, path = "/api/v1/departments", tag = "directory", security(("bearer" = [])),
    responses((status = 200, body = Vec<Department>), (status = 401, body = rounds_core::ErrorBody)))]
pub async fn departments(
    State(state): State<AppState>,
    _: Authed,
) -> Result<Json<Vec<Department>>, ApiError> {
    state
        .db
        .read(|tx| store::department_list(tx))
        .await
        .map(Json)
}

#[utoipa::path(post, path = "/api/v1/departments", tag = "directory", security(("bearer" = [])), request_body = Department,
    responses((status = 201, body = Department), (status = 403, body = rounds_core::ErrorBody), (status = 422, body = rounds_core::ErrorBody)))]
pub async fn department_create(
    State(state): State<AppState>,
    Authed(user): Authed,
    Json(req): Json<Department>,
) -> Result<(StatusCode, Json<Department>), ApiError> {
    require_admin(&user)?;
    let d = state
        .db
        .write(move |tx| department_upsert(tx, Some(user.id), req))
        .await?;
    Ok((StatusCode::CREATED, Json(d)))
}

#[utoipa::path(get, path = "/api/v1/users", tag = "directory", security(("bearer" = [])),
    responses((status = 200, body = Vec<UserPublic>), (status = 401, body = rounds_core::ErrorBody)))]
pub async fn users(
    State(state): State<AppState>,
    _: Authed,
) -> Result<Json<Vec<UserPublic>>, ApiError> {
    state.db.read(|tx| store::user_list(tx)).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/users", tag = "directory", security(("bearer" = [])), request_body = CreateUserRequest,
    responses((status = 201, body = UserPublic), (status = 403, body = rounds_core::ErrorBody),
              (status = 409, body = rounds_core::ErrorBody), (status = 422, body = rounds_core::ErrorBody)))]
pub async fn user_create(
    State(state): State<AppState>,
    Authed(admin): Authed,
    Json(req): Json<CreateUserRequest>,
) -> Result<(StatusCode, Json<UserPublic>), ApiError> {
    require_admin(&admin)?;
    let (req, hash) = auth::hashing(move || prepare_user(req)).await??;
    let u = state
        .db
        .write(move |tx| user_insert(tx, Some(admin.id), req, hash))
        .await?;
    Ok((StatusCode::CREATED, Json(u)))
}
