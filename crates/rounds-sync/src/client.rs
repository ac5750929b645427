//! The HTTP client for the Rounds API (`docs/api.md`, `docs/sync.md`).
//!
//! One [`Client`] per server. It is cheap to clone (the connection pool is shared), and
//! [`Client::with_token`] makes a signed-in copy after [`Client::login`]. Every call answers
//! the typed wire value or a [`SyncError`] that tells the caller whether to retry, ask the
//! user to sign in again, wait out a lock, or give up on the request.
//!
//! Timeouts: connecting is bounded by [`ClientOptions::connect_timeout`] and each request as a
//! whole by [`ClientOptions::request_timeout`] (attachments by the longer
//! [`ClientOptions::attachment_timeout`]). The event stream is endless, so it has no total
//! timeout; it ends when no bytes arrive for [`ClientOptions::event_idle_timeout`].

use std::fmt;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::header::{self, HeaderValue};
use reqwest::{Method, RequestBuilder, Response};
use rounds_core::model::{Campus, Department, UserPublic, validate_sha256};
use rounds_core::oncall::{OnDuty, RosterImport, Shift, ShiftRequest};
use rounds_core::wire::{
    AttachmentResponse, LoginRequest, LoginResponse, Op, PullResponse, PushResponse,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Why a call to the server failed. The variants are what a caller acts on differently.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// The server cannot be reached: connection refused, DNS failure, a timeout, or the
    /// connection dropped mid-answer. Work stays queued; try again later.
    #[error("the server cannot be reached: {0}")]
    Offline(String),
    /// `401`: no token, or a token that is unknown, expired or revoked (or a wrong username or
    /// password at login). The user must sign in again.
    #[error("not signed in: {0}")]
    Unauthorized(String),
    /// Any other `4xx`, with the server's `{"error":{code,message}}`. Sending the same request
    /// again gets the same answer. `code` is one of the `rounds_core::ErrorCode` strings
    /// (kept as text so a code added later still reaches the caller). `status` is `0` when
    /// the request was refused here without being sent because it could not be sent at all.
    #[error("the server refused the request ({status} {code}): {message}")]
    Rejected {
        status: u16,
        code: String,
        message: String,
    },
    /// A `5xx`, or an answer this client cannot read (not the expected JSON, a `3xx`, a
    /// `4xx` without the error body). The request may succeed later.
    #[error("the server failed ({status}): {message}")]
    Server { status: u16, message: String },
    /// `429`: too many failed logins; sign-in for this username is locked for
    /// `retry_after_secs` seconds.
    #[error("locked for {retry_after_secs} s: {message}")]
    Locked {
        retry_after_secs: u64,
        message: String,
    },
}

impl SyncError {
    /// True when the same request may succeed if sent again later, unchanged: the server was
    /// unreachable or failed. Refusals, sign-in problems and locks need someone to act first.
    pub fn is_retryable(&self) -> bool {
        matches!(self, SyncError::Offline(_) | SyncError::Server { .. })
    }

    /// The stable code a UI branches on: `offline`, `unauthorized`, `locked`, `internal`
    /// (for [`SyncError::Server`]), or the server's code of a [`SyncError::Rejected`].
    pub fn code(&self) -> &str {
        match self {
            SyncError::Offline(_) => "offline",
            SyncError::Unauthorized(_) => "unauthorized",
            SyncError::Rejected { code, .. } => code,
            SyncError::Server { .. } => "internal",
            SyncError::Locked { .. } => "locked",
        }
    }
}

/// A client that could not be set up; a configuration mistake, not a network problem.
#[derive(Debug, thiserror::Error)]
pub enum ClientConfigError {
    #[error("`{url}` is not a usable server address: {reason}")]
    InvalidBaseUrl { url: String, reason: String },
    #[error("cannot set up the HTTP client: {0}")]
    Http(String),
}

/// Timeouts of a [`Client`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// Opening a TCP (and TLS) connection. Short, so an unreachable server is reported as
    /// [`SyncError::Offline`] quickly.
    pub connect_timeout: Duration,
    /// A whole JSON request, from sending to the last byte of the answer.
    pub request_timeout: Duration,
    /// A whole attachment upload or download: files reach 20 MiB, and ward Wi-Fi is slow.
    pub attachment_timeout: Duration,
    /// The event stream ends with [`SyncError::Offline`] when nothing, not even a keep-alive,
    /// arrives for this long. The server sends a keep-alive every 15 s.
    pub event_idle_timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            attachment_timeout: Duration::from_secs(300),
            event_idle_timeout: Duration::from_secs(45),
        }
    }
}

/// The `Authorization` header, built once. Its `Debug` never shows the token.
#[derive(Clone)]
enum Bearer {
    Header(HeaderValue),
    /// The token cannot be sent as a header (a corrupted saved token, say).
    Malformed,
}

impl Bearer {
    fn new(token: &str) -> Self {
        match HeaderValue::from_str(&format!("Bearer {token}")) {
            Ok(mut v) => {
                // Keeps the value out of reqwest's and hyper's own debug output.
                v.set_sensitive(true);
                Bearer::Header(v)
            }
            Err(_) => Bearer::Malformed,
        }
    }
}

/// A client of one Rounds server, optionally signed in.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    /// Without a trailing slash; may carry a path prefix (a reverse proxy's).
    base: String,
    bearer: Option<Bearer>,
    options: ClientOptions,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base)
            .field("token", &self.bearer.as_ref().map(|_| "<redacted>"))
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client of the server at `base_url` (`http://host:port` or `https://...`, optionally
    /// with a path prefix), not signed in, with the default timeouts.
    pub fn new(base_url: &str) -> Result<Client, ClientConfigError> {
        Client::with_options(base_url, ClientOptions::default())
    }

    pub fn with_options(
        base_url: &str,
        options: ClientOptions,
    ) -> Result<Client, ClientConfigError> {
        let invalid = |reason: String| ClientConfigError::InvalidBaseUrl {
            url: base_url.to_owned(),
            reason,
        };
        let url = reqwest::Url::parse(base_url.trim()).map_err(|e| invalid(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid("the scheme must be http or https".into()));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("a server address has no query or fragment".into()));
        }
        // No total timeout here: the event stream is endless. Each request sets its own.
        let http = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .user_agent(concat!("rounds-sync/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientConfigError::Http(error_chain(&e)))?;
        Ok(Client {
            http,
            base: url.as_str().trim_end_matches('/').to_owned(),
            bearer: None,
            options,
        })
    }

    /// A copy of this client that sends `token` (from [`LoginResponse::token`]). The
    /// connection pool is shared.
    pub fn with_token(&self, token: &str) -> Client {
        Client {
            bearer: Some(Bearer::new(token)),
            ..self.clone()
        }
    }

    /// A copy of this client without a token.
    pub fn without_token(&self) -> Client {
        Client {
            bearer: None,
            ..self.clone()
        }
    }

    pub fn has_token(&self) -> bool {
        self.bearer.is_some()
    }

    /// The server address, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// `POST /api/v1/auth/login`. A wrong username or password is
    /// [`SyncError::Unauthorized`]; too many of them, [`SyncError::Locked`]. This client's
    /// own token, if any, is not sent; use [`Client::with_token`] on the answer.
    pub async fn login(&self, username: &str, password: &str) -> Result<LoginResponse, SyncError> {
        let body = LoginRequest {
            username: username.to_owned(),
            password: password.to_owned(),
        };
        let rb = self.request(Method::POST, "/api/v1/auth/login").json(&body);
        json(self.send(rb, self.options.request_timeout).await?).await
    }

    /// `POST /api/v1/auth/logout`: revokes this client's token on the server.
    pub async fn logout(&self) -> Result<(), SyncError> {
        let rb = self.authed(Method::POST, "/api/v1/auth/logout")?;
        self.send(rb, self.options.request_timeout).await?;
        Ok(())
    }

    /// `GET /api/v1/me`: the signed-in user; also a cheap check that the token still works.
    pub async fn me(&self) -> Result<UserPublic, SyncError> {
        self.get_json("/api/v1/me").await
    }

    /// `POST /api/v1/sync/push`: applies `ops` in order, one result per op in the same order.
    ///
    /// An op the server refuses is a [`rounds_core::wire::OpStatus::Rejected`] result, not an
    /// error; the call fails only when the batch as a whole does (more than 1000 ops is
    /// [`SyncError::Rejected`] `payload_too_large`; a server fault commits nothing and is
    /// [`SyncError::Server`], safe to push again since ops are idempotent by `op_id`).
    pub async fn push(&self, ops: &[Op]) -> Result<PushResponse, SyncError> {
        #[derive(Serialize)]
        struct Body<'a> {
            ops: &'a [Op],
        }
        let rb = self
            .authed(Method::POST, "/api/v1/sync/push")?
            .json(&Body { ops });
        let res = self.send(rb, self.options.request_timeout).await?;
        let status = res.status().as_u16();
        let answer: PushResponse = json(res).await?;
        // Results are matched to ops by position; a count that differs cannot be matched.
        if answer.results.len() != ops.len() {
            return Err(SyncError::Server {
                status,
                message: format!(
                    "pushed {} ops but the server answered {} results",
                    ops.len(),
                    answer.results.len()
                ),
            });
        }
        Ok(answer)
    }

    /// `GET /api/v1/sync/pull`: the changes above `cursor`, at most `limit` (1..=5000).
    pub async fn pull(&self, cursor: i64, limit: u32) -> Result<PullResponse, SyncError> {
        self.get_json(&format!("/api/v1/sync/pull?cursor={cursor}&limit={limit}"))
            .await
    }

    /// `POST /api/v1/attachments`: uploads a file as the raw body.
    ///
    /// `filename` travels in `X-Filename` as raw UTF-8; one that cannot be a header value
    /// (it holds control characters) is left out, since the name is informative only. A
    /// `content_type` that cannot be a header value is refused here, as the server would
    /// (`415 unsupported_media_type`).
    pub async fn upload_attachment(
        &self,
        bytes: Vec<u8>,
        content_type: &str,
        filename: Option<&str>,
    ) -> Result<AttachmentResponse, SyncError> {
        let content_type =
            HeaderValue::from_str(content_type).map_err(|_| SyncError::Rejected {
                status: 415,
                code: "unsupported_media_type".into(),
                message: format!(
                    "`{}` is not a valid Content-Type",
                    content_type.escape_debug()
                ),
            })?;
        let mut rb = self
            .authed(Method::POST, "/api/v1/attachments")?
            .header(header::CONTENT_TYPE, content_type)
            .body(bytes);
        if let Some(name) = filename.and_then(|f| HeaderValue::from_bytes(f.as_bytes()).ok()) {
            rb = rb.header("x-filename", name);
        }
        json(self.send(rb, self.options.attachment_timeout).await?).await
    }

    /// `GET /api/v1/attachments/{sha256}`: the file's bytes. A digest that is not 64
    /// lowercase hex characters is refused here as the server would (`404 not_found`), so it
    /// never becomes part of a URL.
    pub async fn download_attachment(&self, sha256: &str) -> Result<Vec<u8>, SyncError> {
        validate_sha256(sha256).map_err(|e| SyncError::Rejected {
            status: 404,
            code: "not_found".into(),
            message: e.message,
        })?;
        let rb = self.authed(Method::GET, &format!("/api/v1/attachments/{sha256}"))?;
        let res = self.send(rb, self.options.attachment_timeout).await?;
        let bytes = res.bytes().await.map_err(transport_error)?;
        Ok(bytes.to_vec())
    }

    /// `GET /api/v1/campuses`.
    pub async fn campuses(&self) -> Result<Vec<Campus>, SyncError> {
        self.get_json("/api/v1/campuses").await
    }

    /// `GET /api/v1/departments`.
    pub async fn departments(&self) -> Result<Vec<Department>, SyncError> {
        self.get_json("/api/v1/departments").await
    }

    /// `GET /api/v1/users`: every active user's public fields.
    pub async fn users(&self) -> Result<Vec<UserPublic>, SyncError> {
        self.get_json("/api/v1/users").await
    }

    /// `GET /api/v1/oncall/shifts`: the roster's shifts of `campus` (all campuses the user
    /// sees when `None`) that overlap `[from, to)`, by campus then start.
    pub async fn oncall_shifts(
        &self,
        campus: Option<&str>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<Vec<Shift>, SyncError> {
        let mut query = Vec::new();
        if let Some(c) = campus {
            query.push(("campus", c.to_owned()));
        }
        if let Some(f) = from {
            query.push(("from", f.to_rfc3339()));
        }
        if let Some(t) = to {
            query.push(("to", t.to_rfc3339()));
        }
        let rb = self
            .authed(Method::GET, "/api/v1/oncall/shifts")?
            .query(&query);
        json(self.send(rb, self.options.request_timeout).await?).await
    }

    /// `POST /api/v1/oncall/shifts` (admin): adds one shift; an overlap with another shift of
    /// the campus is [`SyncError::Rejected`] `conflict`.
    pub async fn oncall_add(&self, shift: &ShiftRequest) -> Result<Shift, SyncError> {
        let rb = self
            .authed(Method::POST, "/api/v1/oncall/shifts")?
            .json(shift);
        json(self.send(rb, self.options.request_timeout).await?).await
    }

    /// `DELETE /api/v1/oncall/shifts/{id}` (admin).
    pub async fn oncall_delete(&self, id: Uuid) -> Result<(), SyncError> {
        let rb = self.authed(Method::DELETE, &format!("/api/v1/oncall/shifts/{id}"))?;
        self.send(rb, self.options.request_timeout).await?;
        Ok(())
    }

    /// `POST /api/v1/oncall/import` (admin): a CSV roster
    /// (`campus,starts_at,ends_at,primary,backup`), imported all or nothing.
    pub async fn oncall_import(&self, csv: &str) -> Result<RosterImport, SyncError> {
        let rb = self
            .authed(Method::POST, "/api/v1/oncall/import")?
            .header(header::CONTENT_TYPE, "text/csv; charset=utf-8")
            .body(csv.to_owned());
        json(self.send(rb, self.options.request_timeout).await?).await
    }

    /// `GET /api/v1/oncall/now`: who is on duty for `campus` now.
    pub async fn oncall_now(&self, campus: &str) -> Result<OnDuty, SyncError> {
        let rb = self
            .authed(Method::GET, "/api/v1/oncall/now")?
            .query(&[("campus", campus)]);
        json(self.send(rb, self.options.request_timeout).await?).await
    }

    /// `GET /healthz`: `Ok` when the server answers `200`. Needs no token.
    pub async fn health(&self) -> Result<(), SyncError> {
        let rb = self.request(Method::GET, "/healthz");
        self.send(rb, self.options.request_timeout).await?;
        Ok(())
    }

    /// A request without a token and without a timeout.
    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{}", self.base, path))
    }

    /// A request carrying the token; without one it fails here, without using the network.
    pub(crate) fn authed(&self, method: Method, path: &str) -> Result<RequestBuilder, SyncError> {
        match &self.bearer {
            Some(Bearer::Header(v)) => Ok(self
                .request(method, path)
                .header(header::AUTHORIZATION, v.clone())),
            Some(Bearer::Malformed) => Err(SyncError::Unauthorized(
                "the saved token is malformed: sign in again".into(),
            )),
            None => Err(SyncError::Unauthorized("not signed in".into())),
        }
    }

    async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, SyncError> {
        let rb = self.authed(Method::GET, path)?;
        json(self.send(rb, self.options.request_timeout).await?).await
    }

    /// Sends with a total `timeout`; a non-2xx answer becomes its [`SyncError`].
    async fn send(&self, rb: RequestBuilder, timeout: Duration) -> Result<Response, SyncError> {
        send_checked(rb.timeout(timeout)).await
    }
}

/// Sends `rb` and turns a non-2xx answer into its error. Logs the method, path, status and
/// duration, never headers or bodies.
pub(crate) async fn send_checked(rb: RequestBuilder) -> Result<Response, SyncError> {
    let started = Instant::now();
    let (client, request) = rb.build_split();
    let request = request.map_err(transport_error)?;
    let (method, path) = (request.method().clone(), request.url().path().to_owned());
    let res = client.execute(request).await.map_err(|e| {
        let e = transport_error(e);
        tracing::debug!(%method, path, error = %e, "request failed");
        e
    })?;
    let status = res.status();
    tracing::debug!(
        %method,
        path,
        status = status.as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    if status.is_success() {
        return Ok(res);
    }
    let retry_after = res
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // A body lost to the network still leaves the status to go on.
    let body = res.bytes().await.unwrap_or_default();
    Err(error_from_answer(
        status.as_u16(),
        retry_after.as_deref(),
        &body,
    ))
}

/// Reads a 2xx answer's JSON body.
pub(crate) async fn json<T: DeserializeOwned>(res: Response) -> Result<T, SyncError> {
    let status = res.status().as_u16();
    let bytes = res.bytes().await.map_err(transport_error)?;
    serde_json::from_slice(&bytes).map_err(|e| SyncError::Server {
        status,
        message: format!("the answer is not the expected JSON: {e}"),
    })
}

/// The `{"error":{code,message}}` body, with the code as text so unknown codes still parse.
#[derive(Deserialize)]
struct WireErrorBody {
    error: WireError,
}

#[derive(Deserialize)]
struct WireError {
    code: String,
    message: String,
}

/// Seconds to wait when a `429` carries no readable `Retry-After` (the lock lasts 15 minutes
/// from the last failure, so this is the longest it can be).
const DEFAULT_LOCK_SECS: u64 = 15 * 60;

/// The error a non-2xx answer stands for: its status, `Retry-After` header and body.
fn error_from_answer(status: u16, retry_after: Option<&str>, body: &[u8]) -> SyncError {
    let parsed = serde_json::from_slice::<WireErrorBody>(body)
        .ok()
        .map(|b| b.error);
    let message = |fallback: &str| match &parsed {
        Some(e) => e.message.clone(),
        None => fallback.to_owned(),
    };
    match status {
        401 => SyncError::Unauthorized(message("the server did not accept the credentials")),
        429 => SyncError::Locked {
            // Integer seconds is what the server sends; an HTTP date is not expected.
            retry_after_secs: retry_after
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(DEFAULT_LOCK_SECS),
            message: message("too many attempts: try again later"),
        },
        400..=499 => match parsed {
            Some(e) => SyncError::Rejected {
                status,
                code: e.code,
                message: e.message,
            },
            None => SyncError::Server {
                status,
                message: format!("unreadable error answer: {}", snippet(body)),
            },
        },
        _ => SyncError::Server {
            status,
            message: match parsed {
                Some(e) => e.message,
                None => snippet(body),
            },
        },
    }
}

/// The start of a body that is not ours to parse (a proxy's HTML page, say).
fn snippet(body: &[u8]) -> String {
    const MAX_CHARS: usize = 200;
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "no body".into();
    }
    let mut s: String = text.chars().take(MAX_CHARS).collect();
    if text.chars().nth(MAX_CHARS).is_some() {
        s.push('…');
    }
    s
}

/// A reqwest failure. Anything on the way (connect, DNS, TLS, timeout, a connection that
/// drops mid-answer) is [`SyncError::Offline`]; an answer we cannot follow is
/// [`SyncError::Server`]; a request that could not be built is a local refusal.
pub(crate) fn transport_error(e: reqwest::Error) -> SyncError {
    let message = error_chain(&e);
    if e.is_builder() {
        SyncError::Rejected {
            status: 0,
            code: "invalid_request".into(),
            message,
        }
    } else if e.is_decode() || e.is_redirect() || e.is_status() {
        SyncError::Server {
            status: e.status().map_or(0, |s| s.as_u16()),
            message,
        }
    } else {
        SyncError::Offline(message)
    }
}

/// An error and its causes, joined, so "connection refused" or a TLS failure is visible.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        source = cause.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_body(code: &str, message: &str) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({"error": {"code": code, "message": message}}))
            .unwrap()
    }

    #[test]
    fn answers_map_to_the_error_a_caller_acts_on() {
        let e = error_from_answer(
            401,
            None,
            &err_body("unauthorized", "this token has expired"),
        );
        assert_eq!(e, SyncError::Unauthorized("this token has expired".into()));
        assert!(!e.is_retryable());

        let e = error_from_answer(429, Some("899"), &err_body("locked", "too many"));
        assert_eq!(
            e,
            SyncError::Locked {
                retry_after_secs: 899,
                message: "too many".into()
            }
        );
        assert!(!e.is_retryable());
        assert_eq!(e.code(), "locked");

        let e = error_from_answer(409, None, &err_body("invalid_transition", "closed"));
        assert_eq!(
            e,
            SyncError::Rejected {
                status: 409,
                code: "invalid_transition".into(),
                message: "closed".into()
            }
        );
        assert_eq!(e.code(), "invalid_transition");
        assert!(!e.is_retryable());

        // A code this client does not know yet still arrives as text.
        let e = error_from_answer(422, None, &err_body("some_future_code", "m"));
        assert_eq!(e.code(), "some_future_code");

        let e = error_from_answer(500, None, &err_body("internal", "internal server error"));
        assert_eq!(
            e,
            SyncError::Server {
                status: 500,
                message: "internal server error".into()
            }
        );
        assert!(e.is_retryable());
    }

    #[test]
    fn unreadable_answers_are_server_errors_except_401_and_429() {
        let html = b"<html><body>Proxy Authentication Required</body></html>";
        let e = error_from_answer(407, None, html);
        assert!(
            matches!(&e, SyncError::Server { status: 407, message } if message.contains("Proxy"))
        );
        assert!(e.is_retryable());

        let e = error_from_answer(502, None, b"");
        assert_eq!(
            e,
            SyncError::Server {
                status: 502,
                message: "no body".into()
            }
        );

        assert!(matches!(
            error_from_answer(401, None, b""),
            SyncError::Unauthorized(_)
        ));
        let e = error_from_answer(429, Some("Wed, 21 Oct 2026 07:28:00 GMT"), b"");
        assert!(matches!(
            e,
            SyncError::Locked {
                retry_after_secs: DEFAULT_LOCK_SECS,
                ..
            }
        ));
        assert!(matches!(
            error_from_answer(302, None, b""),
            SyncError::Server { status: 302, .. }
        ));
    }

    #[test]
    fn long_bodies_are_cut_in_messages() {
        let long = "院".repeat(1000);
        let s = snippet(long.as_bytes());
        assert_eq!(s.chars().count(), 201);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn base_urls_are_checked_and_normalised() {
        let c = Client::new("http://127.0.0.1:8600/").unwrap();
        assert_eq!(c.base_url(), "http://127.0.0.1:8600");
        let c = Client::new("https://helpdesk.example/rounds/").unwrap();
        assert_eq!(c.base_url(), "https://helpdesk.example/rounds");
        for bad in [
            "",
            "127.0.0.1:8600",
            "ftp://host",
            "http://host/?x=1",
            "not a url",
        ] {
            assert!(Client::new(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn debug_redacts_the_token() {
        let token = "k2mKLjz0hvUfmovTLZTICF-OEOGWvA05d8om4jz3Y5A";
        let c = Client::new("http://127.0.0.1:1").unwrap().with_token(token);
        let dbg = format!("{c:?} {c:#?}");
        assert!(!dbg.contains(token), "{dbg}");
        assert!(dbg.contains("<redacted>"));
        assert!(c.has_token());
        assert!(!c.without_token().has_token());
    }

    #[test]
    fn calls_that_need_a_token_fail_locally_without_one() {
        let c = Client::new("http://127.0.0.1:1").unwrap();
        assert!(matches!(
            c.authed(Method::GET, "/api/v1/me"),
            Err(SyncError::Unauthorized(_))
        ));
        let bad = c.with_token("line\nbreak");
        assert!(matches!(
            bad.authed(Method::GET, "/api/v1/me"),
            Err(SyncError::Unauthorized(m)) if m.contains("malformed")
        ));
    }
}
