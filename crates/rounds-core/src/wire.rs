//! JSON wire types of the HTTP API and the sync protocol (`docs/sync.md`).
//!
//! Requests are named `*Request`, responses `*Response`. Requests refuse unknown fields, so a
//! typo is an error rather than a silently ignored value.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::merge::TicketPatch;
use crate::model::{
    Campus, Comment, Department, Role, Severity, Status, Ticket, TicketDraft, UserPublic,
};

#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// Never prints the password.
impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    /// Bearer token; at least 128 random bits. The server keeps only its hash.
    pub token: String,
    pub user: UserPublic,
    /// When the token lapses if unused; every use slides it forward.
    pub expires_at: DateTime<Utc>,
    /// The change log's position at sign-in. An event stream opened with it as
    /// `Last-Event-ID` misses nothing from the sign-in on; the Rounds client keeps it to tell
    /// news from history on its first sync (notices only for later changes). 0 from a server
    /// that predates it.
    #[serde(default)]
    pub events_from: i64,
}

/// Never prints the token.
impl std::fmt::Debug for LoginResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginResponse")
            .field("token", &"<redacted>")
            .field("user", &self.user)
            .field("expires_at", &self.expires_at)
            .field("events_from", &self.events_from)
            .finish()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    pub username: String,
    pub password: String,
    pub role: Role,
    #[serde(default)]
    pub campus: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    pub to: Status,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentRequest {
    /// Client-made UUIDv7; the server makes one when absent.
    #[serde(default)]
    pub id: Option<Uuid>,
    pub body: String,
    #[serde(default)]
    pub internal: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TicketListResponse {
    pub items: Vec<Ticket>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CommentListResponse {
    pub items: Vec<Comment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttachmentResponse {
    pub sha256: String,
    pub size: u64,
    pub content_type: String,
}

/// One offline operation, as queued in a client's outbox and pushed to the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct Op {
    /// Client-made UUIDv7; the server applies an op id at most once.
    pub op_id: Uuid,
    /// When the user made the change, by the client's clock. The server clamps it to the
    /// present and uses it for the timestamps the SLA clock reads.
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub kind: OpKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum OpKind {
    TicketCreate {
        ticket: TicketDraft,
    },
    TicketUpdate {
        ticket_id: Uuid,
        patch: TicketPatch,
    },
    TicketTransition {
        ticket_id: Uuid,
        to: Status,
        #[serde(default)]
        reason: Option<String>,
    },
    CommentAdd {
        comment_id: Uuid,
        ticket_id: Uuid,
        body: String,
        #[serde(default)]
        internal: bool,
    },
}

impl OpKind {
    pub fn ticket_id(&self) -> Option<Uuid> {
        match self {
            OpKind::TicketCreate { ticket } => ticket.id,
            OpKind::TicketUpdate { ticket_id, .. }
            | OpKind::TicketTransition { ticket_id, .. }
            | OpKind::CommentAdd { ticket_id, .. } => Some(*ticket_id),
        }
    }

    /// The attachments (SHA-256) the op refers to, which must be uploaded before it is pushed.
    pub fn attachments(&self) -> &[String] {
        match self {
            OpKind::TicketCreate { ticket } => &ticket.attachments,
            OpKind::TicketUpdate { patch, .. } => &patch.attachments_add,
            OpKind::TicketTransition { .. } | OpKind::CommentAdd { .. } => &[],
        }
    }

    /// Drops one attachment from the op (the server refused the file).
    pub fn drop_attachment(&mut self, sha: &str) {
        match self {
            OpKind::TicketCreate { ticket } => ticket.attachments.retain(|a| a != sha),
            OpKind::TicketUpdate { patch, .. } => patch.attachments_add.retain(|a| a != sha),
            OpKind::TicketTransition { .. } | OpKind::CommentAdd { .. } => {}
        }
    }

    /// Whether pushing the op would change nothing: an edit left with no field to set.
    pub fn is_noop(&self) -> bool {
        matches!(self, OpKind::TicketUpdate { patch, .. } if patch.is_empty())
    }
}

/// The body of `POST /api/v1/sync/push`. Each op is parsed on its own, so one malformed op is
/// rejected alone and does not sink the batch. The ops are kept as their raw JSON text until
/// then: building a `serde_json::Value` of each first cost the server about 5 % of a push.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    #[schema(value_type = Vec<Op>)]
    pub ops: Vec<Box<serde_json::value::RawValue>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OpStatus {
    Applied,
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OpResult {
    /// `None` only when the op was too malformed to carry a readable id.
    pub op_id: Option<Uuid>,
    pub status: OpStatus,
    /// For rejections: a stable [`crate::ErrorCode`] in snake_case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Fields a later edit had already set, so this op's values lost (see `docs/sync.md`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub superseded: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PushResponse {
    /// One result per op, in the order pushed.
    pub results: Vec<OpResult>,
}

/// An entity's current state, as a pull or the event stream delivers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum Entity {
    Ticket(Ticket),
    Comment(Comment),
    Campus(Campus),
    Department(Department),
    User(UserPublic),
}

/// One change: the latest state of an entity, stamped with the server sequence at which it
/// last changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Change {
    pub seq: i64,
    #[serde(flatten)]
    pub entity: Entity,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PullResponse {
    /// Names the server database's change history. When it differs from the epoch of the
    /// previous pull (the server was restored from a backup), the client must drop its cursor
    /// and cache and pull again from 0.
    pub epoch: String,
    pub changes: Vec<Change>,
    /// Pass back as `cursor` on the next pull.
    pub cursor: i64,
    pub has_more: bool,
}

/// The kinds of server-sent events on `GET /api/v1/events`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum EventKind {
    #[serde(rename = "ticket.created")]
    TicketCreated,
    #[serde(rename = "ticket.updated")]
    TicketUpdated,
    #[serde(rename = "ticket.assigned")]
    TicketAssigned,
    #[serde(rename = "ticket.status_changed")]
    TicketStatusChanged,
    #[serde(rename = "comment.added")]
    CommentAdded,
    /// An escalation step of the SLA ladder, or the page of the on-call engineer for a new
    /// level 1 or 2 ticket; the change is the ticket with its updated `sla.escalations`.
    #[serde(rename = "ticket.escalated")]
    TicketEscalated,
    #[serde(rename = "directory.updated")]
    DirectoryUpdated,
}

impl EventKind {
    pub const ALL: [EventKind; 7] = [
        EventKind::TicketCreated,
        EventKind::TicketUpdated,
        EventKind::TicketAssigned,
        EventKind::TicketStatusChanged,
        EventKind::CommentAdded,
        EventKind::TicketEscalated,
        EventKind::DirectoryUpdated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::TicketCreated => "ticket.created",
            EventKind::TicketUpdated => "ticket.updated",
            EventKind::TicketAssigned => "ticket.assigned",
            EventKind::TicketStatusChanged => "ticket.status_changed",
            EventKind::CommentAdded => "comment.added",
            EventKind::TicketEscalated => "ticket.escalated",
            EventKind::DirectoryUpdated => "directory.updated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Query of `GET /api/v1/tickets`. `status` and `severity` take comma-separated lists;
/// `assignee` takes a user id, `me` or `none`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TicketQuery {
    pub status: Option<String>,
    pub severity: Option<String>,
    pub campus: Option<String>,
    pub department: Option<String>,
    pub assignee: Option<String>,
    /// Search terms (see `rounds_core::query`): each must be a case-insensitive substring of
    /// the number, title, description, location, campus or department name, or a readable comment.
    pub q: Option<String>,
    pub cursor: Option<String>,
    /// 1..=500, default 50.
    pub limit: Option<u32>,
}

/// A parsed `severity` filter value.
pub fn parse_severity_list(s: &str) -> Option<Vec<Severity>> {
    s.split(',')
        .map(|p| p.trim().parse::<u8>().ok().and_then(Severity::new))
        .collect()
}

/// A parsed `status` filter value.
pub fn parse_status_list(s: &str) -> Result<Vec<Status>, crate::error::ErrorDetail> {
    s.split(',').map(|p| p.trim().parse::<Status>()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_use_a_type_tag_and_refuse_unknown_types() {
        let json = r#"{"op_id":"0190d2a4-0000-7000-8000-000000000001","at":"2026-11-02T08:00:00Z",
            "type":"ticket_transition","ticket_id":"0190d2a4-0000-7000-8000-000000000002","to":"acknowledged"}"#;
        let op: Op = serde_json::from_str(json).unwrap();
        assert!(matches!(
            op.kind,
            OpKind::TicketTransition {
                to: Status::Acknowledged,
                reason: None,
                ..
            }
        ));
        let back = serde_json::to_value(&op).unwrap();
        assert_eq!(back["type"], "ticket_transition");
        let bad = json.replace("ticket_transition", "ticket_delete");
        assert!(serde_json::from_str::<Op>(&bad).is_err());
    }

    #[test]
    fn credentials_never_print() {
        let req = LoginRequest {
            username: "nurse".into(),
            password: "s3cret-pass".into(),
        };
        let shown = format!("{req:?}");
        assert!(
            shown.contains("nurse") && !shown.contains("s3cret-pass"),
            "{shown}"
        );
        let res = LoginResponse {
            token: "tok-abcdef".into(),
            user: UserPublic {
                id: Uuid::nil(),
                username: "nurse".into(),
                display_name: "护士".into(),
                role: Role::Reporter,
                campus: None,
                department: None,
            },
            expires_at: "2026-11-02T08:00:00Z".parse().unwrap(),
            events_from: 0,
        };
        assert!(!format!("{res:?}").contains("tok-abcdef"));
    }

    #[test]
    fn changes_carry_kind_and_data() {
        let c = Change {
            seq: 7,
            entity: Entity::Campus(Campus {
                code: "main".into(),
                name: "本部院区".into(),
            }),
        };
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"seq":7,"kind":"campus","data":{"code":"main","name":"本部院区"}})
        );
        assert_eq!(serde_json::from_value::<Change>(v).unwrap(), c);
    }

    #[test]
    fn filter_lists_parse_strictly() {
        assert_eq!(
            parse_severity_list("1, 2").unwrap(),
            vec![Severity::new(1).unwrap(), Severity::new(2).unwrap()]
        );
        assert!(parse_severity_list("1,5").is_none());
        assert_eq!(
            parse_status_list("new,closed").unwrap(),
            vec![Status::New, Status::Closed]
        );
        assert!(parse_status_list("new,open").is_err());
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Some(k));
        }
    }
}
