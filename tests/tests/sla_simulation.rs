//! A simulated week: 1,000 tickets of mixed levels with acknowledgements, pauses,
//! reassignments, resolutions and reopens, and a six-hour server stop in the middle. Every
//! escalation must happen exactly once, at the first moment it is due while its clock runs,
//! none lost across the restart and none twice.
//!
//! Time is simulated in ten-minute steps: at each step the ops of that step run (at that
//! instant), then the escalation engine fires what is due (the same function the background
//! worker calls). The expected escalations come from this test's own model of every ticket's
//! status history and the clock rules of `rounds_core::sla` (table-tested on their own).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, DurationRound, Utc};
use rounds_core::merge::TicketPatch;
use rounds_core::model::{Status, TicketDraft};
use rounds_core::perm::Actor;
use rounds_core::sla::{
    BusinessCalendar, Clock, Fraction, HistoryStatus, SlaPolicy, TicketTimes, fraction_point,
};
use rounds_server::{ops, sla, store};
use rounds_tests::{TestClock, TestServer};
use serde_json::json;
use uuid::Uuid;

const STEP_MINUTES: i64 = 10;
const STEPS: i64 = 7 * 24 * 60 / STEP_MINUTES; // one week
const TICKETS: usize = 1_000;
/// The server is down for these steps (six hours mid-week).
const DOWN: std::ops::Range<i64> = 504..540;

/// (ticket, target, percent) -> (due, fired at).
type Points = BTreeMap<(Uuid, &'static str, u8), (DateTime<Utc>, DateTime<Utc>)>;
/// One op of a step: ticket index, transition, reassignment, reason; all `None` is a create.
type StepOp = (usize, Option<Status>, Option<Uuid>, Option<String>);

struct Model {
    id: Uuid,
    level: u8,
    opened: DateTime<Utc>,
    status: Status,
    history: Vec<(DateTime<Utc>, HistoryStatus)>,
}

/// A small deterministic generator (xorshift), so a failure reproduces.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn hs(s: Status) -> HistoryStatus {
    match s {
        Status::New => HistoryStatus::New,
        Status::Acknowledged => HistoryStatus::Acknowledged,
        Status::InProgress => HistoryStatus::InProgress,
        Status::Pending => HistoryStatus::Pending,
        Status::Resolved => HistoryStatus::Resolved,
        Status::Closed => HistoryStatus::Closed,
    }
}

async fn start(dir: Arc<tempfile::TempDir>) -> TestServer {
    // The background worker sleeps through the test: the simulation drives the engine at
    // simulated instants, which lie weeks after the real clock the worker reads.
    TestServer::start_with_clock(dir, TestClock::default(), |c| {
        c.worker_poll = StdDuration::from_secs(86_400);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_week_of_a_thousand_tickets_escalates_each_point_exactly_once() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut slot = Some(start(dir.clone()).await);
    let h = slot.as_ref().unwrap().seed().await;
    let admin = h.user("admin").clone();
    let actor = Actor {
        user_id: admin.id,
        role: admin.role,
        campus: None,
        department: None,
    };
    let engineers = [h.user("eng").id, h.user("engmain").id];
    let t0 = (Utc::now() + Duration::days(30))
        .duration_trunc(Duration::days(1))
        .unwrap();
    let at = |step: i64| t0 + Duration::minutes(step * STEP_MINUTES);
    let mut rng = Rng(0x5eed_1234_abcd_0042);
    let mut tickets: Vec<Model> = Vec::new();
    // (ticket, target, percent) -> the step it fired at, as the engine reported per step.
    let mut fired_per_step = 0usize;

    for step in 0..STEPS {
        if step == DOWN.start {
            slot.take().unwrap().stop().await;
            continue;
        }
        if DOWN.contains(&step) {
            continue;
        }
        if step == DOWN.end {
            slot = Some(start(dir.clone()).await);
        }
        let server = slot.as_ref().unwrap();
        let now = at(step);
        // New tickets: spread so that 1,000 open over the week.
        let creates = if (tickets.len() as i64) < (step + 1) * TICKETS as i64 / (STEPS - 36) {
            2
        } else {
            0
        };
        let mut batch: Vec<StepOp> = Vec::new();
        for _ in 0..creates {
            if tickets.len() >= TICKETS {
                break;
            }
            let level = [1u8, 2, 2, 3, 3, 3, 4, 4][rng.below(8) as usize];
            let id = Uuid::now_v7();
            tickets.push(Model {
                id,
                level,
                opened: now,
                status: Status::New,
                history: vec![(now, HistoryStatus::New)],
            });
            batch.push((tickets.len() - 1, None, None, None));
        }
        // Ops on a few random tickets that are not new this step.
        let existing = tickets.len() - batch.len();
        for _ in 0..6 {
            if existing == 0 {
                break;
            }
            let i = rng.below(existing as u64) as usize;
            if batch.iter().any(|b| b.0 == i) {
                continue;
            }
            let m = &tickets[i];
            let roll = rng.below(100);
            let (to, reason) = match m.status {
                Status::New if roll < 60 => (Some(Status::Acknowledged), None),
                Status::Acknowledged | Status::InProgress if roll < 25 => {
                    (Some(Status::Pending), Some("等待备件".to_owned()))
                }
                Status::Acknowledged | Status::InProgress if roll < 45 => {
                    (Some(Status::Resolved), None)
                }
                Status::Acknowledged if roll < 70 => (Some(Status::InProgress), None),
                Status::Pending if roll < 50 => (Some(Status::InProgress), None),
                Status::Resolved if roll < 20 => {
                    (Some(Status::InProgress), Some("复发".to_owned()))
                }
                Status::Resolved if roll < 60 => (Some(Status::Closed), None),
                _ => (None, None),
            };
            let reassign = (to.is_none() && roll >= 80 && m.status != Status::Closed)
                .then(|| engineers[rng.below(2) as usize]);
            if to.is_some() || reassign.is_some() {
                batch.push((i, to, reassign, reason));
            }
        }
        // Apply the step's ops in one transaction per op, then fire what is due.
        for (i, to, reassign, reason) in batch {
            let m = &mut tickets[i];
            let (id, level) = (m.id, m.level);
            let actor = actor.clone();
            if to.is_none() && reassign.is_none() {
                let draft: TicketDraft = serde_json::from_value(json!({
                    "id": id, "title": format!("模拟工单 {i}"), "campus": "main",
                    "department": if i % 2 == 0 { "main-ivf" } else { "main-lab" },
                    "severity": level,
                }))
                .unwrap();
                server
                    .state
                    .db
                    .write(move |tx| ops::ticket_create(tx, &actor, draft, now, now).map(|_| ()))
                    .await
                    .unwrap();
                continue;
            }
            if let Some(to) = to {
                server
                    .state
                    .db
                    .write(move |tx| {
                        ops::ticket_transition(tx, &actor, id, to, reason, now, now).map(|_| ())
                    })
                    .await
                    .unwrap();
                m.status = to;
                m.history.push((now, hs(to)));
            } else if let Some(a) = reassign {
                let patch: TicketPatch = serde_json::from_value(json!({ "assignee": a })).unwrap();
                server
                    .state
                    .db
                    .write(move |tx| {
                        ops::ticket_update(tx, &actor, id, patch, Uuid::now_v7(), now, now)
                            .map(|_| ())
                    })
                    .await
                    .unwrap();
            }
        }
        let settings = server.state.sla.clone();
        fired_per_step += server
            .state
            .db
            .write(move |tx| sla::fire_due(tx, &settings, now, usize::MAX))
            .await
            .unwrap();
    }
    assert_eq!(tickets.len(), TICKETS);
    let server = slot.as_ref().unwrap();

    // What must have happened, from the model.
    let policy = SlaPolicy::default();
    let calendar = BusinessCalendar::default();
    let end = at(STEPS - 1);
    let steps: Vec<DateTime<Utc>> = (0..STEPS).filter(|s| !DOWN.contains(s)).map(at).collect();
    let status_at = |m: &Model, t: DateTime<Utc>| -> HistoryStatus {
        m.history
            .iter()
            .rev()
            .find(|(a, _)| *a <= t)
            .map(|(_, s)| *s)
            .unwrap()
    };
    let mut expected: Points = BTreeMap::new();
    for m in &tickets {
        if m.level <= 2 {
            expected.insert((m.id, "response", 0), (m.opened, m.opened));
        }
        let times = TicketTimes::from_history(m.opened, &m.history, end);
        let targets = policy.level(m.level).unwrap();
        let responded = times.acknowledged_at;
        for (name, target) in [
            ("response", targets.respond),
            ("resolution", targets.resolve),
        ] {
            let clock = Clock::new(target.clock, &calendar);
            for (percent, fraction) in [
                (50, Fraction::HALF),
                (80, Fraction::FOUR_FIFTHS),
                (100, Fraction::WHOLE),
            ] {
                let due = fraction_point(&clock, m.opened, target.target, &times.pauses, fraction)
                    .unwrap();
                let running = |t: DateTime<Utc>| {
                    let s = status_at(m, t);
                    let stopped = match name {
                        "response" => responded.is_some_and(|r| r <= t),
                        _ => matches!(s, HistoryStatus::Resolved | HistoryStatus::Closed),
                    };
                    !stopped && s != HistoryStatus::Pending
                };
                if let Some(fire) = steps.iter().copied().find(|&s| s >= due && running(s)) {
                    expected.insert((m.id, name, percent), (due, fire));
                }
            }
        }
    }

    // What did happen, from the server.
    let ids: Vec<Uuid> = tickets.iter().map(|m| m.id).collect();
    let got_tickets = server
        .state
        .db
        .read(move |tx| {
            ids.iter()
                .map(|id| store::ticket_get(tx, *id).map(Option::unwrap))
                .collect::<Result<Vec<_>, _>>()
        })
        .await
        .unwrap();
    let mut got: Points = BTreeMap::new();
    let mut total = 0;
    for t in &got_tickets {
        for e in &t.sla.as_ref().unwrap().escalations {
            total += 1;
            let key = (t.id, e.target.as_str(), e.percent);
            assert!(
                got.insert(key, (e.due, e.at)).is_none(),
                "{key:?} escalated twice"
            );
            let want_step = match (t.severity.get(), e.target.as_str(), e.percent) {
                (_, _, 0) => 0,
                (1, "response", 50) => 3,
                (_, _, 50) => 1,
                (_, _, 80) => 2,
                _ => 3,
            };
            assert_eq!(e.step, want_step, "{key:?}");
        }
    }
    let missing: Vec<_> = expected
        .keys()
        .filter(|k| !got.contains_key(*k))
        .take(5)
        .collect();
    let extra: Vec<_> = got
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .take(5)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
    for (k, want) in &expected {
        assert_eq!(got[k], *want, "{k:?}: (due, at)");
    }
    // Points due during the stop fired late, at the restart, and were not lost.
    let restart = at(DOWN.end);
    let late = expected
        .values()
        .filter(|(due, fire)| *due < restart && *due > at(DOWN.start) && *fire == restart)
        .count();
    assert!(
        late > 10,
        "the stop should have delayed some escalations, got {late}"
    );
    assert!(expected.len() > 2_000, "a busy week: {}", expected.len());
    let pages = expected.keys().filter(|k| k.2 == 0).count();
    assert_eq!(total, fired_per_step + pages);

    // One timeline row per escalation, and no timer left that is already due.
    let (audit, overdue): (i64, i64) = server
        .state
        .db
        .read(move |tx| {
            Ok((
                tx.query_row(
                    "SELECT count(*) FROM audit WHERE action = 'ticket.escalated'",
                    [],
                    |r| r.get(0),
                )?,
                tx.query_row(
                    "SELECT count(*) FROM sla_timers WHERE due_at <= ?1",
                    [store::ts(end)],
                    |r| r.get(0),
                )?,
            ))
        })
        .await
        .unwrap();
    assert_eq!(audit as usize, total);
    assert_eq!(overdue, 0);
}
