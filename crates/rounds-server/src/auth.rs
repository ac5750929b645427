//! Authentication: Argon2id passwords, login lockout, and expiring, hashed bearer tokens.
//!
//! - Passwords are hashed with Argon2id (PHC string with its own salt and parameters).
//! - Tokens are 256 random bits, base64url; the database keeps only their SHA-256, so a copy
//!   of the database logs nobody in. They expire after `token_ttl` without use, and every use
//!   slides the expiry forward (written at most once a minute, to keep reads cheap).
//! - Five failed logins for a username within 15 minutes lock it for 15 minutes from the fifth,
//!   even for the right password. Unknown usernames are counted and hashed the same way, so
//!   timing and answers do not tell which usernames exist.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use rounds_core::error::ErrorCode;
use rounds_core::model::{Role, UserPublic};
use rounds_core::wire::{LoginRequest, LoginResponse};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::{ApiError, Json};
use crate::store::{self, ts};

pub const LOCKOUT_FAILURES: i64 = 5;
pub const LOCKOUT_WINDOW: Duration = Duration::minutes(15);
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Argon2id with 7 MiB and 5 passes: one of the settings OWASP lists as equal in strength to
/// its 19 MiB and 2 passes, trading memory for time, because a small hospital server signs a
/// whole shift in at once. A hash keeps its own parameters, so older hashes still verify.
const ARGON2_KIB: u32 = 7 * 1024;
const ARGON2_PASSES: u32 = 5;
const ARGON2_LANES: u32 = 1;

fn argon2() -> Argon2<'static> {
    let params = Params::new(ARGON2_KIB, ARGON2_PASSES, ARGON2_LANES, None)
        .expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
}

/// A new hash of `password` (just verified against `phc`) when `phc` was made with another
/// setting than today's, so that passwords move to the current setting as people sign in.
fn rehash_if_outdated(password: &str, phc: &str) -> Option<String> {
    let h = PasswordHash::new(phc).ok()?;
    let p = Params::try_from(&h).ok()?;
    let current = h.algorithm.as_str() == "argon2id"
        && (p.m_cost(), p.t_cost(), p.p_cost()) == (ARGON2_KIB, ARGON2_PASSES, ARGON2_LANES);
    if current {
        return None;
    }
    hash_password(password).ok()
}

/// Password hashes running at once, at most. Each holds its memory cost for its whole run;
/// on a server of a few cores more at once finish no sooner, so a burst of logins waits here
/// instead of growing the server by the hash's memory per login.
const HASHING_AT_ONCE: usize = 2;
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(HASHING_AT_ONCE);

/// Runs `f`, which hashes or verifies a password, on the blocking pool within the bound above.
pub async fn hashing<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    let _permit = HASHING.acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)
}

/// A valid hash of nothing in particular, verified against when the username is unknown so
/// that both paths cost the same.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password, never matches").unwrap_or_default())
}

pub fn check_new_password(password: &str) -> Result<(), ApiError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ApiError::validation(format!(
            "a password needs at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if password.len() > 1024 {
        return Err(ApiError::validation(
            "a password may not be longer than 1024 bytes",
        ));
    }
    Ok(())
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The seconds until a locked username may try again, if it is locked at `now`.
fn locked_for(
    conn: &Connection,
    username: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, ApiError> {
    let since = ts(now - LOCKOUT_WINDOW);
    let mut st = conn.prepare_cached(
        "SELECT at FROM login_failures WHERE username = ?1 AND at > ?2 ORDER BY at DESC LIMIT 1 OFFSET ?3",
    )?;
    // The fifth most recent failure inside the window: the lock runs 15 minutes from the
    // most recent of those five.
    let fifth: Option<String> = st
        .query_row(params![username, since, LOCKOUT_FAILURES - 1], |r| r.get(0))
        .optional()?;
    if fifth.is_none() {
        return Ok(None);
    }
    let latest: String = conn
        .prepare_cached("SELECT max(at) FROM login_failures WHERE username = ?1")?
        .query_row([username], |r| r.get(0))?;
    let latest = DateTime::parse_from_rfc3339(&latest)
        .map_err(ApiError::internal)?
        .with_timezone(&Utc);
    let secs = (latest + LOCKOUT_WINDOW - now).num_seconds().max(1);
    Ok(Some(secs))
}

fn locked_error(secs: i64) -> ApiError {
    let mut e = ApiError::new(
        ErrorCode::Locked,
        format!(
            "too many failed logins: this account is locked; try again in {} minutes",
            (secs + 59) / 60
        ),
    );
    e.retry_after = Some(secs as u64);
    e
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = rounds_core::ErrorBody),
              (status = 429, description = "locked after 5 failures in 15 minutes; see Retry-After", body = rounds_core::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    Json(req): Json<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let now = state.now();
    let username = req.username.trim().to_owned();
    let lookup = username.clone();
    let found = state
        .db
        .read(move |tx| {
            if let Some(secs) = locked_for(tx, &lookup, now)? {
                return Err(locked_error(secs));
            }
            let row = tx
                .prepare_cached(concat!(
                    "SELECT ",
                    store::user_cols!(),
                    ", u.password_hash FROM users u WHERE u.username = ?1 AND u.disabled = 0"
                ))?
                .query_row([&lookup], |r| {
                    Ok((store::user_from_row(r)?, r.get::<_, String>(6)?))
                })
                .optional()?;
            Ok(row)
        })
        .await?;
    let password = req.password;
    let (user, ok, rehashed) = hashing(move || match found {
        Some((user, phc)) => {
            let ok = verify_password(&password, &phc);
            let rehashed = ok.then(|| rehash_if_outdated(&password, &phc)).flatten();
            (Some(user), ok, rehashed)
        }
        None => {
            verify_password(&password, decoy_hash());
            (None, false, None)
        }
    })
    .await?;

    let ttl = state.config.token_ttl;
    state
        .db
        .write(move |tx| {
            // Re-check under the write lock: concurrent wrong guesses must not slip past five.
            if let Some(secs) = locked_for(tx, &username, now)? {
                return Err(locked_error(secs));
            }
            match (user, ok) {
                (Some(user), true) => {
                    tx.execute("DELETE FROM login_failures WHERE username = ?1", [&username])?;
                    let token = new_token();
                    let expires_at = now + ttl;
                    tx.execute(
                        "INSERT INTO tokens (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                        params![token_hash(&token), user.id.to_string(), ts(now), ts(expires_at)],
                    )?;
                    store::audit::<(), ()>(tx, now, Some(user.id), "login", "user", &user.id.to_string(), None, None)?;
                    if let Some(phc) = rehashed {
                        tx.execute("UPDATE users SET password_hash = ?1 WHERE id = ?2", params![phc, user.id.to_string()])?;
                        store::audit::<(), ()>(tx, now, Some(user.id), "password_rehash", "user", &user.id.to_string(), None, None)?;
                    }
                    Ok(Ok(LoginResponse { token, user, expires_at, events_from: store::log_head(tx)? }))
                }
                _ => {
                    tx.execute("INSERT INTO login_failures (username, at) VALUES (?1, ?2)", params![username, ts(now)])?;
                    let err = match locked_for(tx, &username, now)? {
                        Some(secs) => locked_error(secs),
                        None => ApiError::unauthorized("wrong username or password"),
                    };
                    // Commit the failure, then answer with the error.
                    Ok(Err(err))
                }
            }
        })
        .await?
        .map(Json)
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = rounds_core::ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let token = bearer(&headers)?;
    let hash = token_hash(&token);
    state
        .db
        .write(move |tx| {
            let n = tx.execute("DELETE FROM tokens WHERE token_hash = ?1", [hash])?;
            if n == 0 {
                return Err(ApiError::unauthorized("this token is not valid"));
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = UserPublic), (status = 401, body = rounds_core::ErrorBody)))]
pub async fn me(Authed(user): Authed) -> Json<UserPublic> {
    Json(user)
}

fn bearer(headers: &HeaderMap) -> Result<String, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("sign in first: no Authorization header"))?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("malformed Authorization header"))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(|| {
            ApiError::unauthorized("the Authorization header must be `Bearer <token>`")
        })?;
    Ok(token.trim().to_owned())
}

/// The signed-in user, from a valid bearer token. Rejects with 401 otherwise.
pub struct Authed(pub UserPublic);

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let hash = token_hash(&bearer(&parts.headers)?);
        let now = state.now();
        let lookup = hash.clone();
        let (user, expires_at) = state
            .db
            .read(move |tx| {
                Ok(tx
                    .prepare_cached(concat!(
                        "SELECT ",
                        store::user_cols!(),
                        ", k.expires_at FROM tokens k JOIN users u ON u.id = k.user_id \
                         WHERE k.token_hash = ?1 AND u.disabled = 0"
                    ))?
                    .query_row([lookup], |r| {
                        Ok((store::user_from_row(r)?, r.get::<_, String>(6)?))
                    })
                    .optional()?)
            })
            .await?
            .ok_or_else(|| ApiError::unauthorized("this token is not valid: sign in again"))?;
        let expires_at = DateTime::parse_from_rfc3339(&expires_at)
            .map_err(ApiError::internal)?
            .with_timezone(&Utc);
        if expires_at <= now {
            return Err(ApiError::unauthorized(
                "this token has expired: sign in again",
            ));
        }
        let ttl = state.config.token_ttl;
        if now + ttl - expires_at > Duration::minutes(1) {
            let new_expiry = ts(now + ttl);
            state
                .db
                .write(move |tx| {
                    tx.execute(
                        "UPDATE tokens SET expires_at = ?2 WHERE token_hash = ?1",
                        params![hash, new_expiry],
                    )?;
                    Ok(())
                })
                .await?;
        }
        Ok(Authed(user))
    }
}

/// An admin, or 403.
pub fn require_admin(user: &UserPublic) -> Result<(), ApiError> {
    if user.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::forbidden("only an admin may do this"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn new_hashes_use_the_small_memory_setting_and_older_ones_still_verify() {
        let phc = hash_password("correct horse battery").unwrap();
        let h = PasswordHash::new(&phc).unwrap();
        assert_eq!(h.algorithm.as_str(), "argon2id");
        let params = Params::try_from(&h).unwrap();
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (7168, 5, 1)
        );
        assert!(verify_password("correct horse battery", &phc));
        assert!(!verify_password("correct horse batterz", &phc));

        // A hash made with the earlier setting (the crate's default, 19 MiB and 2 passes).
        let salt = SaltString::generate(&mut OsRng);
        let old = Argon2::default()
            .hash_password(b"an older password", &salt)
            .unwrap()
            .to_string();
        assert!(old.contains("m=19456,t=2,p=1"), "{old}");
        assert!(verify_password("an older password", &old));
        assert!(!verify_password("another password", &old));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_than_the_bound_hash_at_once() {
        static RUNNING: AtomicUsize = AtomicUsize::new(0);
        static MOST: AtomicUsize = AtomicUsize::new(0);
        let runs = (0..8).map(|_| {
            tokio::spawn(hashing(|| {
                let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
                MOST.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(30));
                RUNNING.fetch_sub(1, Ordering::SeqCst);
            }))
        });
        for r in runs.collect::<Vec<_>>() {
            r.await.unwrap().unwrap();
        }
        assert_eq!(MOST.load(Ordering::SeqCst), HASHING_AT_ONCE);
    }
}
