//! One error type for every handler, rendered as `{"error":{"code","message"}}`.
//!
//! The extractors here wrap axum's so that their rejections (bad JSON, wrong types, a body over
//! the limit, a malformed path) use the same shape and the right 4xx. Internal errors are logged
//! with their detail and answered with a generic message, so nothing internal leaks.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rounds_core::error::{ErrorBody, ErrorCode, ErrorDetail};

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Seconds, for `Retry-After` on `locked`.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            retry_after: None,
        }
    }
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "internal error");
        ApiError::new(ErrorCode::Internal, "internal server error")
    }
    /// The disk under the data directory is full. Logged as an error each time: the
    /// administrator must free space, and until then every write fails this way.
    pub fn storage_full(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "the data directory's disk is full; writes fail until space is freed");
        ApiError::new(
            ErrorCode::StorageFull,
            "the server's disk is full: nothing was saved; try again once the administrator has freed space",
        )
    }
    pub fn validation(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Validation, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::NotFound, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Forbidden, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Unauthorized, message)
    }
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
    pub fn detail(&self) -> ErrorDetail {
        ErrorDetail::new(self.code, self.message.clone())
    }
}

impl From<ErrorDetail> for ApiError {
    fn from(e: ErrorDetail) -> Self {
        ApiError::new(e.code, e.message)
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) {
            return ApiError::storage_full(e);
        }
        ApiError::internal(format!("sqlite: {e}"))
    }
}

impl From<std::io::Error> for ApiError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::StorageFull {
            return ApiError::storage_full(e);
        }
        ApiError::internal(format!("io: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = ErrorBody {
            error: ErrorDetail::new(self.code, self.message),
        };
        let mut res = (status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::new(ErrorCode::NotFound, r.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::new(ErrorCode::InvalidRequest, r.body_text())
    }
}

/// A JSON body, parsed in two steps so that each failure gets its own code: bytes that are not
/// JSON at all are `malformed_json` (400); JSON of the wrong shape — a wrong type, an unknown
/// enum value or field, a missing field — is `invalid_request` (422), with the path of the field.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                let m = m.trim().to_ascii_lowercase();
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            });
        if !is_json {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "expected a body with Content-Type: application/json",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|r| {
                if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        ErrorCode::PayloadTooLarge,
                        "the request body is larger than the server accepts",
                    )
                } else {
                    ApiError::new(ErrorCode::InvalidRequest, r.body_text())
                }
            })?;
        // The fast path parses once; only a failure pays for a second, diagnostic pass.
        match serde_json::from_slice::<T>(&bytes) {
            Ok(v) => Ok(Json(v)),
            Err(_) => Err(json_error::<T>(&bytes)),
        }
    }
}

/// Explains why `bytes` are not a `T`: not JSON at all, or JSON of the wrong shape (with the
/// path of the offending field). serde_json reports some shape errors, such as a number where
/// an enum is expected, as syntax errors, so "is it JSON at all" is asked separately.
fn json_error<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> ApiError {
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
        return ApiError::new(
            ErrorCode::MalformedJson,
            format!("the body is not valid JSON: {e}"),
        );
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(_) => ApiError::new(
            ErrorCode::InvalidRequest,
            "the body does not have the expected shape",
        ),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let message = if path == "." {
                inner.to_string()
            } else {
                format!("{path}: {inner}")
            };
            ApiError::new(ErrorCode::InvalidRequest, message)
        }
    }
}

/// A JSON answer serialized before it is returned, into a buffer of the expected size: for
/// large answers written where their data is read (see `sync::pull`).
pub struct JsonBody(Vec<u8>);

impl JsonBody {
    pub fn new<T: serde::Serialize>(v: &T, capacity: usize) -> Result<JsonBody, ApiError> {
        let mut buf = Vec::with_capacity(capacity);
        serde_json::to_writer(&mut buf, v).map_err(ApiError::internal)?;
        Ok(JsonBody(buf))
    }
}

impl IntoResponse for JsonBody {
    fn into_response(self) -> Response {
        ([(header::CONTENT_TYPE, "application/json")], self.0).into_response()
    }
}

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Path` whose rejections are [`ApiError`]s.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// `axum::extract::Query` whose rejections are [`ApiError`]s.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// Gives every error response that is not already JSON (axum's own 404, 405 and body-limit
/// answers) the `{"error":{"code","message"}}` shape.
pub async fn json_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return res;
    }
    let code = match status {
        StatusCode::NOT_FOUND => ErrorCode::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
        StatusCode::UNAUTHORIZED => ErrorCode::Unauthorized,
        s if s.is_client_error() => ErrorCode::InvalidRequest,
        _ => ErrorCode::Internal,
    };
    let message = status.canonical_reason().unwrap_or("error").to_lowercase();
    let mut out = (
        status,
        axum::Json(ErrorBody {
            error: ErrorDetail::new(code, message),
        }),
    )
        .into_response();
    if let Some(allow) = res.headers().get(header::ALLOW) {
        out.headers_mut().insert(header::ALLOW, allow.clone());
    }
    out
}

/// Answers `413` for a body whose declared length is over the route's limit, after reading
/// and discarding it (up to four times the limit). Answering while the client is still
/// sending makes the connection close under it, and the client then sees a reset instead of
/// the `413` (a "lingering close", as nginx does it).
pub async fn refuse_oversize(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use futures_util::StreamExt;
    let limit = if req.uri().path() == "/api/v1/attachments" {
        state.config.max_attachment_bytes
    } else {
        state.config.max_json_bytes
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let Some(len) = declared.filter(|&n| n > limit) else {
        return next.run(req).await;
    };
    if len <= limit.saturating_mul(4) {
        let mut body = req.into_body().into_data_stream();
        while let Some(Ok(_)) = body.next().await {}
    }
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("the request body is {len} bytes; the limit here is {limit}"),
    )
    .into_response()
}
