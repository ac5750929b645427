//! Generated data as the server's pull sends it (feature `pulled`): [`Change`]s to feed a
//! client cache directly, for tests and benchmarks of the client that need a large or exact
//! corpus without a server.
//!
//! Ids, numbers and times are derived from the ticket's index, so a test can name the ticket
//! it expects: ticket `i` has id `id_base + i` and number `R-2026-{i + 1:06}`; its comment `j`
//! has id `(id_base + i) << 8 | j`. Everything is reported by user `1`, unassigned.

use chrono::{DateTime, Duration, Utc};
use rounds_core::error::{ErrorCode, ErrorDetail};
use rounds_core::model::{Campus, Comment, Department, Severity, Ticket};
use rounds_core::wire::{Change, Entity};
use uuid::Uuid;

use crate::GenTicket;

/// How a corpus turns into changes: where its ids start and the "now" its relative times are
/// anchored to. Keeps the sequence number of the last change made.
#[derive(Debug, Clone)]
pub struct Pulled {
    pub id_base: u128,
    pub anchor: DateTime<Utc>,
    /// The `seq` of the last change made; the next one gets `seq + 1`.
    pub seq: i64,
}

impl Pulled {
    pub fn new(id_base: u128, anchor: DateTime<Utc>) -> Self {
        Pulled {
            id_base,
            anchor,
            seq: 0,
        }
    }

    /// The id of ticket `i`.
    pub fn ticket_id(&self, i: usize) -> Uuid {
        Uuid::from_u128(self.id_base + i as u128)
    }

    /// The number of ticket `i`.
    pub fn number(i: usize) -> String {
        format!("R-2026-{:06}", i + 1)
    }

    fn change(&mut self, entity: Entity) -> Change {
        self.seq += 1;
        Change {
            seq: self.seq,
            entity,
        }
    }

    /// The fixtures' campuses and departments.
    pub fn directory(&mut self) -> Vec<Change> {
        let campuses = crate::campuses().iter().map(|c| {
            Entity::Campus(Campus {
                code: c.code.into(),
                name: c.name.into(),
            })
        });
        let departments = crate::departments().iter().map(|d| {
            Entity::Department(Department {
                code: d.code.into(),
                name: d.name.into(),
                campus: d.campus.into(),
            })
        });
        campuses
            .chain(departments)
            .map(|e| self.change(e))
            .collect()
    }

    /// Generated ticket `i` and its comments. Fails only if the catalog holds a value the
    /// domain does not accept (the tests of this crate make sure it does not).
    pub fn ticket(&mut self, g: GenTicket, i: usize) -> Result<Vec<Change>, ErrorDetail> {
        let id = self.ticket_id(i);
        let at = self.anchor - Duration::minutes(i64::from(g.opened_minutes_ago));
        let reporter = Uuid::from_u128(1);
        let severity = Severity::new(g.severity).ok_or_else(|| {
            ErrorDetail::new(ErrorCode::Validation, format!("severity {}", g.severity))
        })?;
        let ticket = Ticket {
            id,
            number: Some(Self::number(i)),
            title: g.title,
            description: g.description,
            campus: g.campus.into(),
            department: g.department.into(),
            location: g.location,
            reporter,
            assignee: None,
            severity,
            status: g.status.parse()?,
            work_type: g.work_type.parse()?,
            maintenance_type: g.maintenance_type.parse()?,
            channel: g.channel.parse()?,
            attachments: vec![],
            created_at: at,
            updated_at: at,
            acknowledged_at: None,
            resolved_at: None,
            closed_at: None,
            sla: None,
        };
        let mut out = vec![self.change(Entity::Ticket(ticket))];
        for (j, c) in g.comments.into_iter().enumerate() {
            let comment = Comment {
                id: Uuid::from_u128(((self.id_base + i as u128) << 8) | j as u128),
                ticket_id: id,
                author: reporter,
                body: c.body,
                internal: c.internal,
                created_at: at + Duration::minutes(i64::from(c.minutes_after_open)),
            };
            out.push(self.change(Entity::Comment(comment)));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_generated_ticket_converts_with_ids_numbers_and_times_from_its_index() {
        let anchor: DateTime<Utc> = "2026-11-27T08:00:00Z".parse().unwrap();
        let mut p = Pulled::new(1_000, anchor);
        let dir = p.directory();
        assert_eq!(
            dir.len(),
            crate::campuses().len() + crate::departments().len()
        );
        let mut seq = p.seq;
        for (i, g) in crate::stream(2026, 2_000).enumerate() {
            let (minutes, comments) = (g.opened_minutes_ago, g.comments.len());
            let changes = p.ticket(g, i).unwrap();
            assert_eq!(changes.len(), 1 + comments);
            for c in &changes {
                seq += 1;
                assert_eq!(c.seq, seq);
            }
            let Entity::Ticket(t) = &changes[0].entity else {
                panic!("the ticket comes first")
            };
            assert_eq!(t.id, Uuid::from_u128(1_000 + i as u128));
            assert_eq!(t.number.as_deref(), Some(Pulled::number(i).as_str()));
            assert_eq!(anchor - t.created_at, Duration::minutes(i64::from(minutes)));
            for (j, c) in changes[1..].iter().enumerate() {
                let Entity::Comment(c) = &c.entity else {
                    panic!("comments follow")
                };
                assert_eq!((c.ticket_id, c.id.as_u128() & 0xff), (t.id, j as u128));
            }
        }
    }
}
