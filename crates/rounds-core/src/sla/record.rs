//! The SLA record a ticket carries (`Ticket::sla`), and the pure rules that fill it in.
//!
//! The server computes the record on every write of a ticket and stores it with the ticket,
//! so every pull and event carries it; clients only display it. The escalation ladder
//! fires at 50 %, 80 % and 100 % of each target ([`super::Fraction::LADDER`]); which
//! points are still ahead, and when, is [`pending_escalations`], so the server can store
//! one timer per point and fire each exactly once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    BusinessCalendar, Clock, Fraction, SlaError, SlaPolicy, TicketTimes, evaluate, fraction_point,
};

/// Which of a ticket's two targets an escalation concerns.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema, TS,
)]
#[serde(rename_all = "snake_case")]
pub enum SlaTargetKind {
    Response,
    Resolution,
}

impl SlaTargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SlaTargetKind::Response => "response",
            SlaTargetKind::Resolution => "resolution",
        }
    }
}

/// The ladder: (percent, step, fraction). Step 1 notifies the assignee (or the on-call
/// engineer), step 2 the on-call backup and the dispatchers, step 3 the service managers.
pub const LADDER: [(u8, u8, Fraction); 3] = [
    (50, 1, Fraction::HALF),
    (80, 2, Fraction::FOUR_FIFTHS),
    (100, 3, Fraction::WHOLE),
];

/// One escalation that happened. `percent == 0` and `step == 0` is the page of the on-call
/// engineer when a level 1 or 2 ticket is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct Escalation {
    pub target: SlaTargetKind,
    pub percent: u8,
    pub step: u8,
    /// When it was carried out (after a server stop, later than `due`).
    pub at: DateTime<Utc>,
    /// When it was due.
    pub due: DateTime<Utc>,
    /// The users notified.
    pub notified: Vec<Uuid>,
}

/// The steps of the emergency checklist of a level 1 or 2 ticket, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum ChecklistKey {
    Acknowledge,
    AssessScope,
    InformIt,
    RestoreService,
    RootCauseReport,
}

impl ChecklistKey {
    pub const ALL: [ChecklistKey; 5] = [
        ChecklistKey::Acknowledge,
        ChecklistKey::AssessScope,
        ChecklistKey::InformIt,
        ChecklistKey::RestoreService,
        ChecklistKey::RootCauseReport,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChecklistKey::Acknowledge => "acknowledge",
            ChecklistKey::AssessScope => "assess_scope",
            ChecklistKey::InformIt => "inform_it",
            ChecklistKey::RestoreService => "restore_service",
            ChecklistKey::RootCauseReport => "root_cause_report",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One step of the emergency checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChecklistStep {
    pub key: ChecklistKey,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by: Option<Uuid>,
    pub due: Option<DateTime<Utc>>,
}

/// The server-computed SLA state of a ticket, as stored with it and sent to clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct TicketSla {
    /// `None` only while the clock is paused and the due time is not known yet.
    pub response_due: Option<DateTime<Utc>>,
    pub resolution_due: Option<DateTime<Utc>>,
    pub response_breached: bool,
    pub resolution_breached: bool,
    /// `Some(true/false)` once the response clock stopped; `None` while it runs.
    #[serde(default)]
    pub response_met: Option<bool>,
    #[serde(default)]
    pub resolution_met: Option<bool>,
    pub responded_at: Option<DateTime<Utc>>,
    /// In `pending`: the clocks do not run.
    pub paused: bool,
    /// Counted seconds of the resolution target so far (business seconds on the business
    /// clock, real seconds on 24x7), pauses excluded.
    pub business_seconds: i64,
    /// Counted seconds of the response target so far.
    #[serde(default)]
    pub response_seconds: i64,
    /// Every escalation so far, oldest first. Each (target, percent) appears at most once.
    pub escalations: Vec<Escalation>,
    /// The emergency checklist, for levels 1 and 2.
    pub checklist: Option<Vec<ChecklistStep>>,
}

impl TicketSla {
    /// Whether the ladder point (target, percent) already fired.
    pub fn fired(&self, target: SlaTargetKind, percent: u8) -> bool {
        self.escalations
            .iter()
            .any(|e| e.target == target && e.percent == percent)
    }
}

/// A ladder point still ahead of a ticket: fire `step` at `due`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingEscalation {
    pub target: SlaTargetKind,
    pub percent: u8,
    pub step: u8,
    pub due: DateTime<Utc>,
}

/// Computes the SLA record at `now`, keeping the escalations and checklist of `previous`.
/// `paused` says the ticket is in `pending` now (its last pause runs until `now`).
///
/// While the ticket is paused its due times are not known (they move with every second of
/// the pause), so they are reported as `None`, and breach flags keep their last value.
pub fn compute(
    policy: &SlaPolicy,
    calendar: &BusinessCalendar,
    level: u8,
    times: &TicketTimes,
    paused: bool,
    now: DateTime<Utc>,
    previous: Option<&TicketSla>,
) -> Result<TicketSla, SlaError> {
    let status = evaluate(policy, calendar, level, times, now)?;
    let paused = paused && times.resolved_at.is_none();
    let responded_at = match (times.acknowledged_at, times.resolved_at) {
        (Some(a), Some(r)) => Some(a.min(r)),
        (a, r) => a.or(r),
    };
    let response_paused = paused && responded_at.is_none();
    let prev_breach = |f: fn(&TicketSla) -> bool| previous.is_some_and(f);
    Ok(TicketSla {
        response_due: (!response_paused).then_some(status.response_due),
        resolution_due: (!paused).then_some(status.resolution_due),
        response_breached: if response_paused {
            prev_breach(|p| p.response_breached) || status.response_breached
        } else {
            status.response_breached
        },
        resolution_breached: if paused {
            prev_breach(|p| p.resolution_breached) || status.resolution_breached
        } else {
            status.resolution_breached
        },
        response_met: status.response_met,
        resolution_met: status.resolution_met,
        responded_at,
        paused,
        business_seconds: status.resolution_business_seconds,
        response_seconds: status.response_business_seconds,
        escalations: previous.map(|p| p.escalations.clone()).unwrap_or_default(),
        checklist: previous.and_then(|p| p.checklist.clone()),
    })
}

/// The ladder points still to fire for a ticket, given its record `sla` (from [`compute`]):
/// none for a stopped clock or while paused; otherwise each unfired point with its due time.
/// For level 1 the response 50 % point goes straight to step 3: "escalate to the service
/// manager when not acknowledged in half the response time".
pub fn pending_escalations(
    policy: &SlaPolicy,
    calendar: &BusinessCalendar,
    level: u8,
    times: &TicketTimes,
    sla: &TicketSla,
) -> Result<Vec<PendingEscalation>, SlaError> {
    let targets = policy.level(level)?;
    if sla.paused {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for (kind, target, stopped) in [
        (
            SlaTargetKind::Response,
            targets.respond,
            sla.responded_at.is_some(),
        ),
        (
            SlaTargetKind::Resolution,
            targets.resolve,
            times.resolved_at.is_some(),
        ),
    ] {
        if stopped {
            continue;
        }
        let clock = Clock::new(target.clock, calendar);
        for (percent, step, fraction) in LADDER {
            if sla.fired(kind, percent) {
                continue;
            }
            let due = fraction_point(
                &clock,
                times.opened_at,
                target.target,
                &times.pauses,
                fraction,
            )?;
            let step = if level == 1 && kind == SlaTargetKind::Response && percent == 50 {
                3
            } else {
                step
            };
            out.push(PendingEscalation {
                target: kind,
                percent,
                step,
                due,
            });
        }
    }
    Ok(out)
}

/// A fresh emergency checklist for a ticket opened at `opened` with the given due times;
/// the root-cause report is due `root_cause` after the opening.
pub fn emergency_checklist(
    opened: DateTime<Utc>,
    response_due: Option<DateTime<Utc>>,
    resolution_due: Option<DateTime<Utc>>,
    root_cause: chrono::Duration,
) -> Vec<ChecklistStep> {
    ChecklistKey::ALL
        .into_iter()
        .map(|key| ChecklistStep {
            key,
            done_at: None,
            done_by: None,
            due: match key {
                ChecklistKey::Acknowledge | ChecklistKey::AssessScope | ChecklistKey::InformIt => {
                    response_due
                }
                ChecklistKey::RestoreService => resolution_due,
                ChecklistKey::RootCauseReport => Some(opened + root_cause),
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sla::{HistoryStatus, Interval};

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn level_one_ladder_points_and_the_half_time_manager_escalation() {
        let policy = SlaPolicy::default();
        let cal = BusinessCalendar::default();
        let opened = t("2026-03-02T10:00:00Z");
        let times = TicketTimes::from_history(opened, &[(opened, HistoryStatus::New)], opened);
        let sla = compute(&policy, &cal, 1, &times, false, opened, None).unwrap();
        assert_eq!(sla.response_due, Some(t("2026-03-02T10:15:00Z")));
        assert_eq!(sla.resolution_due, Some(t("2026-03-02T14:00:00Z")));
        let pending = pending_escalations(&policy, &cal, 1, &times, &sla).unwrap();
        let got: Vec<(SlaTargetKind, u8, u8, DateTime<Utc>)> = pending
            .iter()
            .map(|p| (p.target, p.percent, p.step, p.due))
            .collect();
        use SlaTargetKind::*;
        assert_eq!(
            got,
            vec![
                (Response, 50, 3, t("2026-03-02T10:07:30Z")),
                (Response, 80, 2, t("2026-03-02T10:12:00Z")),
                (Response, 100, 3, t("2026-03-02T10:15:00Z")),
                (Resolution, 50, 1, t("2026-03-02T12:00:00Z")),
                (Resolution, 80, 2, t("2026-03-02T13:12:00Z")),
                (Resolution, 100, 3, t("2026-03-02T14:00:00Z")),
            ]
        );
    }

    #[test]
    fn fired_points_paused_tickets_and_stopped_clocks_have_no_timers() {
        let policy = SlaPolicy::default();
        let cal = BusinessCalendar::default();
        let opened = t("2026-03-02T10:00:00Z");
        let ack = t("2026-03-02T10:05:00Z");
        let pend = t("2026-03-02T11:00:00Z");
        let history = [
            (opened, HistoryStatus::New),
            (ack, HistoryStatus::Acknowledged),
            (pend, HistoryStatus::Pending),
        ];
        let now = t("2026-03-02T11:30:00Z");
        let times = TicketTimes::from_history(opened, &history, now);
        let sla = compute(&policy, &cal, 2, &times, true, now, None).unwrap();
        assert!(sla.paused);
        assert_eq!(sla.resolution_due, None);
        assert_eq!(sla.responded_at, Some(ack));
        assert!(
            pending_escalations(&policy, &cal, 2, &times, &sla)
                .unwrap()
                .is_empty()
        );
        // Resumed at 12:00: an hour of pause is credited back on the 24x7 clock.
        let resumed = t("2026-03-02T12:00:00Z");
        let mut history = history.to_vec();
        history.push((resumed, HistoryStatus::InProgress));
        let times = TicketTimes::from_history(opened, &history, resumed);
        assert_eq!(times.pauses, vec![Interval::new(pend, resumed)]);
        let mut sla = compute(&policy, &cal, 2, &times, false, resumed, Some(&sla)).unwrap();
        assert_eq!(sla.resolution_due, Some(t("2026-03-02T19:00:00Z")));
        sla.escalations.push(Escalation {
            target: SlaTargetKind::Resolution,
            percent: 50,
            step: 1,
            at: resumed,
            due: resumed,
            notified: vec![],
        });
        let pending = pending_escalations(&policy, &cal, 2, &times, &sla).unwrap();
        let got: Vec<(u8, DateTime<Utc>)> = pending.iter().map(|p| (p.percent, p.due)).collect();
        // 80 % of 8 h = 6 h 24 min of counted time: 10:00 + 1 h + 5 h 24 min after the pause.
        assert_eq!(
            got,
            vec![
                (80, t("2026-03-02T17:24:00Z")),
                (100, t("2026-03-02T19:00:00Z"))
            ]
        );
    }

    #[test]
    fn checklist_keys_round_trip() {
        for k in ChecklistKey::ALL {
            assert_eq!(ChecklistKey::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        let list = emergency_checklist(
            t("2026-03-02T10:00:00Z"),
            None,
            None,
            chrono::Duration::hours(72),
        );
        assert_eq!(list.len(), 5);
        assert_eq!(list[4].due, Some(t("2026-03-05T10:00:00Z")));
    }
}
