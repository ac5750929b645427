//! The ticket model and the enums around it.
//!
//! Enum values travel as snake_case strings; an unknown value is a deserialisation error,
//! never a silent default. [`Severity`] refuses anything outside 1..=4 at parse time, so no
//! code past the wire ever sees an invalid fault level.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{ErrorCode, ErrorDetail};

/// Longest title, in characters, after trimming.
pub const TITLE_MAX_CHARS: usize = 200;
/// Longest description, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 20_000;
/// Longest comment body, in characters.
pub const COMMENT_MAX_CHARS: usize = 20_000;
/// Longest location, reason or display name, in characters.
pub const SHORT_TEXT_MAX_CHARS: usize = 200;

/// Fault level 1 (critical) to 4 (minor), as defined in the service contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema, TS)]
#[schema(value_type = u8, example = 3)]
#[ts(type = "number")]
pub struct Severity(u8);

impl Severity {
    pub const ALL: [Severity; 4] = [Severity(1), Severity(2), Severity(3), Severity(4)];

    pub fn new(level: u8) -> Option<Self> {
        (1..=4).contains(&level).then_some(Severity(level))
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// Levels 1 and 2 start the emergency process.
    pub fn is_emergency(self) -> bool {
        self.0 <= 2
    }
}

impl<'de> Deserialize<'de> for Severity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        u8::try_from(n).ok().and_then(Severity::new).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "invalid fault level {n}: expected an integer from 1 (critical) to 4 (minor)"
            ))
        })
    }
}

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema, TS)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = ErrorDetail;
            fn from_str(s: &str) -> Result<Self, ErrorDetail> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(ErrorDetail::new(
                        ErrorCode::InvalidRequest,
                        format!(
                            concat!("unknown ", stringify!($name), " `{}`; expected one of: {}"),
                            other,
                            [$($text),+].join(", ")
                        ),
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(
    /// Where a ticket is in its life. See [`crate::status`] for the allowed moves.
    Status {
        New => "new",
        Acknowledged => "acknowledged",
        InProgress => "in_progress",
        Pending => "pending",
        Resolved => "resolved",
        Closed => "closed",
    }
);

string_enum!(
    /// The four kinds of work the contract names (section 2.10).
    WorkType {
        DailyOps => "daily_ops",
        BugFix => "bug_fix",
        Integration => "integration",
        Localization => "localization",
    }
);

string_enum!(
    /// The four kinds of maintenance the contract names (section 2.6).
    MaintenanceType {
        Corrective => "corrective",
        Adaptive => "adaptive",
        Perfective => "perfective",
        Preventive => "preventive",
    }
);

string_enum!(
    /// How the problem reached the service desk.
    Channel {
        Desktop => "desktop",
        Phone => "phone",
        Onsite => "onsite",
        Wechat => "wechat",
        Email => "email",
        Remote => "remote",
    }
);

string_enum!(
    /// What a user is allowed to do; see [`crate::perm`].
    Role {
        Reporter => "reporter",
        Engineer => "engineer",
        Dispatcher => "dispatcher",
        Admin => "admin",
    }
);

impl Role {
    /// Engineers, dispatchers and admins work tickets; reporters only raise and follow them.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Reporter)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct Campus {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct Department {
    /// Unique across the hospital, not only within its campus.
    pub code: String,
    pub name: String,
    pub campus: String,
}

/// What any signed-in user may know about another user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct UserPublic {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// For staff: the one campus they are limited to, or none for all campuses.
    /// For reporters: the campus of their department.
    pub campus: Option<String>,
    pub department: Option<String>,
}

/// A ticket as the server and every client cache hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct Ticket {
    /// UUIDv7 made by whoever created the ticket, possibly offline.
    pub id: Uuid,
    /// Human number such as `R-2026-000123`, assigned by the server on first sight;
    /// `None` while the ticket exists only in a client's cache.
    pub number: Option<String>,
    pub title: String,
    pub description: String,
    pub campus: String,
    pub department: String,
    pub location: Option<String>,
    pub reporter: Uuid,
    pub assignee: Option<Uuid>,
    pub severity: Severity,
    pub status: Status,
    pub work_type: WorkType,
    pub maintenance_type: MaintenanceType,
    pub channel: Channel,
    /// SHA-256 hex digests of attached files, sorted (a grow-only set; see [`crate::merge`]).
    pub attachments: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The SLA clocks, escalations and emergency checklist, computed by the server on every
    /// write; clients keep it as received and never compute it (and no patch can set it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub sla: Option<Box<crate::sla::TicketSla>>,
}

/// A public reply or an internal note. Comments only append; they are never edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct Comment {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub author: Uuid,
    pub body: String,
    /// Internal notes are for staff only and never reach a reporter, on any path.
    pub internal: bool,
    pub created_at: DateTime<Utc>,
}

/// The user-supplied fields of a new ticket, before the server fills in the rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct TicketDraft {
    /// Client-made UUIDv7; the server makes one when absent.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub id: Option<Uuid>,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub campus: String,
    pub department: String,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub location: Option<String>,
    pub severity: Severity,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub assignee: Option<Uuid>,
    #[serde(default = "default_work_type")]
    pub work_type: WorkType,
    #[serde(default = "default_maintenance_type")]
    pub maintenance_type: MaintenanceType,
    #[serde(default = "default_channel")]
    pub channel: Channel,
    #[serde(default)]
    pub attachments: Vec<String>,
}

fn default_work_type() -> WorkType {
    WorkType::DailyOps
}
fn default_maintenance_type() -> MaintenanceType {
    MaintenanceType::Corrective
}
fn default_channel() -> Channel {
    Channel::Desktop
}

impl TicketDraft {
    /// Checks the text rules and normalises the draft (trims the title and location).
    pub fn validate(mut self) -> Result<Self, ErrorDetail> {
        self.title = validate_title(&self.title)?;
        validate_len("description", &self.description, DESCRIPTION_MAX_CHARS)?;
        self.location = normalise_optional("location", self.location.as_deref())?;
        for sha in &self.attachments {
            validate_sha256(sha)?;
        }
        Ok(self)
    }
}

/// Trims a title and checks it is 1..=200 characters.
pub fn validate_title(title: &str) -> Result<String, ErrorDetail> {
    let t = title.trim();
    if t.is_empty() {
        return Err(ErrorDetail::new(
            ErrorCode::Validation,
            "title must not be empty",
        ));
    }
    validate_len("title", t, TITLE_MAX_CHARS)?;
    Ok(t.to_owned())
}

/// Checks that `value` has at most `max` characters (not bytes: Chinese is 3 bytes a character).
pub fn validate_len(field: &str, value: &str, max: usize) -> Result<(), ErrorDetail> {
    let n = value.chars().count();
    if n > max {
        return Err(ErrorDetail::new(
            ErrorCode::Validation,
            format!("{field} is {n} characters long; the limit is {max}"),
        ));
    }
    Ok(())
}

/// Trims an optional short text; empty becomes `None`.
pub fn normalise_optional(field: &str, value: Option<&str>) -> Result<Option<String>, ErrorDetail> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => {
            validate_len(field, v, SHORT_TEXT_MAX_CHARS)?;
            Ok(Some(v.to_owned()))
        }
    }
}

/// Checks a comment body: not blank, at most 20,000 characters.
pub fn validate_comment_body(body: &str) -> Result<(), ErrorDetail> {
    if body.trim().is_empty() {
        return Err(ErrorDetail::new(
            ErrorCode::Validation,
            "comment body must not be empty",
        ));
    }
    validate_len("comment body", body, COMMENT_MAX_CHARS)
}

/// Checks that a string is a lowercase hex SHA-256 digest.
pub fn validate_sha256(sha: &str) -> Result<(), ErrorDetail> {
    if sha.len() == 64 && sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(ErrorDetail::new(
            ErrorCode::Validation,
            format!("`{sha}` is not a lowercase hex SHA-256 digest"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_accepts_only_one_to_four() {
        for n in 1..=4 {
            let s: Severity = serde_json::from_str(&n.to_string()).unwrap();
            assert_eq!(s.get(), n as u8);
        }
        for bad in ["0", "5", "-1", "300", "\"2\"", "2.5"] {
            assert!(
                serde_json::from_str::<Severity>(bad).is_err(),
                "{bad} accepted"
            );
        }
        assert!(Severity::new(1).unwrap().is_emergency());
        assert!(!Severity::new(3).unwrap().is_emergency());
    }

    #[test]
    fn enums_round_trip_and_reject_unknown_values() {
        for s in Status::ALL {
            let json = serde_json::to_string(s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(serde_json::from_str::<Status>(&json).unwrap(), *s);
            assert_eq!(s.as_str().parse::<Status>().unwrap(), *s);
        }
        assert!(serde_json::from_str::<Status>("\"open\"").is_err());
        let err = "boss".parse::<Role>().unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidRequest);
        assert!(
            err.message
                .contains("reporter, engineer, dispatcher, admin")
        );
    }

    #[test]
    fn title_is_trimmed_and_counted_in_characters() {
        assert_eq!(validate_title("  打印机卡纸 ").unwrap(), "打印机卡纸");
        assert_eq!(
            validate_title("   ").unwrap_err().code,
            ErrorCode::Validation
        );
        let two_hundred: String = "院".repeat(200);
        assert_eq!(validate_title(&two_hundred).unwrap(), two_hundred);
        let too_long: String = "院".repeat(201);
        assert!(
            validate_title(&too_long)
                .unwrap_err()
                .message
                .contains("201")
        );
    }

    #[test]
    fn draft_validation_checks_every_text_field() {
        let base = TicketDraft {
            id: None,
            title: " HIS 登录失败 ".into(),
            description: String::new(),
            campus: "main".into(),
            department: "main-ivf".into(),
            location: Some("  ".into()),
            severity: Severity::new(3).unwrap(),
            assignee: None,
            work_type: WorkType::DailyOps,
            maintenance_type: MaintenanceType::Corrective,
            channel: Channel::Desktop,
            attachments: vec![],
        };
        let ok = base.clone().validate().unwrap();
        assert_eq!(ok.title, "HIS 登录失败");
        assert_eq!(ok.location, None);

        let mut long = base.clone();
        long.description = "x".repeat(DESCRIPTION_MAX_CHARS + 1);
        assert_eq!(long.validate().unwrap_err().code, ErrorCode::Validation);

        let mut bad_sha = base;
        bad_sha.attachments = vec!["ABC".into()];
        assert_eq!(bad_sha.validate().unwrap_err().code, ErrorCode::Validation);
    }

    #[test]
    fn draft_rejects_unknown_fields_and_applies_defaults() {
        let d: TicketDraft =
            serde_json::from_str(r#"{"title":"t","campus":"main","department":"d","severity":2}"#)
                .unwrap();
        assert_eq!(d.work_type, WorkType::DailyOps);
        assert_eq!(d.channel, Channel::Desktop);
        assert!(
            serde_json::from_str::<TicketDraft>(
                r#"{"title":"t","campus":"c","department":"d","severity":2,"colour":"red"}"#
            )
            .is_err()
        );
    }
}
