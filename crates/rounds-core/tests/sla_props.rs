//! Property tests of the SLA clock, on calendars with and without daylight-saving time.
//!
//! Besides the algebraic invariants (inverse, additivity, monotonicity) the business
//! seconds are checked against a brute-force oracle that reads every minute's wall clock
//! through chrono-tz, independently of the range walk in the implementation.

use chrono::{DateTime, Duration, Timelike, Utc};
use proptest::prelude::*;
use rounds_core::sla::{
    BusinessCalendar, Clock, ClockKind, Fraction, Interval, SlaPolicy, add_business_seconds,
    business_seconds_between, due, elapsed, fraction_point,
};

/// (calendar file, its working ranges in seconds since local midnight, for the oracle).
fn calendars() -> Vec<(BusinessCalendar, Vec<(u32, u32)>)> {
    let h = |hh: u32, mm: u32| hh * 3_600 + mm * 60;
    let parse = |text: &str| BusinessCalendar::from_toml_str(text).expect("valid calendar");
    vec![
        (
            BusinessCalendar::default(),
            vec![(h(8, 0), h(12, 0)), (h(14, 0), h(17, 30))],
        ),
        (
            parse(
                r#"
                timezone = "Asia/Shanghai"
                workdays = ["mon", "tue", "wed", "thu", "fri"]
                hours = [["08:00", "12:00"], ["14:00", "17:30"]]
                holidays = ["2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04",
                            "2026-10-05", "2026-10-06", "2026-10-07", "2026-10-08"]
                makeup_workdays = ["2026-09-27", "2026-10-10"]
                "#,
            ),
            vec![(h(8, 0), h(12, 0)), (h(14, 0), h(17, 30))],
        ),
        (
            parse(
                r#"
                timezone = "America/New_York"
                workdays = ["sun", "mon", "tue", "wed", "thu", "fri"]
                hours = [["00:00", "04:00"], ["09:00", "12:30"], ["13:15", "17:00"]]
                holidays = ["2026-11-26"]
                "#,
            ),
            vec![
                (h(0, 0), h(4, 0)),
                (h(9, 0), h(12, 30)),
                (h(13, 15), h(17, 0)),
            ],
        ),
        (
            parse(
                r#"
                timezone = "Europe/Berlin"
                workdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
                hours = [["01:30", "03:30"], ["22:00", "24:00"]]
                "#,
            ),
            vec![(h(1, 30), h(3, 30)), (h(22, 0), h(24, 0))],
        ),
    ]
}

/// Instants near which things happen: DST jumps in New York and Berlin, National Day.
fn interesting_bases() -> Vec<i64> {
    [
        "2026-03-08T07:00:00Z",
        "2026-11-01T06:00:00Z",
        "2026-03-29T01:00:00Z",
        "2026-10-25T01:00:00Z",
        "2026-09-30T08:00:00Z",
        "2026-03-06T09:00:00Z",
    ]
    .iter()
    .map(|s| {
        DateTime::parse_from_rfc3339(s)
            .expect("rfc3339")
            .timestamp()
    })
    .collect()
}

fn ts(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).expect("in range")
}

/// An instant within ±4 days of one of the interesting ones, at second resolution.
fn instant() -> impl Strategy<Value = i64> {
    (0..interesting_bases().len(), -4 * 86_400_i64..4 * 86_400)
        .prop_map(|(i, off)| interesting_bases()[i] + off)
}

/// Up to four pauses around `opened`, possibly overlapping, unsorted, empty or inverted.
fn pauses() -> impl Strategy<Value = Vec<(i64, i64)>> {
    prop::collection::vec((-86_400_i64..10 * 86_400, -3_600_i64..3 * 86_400), 0..4)
}

fn to_intervals(opened: i64, raw: &[(i64, i64)]) -> Vec<Interval> {
    raw.iter()
        .map(|&(start, len)| Interval::new(ts(opened + start), ts(opened + start + len)))
        .collect()
}

/// Brute force: business seconds in `[from, to)` for minute-aligned bounds, reading each
/// minute's wall clock. Exact because every range bound and every DST jump used here is
/// on a whole minute.
fn oracle(cal: &BusinessCalendar, ranges: &[(u32, u32)], from: i64, to: i64) -> i64 {
    let tz = cal.timezone();
    let mut total = 0;
    let mut t = from;
    while t < to {
        let local = ts(t).with_timezone(&tz);
        let sod = local.time().num_seconds_from_midnight();
        if cal.is_working_date(local.date_naive())
            && ranges.iter().any(|&(s, e)| s <= sod && sod < e)
        {
            total += 60;
        }
        t += 60;
    }
    total
}

fn cal_index() -> impl Strategy<Value = usize> {
    0..calendars().len()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn matches_the_brute_force_oracle(ci in cal_index(), from in instant(), minutes in 0_i64..3 * 24 * 60) {
        let (cal, ranges) = &calendars()[ci];
        let from = from - from.rem_euclid(60);
        let to = from + minutes * 60;
        prop_assert_eq!(
            business_seconds_between(cal, ts(from), ts(to)),
            oracle(cal, ranges, from, to)
        );
    }

    #[test]
    fn add_is_the_earliest_inverse_of_between(ci in cal_index(), start in instant(), n in 0_i64..20 * 27_000) {
        let (cal, _) = &calendars()[ci];
        let t = add_business_seconds(cal, ts(start), n).unwrap();
        prop_assert!(t >= ts(start));
        prop_assert_eq!(business_seconds_between(cal, ts(start), t), n);
        if n > 0 {
            // One second earlier, one business second short: nothing earlier reaches n.
            prop_assert_eq!(business_seconds_between(cal, ts(start), t - Duration::seconds(1)), n - 1);
        } else {
            prop_assert_eq!(t, ts(start));
        }
    }

    #[test]
    fn between_and_elapsed_are_additive(
        ci in cal_index(),
        a in instant(),
        ab in 0_i64..5 * 86_400,
        bc in 0_i64..5 * 86_400,
        raw in pauses(),
        business in any::<bool>(),
    ) {
        let (cal, _) = &calendars()[ci];
        let (b, c) = (a + ab, a + ab + bc);
        prop_assert_eq!(
            business_seconds_between(cal, ts(a), ts(c)),
            business_seconds_between(cal, ts(a), ts(b)) + business_seconds_between(cal, ts(b), ts(c))
        );
        let clock = if business { Clock::Business(cal) } else { Clock::TwentyFourSeven };
        let p = to_intervals(a, &raw);
        prop_assert_eq!(
            elapsed(&clock, ts(a), ts(c), &p),
            elapsed(&clock, ts(a), ts(b), &p) + elapsed(&clock, ts(b), ts(c), &p)
        );
    }

    #[test]
    fn due_is_exact_earliest_and_monotone_in_the_opening(
        ci in cal_index(),
        opened in instant(),
        later in 0_i64..3 * 86_400,
        level in 1_u8..=4,
        resolve in any::<bool>(),
        raw in pauses(),
    ) {
        let (cal, _) = &calendars()[ci];
        let policy = SlaPolicy::default();
        let targets = policy.level(level).unwrap();
        let t = if resolve { targets.resolve } else { targets.respond };
        let clock = Clock::new(t.clock, cal);
        let target_secs = clock.target_seconds(t.target).unwrap();
        // The pauses stay where they are while the opening moves.
        let p = to_intervals(opened, &raw);

        let d1 = due(&clock, ts(opened), t.target, &p).unwrap();
        prop_assert_eq!(elapsed(&clock, ts(opened), d1, &p), target_secs);
        prop_assert_eq!(
            elapsed(&clock, ts(opened), d1 - Duration::seconds(1), &p),
            target_secs - 1
        );

        let d2 = due(&clock, ts(opened + later), t.target, &p).unwrap();
        prop_assert!(d2 >= d1, "opened later, due earlier: {} < {}", d2, d1);
        if t.clock == ClockKind::TwentyFourSeven && p.is_empty() {
            prop_assert_eq!(d1, ts(opened + target_secs));
        }
    }

    #[test]
    fn more_pause_never_makes_the_due_time_earlier(
        ci in cal_index(),
        opened in instant(),
        level in 1_u8..=4,
        resolve in any::<bool>(),
        raw in pauses(),
        extra in pauses(),
    ) {
        let (cal, _) = &calendars()[ci];
        let policy = SlaPolicy::default();
        let targets = policy.level(level).unwrap();
        let t = if resolve { targets.resolve } else { targets.respond };
        let clock = Clock::new(t.clock, cal);
        let fewer = to_intervals(opened, &raw);
        let mut more = fewer.clone();
        more.extend(to_intervals(opened, &extra));
        prop_assert!(
            due(&clock, ts(opened), t.target, &more).unwrap()
                >= due(&clock, ts(opened), t.target, &fewer).unwrap()
        );
    }

    #[test]
    fn escalation_points_are_ordered(
        ci in cal_index(),
        opened in instant(),
        level in 1_u8..=4,
        raw in pauses(),
    ) {
        let (cal, _) = &calendars()[ci];
        let policy = SlaPolicy::default();
        let t = policy.level(level).unwrap().respond;
        let clock = Clock::new(t.clock, cal);
        let p = to_intervals(opened, &raw);
        let points: Vec<_> = Fraction::LADDER
            .iter()
            .map(|f| fraction_point(&clock, ts(opened), t.target, &p, *f).unwrap())
            .collect();
        prop_assert!(points.windows(2).all(|w| w[0] <= w[1]));
        prop_assert_eq!(points[2], due(&clock, ts(opened), t.target, &p).unwrap());
    }
}
