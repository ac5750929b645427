//! Permissions: one function, [`decide`], answers "may this actor do this to this ticket".
//!
//! Two layers, checked in order:
//! 1. **Scope** — may the actor see the ticket at all? Admins see everything; engineers and
//!    dispatchers see every campus or the one they are limited to; reporters see their own
//!    department's tickets. A ticket out of scope is answered as `not_found`, so that nobody
//!    learns what exists outside their scope.
//! 2. **Role** — within scope, may the role do this? Refusals are `forbidden`.
//!
//! The server applies the same scope as a SQL predicate for lists, pulls and events; a test
//! there checks the two agree.

use uuid::Uuid;

use crate::error::{ErrorCode, ErrorDetail};
use crate::model::{Role, Status, Ticket};
use crate::status;

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Uuid,
    pub role: Role,
    /// Staff: the campus they are limited to (`None`: all). Reporters: their department's campus.
    pub campus: Option<String>,
    /// Reporters: their department. Staff may have one too; it does not limit them.
    pub department: Option<String>,
}

/// The facts about a ticket that permissions depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope<'a> {
    pub campus: &'a str,
    pub department: &'a str,
    pub reporter: Uuid,
    pub assignee: Option<Uuid>,
    pub status: Status,
}

impl<'a> From<&'a Ticket> for Scope<'a> {
    fn from(t: &'a Ticket) -> Self {
        Scope {
            campus: &t.campus,
            department: &t.department,
            reporter: t.reporter,
            assignee: t.assignee,
            status: t.status,
        }
    }
}

/// What the actor wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action<'a> {
    View,
    /// Raise a new ticket with this scope.
    Create,
    Comment {
        internal: bool,
    },
    /// Read internal notes.
    ViewInternal,
    /// Change title, description, location, work type, maintenance type or channel.
    EditDetails,
    /// Change the fault level.
    SetSeverity,
    /// Set the assignee (`None` unassigns).
    Assign {
        to: Option<Uuid>,
    },
    /// Add an attachment.
    Attach,
    Transition {
        to: Status,
        reason: Option<&'a str>,
    },
}

impl Actor {
    /// Whether the ticket is inside the actor's scope (layer 1).
    pub fn sees(&self, campus: &str, department: &str) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Engineer | Role::Dispatcher => self.campus.as_deref().is_none_or(|c| c == campus),
            Role::Reporter => {
                self.department.as_deref() == Some(department)
                    && self.campus.as_deref().is_none_or(|c| c == campus)
            }
        }
    }

    fn is_manager(&self) -> bool {
        matches!(self.role, Role::Dispatcher | Role::Admin)
    }
}

fn forbidden(msg: impl Into<String>) -> ErrorDetail {
    ErrorDetail::new(ErrorCode::Forbidden, msg)
}

/// Decides whether `actor` may do `action` to a ticket with `scope`.
pub fn decide(actor: &Actor, action: Action<'_>, scope: Scope<'_>) -> Result<(), ErrorDetail> {
    if !actor.sees(scope.campus, scope.department) {
        return Err(match action {
            Action::Create => forbidden(format!(
                "you may not raise tickets for department {} on campus {}",
                scope.department, scope.campus
            )),
            _ => ErrorDetail::new(ErrorCode::NotFound, "no such ticket"),
        });
    }
    let own = actor.user_id == scope.reporter;
    let staff = actor.role.is_staff();
    match action {
        Action::View | Action::Create | Action::Comment { internal: false } => Ok(()),
        Action::Comment { internal: true } | Action::ViewInternal if staff => Ok(()),
        Action::Comment { internal: true } | Action::ViewInternal => Err(forbidden(
            "internal notes are for engineers, dispatchers and admins",
        )),
        Action::EditDetails | Action::Attach if staff => Ok(()),
        // A reporter may still correct or add to a report nobody has picked up yet.
        Action::EditDetails | Action::Attach if own && scope.status == Status::New => Ok(()),
        Action::EditDetails | Action::Attach => Err(forbidden(
            "only staff may change a ticket once it has been picked up, and reporters only their own",
        )),
        Action::SetSeverity if staff => Ok(()),
        Action::SetSeverity => Err(forbidden("only staff may change the fault level")),
        Action::Assign { .. } if actor.is_manager() => Ok(()),
        Action::Assign { to } if actor.role == Role::Engineer => {
            // Engineers take tickets for themselves or hand back their own; dispatching to
            // others is the dispatcher's job.
            let takes =
                to == Some(actor.user_id) && scope.assignee.is_none_or(|a| a == actor.user_id);
            let hands_back = to.is_none() && scope.assignee == Some(actor.user_id);
            if takes || hands_back {
                Ok(())
            } else {
                Err(forbidden(
                    "engineers may only assign unassigned tickets to themselves",
                ))
            }
        }
        Action::Assign { .. } => Err(forbidden("reporters may not assign tickets")),
        Action::Transition { to, reason } => {
            status::check(scope.status, to, actor.role, own, reason).map(|_| ())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uid(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    const REPORTER: u128 = 1;
    const OTHER_REPORTER: u128 = 2;
    const ENGINEER: u128 = 3;
    const OTHER_ENGINEER: u128 = 4;

    fn actor(role: Role, id: u128, campus: Option<&str>, dept: Option<&str>) -> Actor {
        Actor {
            user_id: uid(id),
            role,
            campus: campus.map(Into::into),
            department: dept.map(Into::into),
        }
    }

    /// The cast: one of each kind of actor the matrix distinguishes.
    fn cast() -> Vec<(&'static str, Actor)> {
        vec![
            (
                "own reporter",
                actor(Role::Reporter, REPORTER, Some("main"), Some("main-ivf")),
            ),
            (
                "colleague",
                actor(
                    Role::Reporter,
                    OTHER_REPORTER,
                    Some("main"),
                    Some("main-ivf"),
                ),
            ),
            (
                "other dept",
                actor(Role::Reporter, 9, Some("main"), Some("main-lab")),
            ),
            ("engineer all", actor(Role::Engineer, ENGINEER, None, None)),
            (
                "engineer main",
                actor(Role::Engineer, OTHER_ENGINEER, Some("main"), None),
            ),
            (
                "engineer east",
                actor(Role::Engineer, 5, Some("east"), None),
            ),
            ("dispatcher all", actor(Role::Dispatcher, 6, None, None)),
            (
                "dispatcher east",
                actor(Role::Dispatcher, 7, Some("east"), None),
            ),
            ("admin", actor(Role::Admin, 8, None, None)),
        ]
    }

    fn scope(status: Status, assignee: Option<u128>) -> Scope<'static> {
        Scope {
            campus: "main",
            department: "main-ivf",
            reporter: uid(REPORTER),
            assignee: assignee.map(uid),
            status,
        }
    }

    /// Expected outcome for each (actor, action) on a `new` ticket of main/main-ivf raised by
    /// REPORTER and assigned to ENGINEER. 'Y' allowed, 'F' forbidden, 'N' not found.
    /// Columns: view, create, comment, internal comment, view internal, edit, severity,
    /// assign to self, assign to other engineer, unassign, attach.
    const MATRIX: &[(&str, &str)] = &[
        ("own reporter", "YYYFFYFFFFY"),
        ("colleague", "YYYFFFFFFFF"),
        ("other dept", "NFNNNNNNNNN"),
        ("engineer all", "YYYYYYYYFYY"),
        ("engineer main", "YYYYYYYFFFY"),
        ("engineer east", "NFNNNNNNNNN"),
        ("dispatcher all", "YYYYYYYYYYY"),
        ("dispatcher east", "NFNNNNNNNNN"),
        ("admin", "YYYYYYYYYYY"),
    ];

    #[test]
    fn the_whole_matrix_on_a_new_ticket() {
        let sc = scope(Status::New, Some(ENGINEER));
        for (name, a) in cast() {
            let actions = [
                Action::View,
                Action::Create,
                Action::Comment { internal: false },
                Action::Comment { internal: true },
                Action::ViewInternal,
                Action::EditDetails,
                Action::SetSeverity,
                Action::Assign {
                    to: Some(a.user_id),
                },
                Action::Assign {
                    to: Some(uid(OTHER_ENGINEER)),
                },
                Action::Assign { to: None },
                Action::Attach,
            ];
            let want = MATRIX.iter().find(|(n, _)| *n == name).unwrap().1;
            let got: String = actions
                .iter()
                .map(|&act| match decide(&a, act, sc) {
                    Ok(()) => 'Y',
                    Err(e) if e.code == ErrorCode::Forbidden => 'F',
                    Err(e) if e.code == ErrorCode::NotFound => 'N',
                    Err(e) => panic!("unexpected {e:?}"),
                })
                .collect();
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn reporters_lose_edit_rights_once_the_ticket_is_picked_up() {
        let me = actor(Role::Reporter, REPORTER, Some("main"), Some("main-ivf"));
        for &st in Status::ALL {
            let res = decide(&me, Action::EditDetails, scope(st, None));
            assert_eq!(res.is_ok(), st == Status::New, "{st}");
        }
    }

    #[test]
    fn transitions_combine_scope_and_the_status_table() {
        let cast = cast();
        let get = |n: &str| cast.iter().find(|(k, _)| *k == n).unwrap().1.clone();
        let reopen = Action::Transition {
            to: Status::InProgress,
            reason: Some("又坏了"),
        };
        let resolved = scope(Status::Resolved, Some(ENGINEER));
        assert!(decide(&get("own reporter"), reopen, resolved).is_ok());
        assert_eq!(
            decide(&get("colleague"), reopen, resolved)
                .unwrap_err()
                .code,
            ErrorCode::Forbidden
        );
        assert_eq!(
            decide(&get("other dept"), reopen, resolved)
                .unwrap_err()
                .code,
            ErrorCode::NotFound
        );
        assert_eq!(
            decide(&get("engineer east"), reopen, resolved)
                .unwrap_err()
                .code,
            ErrorCode::NotFound
        );
        assert!(decide(&get("engineer main"), reopen, resolved).is_ok());
        let ack = Action::Transition {
            to: Status::Acknowledged,
            reason: None,
        };
        assert_eq!(
            decide(&get("engineer all"), ack, resolved)
                .unwrap_err()
                .code,
            ErrorCode::InvalidTransition
        );
    }

    #[test]
    fn engineers_take_unassigned_tickets_but_not_others() {
        let me = actor(Role::Engineer, ENGINEER, None, None);
        let take = Action::Assign {
            to: Some(uid(ENGINEER)),
        };
        assert!(decide(&me, take, scope(Status::New, None)).is_ok());
        assert!(decide(&me, take, scope(Status::New, Some(ENGINEER))).is_ok());
        assert_eq!(
            decide(&me, take, scope(Status::New, Some(OTHER_ENGINEER)))
                .unwrap_err()
                .code,
            ErrorCode::Forbidden
        );
        let drop = Action::Assign { to: None };
        assert!(decide(&me, drop, scope(Status::New, Some(ENGINEER))).is_ok());
        assert!(decide(&me, drop, scope(Status::New, Some(OTHER_ENGINEER))).is_err());
    }
}
