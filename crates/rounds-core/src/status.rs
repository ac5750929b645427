//! The ticket status machine: one table of allowed moves, each with who may make it.
//!
//! A move not in [`TRANSITIONS`] is an `invalid_transition` whoever asks; a move in the table
//! that the actor's role may not make is `forbidden`. Keeping the two apart lets a client tell
//! "this can never happen from here" from "someone else must do it".

use chrono::{DateTime, Utc};

use crate::error::{ErrorCode, ErrorDetail};
use crate::model::{Role, Status, Ticket};

/// Who may make a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowed {
    /// Engineers, dispatchers and admins.
    Staff,
    /// Staff, or the reporter who raised the ticket.
    StaffOrOwnReporter,
    /// Dispatchers and admins, or the reporter who raised the ticket.
    ManagersOrOwnReporter,
}

impl Allowed {
    pub fn permits(self, role: Role, is_own_reporter: bool) -> bool {
        match self {
            Allowed::Staff => role.is_staff(),
            Allowed::StaffOrOwnReporter => role.is_staff() || is_own_reporter,
            Allowed::ManagersOrOwnReporter => {
                matches!(role, Role::Dispatcher | Role::Admin) || is_own_reporter
            }
        }
    }
}

/// One allowed move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub from: Status,
    pub to: Status,
    pub allowed: Allowed,
    /// Moves that need a written reason: waiting on someone, withdrawing, reopening.
    pub reason_required: bool,
}

const fn t(from: Status, to: Status, allowed: Allowed, reason_required: bool) -> Transition {
    Transition {
        from,
        to,
        allowed,
        reason_required,
    }
}

use Allowed::*;
use Status::*;

/// Every allowed move. Anything else is invalid.
pub const TRANSITIONS: &[Transition] = &[
    t(New, Acknowledged, Staff, false),
    t(New, InProgress, Staff, false),
    // Withdrawn by its reporter, or closed as a duplicate or not-a-fault by a dispatcher.
    t(New, Closed, ManagersOrOwnReporter, true),
    t(Acknowledged, InProgress, Staff, false),
    t(Acknowledged, Pending, Staff, true),
    t(Acknowledged, Resolved, Staff, false),
    t(InProgress, Pending, Staff, true),
    t(InProgress, Resolved, Staff, false),
    t(Pending, InProgress, Staff, false),
    t(Pending, Resolved, Staff, false),
    t(Resolved, Closed, ManagersOrOwnReporter, false),
    // Reopen: the fix did not hold.
    t(Resolved, InProgress, StaffOrOwnReporter, true),
];

/// The table row for a move, if the move exists at all.
pub fn find(from: Status, to: Status) -> Option<&'static Transition> {
    TRANSITIONS.iter().find(|r| r.from == from && r.to == to)
}

/// The statuses reachable from `from` by this actor, in table order; what a UI offers.
pub fn available(from: Status, role: Role, is_own_reporter: bool) -> Vec<Status> {
    TRANSITIONS
        .iter()
        .filter(|r| r.from == from && r.allowed.permits(role, is_own_reporter))
        .map(|r| r.to)
        .collect()
}

/// Checks a move against the table, the actor's role and the reason rule.
pub fn check(
    from: Status,
    to: Status,
    role: Role,
    is_own_reporter: bool,
    reason: Option<&str>,
) -> Result<&'static Transition, ErrorDetail> {
    let rule = find(from, to).ok_or_else(|| {
        ErrorDetail::new(
            ErrorCode::InvalidTransition,
            format!("a ticket that is {from} cannot move to {to}"),
        )
    })?;
    if !rule.allowed.permits(role, is_own_reporter) {
        return Err(ErrorDetail::new(
            ErrorCode::Forbidden,
            format!("a {role} may not move this ticket from {from} to {to}"),
        ));
    }
    if rule.reason_required && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(ErrorDetail::new(
            ErrorCode::Validation,
            format!("moving a ticket from {from} to {to} needs a reason"),
        ));
    }
    Ok(rule)
}

/// Applies an already checked move: the status and the timestamps that go with it.
///
/// `acknowledged_at` is set once, the first time staff take the ticket out of `new`; it is what
/// the response clock stops on. A reopen clears `resolved_at` so the resolution clock resumes.
pub fn apply(ticket: &mut Ticket, to: Status, at: DateTime<Utc>) {
    let from = ticket.status;
    if from == New && matches!(to, Acknowledged | InProgress) && ticket.acknowledged_at.is_none() {
        ticket.acknowledged_at = Some(at);
    }
    match to {
        Resolved => ticket.resolved_at = Some(at),
        Closed => ticket.closed_at = Some(at),
        InProgress if from == Resolved => ticket.resolved_at = None,
        _ => {}
    }
    ticket.status = to;
    // An offline move may carry an older time than an edit already seen: never go back.
    ticket.updated_at = ticket.updated_at.max(at);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The full expected table: (from, to) -> who may do it, for every pair of statuses.
    /// Written out by hand so that a change to TRANSITIONS must be made twice, on purpose.
    fn expected(from: Status, to: Status) -> Option<(Allowed, bool)> {
        Some(match (from, to) {
            (New, Acknowledged) | (New, InProgress) => (Staff, false),
            (New, Closed) => (ManagersOrOwnReporter, true),
            (Acknowledged, InProgress) | (Acknowledged, Resolved) => (Staff, false),
            (Acknowledged, Pending) | (InProgress, Pending) => (Staff, true),
            (InProgress, Resolved) | (Pending, InProgress) | (Pending, Resolved) => (Staff, false),
            (Resolved, Closed) => (ManagersOrOwnReporter, false),
            (Resolved, InProgress) => (StaffOrOwnReporter, true),
            _ => return None,
        })
    }

    #[test]
    fn every_pair_of_statuses_matches_the_expected_table() {
        for &from in Status::ALL {
            for &to in Status::ALL {
                let got = find(from, to).map(|r| (r.allowed, r.reason_required));
                assert_eq!(got, expected(from, to), "{from} -> {to}");
            }
        }
    }

    #[test]
    fn every_move_is_checked_against_every_role() {
        let roles = [
            Role::Reporter,
            Role::Engineer,
            Role::Dispatcher,
            Role::Admin,
        ];
        for &from in Status::ALL {
            for &to in Status::ALL {
                for role in roles {
                    for own in [false, true] {
                        let res = check(from, to, role, own, Some("因为"));
                        let want = match expected(from, to) {
                            None => Some(ErrorCode::InvalidTransition),
                            Some((allowed, _)) => {
                                let ok = match allowed {
                                    Staff => role != Role::Reporter,
                                    StaffOrOwnReporter => role != Role::Reporter || own,
                                    ManagersOrOwnReporter => {
                                        matches!(role, Role::Dispatcher | Role::Admin) || own
                                    }
                                };
                                (!ok).then_some(ErrorCode::Forbidden)
                            }
                        };
                        assert_eq!(
                            res.err().map(|e| e.code),
                            want,
                            "{role} own={own} {from} -> {to}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn closed_is_terminal_and_reason_rules_hold() {
        assert!(Status::ALL.iter().all(|&to| find(Closed, to).is_none()));
        let e = check(InProgress, Pending, Role::Engineer, false, None).unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation);
        let e = check(InProgress, Pending, Role::Engineer, false, Some("  ")).unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation);
        assert!(check(InProgress, Pending, Role::Engineer, false, Some("等待厂家")).is_ok());
        assert!(check(InProgress, Resolved, Role::Engineer, false, None).is_ok());
    }

    #[test]
    fn available_lists_only_permitted_moves() {
        assert_eq!(
            available(Resolved, Role::Reporter, true),
            vec![Closed, InProgress]
        );
        assert!(available(Resolved, Role::Reporter, false).is_empty());
        assert_eq!(
            available(New, Role::Engineer, false),
            vec![Acknowledged, InProgress]
        );
        assert_eq!(
            available(New, Role::Dispatcher, false),
            vec![Acknowledged, InProgress, Closed]
        );
    }

    #[test]
    fn apply_sets_and_clears_timestamps() {
        let t0: DateTime<Utc> = "2026-11-02T08:00:00Z".parse().unwrap();
        let mut tk = crate::merge::tests::sample_ticket();
        apply(&mut tk, InProgress, t0);
        assert_eq!(tk.acknowledged_at, Some(t0));
        let t1 = t0 + chrono::Duration::hours(1);
        apply(&mut tk, Resolved, t1);
        assert_eq!(tk.resolved_at, Some(t1));
        let t2 = t1 + chrono::Duration::hours(1);
        apply(&mut tk, InProgress, t2);
        assert_eq!(tk.resolved_at, None);
        assert_eq!(
            tk.acknowledged_at,
            Some(t0),
            "acknowledgement is kept on reopen"
        );
        apply(&mut tk, Resolved, t2);
        apply(&mut tk, Closed, t2);
        assert_eq!(
            (tk.status, tk.closed_at, tk.updated_at),
            (Closed, Some(t2), t2)
        );
    }
}
