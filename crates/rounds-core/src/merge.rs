//! The merge rule for concurrent edits, shared by the server and every client.
//!
//! A ticket's editable fields are independent last-writer-wins registers. Each field remembers
//! the op id of the edit that last set it; an edit is applied to a field only if its op id is
//! greater than the one remembered. Op ids are UUIDv7: their first 48 bits are the author's
//! clock in milliseconds, the rest random, so "greater" means "made later", with a random but
//! fixed tie-break. Because the result for each field is the maximum over the edits seen, the
//! merged ticket does not depend on the order in which the edits arrive (a property test checks
//! this), which is what lets offline clients and the server converge.
//!
//! Attachments are a grow-only set, kept sorted, so they merge by union. Status is not a
//! register: it moves only through the status machine ([`crate::status`]) and is validated at
//! the moment it is applied. Comments only append.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::ErrorDetail;
use crate::model::{
    Channel, DESCRIPTION_MAX_CHARS, MaintenanceType, SHORT_TEXT_MAX_CHARS, Severity, Ticket,
    normalise_optional, validate_len, validate_sha256, validate_title,
};

/// Deserialises a field that may be absent (`None`), `null` (`Some(None)`) or a value.
fn double_option<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A partial update: absent fields are left alone; `null` clears an optional field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct TicketPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub description: Option<String>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[ts(optional)]
    #[schema(value_type = Option<String>)]
    pub location: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub severity: Option<Severity>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[ts(optional)]
    #[schema(value_type = Option<Uuid>)]
    pub assignee: Option<Option<Uuid>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub work_type: Option<crate::model::WorkType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub maintenance_type: Option<MaintenanceType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub channel: Option<Channel>,
    /// Attachments to add (the set only grows).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub attachments_add: Vec<String>,
    /// Why: required when the fault level changes, recorded in the audit log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reason: Option<String>,
}

impl TicketPatch {
    /// Checks the text rules and trims, as [`crate::model::TicketDraft::validate`] does.
    pub fn validate(mut self) -> Result<Self, ErrorDetail> {
        if let Some(t) = &self.title {
            self.title = Some(validate_title(t)?);
        }
        if let Some(d) = &self.description {
            validate_len("description", d, DESCRIPTION_MAX_CHARS)?;
        }
        if let Some(loc) = &self.location {
            self.location = Some(normalise_optional("location", loc.as_deref())?);
        }
        if let Some(r) = &self.reason {
            validate_len("reason", r, SHORT_TEXT_MAX_CHARS)?;
        }
        for sha in &self.attachments_add {
            validate_sha256(sha)?;
        }
        Ok(self)
    }

    pub fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.description.is_none()
            && self.location.is_none()
            && self.severity.is_none()
            && self.assignee.is_none()
            && self.work_type.is_none()
            && self.maintenance_type.is_none()
            && self.channel.is_none()
            && self.attachments_add.is_empty()
    }
}

/// For each register field, the op id of the edit that set it last.
pub type FieldClocks = BTreeMap<String, Uuid>;

/// What a patch did: the fields it set, and those a later edit had already set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeOutcome {
    pub applied: Vec<&'static str>,
    pub superseded: Vec<&'static str>,
}

/// Applies `patch`, made by op `op_id` at `at`, to `ticket` under the last-writer-wins rule.
///
/// The caller has already checked permissions and validated the patch.
pub fn apply_patch(
    ticket: &mut Ticket,
    clocks: &mut FieldClocks,
    patch: &TicketPatch,
    op_id: Uuid,
    at: DateTime<Utc>,
) -> MergeOutcome {
    let mut out = MergeOutcome::default();
    let mut register = |name: &'static str, set: &mut dyn FnMut()| {
        if clocks.get(name).is_some_and(|&seen| seen >= op_id) {
            out.superseded.push(name);
        } else {
            clocks.insert(name.to_owned(), op_id);
            set();
            out.applied.push(name);
        }
    };
    if let Some(v) = &patch.title {
        register("title", &mut || ticket.title = v.clone());
    }
    if let Some(v) = &patch.description {
        register("description", &mut || ticket.description = v.clone());
    }
    if let Some(v) = &patch.location {
        register("location", &mut || ticket.location = v.clone());
    }
    if let Some(v) = patch.severity {
        register("severity", &mut || ticket.severity = v);
    }
    if let Some(v) = patch.assignee {
        register("assignee", &mut || ticket.assignee = v);
    }
    if let Some(v) = patch.work_type {
        register("work_type", &mut || ticket.work_type = v);
    }
    if let Some(v) = patch.maintenance_type {
        register("maintenance_type", &mut || ticket.maintenance_type = v);
    }
    if let Some(v) = patch.channel {
        register("channel", &mut || ticket.channel = v);
    }
    for sha in &patch.attachments_add {
        if let Err(pos) = ticket.attachments.binary_search(sha) {
            ticket.attachments.insert(pos, sha.clone());
            out.applied.push("attachments");
        }
    }
    // Every edit seen moves `updated_at` forward, applied or superseded, so that it too is
    // the same whatever the arrival order.
    if !patch.is_empty() && at > ticket.updated_at {
        ticket.updated_at = at;
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{Status, WorkType};
    use proptest::prelude::*;

    pub(crate) fn sample_ticket() -> Ticket {
        let t0: DateTime<Utc> = "2026-11-02T08:00:00Z".parse().unwrap();
        Ticket {
            id: Uuid::from_u128(42),
            number: Some("R-2026-000001".into()),
            title: "打印机卡纸".into(),
            description: String::new(),
            campus: "main".into(),
            department: "main-ivf".into(),
            location: None,
            reporter: Uuid::from_u128(1),
            assignee: None,
            severity: Severity::new(3).unwrap(),
            status: Status::New,
            work_type: WorkType::DailyOps,
            maintenance_type: MaintenanceType::Corrective,
            channel: Channel::Desktop,
            attachments: vec![],
            created_at: t0,
            updated_at: t0,
            acknowledged_at: None,
            resolved_at: None,
            closed_at: None,
        }
    }

    /// A UUIDv7 with a chosen millisecond timestamp and tie-break, for readable tests.
    fn op(ms: u64, rand: u16) -> Uuid {
        let mut b = [0u8; 16];
        b[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
        b[6] = 0x70;
        b[8] = 0x80;
        b[10..12].copy_from_slice(&rand.to_be_bytes());
        Uuid::from_bytes(b)
    }

    #[test]
    fn later_edit_wins_per_field_whatever_the_arrival_order() {
        let early = TicketPatch {
            title: Some("A".into()),
            description: Some("d1".into()),
            ..Default::default()
        };
        let late = TicketPatch {
            title: Some("B".into()),
            ..Default::default()
        };
        let at = sample_ticket().created_at;
        let (e, l) = (op(1_000, 1), op(2_000, 1));

        let mut t1 = sample_ticket();
        let mut c1 = FieldClocks::new();
        apply_patch(&mut t1, &mut c1, &early, e, at);
        apply_patch(&mut t1, &mut c1, &late, l, at);

        let mut t2 = sample_ticket();
        let mut c2 = FieldClocks::new();
        let out = apply_patch(&mut t2, &mut c2, &late, l, at);
        assert_eq!(out.applied, vec!["title"]);
        let out = apply_patch(&mut t2, &mut c2, &early, e, at);
        assert_eq!(out.superseded, vec!["title"]);
        assert_eq!(out.applied, vec!["description"]);

        assert_eq!(t1, t2);
        assert_eq!((t1.title.as_str(), t1.description.as_str()), ("B", "d1"));
    }

    #[test]
    fn reapplying_the_same_op_changes_nothing() {
        let p = TicketPatch {
            assignee: Some(Some(Uuid::from_u128(7))),
            ..Default::default()
        };
        let mut t = sample_ticket();
        let mut c = FieldClocks::new();
        let at = t.created_at + chrono::Duration::minutes(5);
        apply_patch(&mut t, &mut c, &p, op(5, 0), at);
        let snapshot = t.clone();
        let out = apply_patch(&mut t, &mut c, &p, op(5, 0), at);
        assert!(out.applied.is_empty());
        assert_eq!(t, snapshot);
        assert_eq!(t.updated_at, at);
    }

    #[test]
    fn null_clears_and_absent_leaves_alone() {
        let p: TicketPatch = serde_json::from_str(r#"{"location":null}"#).unwrap();
        assert_eq!(p.location, Some(None));
        let p: TicketPatch = serde_json::from_str(r#"{}"#).unwrap();
        assert!(p.is_empty());
        assert!(serde_json::from_str::<TicketPatch>(r#"{"status":"closed"}"#).is_err());
    }

    fn arb_patch() -> impl Strategy<Value = (TicketPatch, u64, u16)> {
        (
            proptest::option::of("[a-c]{1,3}"),
            proptest::option::of("[x-z]{0,3}"),
            proptest::option::of(proptest::option::of("[0-9]{1,2}")),
            proptest::option::of(1u8..=4),
            proptest::option::of(proptest::option::of(0u128..3)),
            proptest::collection::vec("[0-9a-f]{64}", 0..2),
            0u64..20,
            0u16..4,
        )
            .prop_map(
                |(title, description, location, sev, assignee, att, ms, r)| {
                    (
                        TicketPatch {
                            title,
                            description,
                            location,
                            severity: sev.and_then(Severity::new),
                            assignee: assignee.map(|a| a.map(Uuid::from_u128)),
                            attachments_add: att,
                            ..Default::default()
                        },
                        ms,
                        r,
                    )
                },
            )
    }

    proptest! {
        #[test]
        fn merging_is_order_independent(
            patches in proptest::collection::vec(arb_patch(), 1..8),
            seed in any::<u64>(),
        ) {
            let base = sample_ticket();
            let apply_all = |order: &[usize]| {
                let mut t = base.clone();
                let mut c = FieldClocks::new();
                for &i in order {
                    let (p, ms, r) = &patches[i];
                    let at = base.created_at + chrono::Duration::milliseconds(*ms as i64);
                    // Op ids are unique in practice; the index keeps them unique here too.
                    apply_patch(&mut t, &mut c, p, op(*ms, (*r << 8) | i as u16), at);
                }
                (t, c)
            };
            let forward: Vec<usize> = (0..patches.len()).collect();
            let mut shuffled = forward.clone();
            // A deterministic shuffle from the seed (Fisher-Yates with an LCG).
            let mut s = seed;
            for i in (1..shuffled.len()).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (s >> 33) as usize % (i + 1));
            }
            prop_assert_eq!(apply_all(&forward), apply_all(&shuffled));
        }
    }
}
