//! What deserves a desktop notification, decided from a pulled change and the ticket as the
//! local cache showed it before that change.
//!
//! Notices are derived from what a pull changes in the cache, not from the server's event
//! stream: the stream only wakes the sync. So a desktop that was closed or offline when
//! something happened still hears of it at its next sync, a ticket that was escalated and
//! then edited again (the change log keeps only its latest change) still pages, and a change
//! pulled by a sync that was already running is not missed.
//!
//! Comparing with the earlier local view is also what keeps a user from being notified of
//! their own actions: a change made on this machine is already in the local view (pending
//! ops are replayed over the server state), so it is not news when the server sends it back.
//!
//! Old news is not news: a change older than [`WINDOW`] (a laptop back from a week away)
//! stays in the queue and the ticket's timeline without waking anyone.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::model::{Role, Status, Ticket, UserPublic};
use crate::sla::Escalation;
use crate::wire::{Change, Entity};

/// How old a change may be and still make a notice: one shift.
pub const WINDOW: Duration = Duration::hours(12);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A ticket was assigned to me.
    Assigned,
    /// Someone else commented on a ticket I reported or am assigned to.
    Comment,
    /// The status of a ticket I reported changed.
    Status,
    /// The SLA ladder escalated a ticket: for dispatchers and admins, who watch the whole
    /// board, and for an engineer the step names (`notified`) or who holds the ticket.
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

fn recent(at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - at <= WINDOW
}

/// The notice a pulled change deserves for `me`, if any.
///
/// `before` is the local view of the ticket the change concerns (for a comment, the ticket
/// commented on) as it was before the change was applied; `None` when the cache did not hold
/// it. A comment passed here must be new to the cache: the caller skips comments it already
/// held (its own, written offline, among them).
pub fn notice_for(
    me: &UserPublic,
    change: &Change,
    before: Option<&Ticket>,
    now: DateTime<Utc>,
) -> Option<Notice> {
    match &change.entity {
        Entity::Comment(c) => {
            let t = before?;
            let mine = t.reporter == me.id || t.assignee == Some(me.id);
            let visible = !c.internal || me.role.is_staff();
            (mine && visible && c.author != me.id && recent(c.created_at, now)).then(|| Notice {
                detail: Some(c.body.chars().take(140).collect()),
                ..of(NoticeKind::Comment, t)
            })
        }
        Entity::Ticket(t) => {
            escalation(me, t, before, now).or_else(|| progress(me, t, before, now))
        }
        _ => None,
    }
}

/// The latest ladder point the change adds to the ticket's escalations that concerns `me`
/// (see [`NoticeKind::Escalation`]), while the ticket is still being worked on.
fn escalation(
    me: &UserPublic,
    t: &Ticket,
    before: Option<&Ticket>,
    now: DateTime<Utc>,
) -> Option<Notice> {
    if !me.role.is_staff() || matches!(t.status, Status::Resolved | Status::Closed) {
        return None;
    }
    let fired_before = |target, percent| {
        before
            .and_then(|b| b.sla.as_deref())
            .is_some_and(|s| s.fired(target, percent))
    };
    // An engineer on rounds is paged for what the ladder sends them, not for every ticket.
    let watches_all = matches!(me.role, Role::Dispatcher | Role::Admin);
    let concerns_me =
        |e: &Escalation| watches_all || e.notified.contains(&me.id) || t.assignee == Some(me.id);
    let new = t
        .sla
        .as_deref()?
        .escalations
        .iter()
        .rfind(|e| !fired_before(e.target, e.percent) && concerns_me(e))?;
    // `target:percent:step`, worded by the shell; percent 0 is the page at creation.
    recent(new.at, now).then(|| Notice {
        detail: Some(format!(
            "{}:{}:{}",
            new.target.as_str(),
            new.percent,
            new.step
        )),
        ..of(NoticeKind::Escalation, t)
    })
}

/// A ticket newly assigned to me, or a status change of a ticket I reported (a reporter hears
/// about their ticket's progress; staff see it in their queue).
fn progress(
    me: &UserPublic,
    t: &Ticket,
    before: Option<&Ticket>,
    now: DateTime<Utc>,
) -> Option<Notice> {
    if !recent(t.updated_at, now) {
        return None;
    }
    let was_assigned = before.is_some_and(|b| b.assignee == Some(me.id));
    if t.assignee == Some(me.id) && !was_assigned {
        return Some(of(NoticeKind::Assigned, t));
    }
    let status_moved = before.is_some_and(|b| b.status != t.status);
    (t.reporter == me.id && status_moved && me.role == Role::Reporter).then(|| Notice {
        status: Some(t.status),
        ..of(NoticeKind::Status, t)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merge::tests::sample_ticket;
    use crate::model::Comment;
    use crate::sla::{Escalation, SlaTargetKind, TicketSla};

    fn now() -> DateTime<Utc> {
        "2026-11-02T09:00:00Z".parse().unwrap()
    }

    fn user(n: u128, role: Role) -> UserPublic {
        UserPublic {
            id: Uuid::from_u128(n),
            username: format!("u{n}"),
            display_name: format!("User {n}"),
            role,
            campus: None,
            department: None,
        }
    }

    /// The sample ticket (reported by user 1), last changed ten minutes before [`now`].
    fn ticket() -> Ticket {
        Ticket {
            updated_at: now() - Duration::minutes(10),
            ..sample_ticket()
        }
    }

    fn escalated(mut t: Ticket, points: &[(SlaTargetKind, u8, u8, DateTime<Utc>)]) -> Ticket {
        t.sla = Some(Box::new(TicketSla {
            response_due: None,
            resolution_due: None,
            response_breached: false,
            resolution_breached: false,
            response_met: None,
            resolution_met: None,
            responded_at: None,
            paused: false,
            business_seconds: 0,
            response_seconds: 0,
            escalations: points
                .iter()
                .map(|&(target, percent, step, at)| Escalation {
                    target,
                    percent,
                    step,
                    at,
                    due: at,
                    notified: vec![],
                })
                .collect(),
            checklist: None,
        }));
        t
    }

    fn change(entity: Entity) -> Change {
        Change { seq: 7, entity }
    }

    fn comment(author: u128, internal: bool, at: DateTime<Utc>) -> Change {
        change(Entity::Comment(Comment {
            id: Uuid::from_u128(900),
            ticket_id: sample_ticket().id,
            author: Uuid::from_u128(author),
            body: "已更换硒鼓，请再试".into(),
            internal,
            created_at: at,
        }))
    }

    #[test]
    fn a_new_ladder_point_pages_staff_with_what_it_says() {
        use SlaTargetKind::*;
        let a_minute_ago = now() - Duration::minutes(1);
        let before = escalated(ticket(), &[(Response, 0, 0, now() - Duration::hours(1))]);
        let after = escalated(
            ticket(),
            &[
                (Response, 0, 0, now() - Duration::hours(1)),
                (Response, 50, 1, a_minute_ago),
            ],
        );
        let ch = change(Entity::Ticket(after.clone()));
        let dispatcher = user(5, Role::Dispatcher);
        let n = notice_for(&dispatcher, &ch, Some(&before), now()).expect("a page");
        assert_eq!(n.kind, NoticeKind::Escalation);
        assert_eq!(n.detail.as_deref(), Some("response:50:1"));
        assert_eq!(n.number.as_deref(), Some("R-2026-000001"));

        // The same state again (a sync that already had it): nothing new.
        let again = change(Entity::Ticket(after.clone()));
        assert_eq!(notice_for(&dispatcher, &again, Some(&after), now()), None);
        // A reporter is never paged, nor an engineer the step does not name.
        assert_eq!(
            notice_for(&user(1, Role::Reporter), &ch, Some(&before), now()),
            None
        );
        let eng = user(3, Role::Engineer);
        assert_eq!(notice_for(&eng, &ch, Some(&before), now()), None);
        // The engineer the step names is, and so is the one holding the ticket.
        let mut named = after.clone();
        if let Some(sla) = named.sla.as_deref_mut() {
            sla.escalations[1].notified = vec![eng.id];
        }
        let n = notice_for(&eng, &change(Entity::Ticket(named)), Some(&before), now());
        assert_eq!(n.map(|n| n.kind), Some(NoticeKind::Escalation));
        let held = Ticket {
            assignee: Some(eng.id),
            ..after.clone()
        };
        let before_held = Ticket {
            assignee: Some(eng.id),
            ..before.clone()
        };
        let n = notice_for(
            &eng,
            &change(Entity::Ticket(held)),
            Some(&before_held),
            now(),
        );
        assert_eq!(n.map(|n| n.kind), Some(NoticeKind::Escalation));
        // A ticket already resolved when the sync brings the escalation: too late to help.
        let resolved = Ticket {
            status: Status::Resolved,
            ..after.clone()
        };
        let ch = change(Entity::Ticket(resolved));
        assert_eq!(notice_for(&dispatcher, &ch, Some(&before), now()), None);
    }

    #[test]
    fn a_ticket_new_to_the_cache_pages_for_its_latest_recent_point() {
        use SlaTargetKind::*;
        let dispatcher = user(5, Role::Dispatcher);
        let paged = escalated(ticket(), &[(Response, 0, 0, now() - Duration::minutes(2))]);
        let n = notice_for(&dispatcher, &change(Entity::Ticket(paged)), None, now());
        assert_eq!(n.and_then(|n| n.detail).as_deref(), Some("response:0:0"));

        // Escalated a day ago, seen only now (the laptop was away): no page.
        let stale = escalated(
            ticket(),
            &[(Resolution, 80, 2, now() - Duration::hours(13))],
        );
        assert_eq!(
            notice_for(&dispatcher, &change(Entity::Ticket(stale)), None, now()),
            None
        );
    }

    #[test]
    fn assignment_to_me_is_news_once() {
        let eng = user(3, Role::Engineer);
        let assigned = Ticket {
            assignee: Some(eng.id),
            ..ticket()
        };
        let ch = change(Entity::Ticket(assigned.clone()));
        let n = notice_for(&eng, &ch, Some(&ticket()), now()).expect("assigned");
        assert_eq!(n.kind, NoticeKind::Assigned);
        // New to the cache and already mine: news too.
        assert_eq!(
            notice_for(&eng, &ch, None, now()).map(|n| n.kind),
            Some(NoticeKind::Assigned)
        );
        // Already mine here (I took it on this machine, or an earlier sync brought it).
        assert_eq!(notice_for(&eng, &ch, Some(&assigned), now()), None);
        // Someone else's assignment.
        assert_eq!(
            notice_for(&user(4, Role::Engineer), &ch, Some(&ticket()), now()),
            None
        );
        // Assigned two days ago.
        let old = Ticket {
            updated_at: now() - Duration::days(2),
            ..assigned
        };
        let ch = change(Entity::Ticket(old));
        assert_eq!(notice_for(&eng, &ch, Some(&ticket()), now()), None);
    }

    #[test]
    fn a_reporter_hears_of_their_ticket_moving() {
        let nurse = user(1, Role::Reporter);
        let acked = Ticket {
            status: Status::Acknowledged,
            ..ticket()
        };
        let ch = change(Entity::Ticket(acked.clone()));
        let n = notice_for(&nurse, &ch, Some(&ticket()), now()).expect("status");
        assert_eq!(
            (n.kind, n.status),
            (NoticeKind::Status, Some(Status::Acknowledged))
        );
        assert_eq!(notice_for(&nurse, &ch, Some(&acked), now()), None);
        // Not known before: nothing to compare with, so no status news.
        assert_eq!(notice_for(&nurse, &ch, None, now()), None);
        // Staff who reported a ticket see it in their queue instead.
        let eng = user(1, Role::Engineer);
        assert_eq!(notice_for(&eng, &ch, Some(&ticket()), now()), None);
    }

    #[test]
    fn comments_by_others_on_my_tickets_only_and_notes_only_for_staff() {
        let nurse = user(1, Role::Reporter);
        let eng = user(3, Role::Engineer);
        let t = ticket();
        let reply = comment(3, false, now() - Duration::minutes(1));
        let n = notice_for(&nurse, &reply, Some(&t), now()).expect("a reply");
        assert_eq!(n.kind, NoticeKind::Comment);
        assert_eq!(n.detail.as_deref(), Some("已更换硒鼓，请再试"));
        // An internal note never reaches the reporter.
        let note = comment(3, true, now() - Duration::minutes(1));
        assert_eq!(notice_for(&nurse, &note, Some(&t), now()), None);
        // My own comment, and a ticket that is not mine.
        let mine = comment(1, false, now() - Duration::minutes(1));
        assert_eq!(notice_for(&nurse, &mine, Some(&t), now()), None);
        assert_eq!(notice_for(&eng, &reply, Some(&t), now()), None);
        // The assignee hears of a note by someone else.
        let assigned = Ticket {
            assignee: Some(eng.id),
            ..ticket()
        };
        let by_dispatcher = comment(5, true, now() - Duration::minutes(1));
        assert!(notice_for(&eng, &by_dispatcher, Some(&assigned), now()).is_some());
        // A ticket unknown here, and an old reply.
        assert_eq!(notice_for(&nurse, &reply, None, now()), None);
        let old = comment(3, false, now() - Duration::hours(13));
        assert_eq!(notice_for(&nurse, &old, Some(&t), now()), None);
    }
}
