//! The one error contract shared by the server, the clients and the UI.
//!
//! Every failure that crosses a process boundary is `{"error":{"code","message"}}`. The
//! `code` is a small, stable, snake_case vocabulary that callers branch on; the `message`
//! is for humans and may change.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Stable error codes. Adding one is an API change; renaming one is a breaking change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not syntactically valid JSON.
    MalformedJson,
    /// The JSON is well formed but a field has the wrong type, a missing or unknown field,
    /// or an unknown enum value.
    InvalidRequest,
    /// A value is well typed but breaks a rule (too long, empty, unknown campus...).
    Validation,
    /// No credentials, or credentials that are wrong, expired or revoked.
    Unauthorized,
    /// Authenticated, but the role or scope does not allow this.
    Forbidden,
    NotFound,
    MethodNotAllowed,
    /// The requested status change is not allowed from the ticket's current status.
    InvalidTransition,
    /// The request conflicts with existing state (duplicate username, reused idempotency key...).
    Conflict,
    /// Too many failed logins: the account is locked for a while.
    Locked,
    PayloadTooLarge,
    UnsupportedMediaType,
    /// A server fault. Never used for a client's mistake.
    Internal,
    /// The server's disk is full: nothing was written. Not the client's mistake either; the
    /// same request succeeds once the administrator frees space.
    StorageFull,
}

impl ErrorCode {
    /// The HTTP status the server answers with for this code.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::MalformedJson => 400,
            ErrorCode::InvalidRequest | ErrorCode::Validation => 422,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::InvalidTransition | ErrorCode::Conflict => 409,
            ErrorCode::Locked => 429,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::Internal => 500,
            ErrorCode::StorageFull => 507,
        }
    }

    /// Whether the server, not the request, is at fault: the request may succeed later as
    /// it is, so a client keeps it (and a push aborts rather than refusing one op).
    pub fn is_server_fault(self) -> bool {
        matches!(self, ErrorCode::Internal | ErrorCode::StorageFull)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MalformedJson => "malformed_json",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::Validation => "validation",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::InvalidTransition => "invalid_transition",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Locked => "locked",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::Internal => "internal",
            ErrorCode::StorageFull => "storage_full",
        }
    }
}

/// A coded error: what a rule returns and what travels on the wire inside [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
}

impl ErrorDetail {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// The JSON body of every error response: `{"error":{"code","message"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}
