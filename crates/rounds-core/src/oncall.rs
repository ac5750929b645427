//! On-call roster wire types: shifts per campus, `[starts_at, ends_at)`, each with a primary
//! and an optional backup engineer. The server keeps the roster (shifts of one campus never
//! overlap); clients read and edit it online.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::model::UserPublic;

/// One shift of the roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct Shift {
    pub id: Uuid,
    pub campus: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub primary: Uuid,
    pub backup: Option<Uuid>,
}

/// A new shift. `primary` and `backup` are user ids or usernames.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct ShiftRequest {
    pub campus: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub primary: String,
    #[serde(default)]
    pub backup: Option<String>,
}

/// Who is on duty for a campus at an instant.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
pub struct OnDuty {
    pub campus: String,
    pub at: DateTime<Utc>,
    /// `None` when no shift covers the instant.
    pub shift: Option<Shift>,
    pub primary: Option<UserPublic>,
    pub backup: Option<UserPublic>,
}

/// The answer of a roster import: how many shifts were added (all or nothing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct RosterImport {
    pub imported: usize,
}
