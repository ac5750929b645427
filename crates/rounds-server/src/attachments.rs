//! Attachments: uploaded as raw bodies, checked, and stored once by their SHA-256.
//!
//! A file must be one of the allowed types and its first bytes must match the declared type
//! (a `.png` that is really an executable is refused with 415). Images are checked for
//! decompression bombs from their header alone, without decoding the pixels. Files live under
//! `DATA/attachments/ab/abcdef...`; they are written to a temporary file, synced and renamed,
//! so a crash never leaves a half file under a valid name.

use std::io::Write;
use std::path::PathBuf;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rounds_core::attachment::{self, Refusal};
use rounds_core::error::ErrorCode;
use rounds_core::model::validate_sha256;
use rounds_core::perm::Actor;
use rounds_core::wire::AttachmentResponse;
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::auth::Authed;
use crate::error::{ApiError, Json, Path};
use crate::store::{self, ts};

/// Checks `bytes` against the attachment rule ([`attachment::check`]), as an HTTP answer.
pub fn sniff(content_type: &str, bytes: &[u8], max_bytes: usize) -> Result<(), ApiError> {
    attachment::check(content_type, bytes, max_bytes).map_err(|e| {
        let code = match e {
            Refusal::Empty => ErrorCode::Validation,
            Refusal::TooBig { .. } | Refusal::TooManyPixels { .. } => ErrorCode::PayloadTooLarge,
            Refusal::TypeNotAccepted(_)
            | Refusal::NotWhatItSays { .. }
            | Refusal::Unreadable(_) => ErrorCode::UnsupportedMediaType,
        };
        ApiError::new(code, e.to_string())
    })
}

fn blob_path(root: &std::path::Path, sha: &str) -> PathBuf {
    root.join("attachments").join(&sha[..2]).join(sha)
}

fn store_blob(root: &std::path::Path, sha: &str, bytes: &[u8]) -> std::io::Result<()> {
    let path = blob_path(root, sha);
    if path.exists() {
        return Ok(());
    }
    let dir = path.parent().unwrap_or(root);
    std::fs::create_dir_all(dir)?;
    let (tmp, mut file) = tempfile_in(dir)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&tmp, &path));
    if written.is_err() {
        // A disk that filled up part-way must not keep the part.
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

fn tempfile_in(dir: &std::path::Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let path = dir.join(format!(".upload-{}", uuid::Uuid::now_v7()));
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    Ok((path, f))
}

fn filename(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get("x-filename") else {
        return Ok(None);
    };
    let s = std::str::from_utf8(v.as_bytes())
        .map_err(|_| ApiError::validation("X-Filename must be UTF-8"))?;
    // Keep the last path component only: a name, never a path.
    let name = s.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if name.is_empty() {
        return Ok(None);
    }
    if name.chars().count() > 255 {
        return Err(ApiError::validation(
            "X-Filename is longer than 255 characters",
        ));
    }
    Ok(Some(name.to_owned()))
}

#[utoipa::path(post, path = "/api/v1/attachments", tag = "attachments", security(("bearer" = [])),
    request_body(content = Vec<u8>, description = "the raw file; Content-Type one of image/png, image/jpeg, image/webp, application/pdf, text/plain; optional X-Filename"),
    responses((status = 201, body = AttachmentResponse), (status = 413, body = rounds_core::ErrorBody),
              (status = 415, body = rounds_core::ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    Authed(user): Authed,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<AttachmentResponse>), ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "a Content-Type header is required",
            )
        })?;
    let name = filename(&headers)?;
    let (sha, size) = {
        let ct = content_type.clone();
        let body = body.clone();
        let max = state.config.max_attachment_bytes;
        tokio::task::spawn_blocking(move || -> Result<(String, u64), ApiError> {
            sniff(&ct, &body, max)?;
            Ok((hex::encode(Sha256::digest(&body)), body.len() as u64))
        })
        .await
        .map_err(ApiError::internal)??
    };
    let root = state.config.data_dir.clone();
    let sha2 = sha.clone();
    tokio::task::spawn_blocking(move || store_blob(&root, &sha2, &body))
        .await
        .map_err(ApiError::internal)??;
    let now = state.now();
    let resp = AttachmentResponse {
        sha256: sha.clone(),
        size,
        content_type: content_type.clone(),
    };
    state
        .db
        .write(move |tx| {
            let n = tx.execute(
                "INSERT OR IGNORE INTO attachments (sha256, size, content_type, filename, uploaded_by, uploaded_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![sha, size as i64, content_type, name, user.id.to_string(), ts(now)],
            )?;
            tx.execute(
                "INSERT OR IGNORE INTO attachment_uploaders (sha256, user_id) VALUES (?1, ?2)",
                params![sha, user.id.to_string()],
            )?;
            if n == 1 {
                store::audit::<(), _>(tx, now, Some(user.id), "attachment.upload", "attachment", &sha, None, Some(&(size, &content_type)))?;
            }
            Ok(())
        })
        .await?;
    Ok((StatusCode::CREATED, Json(resp)))
}

/// Whether `actor` may read attachment `sha`: its uploader, or anyone who may see a ticket
/// that uses it.
fn may_read(conn: &rusqlite::Connection, actor: &Actor, sha: &str) -> Result<bool, ApiError> {
    let uploader: Option<String> = conn
        .query_row(
            "SELECT uploaded_by FROM attachments WHERE sha256 = ?1",
            [sha],
            |r| r.get(0),
        )
        .optional()?;
    let Some(uploader) = uploader else {
        return Ok(false);
    };
    if uploader == actor.user_id.to_string() {
        return Ok(true);
    }
    let mut st = conn.prepare_cached(
        "SELECT t.campus, t.department FROM ticket_attachments a JOIN tickets t ON t.id = a.ticket_id WHERE a.sha256 = ?1",
    )?;
    let scopes = st.query_map([sha], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    for s in scopes {
        let (campus, department) = s?;
        if actor.sees(&campus, &department) {
            return Ok(true);
        }
    }
    Ok(false)
}

#[utoipa::path(get, path = "/api/v1/attachments/{sha256}", tag = "attachments", security(("bearer" = [])),
    params(("sha256" = String, Path)),
    responses((status = 200, description = "the file, with its Content-Type"), (status = 404, body = rounds_core::ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    Authed(user): Authed,
    Path(sha): Path<String>,
) -> Result<Response, ApiError> {
    validate_sha256(&sha).map_err(|_| ApiError::not_found("no such attachment"))?;
    let actor = store::actor_of(&user);
    let lookup = sha.clone();
    let content_type: String = state
        .db
        .read(move |tx| {
            if !may_read(tx, &actor, &lookup)? {
                return Err(ApiError::not_found("no such attachment"));
            }
            Ok(tx.query_row(
                "SELECT content_type FROM attachments WHERE sha256 = ?1",
                [&lookup],
                |r| r.get(0),
            )?)
        })
        .await?;
    let path = blob_path(&state.config.data_dir, &sha);
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| ApiError::internal(format!("reading {}: {e}", path.display())))?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type).map_err(ApiError::internal)?,
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    Ok(res)
}
