//! The business calendar: which instants count as business time.
//!
//! A calendar is a timezone, the weekdays that are worked, the working ranges of a working
//! day (local wall-clock times), the public holidays and the make-up working days (调休).
//!
//! # Definition of business time
//!
//! An instant `t` is business time iff, read on the wall clock of the calendar's timezone,
//! its local date is a working date and its local time of day lies in one of the working
//! ranges (half-open, `[start, end)`). A date is a working date iff it is not a holiday and
//! it is either a make-up working day or one of the `workdays`.
//!
//! Everything else follows from that one definition, which is why daylight-saving time
//! needs no special case: on a spring-forward day the skipped local hour contains no
//! instant, so it counts nothing; on a fall-back day the repeated local hour is lived twice,
//! so it counts twice. Business seconds are always real elapsed seconds.
//!
//! # Invariants
//!
//! - A validated calendar has at least one working range, every range is non-empty, the
//!   ranges are sorted and do not overlap, and it has at least one workday or make-up day,
//!   so it is never without working time by construction.
//! - [`business_seconds_between`] and [`add_business_seconds`] are inverse:
//!   `business_seconds_between(c, s, add_business_seconds(c, s, n)?) == n`, and the result of
//!   `add_business_seconds` is the *earliest* such instant (so a target that runs out exactly
//!   at 17:30 is due at 17:30, not at the next morning's opening).
//! - Instants have one-second resolution: sub-second parts are dropped (floored) on entry.
//! - The walk goes by constant-offset stretches of UTC and, inside them, by local days and
//!   ranges; it never steps per second or per minute.

use std::collections::BTreeSet;
use std::fmt;
use std::ops::ControlFlow;

use chrono::{DateTime, Datelike, NaiveDate, Offset, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{Interval, SlaError};

pub(crate) const SECS_PER_DAY: i64 = 86_400;
/// `NaiveDate::num_days_from_ce` of 1970-01-01, to turn local epoch days into dates.
const UNIX_EPOCH_DAYS_FROM_CE: i64 = 719_163;
/// Offset changes are looked for by sampling the offset at this step and bisecting where
/// it differs. Real timezones never change offset twice (and back) within six hours, and
/// a coarser step keeps long spans cheap.
const OFFSET_PROBE_STEP: i64 = 6 * 3_600;
/// Longest stretch handled in one go. Each turn samples the offset over its whole stretch,
/// so a turn of one day keeps the cost in step with the days a computation actually walks:
/// most targets end within a day, and a week's turn sampled seven days for them (that was
/// about 6 % of the server's time applying a sync push of new tickets).
const CHUNK: i64 = SECS_PER_DAY;
/// `add_business_seconds` gives up (with an error, never a hang) past this many days.
pub(crate) const SEARCH_HORIZON_DAYS: i64 = 100 * 366;

/// Why a business calendar was refused.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("business calendar is not valid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("unknown timezone `{0}`: use an IANA name such as \"Asia/Shanghai\"")]
    UnknownTimezone(String),
    #[error("unknown weekday `{0}` in `workdays`: use mon, tue, wed, thu, fri, sat or sun")]
    UnknownWeekday(String),
    #[error("weekday `{0}` is listed twice in `workdays`")]
    DuplicateWeekday(String),
    #[error("`{0}` is not a time of day: use HH:MM between 00:00 and 24:00")]
    BadTime(String),
    #[error("working range {start}-{end} does not end after it starts")]
    InvertedRange { start: String, end: String },
    #[error(
        "working ranges must be listed in ascending order: {later_start}-{later_end} comes after {earlier_start}-{earlier_end}"
    )]
    UnsortedRanges {
        earlier_start: String,
        earlier_end: String,
        later_start: String,
        later_end: String,
    },
    #[error("working ranges {first_start}-{first_end} and {second_start}-{second_end} overlap")]
    OverlappingRanges {
        first_start: String,
        first_end: String,
        second_start: String,
        second_end: String,
    },
    #[error("`{value}` in `{field}` is not a date: use YYYY-MM-DD")]
    BadDate { field: &'static str, value: String },
    #[error("{0} is both a holiday and a make-up working day")]
    HolidayAndMakeup(NaiveDate),
    #[error("`hours` is empty: a business calendar needs at least one working range")]
    NoWorkingHours,
    #[error(
        "`workdays` and `makeup_workdays` are both empty: a business calendar needs working days"
    )]
    NoWorkingDays,
}

/// A validated business calendar. See the module docs for what counts as business time.
///
/// Serialises to and from the calendar file format (TOML or JSON):
///
/// ```toml
/// timezone = "Asia/Shanghai"
/// workdays = ["mon", "tue", "wed", "thu", "fri"]
/// hours = [["08:00", "12:00"], ["14:00", "17:30"]]
/// holidays = ["2026-10-01", "2026-10-02"]
/// makeup_workdays = ["2026-09-27"]
/// ```
///
/// Times are `HH:MM` (or `HH:MM:SS`); `24:00` may end a range. `holidays` and
/// `makeup_workdays` may be omitted; unknown keys are refused so a typo cannot silently
/// drop a holiday list.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CalendarFile", into = "CalendarFile")]
pub struct BusinessCalendar {
    timezone: Tz,
    /// Indexed by `Weekday::num_days_from_monday`.
    workdays: [bool; 7],
    /// Seconds since local midnight, `[start, end)`, sorted, disjoint, non-empty.
    hours: Vec<(i64, i64)>,
    holidays: BTreeSet<NaiveDate>,
    makeup_workdays: BTreeSet<NaiveDate>,
}

impl fmt::Debug for BusinessCalendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The file form is what people write and read, so debug output shows that.
        fmt::Debug::fmt(&CalendarFile::from(self.clone()), f)
    }
}

impl Default for BusinessCalendar {
    /// Mainland China office hours: Asia/Shanghai, Monday to Friday, 08:00-12:00 and
    /// 14:00-17:30 (7.5 business hours a day), no holidays entered.
    fn default() -> Self {
        Self {
            timezone: chrono_tz::Asia::Shanghai,
            workdays: [true, true, true, true, true, false, false],
            hours: vec![(8 * 3_600, 12 * 3_600), (14 * 3_600, 17 * 3_600 + 1_800)],
            holidays: BTreeSet::new(),
            makeup_workdays: BTreeSet::new(),
        }
    }
}

impl BusinessCalendar {
    /// Parses and validates a calendar file.
    pub fn from_toml_str(text: &str) -> Result<Self, CalendarError> {
        let file: CalendarFile = toml::from_str(text)?;
        Self::try_from(file)
    }

    /// The timezone whose wall clock the working hours are read on.
    pub fn timezone(&self) -> Tz {
        self.timezone
    }

    /// Length of one business day in business seconds: the sum of the working ranges
    /// (27,000 s = 7.5 h for the default calendar). A target in business days is this many
    /// seconds per day, whatever the date, so a day shortened by a DST jump does not
    /// shorten the target: the missing real hour is found on the next working day.
    pub fn day_seconds(&self) -> i64 {
        self.hours.iter().map(|(start, end)| end - start).sum()
    }

    /// Whether `date` is worked: not a holiday, and a make-up day or one of `workdays`.
    pub fn is_working_date(&self, date: NaiveDate) -> bool {
        if self.holidays.contains(&date) {
            return false;
        }
        self.makeup_workdays.contains(&date)
            || self.workdays[date.weekday().num_days_from_monday() as usize]
    }

    /// The business time in `[from, to)` as UTC intervals in ascending order, adjacent
    /// pieces joined. Meant for explaining a computation to a person (`sla explain`) and for
    /// tests; the arithmetic functions do not build this list.
    pub fn business_intervals(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Interval> {
        let mut pieces: Vec<(i64, i64)> = Vec::new();
        let (from, to) = (from.timestamp(), to.timestamp());
        let mut t = from;
        while t < to {
            let (offset, seg_end) = self.stretch(t, to.min(t + CHUNK));
            let _ = self.for_each_local_piece(t + offset, seg_end + offset, |lo, hi| {
                let (lo, hi) = (lo - offset, hi - offset);
                match pieces.last_mut() {
                    Some(last) if last.1 == lo => last.1 = hi,
                    _ => pieces.push((lo, hi)),
                }
                ControlFlow::<()>::Continue(())
            });
            t = seg_end;
        }
        pieces
            .into_iter()
            .filter_map(|(lo, hi)| {
                Some(Interval {
                    from: DateTime::from_timestamp(lo, 0)?,
                    to: DateTime::from_timestamp(hi, 0)?,
                })
            })
            .collect()
    }

    /// Business seconds in `[from, to)`, both unix seconds. Zero when `to <= from`.
    pub(crate) fn seconds_between(&self, from: i64, to: i64) -> i64 {
        let mut total = 0;
        let mut t = from;
        while t < to {
            let (offset, seg_end) = self.stretch(t, to.min(t + CHUNK));
            let _ = self.for_each_local_piece(t + offset, seg_end + offset, |lo, hi| {
                total += hi - lo;
                ControlFlow::<()>::Continue(())
            });
            t = seg_end;
        }
        total
    }

    /// Earliest `t >= start` with `seconds_between(start, t) == secs`, in unix seconds.
    pub(crate) fn add_seconds(&self, start: i64, secs: i64) -> Result<i64, SlaError> {
        if secs < 0 {
            return Err(SlaError::NegativeDuration(secs));
        }
        if secs == 0 {
            return Ok(start);
        }
        let horizon = start + SEARCH_HORIZON_DAYS * SECS_PER_DAY;
        // Without regular workdays, the make-up days are the only working time there is;
        // past the last of them the search would never end.
        let last_working_local = if self.workdays.iter().any(|&w| w) {
            None
        } else {
            self.makeup_workdays
                .iter()
                .next_back()
                .map(|d| (local_day_number(*d) + 1) * SECS_PER_DAY)
        };
        let mut remaining = secs;
        let mut t = start;
        loop {
            if t >= horizon {
                return Err(SlaError::BeyondHorizon);
            }
            let (offset, seg_end) = self.stretch(t, t + CHUNK);
            if let Some(last) = last_working_local
                && t + offset >= last
            {
                return Err(SlaError::NoWorkingTimeLeft);
            }
            let found = self.for_each_local_piece(t + offset, seg_end + offset, |lo, hi| {
                let len = hi - lo;
                if len >= remaining {
                    ControlFlow::Break(lo + remaining)
                } else {
                    remaining -= len;
                    ControlFlow::Continue(())
                }
            });
            if let ControlFlow::Break(local) = found {
                return Ok(local - offset);
            }
            t = seg_end;
        }
    }

    /// The UTC offset in force at `t` and the end of the stretch from `t` during which it
    /// stays in force, capped at `limit` (`t < limit`).
    fn stretch(&self, t: i64, limit: i64) -> (i64, i64) {
        let offset = offset_at(self.timezone, t);
        let mut probe = t;
        while probe < limit {
            let next = limit.min(probe + OFFSET_PROBE_STEP);
            if offset_at(self.timezone, next) != offset {
                // The offset is `offset` at `lo` and something else at `hi`: bisect to
                // the first second of the new offset.
                let (mut lo, mut hi) = (probe, next);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if offset_at(self.timezone, mid) == offset {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                return (offset, hi);
            }
            probe = next;
        }
        (offset, limit)
    }

    /// Calls `f(lo, hi)` for each non-empty piece of working time in the local window
    /// `[a, b)` (local epoch seconds, i.e. wall-clock time read as if it were UTC), in
    /// ascending order, stopping early when `f` breaks.
    fn for_each_local_piece<B>(
        &self,
        a: i64,
        b: i64,
        mut f: impl FnMut(i64, i64) -> ControlFlow<B>,
    ) -> ControlFlow<B> {
        if a >= b {
            return ControlFlow::Continue(());
        }
        let first_day = a.div_euclid(SECS_PER_DAY);
        let last_day = (b - 1).div_euclid(SECS_PER_DAY);
        for day in first_day..=last_day {
            let Some(date) = date_from_local_day(day) else {
                // Outside chrono's calendar: nothing is worked there.
                continue;
            };
            if !self.is_working_date(date) {
                continue;
            }
            let midnight = day * SECS_PER_DAY;
            for &(start, end) in &self.hours {
                let lo = a.max(midnight + start);
                let hi = b.min(midnight + end);
                if lo < hi {
                    f(lo, hi)?;
                }
            }
        }
        ControlFlow::Continue(())
    }
}

/// Business seconds in `[from, to)` (zero when `to <= from`). Sub-second parts are dropped.
pub fn business_seconds_between(
    cal: &BusinessCalendar,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> i64 {
    cal.seconds_between(from.timestamp(), to.timestamp())
}

/// The earliest instant `t >= start` such that `business_seconds_between(cal, start, t) ==
/// secs`; `start` itself when `secs == 0` (even outside business hours).
///
/// Errors: `secs < 0`; no working time left in the calendar (a calendar made only of
/// make-up days, all past); no result within 100 years; a result outside chrono's range.
pub fn add_business_seconds(
    cal: &BusinessCalendar,
    start: DateTime<Utc>,
    secs: i64,
) -> Result<DateTime<Utc>, SlaError> {
    let t = cal.add_seconds(start.timestamp(), secs)?;
    DateTime::from_timestamp(t, 0).ok_or(SlaError::OutOfRange)
}

/// Seconds east of UTC in force at unix second `t`.
fn offset_at(tz: Tz, t: i64) -> i64 {
    match DateTime::from_timestamp(t, 0) {
        Some(dt) => i64::from(
            tz.offset_from_utc_datetime(&dt.naive_utc())
                .fix()
                .local_minus_utc(),
        ),
        // Outside chrono's range no date is a working date, so the offset is irrelevant.
        None => 0,
    }
}

fn date_from_local_day(day: i64) -> Option<NaiveDate> {
    i32::try_from(day + UNIX_EPOCH_DAYS_FROM_CE)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
}

fn local_day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - UNIX_EPOCH_DAYS_FROM_CE
}

// ---------------------------------------------------------------------------------------
// The file form.

/// A date as written in the file: a quoted string (the documented form) or a bare TOML
/// date, which people naturally type and which would otherwise be refused with a cryptic
/// type error.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
enum DateEntry {
    Text(String),
    Toml(toml::value::Datetime),
}

impl DateEntry {
    fn parse(&self, field: &'static str) -> Result<NaiveDate, CalendarError> {
        let text = match self {
            DateEntry::Text(s) => s.trim().to_owned(),
            DateEntry::Toml(dt) => dt.to_string(),
        };
        NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .map_err(|_| CalendarError::BadDate { field, value: text })
    }
}

/// The calendar exactly as written in the file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    timezone: String,
    workdays: Vec<String>,
    hours: Vec<(String, String)>,
    #[serde(default)]
    holidays: Vec<DateEntry>,
    #[serde(default)]
    makeup_workdays: Vec<DateEntry>,
}

impl TryFrom<CalendarFile> for BusinessCalendar {
    type Error = CalendarError;

    fn try_from(file: CalendarFile) -> Result<Self, CalendarError> {
        let timezone: Tz = file
            .timezone
            .trim()
            .parse()
            .map_err(|_| CalendarError::UnknownTimezone(file.timezone.clone()))?;

        let mut workdays = [false; 7];
        for name in &file.workdays {
            let day = parse_weekday(name)?;
            let slot = &mut workdays[day.num_days_from_monday() as usize];
            if *slot {
                return Err(CalendarError::DuplicateWeekday(name.clone()));
            }
            *slot = true;
        }

        let mut hours: Vec<(i64, i64)> = Vec::with_capacity(file.hours.len());
        for (start_text, end_text) in &file.hours {
            let start = parse_time(start_text)?;
            let end = parse_time(end_text)?;
            if start >= end {
                return Err(CalendarError::InvertedRange {
                    start: start_text.clone(),
                    end: end_text.clone(),
                });
            }
            if let Some(&(prev_start, prev_end)) = hours.last() {
                if start < prev_start {
                    return Err(CalendarError::UnsortedRanges {
                        earlier_start: format_time(prev_start),
                        earlier_end: format_time(prev_end),
                        later_start: start_text.clone(),
                        later_end: end_text.clone(),
                    });
                }
                // Touching ranges ([08:00,12:00) then [12:00,14:00)) are fine: half-open.
                if start < prev_end {
                    return Err(CalendarError::OverlappingRanges {
                        first_start: format_time(prev_start),
                        first_end: format_time(prev_end),
                        second_start: start_text.clone(),
                        second_end: end_text.clone(),
                    });
                }
            }
            hours.push((start, end));
        }
        if hours.is_empty() {
            return Err(CalendarError::NoWorkingHours);
        }

        let holidays = file
            .holidays
            .iter()
            .map(|d| d.parse("holidays"))
            .collect::<Result<BTreeSet<_>, _>>()?;
        let makeup_workdays = file
            .makeup_workdays
            .iter()
            .map(|d| d.parse("makeup_workdays"))
            .collect::<Result<BTreeSet<_>, _>>()?;
        if let Some(date) = holidays.intersection(&makeup_workdays).next() {
            return Err(CalendarError::HolidayAndMakeup(*date));
        }
        if !workdays.iter().any(|&w| w) && makeup_workdays.is_empty() {
            return Err(CalendarError::NoWorkingDays);
        }

        Ok(Self {
            timezone,
            workdays,
            hours,
            holidays,
            makeup_workdays,
        })
    }
}

impl From<BusinessCalendar> for CalendarFile {
    fn from(cal: BusinessCalendar) -> Self {
        const NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let date = |d: &NaiveDate| DateEntry::Text(d.format("%Y-%m-%d").to_string());
        Self {
            timezone: cal.timezone.name().to_owned(),
            workdays: NAMES
                .iter()
                .zip(cal.workdays)
                .filter(|(_, worked)| *worked)
                .map(|(name, _)| (*name).to_owned())
                .collect(),
            hours: cal
                .hours
                .iter()
                .map(|&(s, e)| (format_time(s), format_time(e)))
                .collect(),
            holidays: cal.holidays.iter().map(date).collect(),
            makeup_workdays: cal.makeup_workdays.iter().map(date).collect(),
        }
    }
}

fn parse_weekday(name: &str) -> Result<Weekday, CalendarError> {
    let day = match name.trim().to_ascii_lowercase().as_str() {
        "mon" | "monday" => Weekday::Mon,
        "tue" | "tuesday" => Weekday::Tue,
        "wed" | "wednesday" => Weekday::Wed,
        "thu" | "thursday" => Weekday::Thu,
        "fri" | "friday" => Weekday::Fri,
        "sat" | "saturday" => Weekday::Sat,
        "sun" | "sunday" => Weekday::Sun,
        _ => return Err(CalendarError::UnknownWeekday(name.to_owned())),
    };
    Ok(day)
}

/// `HH:MM` or `HH:MM:SS` to seconds since midnight; `24:00` is accepted (as an end).
fn parse_time(text: &str) -> Result<i64, CalendarError> {
    let bad = || CalendarError::BadTime(text.to_owned());
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return Err(bad());
    }
    let mut fields = [0_i64; 3];
    for (slot, part) in fields.iter_mut().zip(&parts) {
        if part.is_empty() || part.len() > 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        *slot = part.parse().map_err(|_| bad())?;
    }
    let [h, m, s] = fields;
    if m > 59 || s > 59 || h > 24 || (h == 24 && (m, s) != (0, 0)) {
        return Err(bad());
    }
    Ok(h * 3_600 + m * 60 + s)
}

fn format_time(secs: i64) -> String {
    let (h, m, s) = (secs / 3_600, secs / 60 % 60, secs % 60);
    if s == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHINA: &str = r#"
        timezone = "Asia/Shanghai"
        workdays = ["mon", "tue", "wed", "thu", "fri"]
        hours = [["08:00", "12:00"], ["14:00", "17:30"]]
        holidays = ["2026-10-01", "2026-10-02"]
        makeup_workdays = ["2026-09-27"]
    "#;

    fn with(timezone: &str, hours: &str, extra: &str) -> String {
        format!(
            "timezone = \"{timezone}\"\nworkdays = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]\nhours = {hours}\n{extra}"
        )
    }

    #[test]
    fn contract_example_parses() {
        let cal = BusinessCalendar::from_toml_str(CHINA).expect("valid calendar");
        assert_eq!(cal.timezone(), chrono_tz::Asia::Shanghai);
        assert_eq!(cal.day_seconds(), 27_000, "4 h + 3.5 h = 7.5 h");
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(cal.is_working_date(d("2026-09-25")), "a Friday");
        assert!(!cal.is_working_date(d("2026-09-26")), "a Saturday");
        assert!(cal.is_working_date(d("2026-09-27")), "a make-up Sunday");
        assert!(!cal.is_working_date(d("2026-10-01")), "a holiday Thursday");
        assert!(
            cal.is_working_date(d("2026-10-05")),
            "not listed as holiday"
        );
    }

    #[test]
    fn default_is_the_china_office_calendar() {
        let default = BusinessCalendar::default();
        let written = BusinessCalendar::from_toml_str(
            r#"
            timezone = "Asia/Shanghai"
            workdays = ["mon", "tue", "wed", "thu", "fri"]
            hours = [["08:00", "12:00"], ["14:00", "17:30"]]
            "#,
        )
        .unwrap();
        assert_eq!(default, written);
    }

    #[test]
    fn round_trips_through_toml_and_json() {
        let cal = BusinessCalendar::from_toml_str(CHINA).unwrap();
        let text = toml::to_string(&cal).unwrap();
        assert_eq!(BusinessCalendar::from_toml_str(&text).unwrap(), cal);
        let json = serde_json::to_string(&cal).unwrap();
        assert_eq!(
            serde_json::from_str::<BusinessCalendar>(&json).unwrap(),
            cal
        );
    }

    #[test]
    fn accepts_bare_toml_dates_full_day_names_seconds_and_24_00() {
        let cal = BusinessCalendar::from_toml_str(
            r#"
            timezone = "Europe/Berlin"
            workdays = ["Monday", "TUE"]
            hours = [["00:00", "04:00:30"], ["20:00", "24:00"]]
            holidays = [2026-12-25]
            "#,
        )
        .unwrap();
        assert_eq!(cal.day_seconds(), 4 * 3_600 + 30 + 4 * 3_600);
        assert!(!cal.is_working_date(NaiveDate::from_ymd_opt(2026, 12, 25).unwrap()));
    }

    /// Each invalid calendar and the error it must give.
    #[test]
    fn refuses_invalid_calendars_with_clear_errors() {
        let cases: Vec<(String, &str)> = vec![
            (
                with("Mars/Olympus", r#"[["08:00", "12:00"]]"#, ""),
                "unknown timezone `Mars/Olympus`",
            ),
            (
                CHINA.replace("\"fri\"]", "\"fry\"]"),
                "unknown weekday `fry`",
            ),
            (
                CHINA.replace("\"fri\"]", "\"mon\"]"),
                "weekday `mon` is listed twice",
            ),
            (
                with("Asia/Shanghai", r#"[["08:00", "12:60"]]"#, ""),
                "`12:60` is not a time of day",
            ),
            (
                with("Asia/Shanghai", r#"[["8h", "12:00"]]"#, ""),
                "`8h` is not a time of day",
            ),
            (
                with("Asia/Shanghai", r#"[["24:01", "24:00"]]"#, ""),
                "`24:01` is not a time of day",
            ),
            (
                with("Asia/Shanghai", r#"[["12:00", "08:00"]]"#, ""),
                "working range 12:00-08:00 does not end after it starts",
            ),
            (
                with("Asia/Shanghai", r#"[["08:00", "08:00"]]"#, ""),
                "working range 08:00-08:00 does not end after it starts",
            ),
            (
                with(
                    "Asia/Shanghai",
                    r#"[["14:00", "17:30"], ["08:00", "12:00"]]"#,
                    "",
                ),
                "ascending order: 08:00-12:00 comes after 14:00-17:30",
            ),
            (
                with(
                    "Asia/Shanghai",
                    r#"[["08:00", "12:00"], ["11:00", "17:30"]]"#,
                    "",
                ),
                "working ranges 08:00-12:00 and 11:00-17:30 overlap",
            ),
            (with("Asia/Shanghai", "[]", ""), "`hours` is empty"),
            (
                with(
                    "Asia/Shanghai",
                    r#"[["08:00", "12:00"]]"#,
                    r#"holidays = ["2026-02-30"]"#,
                ),
                "`2026-02-30` in `holidays` is not a date",
            ),
            (
                with(
                    "Asia/Shanghai",
                    r#"[["08:00", "12:00"]]"#,
                    r#"makeup_workdays = ["27/09/2026"]"#,
                ),
                "`27/09/2026` in `makeup_workdays` is not a date",
            ),
            (
                with(
                    "Asia/Shanghai",
                    r#"[["08:00", "12:00"]]"#,
                    "holidays = [\"2026-10-10\"]\nmakeup_workdays = [\"2026-10-10\"]",
                ),
                "2026-10-10 is both a holiday and a make-up working day",
            ),
            (
                r#"timezone = "Asia/Shanghai"
                   workdays = []
                   hours = [["08:00", "12:00"]]"#
                    .to_owned(),
                "`workdays` and `makeup_workdays` are both empty",
            ),
            (
                format!("{CHINA}\nholiday = [\"2026-10-03\"]"),
                "unknown field `holiday`",
            ),
            ("workdays = []".to_owned(), "missing field `timezone`"),
        ];
        for (text, expected) in cases {
            let err = BusinessCalendar::from_toml_str(&text)
                .expect_err(&format!("accepted:\n{text}"))
                .to_string();
            assert!(
                err.contains(expected),
                "for\n{text}\nexpected an error containing {expected:?}, got {err:?}"
            );
        }
    }

    #[test]
    fn only_makeup_days_is_valid_but_runs_out() {
        let cal = BusinessCalendar::from_toml_str(
            r#"
            timezone = "Asia/Shanghai"
            workdays = []
            hours = [["08:00", "12:00"]]
            makeup_workdays = ["2026-09-27"]
            "#,
        )
        .unwrap();
        let start = DateTime::parse_from_rfc3339("2026-09-01T00:00:00+08:00")
            .unwrap()
            .to_utc();
        // The only working time is 2026-09-27 08:00-12:00 (4 h).
        let four_h = add_business_seconds(&cal, start, 4 * 3_600).unwrap();
        assert_eq!(four_h.to_rfc3339(), "2026-09-27T04:00:00+00:00");
        assert!(matches!(
            add_business_seconds(&cal, start, 4 * 3_600 + 1),
            Err(SlaError::NoWorkingTimeLeft)
        ));
    }

    #[test]
    fn huge_targets_stop_at_the_horizon() {
        let cal = BusinessCalendar::default();
        let start = DateTime::from_timestamp(1_780_000_000, 0).unwrap();
        assert!(matches!(
            add_business_seconds(&cal, start, i64::MAX),
            Err(SlaError::BeyondHorizon)
        ));
        assert!(matches!(
            add_business_seconds(&cal, start, -1),
            Err(SlaError::NegativeDuration(-1))
        ));
    }

    #[test]
    fn time_parsing() {
        assert_eq!(parse_time("08:00").unwrap(), 28_800);
        assert_eq!(parse_time("8:05").unwrap(), 29_100);
        assert_eq!(parse_time("17:30:15").unwrap(), 63_015);
        assert_eq!(parse_time("24:00").unwrap(), 86_400);
        for bad in [
            "",
            "8",
            "08:",
            ":30",
            "08:00:00:00",
            "25:00",
            "-1:00",
            "08:5x",
            "008:00",
        ] {
            assert!(parse_time(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(format_time(63_015), "17:30:15");
        assert_eq!(format_time(86_400), "24:00");
    }
}
