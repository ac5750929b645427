//! The sync plan: a pure function from the outbox to what a sync run will send, and in which
//! order. Table-tested; [`crate::run`] carries it out.
//!
//! Rules:
//! - Ops go in the order they were made (outbox order), in batches of at most `batch` ops
//!   whose encoded size stays within `max_bytes`, so a push never exceeds the server's body
//!   limit (a refused batch would be refused again at every sync, and the outbox stuck).
//! - Every attachment an op references and that is not uploaded yet is uploaded before the
//!   first batch, in order of first use, once.
//! - An op on a ticket whose creation the server refused (a conflict) is **held**: pushing it
//!   could only fail with `not_found`. It stays in the outbox until the user retries or
//!   discards the conflicting create.

use std::collections::HashSet;

use rounds_core::wire::Op;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncPlan {
    /// SHA-256 digests to upload first.
    pub uploads: Vec<String>,
    /// Ops to push, batch by batch.
    pub batches: Vec<Vec<Op>>,
    /// Ops kept back, with the reason.
    pub held: Vec<(Uuid, &'static str)>,
}

/// Plans a sync run.
///
/// - `outbox`: pending ops, oldest first;
/// - `uploaded`: whether an attachment is already on the server;
/// - `refused_creates`: tickets whose create op is a conflict;
/// - `batch`: the most ops per push (at least 1);
/// - `max_bytes`: the most bytes of encoded ops (with their separators) per push; an op
///   larger on its own is pushed alone.
pub fn plan(
    outbox: &[Op],
    uploaded: impl Fn(&str) -> bool,
    refused_creates: &HashSet<Uuid>,
    batch: usize,
    max_bytes: usize,
) -> SyncPlan {
    let mut uploads = Vec::new();
    let mut seen = HashSet::new();
    let mut send = Vec::new();
    let mut held = Vec::new();
    for op in outbox {
        if op
            .kind
            .ticket_id()
            .is_some_and(|t| refused_creates.contains(&t))
        {
            held.push((
                op.op_id,
                "the server refused to create this ticket; retry or discard that first",
            ));
            continue;
        }
        for sha in op.kind.attachments() {
            if !uploaded(sha) && seen.insert(sha.clone()) {
                uploads.push(sha.clone());
            }
        }
        send.push(op.clone());
    }
    let mut batches: Vec<Vec<Op>> = Vec::new();
    let mut bytes = 0;
    for op in send {
        // As `Client::push` encodes it, plus the comma that separates it from the next.
        let len = serde_json::to_vec(&op).map_or(0, |v| v.len()) + 1;
        match batches.last_mut() {
            Some(current) if current.len() < batch.max(1) && bytes + len <= max_bytes => {
                current.push(op);
                bytes += len;
            }
            _ => {
                batches.push(vec![op]);
                bytes = len;
            }
        }
    }
    SyncPlan {
        uploads,
        batches,
        held,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use rounds_core::merge::TicketPatch;
    use rounds_core::model::{Channel, MaintenanceType, Severity, Status, TicketDraft, WorkType};
    use rounds_core::wire::OpKind;

    fn create(ticket: Uuid, attachments: &[&str]) -> Op {
        Op {
            op_id: Uuid::now_v7(),
            at: Utc::now(),
            kind: OpKind::TicketCreate {
                ticket: TicketDraft {
                    id: Some(ticket),
                    title: "t".into(),
                    description: String::new(),
                    campus: "main".into(),
                    department: "main-ivf".into(),
                    location: None,
                    severity: Severity::new(3).unwrap(),
                    assignee: None,
                    work_type: WorkType::DailyOps,
                    maintenance_type: MaintenanceType::Corrective,
                    channel: Channel::Desktop,
                    attachments: attachments.iter().map(|s| s.to_string()).collect(),
                },
            },
        }
    }

    fn update(ticket: Uuid, attachments: &[&str]) -> Op {
        let patch = TicketPatch {
            attachments_add: attachments.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        Op {
            op_id: Uuid::now_v7(),
            at: Utc::now(),
            kind: OpKind::TicketUpdate {
                ticket_id: ticket,
                patch,
            },
        }
    }

    fn transition(ticket: Uuid) -> Op {
        Op {
            op_id: Uuid::now_v7(),
            at: Utc::now(),
            kind: OpKind::TicketTransition {
                ticket_id: ticket,
                to: Status::Acknowledged,
                reason: None,
            },
        }
    }

    fn ids(ops: &[Op]) -> Vec<Uuid> {
        ops.iter().map(|o| o.op_id).collect()
    }

    #[test]
    fn table() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        struct Case {
            name: &'static str,
            outbox: Vec<Op>,
            uploaded: Vec<&'static str>,
            refused: Vec<Uuid>,
            batch: usize,
            uploads: Vec<&'static str>,
            batches: Vec<usize>,
            held: usize,
        }
        let cases = vec![
            Case {
                name: "empty",
                outbox: vec![],
                uploaded: vec![],
                refused: vec![],
                batch: 500,
                uploads: vec![],
                batches: vec![],
                held: 0,
            },
            Case {
                name: "batches keep order and size",
                outbox: (0..5).map(|_| transition(a)).collect(),
                uploaded: vec![],
                refused: vec![],
                batch: 2,
                uploads: vec![],
                batches: vec![2, 2, 1],
                held: 0,
            },
            Case {
                name: "attachments first, once, in order of use, skipping uploaded",
                outbox: vec![
                    create(a, &["x", "y"]),
                    update(a, &["y", "z", "w"]),
                    create(b, &["x"]),
                ],
                uploaded: vec!["w"],
                refused: vec![],
                batch: 500,
                uploads: vec!["x", "y", "z"],
                batches: vec![3],
                held: 0,
            },
            Case {
                name: "ops on a refused create are held, others go",
                outbox: vec![update(a, &["q"]), transition(b), transition(a)],
                uploaded: vec![],
                refused: vec![a],
                batch: 500,
                uploads: vec![],
                batches: vec![1],
                held: 2,
            },
            Case {
                name: "a zero batch size is treated as one",
                outbox: vec![transition(a), transition(a)],
                uploaded: vec![],
                refused: vec![],
                batch: 0,
                uploads: vec![],
                batches: vec![1, 1],
                held: 0,
            },
        ];
        for c in cases {
            let refused: HashSet<Uuid> = c.refused.iter().copied().collect();
            let p = plan(
                &c.outbox,
                |s| c.uploaded.contains(&s),
                &refused,
                c.batch,
                usize::MAX,
            );
            assert_eq!(p.uploads, c.uploads, "{}", c.name);
            assert_eq!(
                p.batches.iter().map(Vec::len).collect::<Vec<_>>(),
                c.batches,
                "{}",
                c.name
            );
            assert_eq!(p.held.len(), c.held, "{}", c.name);
            // Whatever is sent is sent in outbox order.
            let sent: Vec<Uuid> = p.batches.concat().iter().map(|o| o.op_id).collect();
            let expected: Vec<Uuid> = ids(&c.outbox)
                .into_iter()
                .filter(|id| !p.held.iter().any(|(h, _)| h == id))
                .collect();
            assert_eq!(sent, expected, "{}", c.name);
        }
    }

    #[test]
    fn batches_stay_within_the_byte_limit() {
        let a = Uuid::now_v7();
        let comment = |body: &str| Op {
            op_id: Uuid::now_v7(),
            at: Utc::now(),
            kind: OpKind::CommentAdd {
                comment_id: Uuid::now_v7(),
                ticket_id: a,
                body: body.into(),
                internal: false,
            },
        };
        let size = |op: &Op| serde_json::to_vec(op).unwrap().len() + 1;
        let outbox: Vec<Op> = (0..7).map(|i| comment(&"报".repeat(100 * i))).collect();
        let sizes: Vec<usize> = outbox.iter().map(size).collect();
        // Room for the first four ops exactly: the fifth starts a new batch.
        let limit = sizes[..4].iter().sum::<usize>();
        let p = plan(&outbox, |_| true, &HashSet::new(), 500, limit);
        let lens: Vec<usize> = p.batches.iter().map(Vec::len).collect();
        assert_eq!(lens[0], 4);
        for b in &p.batches {
            assert!(b.len() == 1 || b.iter().map(size).sum::<usize>() <= limit);
        }
        assert_eq!(p.batches.concat(), outbox, "outbox order, nothing lost");
        // An op larger than the limit on its own goes alone; the count limit still holds.
        let p = plan(&outbox, |_| true, &HashSet::new(), 500, 1);
        assert_eq!(p.batches.len(), 7);
        let p = plan(&outbox, |_| true, &HashSet::new(), 2, usize::MAX);
        assert_eq!(
            p.batches.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![2, 2, 2, 1]
        );
    }
}
