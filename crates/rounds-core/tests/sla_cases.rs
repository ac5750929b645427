//! Hand-computed SLA cases. Every expected value is worked out in the comment beside it.
//!
//! Unless said otherwise the calendar is the default one: Asia/Shanghai (UTC+8, no DST),
//! Monday to Friday, 08:00-12:00 and 14:00-17:30, i.e. 7.5 business hours = 27,000 s a day.
//! Dates: 2026-03-02 is a Monday, 2026-03-06 a Friday, 2026-03-09 the next Monday.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use rounds_core::sla::{
    self, BusinessCalendar, Clock, Fraction, HistoryStatus, Interval, SlaError, SlaPolicy,
    SlaStatus, Target, TicketTimes, add_business_seconds, business_seconds_between, due, elapsed,
    evaluate, fraction_point, pauses_from_history,
};

const H: i64 = 3_600;
const M: i64 = 60;

/// Local wall-clock time in `tz` ("YYYY-MM-DD HH:MM" or with ":SS"), which must exist and be
/// unambiguous.
fn at(tz: Tz, local: &str) -> DateTime<Utc> {
    let fmt = if local.len() > 16 {
        "%Y-%m-%d %H:%M:%S"
    } else {
        "%Y-%m-%d %H:%M"
    };
    let naive = NaiveDateTime::parse_from_str(local, fmt).expect("test time format");
    tz.from_local_datetime(&naive)
        .single()
        .expect("unambiguous local time")
        .to_utc()
}

/// Beijing time.
fn cn(local: &str) -> DateTime<Utc> {
    at(chrono_tz::Asia::Shanghai, local)
}

/// A UTC instant, RFC 3339.
fn z(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("rfc3339")
        .to_utc()
}

fn iv(from: DateTime<Utc>, to: DateTime<Utc>) -> Interval {
    Interval::new(from, to)
}

/// The default calendar plus China's 2026 National Day week: 2026-10-01 (Thu) to
/// 2026-10-08 (Thu) off, Sunday 2026-09-27 and Saturday 2026-10-10 worked instead.
fn national_day() -> BusinessCalendar {
    BusinessCalendar::from_toml_str(
        r#"
        timezone = "Asia/Shanghai"
        workdays = ["mon", "tue", "wed", "thu", "fri"]
        hours = [["08:00", "12:00"], ["14:00", "17:30"]]
        holidays = ["2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04",
                    "2026-10-05", "2026-10-06", "2026-10-07", "2026-10-08"]
        makeup_workdays = ["2026-09-27", "2026-10-10"]
        "#,
    )
    .expect("valid calendar")
}

/// America/New_York, every day worked 00:00-04:00 (4 h), so both 2026 DST jumps
/// (Sun 2026-03-08 02:00 EST -> 03:00 EDT, Sun 2026-11-01 02:00 EDT -> 01:00 EST) fall
/// inside working hours.
fn new_york_night() -> BusinessCalendar {
    BusinessCalendar::from_toml_str(
        r#"
        timezone = "America/New_York"
        workdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        hours = [["00:00", "04:00"]]
        "#,
    )
    .expect("valid calendar")
}

#[test]
fn add_business_seconds_on_the_default_calendar() {
    let cal = BusinessCalendar::default();
    let cases: &[(&str, i64, &str, &str)] = &[
        // (start, business seconds, expected, why)
        (
            "2026-03-02 09:00",
            2 * H,
            "2026-03-02 11:00",
            "inside the morning range: 09:00 + 2 h",
        ),
        (
            "2026-03-02 11:00",
            2 * H,
            "2026-03-02 15:00",
            "lunch gap: 11-12 is 1 h, 12-14 is not counted, 14-15 is the 2nd hour",
        ),
        (
            "2026-03-02 12:30",
            30 * M,
            "2026-03-02 14:30",
            "opened during lunch: counting starts at 14:00",
        ),
        (
            "2026-03-06 16:30",
            2 * H,
            "2026-03-09 09:00",
            "weekend: Fri 16:30-17:30 is 1 h, Sat/Sun off, Mon 08:00-09:00 the 2nd",
        ),
        (
            "2026-03-06 19:00",
            15 * M,
            "2026-03-09 08:15",
            "opened after hours on Friday: counting starts Monday 08:00",
        ),
        (
            "2026-03-02 08:00",
            27_000,
            "2026-03-02 17:30",
            "one full day runs out exactly at 17:30, not at Tuesday 08:00",
        ),
        (
            "2026-03-02 10:00",
            27_000,
            "2026-03-03 10:00",
            "Mon 10-12 (2 h) + 14-17:30 (3.5 h) = 5.5 h, Tue 08:00 + 2 h",
        ),
        (
            "2026-03-02 17:30",
            1,
            "2026-03-03 08:00:01",
            "at closing time the next business second is Tuesday 08:00:00-08:00:01",
        ),
        (
            "2026-03-02 07:59:59",
            2,
            "2026-03-02 08:00:02",
            "the second before opening does not count",
        ),
        (
            "2026-03-07 10:00",
            0,
            "2026-03-07 10:00",
            "zero returns the start itself, even on a Saturday",
        ),
        (
            "2026-03-02 10:00",
            3 * 27_000,
            "2026-03-05 10:00",
            "3 business days: Mon 5.5 h, Tue 7.5 h (13), Wed 7.5 h (20.5), Thu 08-10 (22.5)",
        ),
        (
            "2026-03-02 10:00",
            10 * 27_000,
            "2026-03-16 10:00",
            "10 business days from Mon 10:00 is the Monday two weeks later at 10:00",
        ),
        (
            "2026-03-06 19:00",
            3 * 27_000,
            "2026-03-11 17:30",
            "3 business days from Fri after hours: Mon, Tue, Wed full, ends at Wed 17:30",
        ),
    ];
    for &(start, secs, expected, why) in cases {
        let got = add_business_seconds(&cal, cn(start), secs).unwrap();
        assert_eq!(got, cn(expected), "{start} + {secs} s: {why}");
        // And back: exactly `secs` business seconds lie between.
        assert_eq!(
            business_seconds_between(&cal, cn(start), got),
            secs,
            "{why}"
        );
    }
}

#[test]
fn business_seconds_between_on_the_default_calendar() {
    let cal = BusinessCalendar::default();
    let cases: &[(&str, &str, i64, &str)] = &[
        (
            "2026-03-02 08:00",
            "2026-03-02 17:30",
            27_000,
            "one working day",
        ),
        ("2026-03-02 12:00", "2026-03-02 14:00", 0, "lunch"),
        (
            "2026-03-06 17:00",
            "2026-03-09 08:30",
            H,
            "Fri 17:00-17:30 + Mon 08:00-08:30",
        ),
        ("2026-03-07 00:00", "2026-03-09 00:00", 0, "a weekend"),
        (
            "2026-03-02 00:00",
            "2026-03-09 00:00",
            5 * 27_000,
            "a week is five working days",
        ),
        (
            "2026-03-02 11:59:59",
            "2026-03-02 14:00:01",
            2,
            "one second either side of lunch",
        ),
        (
            "2026-03-03 10:00",
            "2026-03-02 10:00",
            0,
            "reversed interval is empty",
        ),
    ];
    for &(from, to, expected, why) in cases {
        assert_eq!(
            business_seconds_between(&cal, cn(from), cn(to)),
            expected,
            "{from} .. {to}: {why}"
        );
    }
}

#[test]
fn china_national_day_2026() {
    let cal = national_day();
    // (start, business seconds, expected, why)
    let cases: &[(&str, i64, &str, &str)] = &[
        (
            "2026-09-25 17:00",
            H,
            "2026-09-27 08:30",
            "Fri 17:00-17:30, Sat off, Sun 09-27 is a make-up day: 08:00-08:30",
        ),
        (
            "2026-09-30 16:00",
            27_000,
            "2026-10-09 16:00",
            "Wed 16-17:30 (1.5 h), 10-01..10-08 off, Fri 10-09 08-12 (5.5), 14-16 (7.5)",
        ),
        (
            "2026-10-09 17:00",
            H,
            "2026-10-10 08:30",
            "Fri 17:00-17:30, then Saturday 10-10 is a make-up day",
        ),
        (
            "2026-09-30 10:00",
            3 * 27_000,
            "2026-10-12 10:00",
            "L3 resolve: Wed 5.5 h, Fri 10-09 7.5 (13), Sat 10-10 7.5 (20.5), Sun off, Mon 08-10",
        ),
        (
            "2026-10-01 09:00",
            30 * M,
            "2026-10-09 08:30",
            "opened on a holiday: counting starts on the first working day",
        ),
    ];
    for &(start, secs, expected, why) in cases {
        assert_eq!(
            add_business_seconds(&cal, cn(start), secs).unwrap(),
            cn(expected),
            "{start} + {secs} s: {why}"
        );
    }
    // Sat 09-26 .. Tue 10-13 (exclusive): 09-27 (make-up Sun), Mon 09-28, Tue 09-29,
    // Wed 09-30, Fri 10-09, Sat 10-10 (make-up), Mon 10-12 = 7 working days.
    assert_eq!(
        business_seconds_between(&cal, cn("2026-09-26 00:00"), cn("2026-10-13 00:00")),
        7 * 27_000
    );
    // The holiday week itself is empty.
    assert_eq!(
        business_seconds_between(&cal, cn("2026-10-01 00:00"), cn("2026-10-09 00:00")),
        0
    );
}

#[test]
fn dst_spring_forward_new_york() {
    let cal = new_york_night();
    // 2026-03-08: local 00:00 EST = 05:00Z; 02:00 EST jumps to 03:00 EDT at 07:00Z;
    // 04:00 EDT = 08:00Z. The working range 00:00-04:00 holds only 3 real hours.
    assert_eq!(
        business_seconds_between(&cal, z("2026-03-08T05:00:00Z"), z("2026-03-09T04:00:00Z")),
        3 * H
    );
    let cases: &[(&str, i64, &str, &str)] = &[
        (
            "2026-03-08T05:00:00Z",
            2 * H,
            "2026-03-08T07:00:00Z",
            "00:00 EST + 2 h = the jump instant, 03:00 EDT",
        ),
        (
            "2026-03-08T05:00:00Z",
            2 * H + 1,
            "2026-03-08T07:00:01Z",
            "the next second is 03:00:01 EDT: the skipped hour counts nothing",
        ),
        (
            "2026-03-08T05:00:00Z",
            3 * H,
            "2026-03-08T08:00:00Z",
            "the day's 3 real hours end at 04:00 EDT",
        ),
        (
            "2026-03-08T05:00:00Z",
            4 * H,
            "2026-03-09T05:00:00Z",
            "one business day (4 h): 3 h on the short day, then Mon 00:00-01:00 EDT (04-05Z)",
        ),
        (
            "2026-03-07T05:00:00Z",
            7 * H,
            "2026-03-08T08:00:00Z",
            "Sat 00-04 EST (4 h, 05-09Z), then 3 h on Sunday",
        ),
    ];
    for &(start, secs, expected, why) in cases {
        assert_eq!(
            add_business_seconds(&cal, z(start), secs).unwrap(),
            z(expected),
            "{start} + {secs} s: {why}"
        );
    }
}

#[test]
fn dst_fall_back_new_york() {
    let cal = new_york_night();
    // 2026-11-01: local 00:00 EDT = 04:00Z; 02:00 EDT falls back to 01:00 EST at 06:00Z;
    // 04:00 EST = 09:00Z. The range 00:00-04:00 holds 5 real hours (01:00-02:00 twice).
    assert_eq!(
        business_seconds_between(&cal, z("2026-11-01T04:00:00Z"), z("2026-11-02T05:00:00Z")),
        5 * H
    );
    let cases: &[(&str, i64, &str, &str)] = &[
        (
            "2026-11-01T04:00:00Z",
            90 * M,
            "2026-11-01T05:30:00Z",
            "01:30 EDT, the first time",
        ),
        (
            "2026-11-01T04:00:00Z",
            150 * M,
            "2026-11-01T06:30:00Z",
            "01:30 EST, the second time: both passes count",
        ),
        (
            "2026-11-01T04:00:00Z",
            5 * H,
            "2026-11-01T09:00:00Z",
            "04:00 EST",
        ),
        (
            "2026-11-01T04:00:00Z",
            5 * H + 1,
            "2026-11-02T05:00:01Z",
            "then Monday 00:00 EST = 05:00Z",
        ),
    ];
    for &(start, secs, expected, why) in cases {
        assert_eq!(
            add_business_seconds(&cal, z(start), secs).unwrap(),
            z(expected),
            "{start} + {secs} s: {why}"
        );
    }
}

#[test]
fn dst_range_boundaries_in_the_gap_or_the_fold() {
    // Ranges that start inside the spring gap or end inside the autumn fold.
    let gap = BusinessCalendar::from_toml_str(
        r#"
        timezone = "America/New_York"
        workdays = ["sun"]
        hours = [["02:30", "05:00"]]
        "#,
    )
    .unwrap();
    // 2026-03-08: local 02:30 does not exist; the first instant with a local time in
    // [02:30, 05:00) is 03:00 EDT = 07:00Z, the last ends at 05:00 EDT = 09:00Z: 2 h.
    assert_eq!(
        gap.business_intervals(z("2026-03-08T00:00:00Z"), z("2026-03-09T00:00:00Z")),
        vec![iv(z("2026-03-08T07:00:00Z"), z("2026-03-08T09:00:00Z"))]
    );

    let fold = BusinessCalendar::from_toml_str(
        r#"
        timezone = "America/New_York"
        workdays = ["sun"]
        hours = [["01:30", "03:00"]]
        "#,
    )
    .unwrap();
    // 2026-11-01: 01:30-02:00 EDT (05:30-06:00Z), then the clock shows 01:00 EST again;
    // 01:00-01:30 EST is outside the range, 01:30-03:00 EST (06:30-08:00Z) inside: 2 h.
    assert_eq!(
        fold.business_intervals(z("2026-11-01T00:00:00Z"), z("2026-11-02T00:00:00Z")),
        vec![
            iv(z("2026-11-01T05:30:00Z"), z("2026-11-01T06:00:00Z")),
            iv(z("2026-11-01T06:30:00Z"), z("2026-11-01T08:00:00Z")),
        ]
    );
    assert_eq!(
        add_business_seconds(&fold, z("2026-11-01T00:00:00Z"), 45 * M).unwrap(),
        z("2026-11-01T06:45:00Z"),
        "30 min in the first pass, 15 min into the second"
    );
}

#[test]
fn dst_europe_berlin() {
    let cal = BusinessCalendar::from_toml_str(
        r#"
        timezone = "Europe/Berlin"
        workdays = ["sun"]
        hours = [["00:00", "04:00"]]
        "#,
    )
    .unwrap();
    // Sun 2026-03-29: 00:00 CET = 23:00Z (Sat), 02:00 CET -> 03:00 CEST at 01:00Z,
    // 04:00 CEST = 02:00Z: 3 h.
    assert_eq!(
        business_seconds_between(&cal, z("2026-03-28T12:00:00Z"), z("2026-03-29T12:00:00Z")),
        3 * H
    );
    // Sun 2026-10-25: 00:00 CEST = 22:00Z (Sat), 03:00 CEST -> 02:00 CET at 01:00Z,
    // 04:00 CET = 03:00Z: 5 h.
    assert_eq!(
        business_seconds_between(&cal, z("2026-10-24T12:00:00Z"), z("2026-10-25T12:00:00Z")),
        5 * H
    );
    assert_eq!(
        add_business_seconds(&cal, z("2026-03-28T12:00:00Z"), 3 * H).unwrap(),
        z("2026-03-29T02:00:00Z")
    );
}

#[test]
fn pauses_on_the_24x7_clock() {
    let clock = Clock::TwentyFourSeven;
    let opened = cn("2026-03-02 22:00");
    let target = Target::Hours(4); // L1 resolve; due 02:00 without pauses
    let cases: Vec<(Vec<Interval>, &str, &str)> = vec![
        (vec![], "2026-03-03 02:00", "no pause: 22:00 + 4 h"),
        (
            vec![iv(cn("2026-03-02 23:30"), cn("2026-03-03 01:00"))],
            "2026-03-03 03:30",
            "a 1.5 h pause across midnight is credited in full",
        ),
        (
            vec![
                iv(cn("2026-03-03 00:00"), cn("2026-03-03 00:30")),
                iv(cn("2026-03-02 23:30"), cn("2026-03-02 23:45")),
                iv(cn("2026-03-02 23:40"), cn("2026-03-03 00:10")),
                iv(cn("2026-03-02 23:30"), cn("2026-03-02 23:45")),
            ],
            "2026-03-03 03:00",
            "unsorted, overlapping and duplicate pauses: their union 23:30-00:30 is 1 h",
        ),
        (
            vec![iv(cn("2026-03-02 21:00"), cn("2026-03-02 22:30"))],
            "2026-03-03 02:30",
            "a pause from before the opening counts only from the opening: 0.5 h",
        ),
        (
            vec![iv(cn("2026-03-03 02:00"), cn("2026-03-03 03:00"))],
            "2026-03-03 02:00",
            "a pause starting exactly at the due time changes nothing",
        ),
        (
            vec![iv(cn("2026-03-03 05:00"), cn("2026-03-03 04:00"))],
            "2026-03-03 02:00",
            "an inverted interval is empty",
        ),
    ];
    for (pauses, expected, why) in cases {
        assert_eq!(
            due(&clock, opened, target, &pauses).unwrap(),
            cn(expected),
            "{why}"
        );
    }
}

#[test]
fn pauses_on_the_business_clock() {
    let cal = BusinessCalendar::default();
    let clock = Clock::Business(&cal);
    // L3 respond (2 business hours) opened Mon 17:00; without pause due Tue 09:30
    // (0.5 h Mon, 1.5 h Tue).
    let opened = cn("2026-03-02 17:00");
    assert_eq!(
        due(&clock, opened, Target::Hours(2), &[]).unwrap(),
        cn("2026-03-03 09:30")
    );
    // Pending Mon 17:15 .. Tue 09:00, across midnight. Business seconds inside the pause:
    // Mon 17:15-17:30 (15 min) + Tue 08:00-09:00 (60 min) = 75 min, so the due time moves
    // 75 business minutes: 15 min counted Mon, then Tue 09:00 + 1 h 45 = 10:45.
    let pauses = [iv(cn("2026-03-02 17:15"), cn("2026-03-03 09:00"))];
    assert_eq!(
        due(&clock, opened, Target::Hours(2), &pauses).unwrap(),
        cn("2026-03-03 10:45")
    );
    assert_eq!(
        elapsed(&clock, opened, cn("2026-03-03 10:45"), &pauses),
        2 * H
    );

    // Across the National Day holidays: L3 resolve (22.5 h) opened Wed 09-30 10:00, due
    // Mon 10-12 10:00 without pause. Pending Wed 17:00 .. Fri 10-09 09:00 holds
    // 0.5 h (Wed) + 0 (holidays) + 1 h (Fri 08-09) = 1.5 business hours: due 11:30.
    let cal = national_day();
    let clock = Clock::Business(&cal);
    let pauses = [iv(cn("2026-09-30 17:00"), cn("2026-10-09 09:00"))];
    assert_eq!(
        due(
            &clock,
            cn("2026-09-30 10:00"),
            Target::BusinessDays(3),
            &pauses
        )
        .unwrap(),
        cn("2026-10-12 11:30")
    );
    // A pause wholly outside business time credits nothing.
    let night = [iv(cn("2026-10-01 00:00"), cn("2026-10-08 23:00"))];
    assert_eq!(
        due(
            &clock,
            cn("2026-09-30 10:00"),
            Target::BusinessDays(3),
            &night
        )
        .unwrap(),
        cn("2026-10-12 10:00")
    );
}

#[test]
fn escalation_points() {
    // L1 respond, 15 min on 24x7, opened 10:00:00: 1/2 at 7.5 min, 4/5 at 12 min.
    let opened = cn("2026-03-02 10:00");
    let clock = Clock::TwentyFourSeven;
    let points: Vec<_> = Fraction::LADDER
        .iter()
        .map(|f| fraction_point(&clock, opened, Target::Minutes(15), &[], *f).unwrap())
        .collect();
    assert_eq!(
        points,
        vec![
            cn("2026-03-02 10:07:30"),
            cn("2026-03-02 10:12:00"),
            cn("2026-03-02 10:15:00")
        ]
    );
    // ceil(900 * 1 / 7) = ceil(128.57) = 129 s.
    let seventh = Fraction::new(1, 7).unwrap();
    assert_eq!(
        fraction_point(&clock, opened, Target::Minutes(15), &[], seventh).unwrap(),
        cn("2026-03-02 10:02:09")
    );
    assert_eq!(Fraction::new(1, 0), Err(SlaError::ZeroDenominator));

    // L3 respond, 2 business hours, opened Mon 11:30: half (3,600 s) = 30 min before lunch
    // + 30 min after = 14:30; 4/5 (5,760 s = 96 min) = 30 + 66 min = 15:06; all = 15:30.
    let cal = BusinessCalendar::default();
    let clock = Clock::Business(&cal);
    let opened = cn("2026-03-02 11:30");
    let points: Vec<_> = Fraction::LADDER
        .iter()
        .map(|f| fraction_point(&clock, opened, Target::Hours(2), &[], *f).unwrap())
        .collect();
    assert_eq!(
        points,
        vec![
            cn("2026-03-02 14:30"),
            cn("2026-03-02 15:06"),
            cn("2026-03-02 15:30")
        ]
    );
    // L4 respond, 1 business day = 27,000 s from Mon 08:00: half 13,500 s = 3 h 45 ->
    // 11:45; 4/5 = 21,600 s = 6 h -> 4 h morning + 2 h -> 16:00; all -> 17:30.
    let opened = cn("2026-03-02 08:00");
    let points: Vec<_> = Fraction::LADDER
        .iter()
        .map(|f| fraction_point(&clock, opened, Target::BusinessDays(1), &[], *f).unwrap())
        .collect();
    assert_eq!(
        points,
        vec![
            cn("2026-03-02 11:45"),
            cn("2026-03-02 16:00"),
            cn("2026-03-02 17:30")
        ]
    );
}

#[test]
fn business_days_need_the_business_clock() {
    assert_eq!(
        due(
            &Clock::TwentyFourSeven,
            cn("2026-03-02 10:00"),
            Target::BusinessDays(1),
            &[]
        ),
        Err(SlaError::BusinessDaysOn24x7)
    );
}

/// Ticket opened Fri 2026-03-06 16:00, nothing else happened, evaluated right away.
#[test]
fn all_four_default_levels_on_the_default_calendar() {
    let policy = SlaPolicy::default();
    let cal = BusinessCalendar::default();
    let opened = cn("2026-03-06 16:00");
    let times = TicketTimes {
        opened_at: opened,
        acknowledged_at: None,
        resolved_at: None,
        pauses: vec![],
    };
    // (level, response due, resolution due, why)
    let cases: &[(u8, &str, &str, &str)] = &[
        (
            1,
            "2026-03-06 16:15",
            "2026-03-06 20:00",
            "24x7: +15 min, +4 h",
        ),
        (
            2,
            "2026-03-06 16:30",
            "2026-03-07 00:00",
            "24x7: +30 min, +8 h (Saturday midnight, the weekend does not matter)",
        ),
        (
            3,
            "2026-03-09 08:30",
            "2026-03-11 16:00",
            "2 business h: Fri 1.5 h + Mon 0.5 h; 3 business days: Fri 1.5, Mon 7.5, Tue 7.5, Wed 6 h (08-12, 14-16)",
        ),
        (
            4,
            "2026-03-09 16:00",
            "2026-03-20 16:00",
            "1 business day: Fri 1.5 h + Mon 6 h (08-12, 14-16); 10 business days: Fri + 10 working days",
        ),
    ];
    for &(level, respond, resolve, why) in cases {
        let s = evaluate(&policy, &cal, level, &times, opened).unwrap();
        assert_eq!(
            (s.response_due, s.resolution_due),
            (cn(respond), cn(resolve)),
            "level {level}: {why}"
        );
        assert_eq!(
            (s.response_met, s.resolution_met),
            (None, None),
            "still running"
        );
        assert!(!s.response_breached && !s.resolution_breached);
        assert_eq!(
            (s.response_business_seconds, s.resolution_business_seconds),
            (0, 0)
        );
    }
    assert_eq!(
        evaluate(&policy, &cal, 5, &times, opened),
        Err(SlaError::UnknownLevel(5))
    );
}

#[test]
fn evaluate_a_level_3_ticket_over_the_weekend() {
    let policy = SlaPolicy::default();
    let cal = BusinessCalendar::default();
    // Opened Fri 16:00 (response due Mon 08:30), acknowledged Mon 08:20, evaluated Mon
    // 12:00. Response counted: Fri 16:00-17:30 (1.5 h) + Mon 08:00-08:20 = 6,600 s, met.
    // Resolution counted until now: Fri 1.5 h + Mon 08-12 4 h = 19,800 s, running.
    let times = TicketTimes {
        opened_at: cn("2026-03-06 16:00"),
        acknowledged_at: Some(cn("2026-03-09 08:20")),
        resolved_at: None,
        pauses: vec![],
    };
    let s = evaluate(&policy, &cal, 3, &times, cn("2026-03-09 12:00")).unwrap();
    assert_eq!(
        s,
        SlaStatus {
            level: 3,
            response_due: cn("2026-03-09 08:30"),
            resolution_due: cn("2026-03-11 16:00"),
            response_target_seconds: 7_200,
            resolution_target_seconds: 81_000,
            response_met: Some(true),
            response_breached: false,
            resolution_met: None,
            resolution_breached: false,
            response_business_seconds: 6_600,
            resolution_business_seconds: 19_800,
        }
    );
    // The status is what the server puts on the wire.
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["response_due"], "2026-03-09T00:30:00Z");
    assert_eq!(serde_json::from_value::<SlaStatus>(json).unwrap(), s);
}

#[test]
fn breach_is_strictly_after_the_due_second() {
    let policy = SlaPolicy::default();
    let cal = BusinessCalendar::default();
    let opened = cn("2026-03-02 10:00");
    let running = TicketTimes {
        opened_at: opened,
        acknowledged_at: None,
        resolved_at: None,
        pauses: vec![],
    };
    // L1 response due 10:15:00.
    let at_due = evaluate(&policy, &cal, 1, &running, cn("2026-03-02 10:15:00")).unwrap();
    assert!(!at_due.response_breached);
    assert_eq!(at_due.response_business_seconds, 900);
    let after = evaluate(&policy, &cal, 1, &running, cn("2026-03-02 10:15:01")).unwrap();
    assert!(after.response_breached);
    assert_eq!(after.response_met, None, "breached but still running");

    // Acknowledged exactly at the due second: met.
    let acked = TicketTimes {
        acknowledged_at: Some(cn("2026-03-02 10:15:00")),
        ..running.clone()
    };
    let s = evaluate(&policy, &cal, 1, &acked, cn("2026-03-02 11:00")).unwrap();
    assert_eq!((s.response_met, s.response_breached), (Some(true), false));

    // Sub-second parts are dropped: opened 10:00:00.700 counts from 10:00:00, so an
    // acknowledgement at 10:15:00.500 is at the due second, met.
    let fractional = TicketTimes {
        opened_at: opened + chrono::Duration::milliseconds(700),
        acknowledged_at: Some(cn("2026-03-02 10:15:00") + chrono::Duration::milliseconds(500)),
        ..running.clone()
    };
    let s = evaluate(&policy, &cal, 1, &fractional, cn("2026-03-02 11:00")).unwrap();
    assert_eq!(s.response_due, cn("2026-03-02 10:15:00"));
    assert_eq!(s.response_met, Some(true));

    // L3 opened Mon 15:30: 2 business hours run out at 17:30. Acknowledged at 19:00 the
    // counted time is exactly 2 h (no business second after 17:30), but the due instant
    // has passed: breached.
    let late = TicketTimes {
        opened_at: cn("2026-03-02 15:30"),
        acknowledged_at: Some(cn("2026-03-02 19:00")),
        resolved_at: None,
        pauses: vec![],
    };
    let s = evaluate(&policy, &cal, 3, &late, cn("2026-03-02 19:00")).unwrap();
    assert_eq!(s.response_due, cn("2026-03-02 17:30"));
    assert_eq!(s.response_business_seconds, 7_200);
    assert_eq!((s.response_met, s.response_breached), (Some(false), true));
}

#[test]
fn level_change_recomputes_from_the_opening() {
    let policy = SlaPolicy::default();
    let cal = BusinessCalendar::default();
    // Opened Mon 10:00 as level 3, acknowledged 10:40, raised to level 2 at 11:00.
    let times = TicketTimes {
        opened_at: cn("2026-03-02 10:00"),
        acknowledged_at: Some(cn("2026-03-02 10:40")),
        resolved_at: None,
        pauses: vec![],
    };
    let now = cn("2026-03-02 11:00");
    // As level 3: response due 12:00 (2 business h), met at 10:40; resolution due Thu
    // 10:00 (3 business days).
    let l3 = evaluate(&policy, &cal, 3, &times, now).unwrap();
    assert_eq!(l3.response_due, cn("2026-03-02 12:00"));
    assert_eq!(l3.resolution_due, cn("2026-03-05 10:00"));
    assert_eq!(l3.response_met, Some(true));
    // As level 2, counted from the same opening as if it had always been level 2: response
    // was due 10:30 (late at 10:40), resolution due 18:00.
    let l2 = evaluate(&policy, &cal, 2, &times, now).unwrap();
    assert_eq!(l2.response_due, cn("2026-03-02 10:30"));
    assert_eq!(l2.resolution_due, cn("2026-03-02 18:00"));
    assert_eq!((l2.response_met, l2.response_breached), (Some(false), true));
    assert_eq!(l2.resolution_business_seconds, H, "24x7: 10:00-11:00");
}

#[test]
fn reopen_does_not_count_against_resolution() {
    use HistoryStatus::*;
    let policy = SlaPolicy::default();
    let cal = BusinessCalendar::default();
    let opened = cn("2026-03-02 10:00");
    // Level 2 (24x7): resolved 13:00, reopened 15:00, resolved again 17:00.
    let history = [
        (cn("2026-03-02 10:00"), New),
        (cn("2026-03-02 10:10"), Acknowledged),
        (cn("2026-03-02 11:00"), InProgress),
        (cn("2026-03-02 13:00"), Resolved),
        (cn("2026-03-02 15:00"), InProgress),
        (cn("2026-03-02 17:00"), Resolved),
    ];

    // While reopened (now 16:00, history up to 15:00): the 13:00-15:00 stretch is a pause,
    // resolution runs again. Counted 10:00-16:00 less 2 h = 4 h; due 10:00 + 8 h + 2 h.
    let now = cn("2026-03-02 16:00");
    let reopened = TicketTimes::from_history(opened, &history[..5], now);
    assert_eq!(
        reopened,
        TicketTimes {
            opened_at: opened,
            acknowledged_at: Some(cn("2026-03-02 10:10")),
            resolved_at: None,
            pauses: vec![iv(cn("2026-03-02 13:00"), cn("2026-03-02 15:00"))],
        }
    );
    let s = evaluate(&policy, &cal, 2, &reopened, now).unwrap();
    assert_eq!(s.resolution_due, cn("2026-03-02 20:00"));
    assert_eq!(s.resolution_business_seconds, 4 * H);
    assert_eq!((s.resolution_met, s.resolution_breached), (None, false));

    // Resolved again at 17:00: counted 7 h - 2 h = 5 h, met (due 20:00).
    let done = TicketTimes::from_history(opened, &history, cn("2026-03-03 09:00"));
    assert_eq!(done.resolved_at, Some(cn("2026-03-02 17:00")));
    let s = evaluate(&policy, &cal, 2, &done, cn("2026-03-03 09:00")).unwrap();
    assert_eq!(s.resolution_due, cn("2026-03-02 20:00"));
    assert_eq!(s.resolution_business_seconds, 5 * H);
    assert_eq!(
        (s.resolution_met, s.resolution_breached),
        (Some(true), false)
    );
}

#[test]
fn pauses_from_status_history() {
    use HistoryStatus::*;
    let now = cn("2026-03-02 12:00");
    type History = Vec<(DateTime<Utc>, HistoryStatus)>;
    // (history, expected pauses, why)
    let cases: Vec<(History, Vec<Interval>, &str)> = vec![
        (
            vec![
                (cn("2026-03-02 10:00"), New),
                (cn("2026-03-02 10:05"), Acknowledged),
            ],
            vec![],
            "never paused",
        ),
        (
            vec![
                (cn("2026-03-02 10:00"), New),
                (cn("2026-03-02 10:05"), Acknowledged),
                (cn("2026-03-02 11:00"), Pending),
            ],
            vec![iv(cn("2026-03-02 11:00"), now)],
            "still pending: the pause runs until now",
        ),
        (
            vec![
                (cn("2026-03-02 11:00"), Pending),
                (cn("2026-03-02 10:00"), New),
                (cn("2026-03-02 11:30"), Resolved),
                (cn("2026-03-02 11:45"), Closed),
            ],
            vec![iv(cn("2026-03-02 11:00"), cn("2026-03-02 11:30"))],
            "unsorted; pending then resolved: the pause ends at the resolution",
        ),
        (
            vec![
                (cn("2026-03-02 09:00"), Pending),
                (cn("2026-03-02 09:30"), InProgress),
                (cn("2026-03-02 10:00"), Pending),
                (cn("2026-03-02 10:15"), Pending),
                (cn("2026-03-02 10:30"), Resolved),
                (cn("2026-03-02 11:00"), Closed),
                (cn("2026-03-02 11:20"), Acknowledged),
            ],
            vec![
                iv(cn("2026-03-02 09:00"), cn("2026-03-02 09:30")),
                iv(cn("2026-03-02 10:00"), cn("2026-03-02 11:20")),
            ],
            "pending, resolved and closed make one pause up to the reopen",
        ),
    ];
    for (history, expected, why) in cases {
        assert_eq!(pauses_from_history(&history, now), expected, "{why}");
    }
    assert_eq!("in_progress".parse(), Ok(InProgress));
    assert!("done".parse::<HistoryStatus>().is_err());
}

#[test]
fn pending_before_acknowledgement_pauses_the_response_clock() {
    use HistoryStatus::*;
    let policy = SlaPolicy::default();
    let cal = BusinessCalendar::default();
    // Level 1 opened 10:00, put pending at 10:05 (waiting for the reporter) and still
    // pending at 10:30: the response clock stopped at 10:05 when someone acted on the
    // ticket (first non-`new` status), 5 min counted, met.
    let opened = cn("2026-03-02 10:00");
    let history = [(opened, New), (cn("2026-03-02 10:05"), Pending)];
    let now = cn("2026-03-02 10:30");
    let times = TicketTimes::from_history(opened, &history, now);
    let s = evaluate(&policy, &cal, 1, &times, now).unwrap();
    assert_eq!(s.response_met, Some(true));
    assert_eq!(s.response_business_seconds, 5 * M);
    // Resolution: 4 h + 25 min pending so far -> due 14:25, moving while pending.
    assert_eq!(s.resolution_due, cn("2026-03-02 14:25"));
    assert_eq!(s.resolution_business_seconds, 5 * M);
}

#[test]
fn elapsed_counts_only_the_clock_outside_pauses() {
    let cal = BusinessCalendar::default();
    let opened = cn("2026-03-06 16:00");
    let pauses = [iv(cn("2026-03-06 17:00"), cn("2026-03-09 09:00"))];
    // Business: Fri 16:00-17:00 counted (1 h); the pause hides Fri 17:00-17:30 and Mon
    // 08:00-09:00; Mon 09:00-10:00 counted: 2 h.
    assert_eq!(
        elapsed(
            &Clock::Business(&cal),
            opened,
            cn("2026-03-09 10:00"),
            &pauses
        ),
        2 * H
    );
    // 24x7: 66 h less the 64 h pause = 2 h as well.
    assert_eq!(
        elapsed(
            &Clock::TwentyFourSeven,
            opened,
            cn("2026-03-09 10:00"),
            &pauses
        ),
        2 * H
    );
    assert_eq!(elapsed(&Clock::TwentyFourSeven, opened, opened, &pauses), 0);
    assert_eq!(
        sla::normalise_pauses(opened, &pauses),
        pauses.to_vec(),
        "already normal"
    );
}

#[test]
fn ten_business_days_is_fast() {
    // Not a benchmark: it guards against a per-second or per-minute walk, which would take
    // seconds in a debug build for a thousand due times.
    let cal = national_day();
    let clock = Clock::Business(&cal);
    let start = std::time::Instant::now();
    let mut opened = cn("2026-09-01 09:00");
    for _ in 0..1_000 {
        due(&clock, opened, Target::BusinessDays(10), &[]).unwrap();
        opened += chrono::Duration::minutes(97);
    }
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
}
