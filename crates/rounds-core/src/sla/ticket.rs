//! Ticket-level SLA evaluation: both clocks of one ticket at an injected `now`.
//!
//! Rules, all counted from the ticket's opening:
//! - **Response** runs from `opened_at` until the first acknowledgement, or the resolution
//!   if that came first (a resolved ticket has obviously been responded to).
//! - **Resolution** runs from `opened_at` until `resolved_at`.
//! - **Pauses** (pending, and resolved→reopened stretches) are credited back on each
//!   target's own clock; see [`pauses_from_history`].
//! - **Met / breached**: a stopped clock is met iff it stopped at or before its due time
//!   (whole seconds), and breached otherwise; a running clock has `met = None` and is
//!   breached iff `now` is past its due time. Note that a clock stopped outside business
//!   hours after its due time is breached even though its counted time may equal the
//!   target exactly (no business second passed between the due time and the stop).
//! - **Level change**: the SLA is recomputed from the opening with the new level's targets
//!   as if the ticket had always had it; the caller just passes the current level.
//! - **Reopen**: the caller passes the latest resolution as `resolved_at` (or `None` while
//!   reopened) and the time between each resolution and its reopen as a pause, so it does
//!   not count against the resolution clock. [`TicketTimes::from_history`] does both.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    BusinessCalendar, Clock, ClockTarget, Interval, SlaError, SlaPolicy, due_after_seconds, elapsed,
};

/// The ticket statuses, as far as the SLA clock cares. Parses from the snake_case wire
/// names (`"in_progress"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HistoryStatus {
    New,
    Acknowledged,
    InProgress,
    Pending,
    Resolved,
    Closed,
}

/// An unknown status name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown ticket status `{0}`: expected new, acknowledged, in_progress, pending, resolved or closed"
)]
pub struct UnknownStatus(pub String);

impl FromStr for HistoryStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, UnknownStatus> {
        Ok(match s {
            "new" => HistoryStatus::New,
            "acknowledged" => HistoryStatus::Acknowledged,
            "in_progress" => HistoryStatus::InProgress,
            "pending" => HistoryStatus::Pending,
            "resolved" => HistoryStatus::Resolved,
            "closed" => HistoryStatus::Closed,
            other => return Err(UnknownStatus(other.to_owned())),
        })
    }
}

/// The pauses of a ticket from its status history (entries in any order; equal times keep
/// their given order).
///
/// A pause starts when the ticket enters `pending`, `resolved` or `closed` and ends when it
/// enters `new`, `acknowledged` or `in_progress` (a reopen). At the end of the history:
/// - still `pending`: the pause runs until `now` (so the due time keeps moving while the
///   ticket waits);
/// - `resolved`/`closed`: the pause ends at that resolution, where the clocks stop anyway
///   (so time in `pending` just before a resolution is still credited, and the reported
///   due time does not drift after the ticket is done).
pub fn pauses_from_history(
    history: &[(DateTime<Utc>, HistoryStatus)],
    now: DateTime<Utc>,
) -> Vec<Interval> {
    walk(history, now).pauses
}

struct Walked {
    pauses: Vec<Interval>,
    first_response: Option<DateTime<Utc>>,
    stopped_at: Option<DateTime<Utc>>,
}

fn walk(history: &[(DateTime<Utc>, HistoryStatus)], now: DateTime<Utc>) -> Walked {
    let mut sorted = history.to_vec();
    sorted.sort_by_key(|(at, _)| *at);
    let mut pauses = Vec::new();
    let mut first_response = None;
    // Start of the current stretch in which the clocks do not run.
    let mut paused_since: Option<DateTime<Utc>> = None;
    // When the ticket entered resolved/closed, if that is where it is now.
    let mut stopped_at: Option<DateTime<Utc>> = None;
    for &(at, status) in &sorted {
        if status != HistoryStatus::New && first_response.is_none() {
            first_response = Some(at);
        }
        match status {
            HistoryStatus::New | HistoryStatus::Acknowledged | HistoryStatus::InProgress => {
                if let Some(from) = paused_since.take() {
                    pauses.push(Interval::new(from, at));
                }
                stopped_at = None;
            }
            HistoryStatus::Pending => {
                paused_since.get_or_insert(at);
                stopped_at = None;
            }
            HistoryStatus::Resolved | HistoryStatus::Closed => {
                paused_since.get_or_insert(at);
                stopped_at.get_or_insert(at);
            }
        }
    }
    if let Some(from) = paused_since {
        let to = stopped_at.unwrap_or(now);
        if from < to {
            pauses.push(Interval::new(from, to));
        }
    }
    Walked {
        pauses,
        first_response,
        stopped_at,
    }
}

/// The instants of one ticket that the SLA clocks need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TicketTimes {
    pub opened_at: DateTime<Utc>,
    /// First acknowledgement, if any.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// The latest resolution, or `None` while the ticket is open (including reopened).
    pub resolved_at: Option<DateTime<Utc>>,
    /// Stretches not counted; any order, may overlap.
    pub pauses: Vec<Interval>,
}

impl TicketTimes {
    /// Derives the times from a status history: `acknowledged_at` is the first entry whose
    /// status is not `new` (the first time anyone acted on the ticket), `resolved_at` is the
    /// latest entry into `resolved`/`closed` if that is where the ticket is now, and the
    /// pauses are [`pauses_from_history`].
    pub fn from_history(
        opened_at: DateTime<Utc>,
        history: &[(DateTime<Utc>, HistoryStatus)],
        now: DateTime<Utc>,
    ) -> Self {
        let walked = walk(history, now);
        Self {
            opened_at,
            acknowledged_at: walked.first_response,
            resolved_at: walked.stopped_at,
            pauses: walked.pauses,
        }
    }
}

/// Both SLA clocks of one ticket at one instant.
///
/// `*_business_seconds` are the counted seconds used so far on that target's own clock
/// (real seconds for a 24x7 target, business seconds for a business target), pauses
/// excluded, up to the stop or `now`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SlaStatus {
    /// The fault level the figures were computed for.
    pub level: u8,
    pub response_due: DateTime<Utc>,
    pub resolution_due: DateTime<Utc>,
    /// The response target in counted seconds.
    pub response_target_seconds: i64,
    /// The resolution target in counted seconds.
    pub resolution_target_seconds: i64,
    /// `None` while the response clock runs.
    pub response_met: Option<bool>,
    /// Responded late, or still running and `now` is past the due time.
    pub response_breached: bool,
    /// `None` while the resolution clock runs.
    pub resolution_met: Option<bool>,
    /// Resolved late, or still running and `now` is past the due time.
    pub resolution_breached: bool,
    pub response_business_seconds: i64,
    pub resolution_business_seconds: i64,
}

/// Evaluates both clocks of a ticket of fault `level` at `now`. See the module docs for
/// the rules (level change: pass the current level; reopen: pass the latest resolution).
pub fn evaluate(
    policy: &SlaPolicy,
    calendar: &BusinessCalendar,
    level: u8,
    times: &TicketTimes,
    now: DateTime<Utc>,
) -> Result<SlaStatus, SlaError> {
    let targets = policy.level(level)?;
    let response_stop = match (times.acknowledged_at, times.resolved_at) {
        (Some(a), Some(r)) => Some(a.min(r)),
        (a, r) => a.or(r),
    };
    let response = leg(targets.respond, calendar, times, response_stop, now)?;
    let resolution = leg(targets.resolve, calendar, times, times.resolved_at, now)?;
    Ok(SlaStatus {
        level,
        response_due: response.due,
        resolution_due: resolution.due,
        response_target_seconds: response.target_seconds,
        resolution_target_seconds: resolution.target_seconds,
        response_met: response.met,
        response_breached: response.breached,
        resolution_met: resolution.met,
        resolution_breached: resolution.breached,
        response_business_seconds: response.counted,
        resolution_business_seconds: resolution.counted,
    })
}

struct Leg {
    due: DateTime<Utc>,
    target_seconds: i64,
    met: Option<bool>,
    breached: bool,
    counted: i64,
}

fn leg(
    target: ClockTarget,
    calendar: &BusinessCalendar,
    times: &TicketTimes,
    stop: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Leg, SlaError> {
    let clock = Clock::new(target.clock, calendar);
    let target_seconds = clock.target_seconds(target.target)?;
    let due = due_after_seconds(&clock, times.opened_at, target_seconds, &times.pauses)?;
    // Whole seconds throughout: `due` already is one.
    let (met, breached, until) = match stop {
        Some(stop) => {
            let met = stop.timestamp() <= due.timestamp();
            (Some(met), !met, stop)
        }
        None => (None, now.timestamp() > due.timestamp(), now),
    };
    Ok(Leg {
        due,
        target_seconds,
        met,
        breached,
        counted: elapsed(&clock, times.opened_at, until, &times.pauses),
    })
}
