//! The SLA clock: due times, counted time and breach status for the four fault levels.
//!
//! The hospital pays on these figures, so everything here is exact, pure and
//! deterministic: integer seconds, no IO, and no rule reads the wall clock (`now` is always
//! passed in).
//!
//! # Model
//!
//! - A **target** ([`Target`]) is an amount of counted time on a **clock** ([`Clock`]):
//!   `24x7` counts every real second; `business` counts only business seconds of a
//!   [`BusinessCalendar`] (local working hours, workdays, holidays, make-up days).
//! - **Pauses** are `[from, to)` UTC intervals (time in `pending`, time between a resolution
//!   and a reopen). They are normalised (sorted, merged, clipped to the opening) and
//!   credited back on the target's own clock: on 24x7 the whole pause, on business only the
//!   business seconds inside it.
//! - **Counted time** from `opened` to `t` ([`elapsed`]) is the clock's seconds in
//!   `[opened, t)` minus the clock's seconds of the pauses inside that window.
//! - The **due time** ([`due`]) is the earliest instant at which the counted time reaches
//!   the target. A target that runs out exactly at the end of a working range is due at that
//!   end (17:30), not at the next opening.
//! - An **escalation point** ([`fraction_point`]) is the due time of `ceil(target * n / d)`
//!   seconds, so 1/2, 4/5 and 1/1 of a target land on exact, reproducible seconds.
//!
//! # Invariants (all property-tested)
//!
//! - `business_seconds_between(c, s, add_business_seconds(c, s, n)?) == n`, and the result
//!   is the earliest such instant.
//! - The due time is monotone non-decreasing in the opening time, and adding pause never
//!   makes it earlier.
//! - `elapsed` is additive: `elapsed(a, c) == elapsed(a, b) + elapsed(b, c)`.
//! - Instants have one-second resolution: sub-second parts of every input are dropped
//!   (floored) before any computation, and all comparisons are made on whole seconds.
//! - No computation steps per second or per minute; searches stop with an error, never
//!   hang, when a calendar runs out of working time.
//!
//! Ticket-level evaluation (response and resolution, level changes, reopen) lives in
//! [`evaluate`]; see its docs.

mod calendar;
mod policy;
mod record;
mod ticket;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use calendar::{
    BusinessCalendar, CalendarError, add_business_seconds, business_seconds_between,
};
pub use policy::{
    ClockKind, ClockTarget, LevelTargets, MAX_TARGET_DAYS, PolicyError, SlaPolicy, Target,
};
pub use record::{
    ChecklistKey, ChecklistStep, Escalation, LADDER, PendingEscalation, SlaTargetKind, TicketSla,
    compute, emergency_checklist, pending_escalations,
};
pub use ticket::{
    HistoryStatus, SlaStatus, TicketTimes, UnknownStatus, evaluate, pauses_from_history,
};

/// Why an SLA computation could not give an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlaError {
    #[error("fault level {0} does not exist: levels are 1 to 4")]
    UnknownLevel(u8),
    #[error("a duration of {0} seconds is negative")]
    NegativeDuration(i64),
    #[error("a target in business days needs the business clock")]
    BusinessDaysOn24x7,
    #[error("the business calendar has no working time left")]
    NoWorkingTimeLeft,
    #[error("no due time within 100 years: the target is too long for this calendar")]
    BeyondHorizon,
    #[error("the result lies outside the supported range of dates")]
    OutOfRange,
    #[error("a fraction needs a denominator above zero")]
    ZeroDenominator,
}

/// A half-open UTC interval `[from, to)`. An interval with `to <= from` is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub struct Interval {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Interval {
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        Self { from, to }
    }
}

/// The clock a target is counted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock<'a> {
    /// Every real second counts.
    TwentyFourSeven,
    /// Only business seconds of this calendar count.
    Business(&'a BusinessCalendar),
}

impl<'a> Clock<'a> {
    /// The clock of `kind`, using `calendar` when it is the business clock.
    pub fn new(kind: ClockKind, calendar: &'a BusinessCalendar) -> Self {
        match kind {
            ClockKind::TwentyFourSeven => Clock::TwentyFourSeven,
            ClockKind::Business => Clock::Business(calendar),
        }
    }

    /// Seconds this clock counts in `[from, to)` (zero when `to <= from`).
    pub fn seconds_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        self.secs_between(from.timestamp(), to.timestamp())
    }

    /// Earliest instant `t >= start` at which this clock has counted `secs` seconds.
    pub fn add_seconds(&self, start: DateTime<Utc>, secs: i64) -> Result<DateTime<Utc>, SlaError> {
        to_datetime(self.add_secs(start.timestamp(), secs)?)
    }

    /// The target as counted seconds on this clock.
    pub fn target_seconds(&self, target: Target) -> Result<i64, SlaError> {
        match (target, self) {
            (Target::Minutes(m), _) => Ok(i64::from(m) * 60),
            (Target::Hours(h), _) => Ok(i64::from(h) * 3_600),
            (Target::BusinessDays(d), Clock::Business(cal)) => Ok(i64::from(d) * cal.day_seconds()),
            (Target::BusinessDays(_), Clock::TwentyFourSeven) => Err(SlaError::BusinessDaysOn24x7),
        }
    }

    fn secs_between(&self, from: i64, to: i64) -> i64 {
        match self {
            Clock::TwentyFourSeven => (to - from).max(0),
            Clock::Business(cal) => cal.seconds_between(from, to),
        }
    }

    fn add_secs(&self, start: i64, secs: i64) -> Result<i64, SlaError> {
        match self {
            Clock::TwentyFourSeven if secs < 0 => Err(SlaError::NegativeDuration(secs)),
            Clock::TwentyFourSeven => start.checked_add(secs).ok_or(SlaError::OutOfRange),
            Clock::Business(cal) => cal.add_seconds(start, secs),
        }
    }
}

/// A fraction of a target, for escalation points. The contract's ladder is
/// [`Fraction::LADDER`]: half, four fifths, all of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "FractionRepr")]
pub struct Fraction {
    numerator: u32,
    denominator: u32,
}

impl Fraction {
    pub const HALF: Fraction = Fraction {
        numerator: 1,
        denominator: 2,
    };
    pub const FOUR_FIFTHS: Fraction = Fraction {
        numerator: 4,
        denominator: 5,
    };
    pub const WHOLE: Fraction = Fraction {
        numerator: 1,
        denominator: 1,
    };
    /// The escalation ladder, in order.
    pub const LADDER: [Fraction; 3] = [Self::HALF, Self::FOUR_FIFTHS, Self::WHOLE];

    /// `numerator / denominator`; may exceed one (a point past the due time).
    pub fn new(numerator: u32, denominator: u32) -> Result<Self, SlaError> {
        if denominator == 0 {
            return Err(SlaError::ZeroDenominator);
        }
        Ok(Self {
            numerator,
            denominator,
        })
    }

    pub fn numerator(self) -> u32 {
        self.numerator
    }

    pub fn denominator(self) -> u32 {
        self.denominator
    }

    /// `ceil(secs * n / d)`: the first whole second at which at least this fraction is used.
    pub fn of_seconds(self, secs: i64) -> i64 {
        let (n, d) = (i128::from(self.numerator), i128::from(self.denominator));
        let scaled = (i128::from(secs) * n + d - 1).div_euclid(d);
        // secs is a validated target (at most a few hundred days) and n is a u32, so this
        // fits; saturate rather than wrap if a caller passes something absurd.
        i64::try_from(scaled).unwrap_or(i64::MAX)
    }
}

/// The wire form of a [`Fraction`], checked on the way in so a zero denominator cannot
/// sneak past [`Fraction::new`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FractionRepr {
    numerator: u32,
    denominator: u32,
}

impl TryFrom<FractionRepr> for Fraction {
    type Error = SlaError;

    fn try_from(repr: FractionRepr) -> Result<Self, SlaError> {
        Fraction::new(repr.numerator, repr.denominator)
    }
}

/// Pauses sorted, merged (overlapping or touching), clipped to start no earlier than
/// `opened`, floored to whole seconds, with empty and inverted intervals dropped. As unix
/// seconds.
fn normalise(opened: i64, pauses: &[Interval]) -> Vec<(i64, i64)> {
    let mut spans: Vec<(i64, i64)> = pauses
        .iter()
        .map(|p| (p.from.timestamp().max(opened), p.to.timestamp()))
        .filter(|(from, to)| from < to)
        .collect();
    spans.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(spans.len());
    for (from, to) in spans {
        match merged.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => merged.push((from, to)),
        }
    }
    merged
}

/// The pauses as they are actually used: sorted, merged, clipped to `opened`, whole
/// seconds. Exposed so callers can show exactly what was credited.
pub fn normalise_pauses(opened: DateTime<Utc>, pauses: &[Interval]) -> Vec<Interval> {
    normalise(opened.timestamp(), pauses)
        .into_iter()
        .filter_map(|(from, to)| {
            Some(Interval::new(
                to_datetime(from).ok()?,
                to_datetime(to).ok()?,
            ))
        })
        .collect()
}

/// Counted seconds in `[opened, until)` on `clock`, pauses credited back. Zero when
/// `until <= opened`.
pub fn elapsed(
    clock: &Clock<'_>,
    opened: DateTime<Utc>,
    until: DateTime<Utc>,
    pauses: &[Interval],
) -> i64 {
    let (opened, until) = (opened.timestamp(), until.timestamp());
    if until <= opened {
        return 0;
    }
    let paused: i64 = normalise(opened, pauses)
        .into_iter()
        .take_while(|&(from, _)| from < until)
        .map(|(from, to)| clock.secs_between(from, to.min(until)))
        .sum();
    clock.secs_between(opened, until) - paused
}

/// The earliest instant at which `counted` seconds have been counted on `clock` since
/// `opened`, pauses credited back. `opened` itself when `counted == 0`.
pub fn due_after_seconds(
    clock: &Clock<'_>,
    opened: DateTime<Utc>,
    counted: i64,
    pauses: &[Interval],
) -> Result<DateTime<Utc>, SlaError> {
    if counted < 0 {
        return Err(SlaError::NegativeDuration(counted));
    }
    let opened = opened.timestamp();
    if counted == 0 {
        return to_datetime(opened);
    }
    // Walk the running stretches between pauses; the target runs out in the first one
    // that holds the remainder. A pause starting at or after that point changes nothing.
    let mut remaining = counted;
    let mut run_from = opened;
    for (pause_from, pause_to) in normalise(opened, pauses) {
        let available = clock.secs_between(run_from, pause_from);
        if available >= remaining {
            return to_datetime(clock.add_secs(run_from, remaining)?);
        }
        remaining -= available;
        run_from = pause_to;
    }
    to_datetime(clock.add_secs(run_from, remaining)?)
}

/// The due time of `target` on `clock` for a ticket opened at `opened`, pauses credited.
pub fn due(
    clock: &Clock<'_>,
    opened: DateTime<Utc>,
    target: Target,
    pauses: &[Interval],
) -> Result<DateTime<Utc>, SlaError> {
    due_after_seconds(clock, opened, clock.target_seconds(target)?, pauses)
}

/// The instant at which `fraction` of `target` has been consumed: the due time of
/// `ceil(target_seconds * numerator / denominator)` counted seconds. With
/// [`Fraction::WHOLE`] this is [`due`].
pub fn fraction_point(
    clock: &Clock<'_>,
    opened: DateTime<Utc>,
    target: Target,
    pauses: &[Interval],
    fraction: Fraction,
) -> Result<DateTime<Utc>, SlaError> {
    let counted = fraction.of_seconds(clock.target_seconds(target)?);
    due_after_seconds(clock, opened, counted, pauses)
}

fn to_datetime(secs: i64) -> Result<DateTime<Utc>, SlaError> {
    DateTime::from_timestamp(secs, 0).ok_or(SlaError::OutOfRange)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fraction_rounds_up_and_refuses_zero_denominators() {
        assert_eq!(Fraction::HALF.of_seconds(901), 451, "ceil(450.5)");
        assert_eq!(Fraction::FOUR_FIFTHS.of_seconds(900), 720);
        assert_eq!(Fraction::WHOLE.of_seconds(900), 900);
        assert_eq!(Fraction::new(3, 2).unwrap().of_seconds(7), 11, "ceil(10.5)");
        assert_eq!(Fraction::new(0, 3).unwrap().of_seconds(900), 0);
        let parsed: Fraction = serde_json::from_str(r#"{"numerator":4,"denominator":5}"#).unwrap();
        assert_eq!(parsed, Fraction::FOUR_FIFTHS);
        assert!(serde_json::from_str::<Fraction>(r#"{"numerator":1,"denominator":0}"#).is_err());
    }

    #[test]
    fn normalise_sorts_merges_clips_and_drops() {
        let t = |s: i64| DateTime::from_timestamp(s, 0).unwrap();
        let pauses = [
            Interval::new(t(50), t(60)),
            Interval::new(t(5), t(20)),
            Interval::new(t(30), t(25)),
            Interval::new(t(20), t(22)),
            Interval::new(t(55), t(58)),
        ];
        // Opened at 10: [5,20) clips to [10,20) and touches [20,22); [30,25) is inverted;
        // [55,58) lies inside [50,60).
        assert_eq!(normalise(10, &pauses), vec![(10, 22), (50, 60)]);
    }
}
