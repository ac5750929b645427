//! What deserves a desktop notification, decided from a server event and the local cache.
//!
//! The rule is pure so it can be tested without a server: [`notice_for`] gets the signed-in
//! user, the event, and the ticket as this cache held it *before* the event's change was pulled.
//! Comparing with that earlier state is what keeps a user from being notified of their own
//! actions: a change made on this machine is already in the local view (pending ops are
//! replayed over the server state), so it is not news when the server echoes it.

use rounds_core::model::{Role, Status, Ticket, UserPublic};
use rounds_core::wire::{Change, Entity, EventKind};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A ticket was assigned to me.
    Assigned,
    /// Someone else commented on a ticket I reported or am assigned to.
    Comment,
    /// The status of a ticket I reported changed.
    Status,
    /// The SLA ladder escalated a ticket (staff only).
    Escalation,
}

/// One notification, before it is worded in the user's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Notice {
    pub kind: NoticeKind,
    pub ticket_id: Uuid,
    pub number: Option<String>,
    /// The ticket's title.
    pub title: String,
    /// The new status, for [`NoticeKind::Status`].
    pub status: Option<Status>,
    /// The comment's text, or what the escalation says.
    pub detail: Option<String>,
}

fn of(kind: NoticeKind, t: &Ticket) -> Notice {
    Notice {
        kind,
        ticket_id: t.id,
        number: t.number.clone(),
        title: t.title.clone(),
        status: None,
        detail: None,
    }
}

/// The notice an event deserves for `me`, if any. `before` is the cached ticket the event is
/// about (for a comment, the ticket commented on), read before the change was applied.
pub fn notice_for(
    me: &UserPublic,
    kind: EventKind,
    change: &Change,
    before: Option<&Ticket>,
) -> Option<Notice> {
    match (&change.entity, kind) {
        (Entity::Comment(c), EventKind::CommentAdded) => {
            let t = before?;
            let mine = t.reporter == me.id || t.assignee == Some(me.id);
            let visible = !c.internal || me.role.is_staff();
            (mine && visible && c.author != me.id).then(|| Notice {
                detail: Some(c.body.chars().take(140).collect()),
                ..of(NoticeKind::Comment, t)
            })
        }
        (Entity::Ticket(t), EventKind::TicketEscalated) => {
            if !me.role.is_staff() {
                return None;
            }
            // `target:percent:step`, worded by the shell; percent 0 is the page at creation.
            let last = t.sla.as_ref().and_then(|s| s.escalations.last());
            Some(Notice {
                detail: last.map(|e| format!("{}:{}:{}", e.target.as_str(), e.percent, e.step)),
                ..of(NoticeKind::Escalation, t)
            })
        }
        (Entity::Ticket(t), _) => {
            let was_assigned = before.is_some_and(|b| b.assignee == Some(me.id));
            if t.assignee == Some(me.id) && !was_assigned {
                return Some(of(NoticeKind::Assigned, t));
            }
            let status_moved = before.is_some_and(|b| b.status != t.status);
            // A reporter hears about their ticket's progress; staff see it in their queue.
            if t.reporter == me.id && status_moved && me.role == Role::Reporter {
                return Some(Notice {
                    status: Some(t.status),
                    ..of(NoticeKind::Status, t)
                });
            }
            None
        }
        _ => None,
    }
}
