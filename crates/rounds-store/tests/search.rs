//! Local search: the index finds exactly what a brute-force substring scan finds, for a table
//! of realistic queries over a generated corpus, and stays exact through every kind of change
//! (local create, edit, comment, a pulled change, a refused comment, a user switch, reset,
//! rebuild, reopen of an old cache).

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use rounds_core::merge::TicketPatch;
use rounds_core::model::{
    Campus, Channel, Comment, MaintenanceType, Role, Severity, Status, TicketDraft, UserPublic,
    WorkType,
};
use rounds_core::query::{MARK_END, MARK_START, matches_all, parse_terms};
use rounds_core::wire::{Change, Entity};
use rounds_fixtures::pulled::Pulled;
use rounds_store::{Store, TicketFilter, TicketSort};

mod common;
use common::pulled;
use uuid::Uuid;

fn t0() -> DateTime<Utc> {
    "2026-11-27T08:00:00Z".parse().unwrap()
}

/// A user; reporters belong to 生殖医学中心 on the main campus.
fn user(role: Role) -> UserPublic {
    let reporter = role == Role::Reporter;
    UserPublic {
        id: Uuid::now_v7(),
        username: format!("{role}"),
        display_name: "测试".into(),
        role,
        campus: reporter.then(|| "main".into()),
        department: reporter.then(|| "main-ivf".into()),
    }
}

/// The directory and `n` generated tickets (seed 2026) as pulled changes, numbered
/// `R-2026-000001` on.
fn corpus(n: usize) -> Vec<Change> {
    let mut p = Pulled::new(1_000_000, t0());
    let mut out = p.directory();
    for (i, g) in rounds_fixtures::stream(2026, n).enumerate() {
        out.extend(p.ticket(g, i).unwrap());
    }
    out
}

/// Every cached ticket's searchable fields, gathered the slow way from what the user can
/// see: its detail view (with only the comments shown to this user) and the directory names.
fn visible_fields(s: &Store) -> Vec<(Uuid, Vec<String>)> {
    let campuses = s.campuses().unwrap();
    let departments = s.departments().unwrap();
    let mut out = Vec::new();
    for row in s.tickets(&TicketFilter::default()).unwrap() {
        let view = s.ticket(row.ticket.id).unwrap().unwrap();
        let t = &view.ticket;
        let mut fields: Vec<String> = vec![t.title.clone(), t.description.clone()];
        fields.extend(t.number.clone());
        fields.extend(t.location.clone());
        fields.extend(view.comments.iter().map(|c| c.comment.body.clone()));
        fields.extend(
            campuses
                .iter()
                .filter(|c| c.code == t.campus)
                .map(|c| c.name.clone()),
        );
        fields.extend(
            departments
                .iter()
                .filter(|d| d.code == t.department)
                .map(|d| d.name.clone()),
        );
        out.push((t.id, fields));
    }
    out
}

/// What the index must find: a scan with the one definition of a match.
fn scan(corpus: &[(Uuid, Vec<String>)], q: &str) -> BTreeSet<Uuid> {
    let terms = parse_terms(q);
    corpus
        .iter()
        .filter(|(_, f)| matches_all(&terms, &f.iter().map(String::as_str).collect::<Vec<_>>()))
        .map(|(id, _)| *id)
        .collect()
}

fn search(s: &Store, q: &str) -> BTreeSet<Uuid> {
    let page = s
        .ticket_page(&TicketFilter {
            q: Some(q.into()),
            ..Default::default()
        })
        .unwrap();
    let ids: BTreeSet<Uuid> = page.rows.iter().map(|r| r.ticket.id).collect();
    assert_eq!(page.total, ids.len(), "total for {q:?}");
    ids
}

fn assert_exact(s: &Store, queries: &[&str]) {
    let corpus = visible_fields(s);
    for q in queries {
        assert_eq!(search(s, q), scan(&corpus, q), "query {q:?}");
    }
}

/// At least 50 realistic queries: Chinese words of 1 to 4 characters, English and product
/// names in any case, mixed, ticket numbers, places, names, phrases and several terms.
const QUERIES: &[&str] = &[
    "卡",
    "屏",
    "网",
    "纸",
    "慢",
    "打印",
    "登录",
    "蓝屏",
    "扫码",
    "腕带",
    "掉线",
    "密码",
    "影像",
    "医保",
    "叫号",
    "打印机",
    "扫码枪",
    "自助机",
    "工作站",
    "护士站",
    "打印机卡",
    "无法登录",
    "电子病历",
    "统一身份",
    "检验科",
    "HIS",
    "his",
    "PACS",
    "pacs",
    "LIS",
    "VPN",
    "vpn",
    "OA",
    "AP",
    "printer",
    "Printer",
    "login",
    "password",
    "network",
    "offline",
    "R-2026-000123",
    "R-2026-00012",
    "000077",
    "00012",
    "2026-000123",
    "-2026-00012",
    "r-2026-0001",
    "ssword",
    "rinter",
    "r-2026-000042",
    "门诊楼",
    "胚胎实验室",
    "本部院区",
    "东院区",
    "信息科",
    "检验科免疫室",
    "\"打印机 卡纸\"",
    "\"VPN显示\"",
    "\"0x0000007B\"",
    "打印 门诊",
    "HIS 登录",
    "PACS 影像 慢",
    "扫码枪 腕带",
    "VPN 内网",
    "打印 printer",
    "蓝屏 ZC",
    "3楼",
    "7B",
    "%",
    "_",
    "\"已解决\"",
    "ＨＩＳ",
    "不存在的词",
    "zzzz",
    "医生 HIS 无法",
];

#[test]
fn recall_table_matches_a_brute_force_scan() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path()).unwrap();
    s.set_me(Some(&user(Role::Engineer))).unwrap();
    let changes = corpus(1_500);
    for (i, page) in changes.chunks(700).enumerate() {
        s.apply_pull("e1", page, i as i64, None).unwrap();
    }
    assert!(QUERIES.len() >= 50);
    let mut hits = 0;
    let all = visible_fields(&s);
    for q in QUERIES {
        let want = scan(&all, q);
        assert_eq!(search(&s, q), want, "query {q:?}");
        hits += usize::from(!want.is_empty());
    }
    // The table is only a test if most queries find something.
    assert!(hits >= 55, "only {hits} queries found tickets");
    for (q, at_least) in [("打印", 20), ("卡", 20), ("HIS", 20), ("R-2026-000123", 1)] {
        assert!(search(&s, q).len() >= at_least, "{q}");
    }
}

fn draft(title: &str) -> TicketDraft {
    TicketDraft {
        id: None,
        title: title.into(),
        description: "腕带打印机不出纸".into(),
        campus: "main".into(),
        department: "main-ivf".into(),
        location: Some("门诊3楼护士站".into()),
        severity: Severity::new(3).unwrap(),
        assignee: None,
        work_type: WorkType::DailyOps,
        maintenance_type: MaintenanceType::Corrective,
        channel: Channel::Desktop,
        attachments: vec![],
    }
}

const PROBES: &[&str] = &[
    "打印",
    "卡",
    "新标题",
    "旧标题",
    "备注",
    "内部",
    "服务器",
    "本部院区",
    "R-2026-000001",
    "打印机",
    "\"护士 站\"",
];

#[test]
fn index_follows_every_change() {
    let dir = tempfile::tempdir().unwrap();
    let staff = user(Role::Engineer);
    let mut s = Store::open(dir.path()).unwrap();
    s.set_me(Some(&staff)).unwrap();
    s.apply_pull("e1", &corpus(40), 1, None).unwrap();
    assert_exact(&s, PROBES);

    // Local create and edit.
    let t = s.ticket_create(draft("旧标题 打印机卡纸"), t0()).unwrap();
    assert!(search(&s, "旧标题").contains(&t.id));
    assert_exact(&s, PROBES);
    s.ticket_update(
        t.id,
        TicketPatch {
            title: Some("新标题".into()),
            ..Default::default()
        },
        t0(),
    )
    .unwrap();
    assert!(!search(&s, "旧标题").contains(&t.id));
    assert!(search(&s, "新标题").contains(&t.id));
    assert_exact(&s, PROBES);

    // Local comment, then the server refuses it: the comment and its words are gone.
    s.comment_add(t.id, "备注：换了硒鼓".into(), false, t0())
        .unwrap();
    assert!(search(&s, "硒鼓").contains(&t.id));
    let op = s.outbox().unwrap().last().unwrap().op.op_id;
    s.outbox_rejected(op, "forbidden", "no", t0()).unwrap();
    assert!(search(&s, "硒鼓").is_empty());
    assert_exact(&s, PROBES);

    // A pulled change: another user's edit and an internal note arrive by sync.
    let pulled = s.tickets(&TicketFilter::default()).unwrap();
    let mut other = pulled
        .iter()
        .find(|r| r.ticket.number.is_some())
        .unwrap()
        .ticket
        .clone();
    other.title = "服务器机房空调告警".into();
    let note = Comment {
        id: Uuid::now_v7(),
        ticket_id: other.id,
        author: Uuid::from_u128(9),
        body: "内部：UPS电池老化".into(),
        internal: true,
        created_at: t0(),
    };
    s.apply_pull(
        "e1",
        &[
            Change {
                seq: 100,
                entity: Entity::Ticket(other.clone()),
            },
            Change {
                seq: 101,
                entity: Entity::Comment(note),
            },
        ],
        101,
        None,
    )
    .unwrap();
    assert_eq!(search(&s, "服务器 UPS"), BTreeSet::from([other.id]));
    assert_exact(&s, PROBES);

    // A renamed campus reaches the tickets indexed with its old name.
    s.apply_pull(
        "e1",
        &[Change {
            seq: 102,
            entity: Entity::Campus(Campus {
                code: "main".into(),
                name: "总院区".into(),
            }),
        }],
        102,
        None,
    )
    .unwrap();
    let on_main: BTreeSet<Uuid> = s
        .tickets(&TicketFilter {
            campus: Some("main".into()),
            ..Default::default()
        })
        .unwrap()
        .iter()
        .map(|r| r.ticket.id)
        .collect();
    assert!(!on_main.is_empty());
    assert_eq!(search(&s, "总院区"), on_main);
    // Comments still mention the old name; the campus field no longer does.
    assert!(search(&s, "本部院区").len() < on_main.len());
    assert_exact(&s, &["总院区", "本部院区"]);

    // Rebuild gives the same answers.
    let before: Vec<_> = PROBES.iter().map(|q| search(&s, q)).collect();
    assert!(s.search_rebuild().unwrap() > 40);
    let after: Vec<_> = PROBES.iter().map(|q| search(&s, q)).collect();
    assert_eq!(before, after);

    // Switching to a reporter: internal notes are no longer searchable.
    let reporter = user(Role::Reporter);
    s.reset_server_state().unwrap();
    s.set_me(Some(&reporter)).unwrap();
    assert!(search(&s, "UPS").is_empty());
    assert_exact(&s, PROBES);
    s.apply_pull("e1", &corpus(40), 1, None).unwrap();
    assert_exact(&s, PROBES);
    assert_exact(&s, &["内部", "已在测试环境复现"]);

    // A discarded create leaves no index row behind.
    s.set_me(Some(&staff)).unwrap();
    let lone = s.ticket_create(draft("孤立工单"), t0()).unwrap();
    let op = s.outbox().unwrap().last().unwrap().op.op_id;
    s.outbox_rejected(op, "validation", "no", t0()).unwrap();
    s.conflict_discard(op).unwrap();
    assert!(search(&s, "孤立工单").is_empty());
    assert!(s.ticket(lone.id).unwrap().is_none());
    assert_exact(&s, PROBES);
}

/// How many index rows hold the bigram token `q`, read through a second connection: the
/// index as it is, without working off the backlog as a search would.
fn indexed(dir: &std::path::Path, q: &str) -> usize {
    let conn = rusqlite::Connection::open(dir.join(rounds_store::DB_FILE)).unwrap();
    conn.query_row(
        "SELECT count(*) FROM ticket_search WHERE ticket_search MATCH ?1",
        [q],
        |r| r.get(0),
    )
    .unwrap()
}

/// The tickets waiting in the search backlog.
fn waiting(dir: &std::path::Path) -> Vec<Uuid> {
    let conn = rusqlite::Connection::open(dir.join(rounds_store::DB_FILE)).unwrap();
    let mut st = conn
        .prepare("SELECT ticket_id FROM search_backlog ORDER BY seq")
        .unwrap();
    st.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|id| id.unwrap().parse().unwrap())
        .collect()
}

#[test]
fn a_long_pull_leaves_a_backlog_and_searches_still_find_everything() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path()).unwrap();
    s.set_me(Some(&user(Role::Engineer))).unwrap();
    let changes = corpus(1_500);
    // A ticket already indexed before the long pull, changed by it.
    let first = changes
        .iter()
        .position(|c| matches!(c.entity, Entity::Ticket(_)))
        .unwrap();
    s.apply_pull("e1", &changes[..=first], 0, None).unwrap();
    let Entity::Ticket(mut early) = changes[first].entity.clone() else {
        unreachable!()
    };
    assert_eq!(s.search_backlog().unwrap(), 0);

    s.bulk_pull(true).unwrap();
    for (i, page) in changes[first + 1..].chunks(700).enumerate() {
        s.apply_pull("e1", page, i as i64 + 1, None).unwrap();
    }
    early.title = "企鹅灯笼".into();
    s.apply_pull(
        "e1",
        &[Change {
            seq: 10_000,
            entity: Entity::Ticket(early.clone()),
        }],
        10_000,
        None,
    )
    .unwrap();
    s.bulk_pull(false).unwrap();
    // Every pulled ticket waits, the early one too; the index has none of them.
    assert_eq!(s.search_backlog().unwrap(), 1_500);
    assert_eq!(indexed(dir.path(), "企鹅"), 0);

    // Part of it is worked off, then the user edits a ticket still waiting: that ticket is
    // indexed with its edit and leaves the backlog.
    assert_eq!(s.index_backlog(400).unwrap(), 1_100);
    let edited = *waiting(dir.path())
        .iter()
        .rfind(|id| **id != early.id)
        .unwrap();
    s.ticket_update(
        edited,
        TicketPatch {
            title: Some("鲸鱼琴弦".into()),
            ..Default::default()
        },
        t0(),
    )
    .unwrap();
    assert_eq!(s.search_backlog().unwrap(), 1_099);
    assert_eq!(indexed(dir.path(), "鲸鱼"), 1);
    assert!(!waiting(dir.path()).contains(&edited));
    let early_waits = waiting(dir.path()).contains(&early.id);
    assert_eq!(indexed(dir.path(), "企鹅"), usize::from(!early_waits));

    // A search sees every ticket, with the index it finds, and leaves nothing waiting.
    assert_eq!(search(&s, "企鹅灯"), BTreeSet::from([early.id]));
    assert_eq!(search(&s, "鲸鱼"), BTreeSet::from([edited]));
    assert_eq!(s.search_backlog().unwrap(), 0);
    assert_exact(&s, QUERIES);

    // A rebuild and a reset leave no backlog behind either.
    s.bulk_pull(true).unwrap();
    s.apply_pull("e1", &corpus(20), 20_000, None).unwrap();
    s.bulk_pull(false).unwrap();
    assert!(s.search_backlog().unwrap() > 0);
    s.search_rebuild().unwrap();
    assert_eq!(s.search_backlog().unwrap(), 0);
    assert_exact(&s, PROBES);
}

#[test]
fn an_old_cache_is_indexed_on_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut s = Store::open(dir.path()).unwrap();
        s.set_me(Some(&user(Role::Engineer))).unwrap();
        s.apply_pull("e1", &corpus(30), 1, None).unwrap();
    }
    // Make it a version-1 cache again: no index, schema version 1.
    let conn = rusqlite::Connection::open(dir.path().join(rounds_store::DB_FILE)).unwrap();
    conn.execute_batch(
        "DROP TABLE ticket_search; DROP INDEX tickets_updated; DROP INDEX tickets_search_key; \
         ALTER TABLE tickets DROP COLUMN search_key; ALTER TABLE conflicts DROP COLUMN attachment; \
         DROP TABLE search_backlog; PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);
    let s = Store::open(dir.path()).unwrap();
    assert!(!search(&s, "打印").is_empty() || !search(&s, "网").is_empty());
    assert_exact(&s, PROBES);
    assert_exact(&s, &["卡", "HIS", "R-2026-000007"]);
}

#[test]
fn pages_sorts_filters_and_snippets() {
    let dir = tempfile::tempdir().unwrap();
    let me = user(Role::Engineer);
    let mut s = Store::open(dir.path()).unwrap();
    s.set_me(Some(&me)).unwrap();
    s.apply_pull("e1", &corpus(300), 1, None).unwrap();
    let all = |sort| {
        s.ticket_page(&TicketFilter {
            q: Some("打印".into()),
            sort,
            ..Default::default()
        })
        .unwrap()
    };
    let newest = all(TicketSort::Newest);
    assert!(newest.total > 5);
    assert!(
        newest
            .rows
            .windows(2)
            .all(|w| w[0].ticket.created_at >= w[1].ticket.created_at)
    );
    let oldest = all(TicketSort::Oldest);
    let mut rev = oldest.rows.clone();
    rev.reverse();
    assert_eq!(
        rev.iter().map(|r| r.ticket.id).collect::<Vec<_>>(),
        newest.rows.iter().map(|r| r.ticket.id).collect::<Vec<_>>()
    );
    // Relevance is a different order of the same set.
    let rel = all(TicketSort::Relevance);
    assert_eq!(rel.total, newest.total);
    let set =
        |p: &rounds_store::TicketPage| p.rows.iter().map(|r| r.ticket.id).collect::<BTreeSet<_>>();
    assert_eq!(set(&rel), set(&newest));
    // Every result's snippet highlights a match.
    for r in &newest.rows {
        let sn = r.snippet.as_deref().unwrap();
        assert!(sn.contains(&format!("{MARK_START}打印{MARK_END}")), "{sn}");
    }
    // Offset and limit page through the same order; total ignores them.
    let page = s
        .ticket_page(&TicketFilter {
            q: Some("打印".into()),
            offset: 2,
            limit: Some(3),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(page.total, newest.total);
    assert_eq!(
        page.rows.iter().map(|r| r.ticket.id).collect::<Vec<_>>(),
        newest.rows[2..5]
            .iter()
            .map(|r| r.ticket.id)
            .collect::<Vec<_>>()
    );
    // Other filters combine with the query, in the rows and in the total.
    let f = TicketFilter {
        q: Some("打印".into()),
        status: Some(vec![Status::Closed]),
        severity: Some(vec![3, 4]),
        ..Default::default()
    };
    let p = s.ticket_page(&f).unwrap();
    assert_eq!(p.total, p.rows.len());
    assert!(p.total > 0 && p.total < newest.total);
    assert!(
        p.rows
            .iter()
            .all(|r| r.ticket.status == Status::Closed && r.ticket.severity.get() >= 3)
    );
    // Without a query: no snippet, the total counts everything.
    let plain = s
        .ticket_page(&TicketFilter {
            limit: Some(10),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(plain.total, 300);
    assert_eq!(plain.rows.len(), 10);
    assert!(plain.rows.iter().all(|r| r.snippet.is_none()));
    // Unassigned and reporter filters.
    let mine = s.ticket_create(draft("我的工单"), t0()).unwrap();
    let p = s
        .ticket_page(&TicketFilter {
            reporter: Some(me.id),
            unassigned: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(p.total, 1);
    assert_eq!(p.rows[0].ticket.id, mine.id);
    // Triage: level 1 first, then older first within a level.
    let tri = s
        .ticket_page(&TicketFilter {
            sort: TicketSort::Triage,
            ..Default::default()
        })
        .unwrap();
    assert!(tri.rows.windows(2).all(|w| {
        let (a, b) = (&w[0].ticket, &w[1].ticket);
        a.severity < b.severity || (a.severity == b.severity && a.created_at <= b.created_at)
    }));
}

#[test]
fn pages_out_of_creation_order_and_reused_search_keys() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path()).unwrap();
    s.set_me(Some(&user(Role::Engineer))).unwrap();
    let t = t0();
    let ticket = |id: u128, title: &str, at| Entity::Ticket(pulled(Uuid::from_u128(id), title, at));
    let page = |changes: Vec<Entity>| -> Vec<Change> {
        changes
            .into_iter()
            .enumerate()
            .map(|(i, entity)| Change {
                seq: i as i64 + 1,
                entity,
            })
            .collect()
    };
    // Newest first, and two tickets created in the same microsecond (keys t and t + 1).
    s.apply_pull(
        "e1",
        &page(vec![
            ticket(3, "甲乙丙 打印机", t + Duration::hours(2)),
            ticket(1, "丁戊己 扫码枪", t),
            ticket(2, "庚辛壬 自助机", t),
            ticket(4, "癸子丑 蓝屏", t - Duration::hours(1)),
        ]),
        4,
        None,
    )
    .unwrap();
    for (q, id) in [("甲乙丙", 3), ("丁戊己", 1), ("庚辛壬", 2), ("癸子丑", 4)] {
        assert_eq!(search(&s, q), BTreeSet::from([Uuid::from_u128(id)]), "{q}");
    }
    // One page moves ticket 1 to another time (a new key) and brings ticket 5 created in the
    // same microsecond as 1 was: 5 takes the key 1 gave up, so the page removes and adds an
    // index row under the same rowid.
    s.apply_pull(
        "e1",
        &page(vec![
            ticket(1, "丁戊己 扫码枪 已更换", t + Duration::hours(3)),
            ticket(5, "寅卯辰 网络", t),
        ]),
        6,
        None,
    )
    .unwrap();
    for (q, id) in [
        ("甲乙丙", 3),
        ("丁戊己", 1),
        ("已更换", 1),
        ("庚辛壬", 2),
        ("癸子丑", 4),
        ("寅卯辰", 5),
    ] {
        assert_eq!(search(&s, q), BTreeSet::from([Uuid::from_u128(id)]), "{q}");
    }
    assert_eq!(search(&s, "现场检查").len(), 5);
    // Newest first is creation order: 1 (moved), 3, then 2 and 5 at t, then 4.
    let newest: Vec<Uuid> = s
        .ticket_page(&TicketFilter {
            q: Some("现场".into()),
            ..Default::default()
        })
        .unwrap()
        .rows
        .iter()
        .map(|r| r.ticket.id)
        .collect();
    assert_eq!(newest[..2], [Uuid::from_u128(1), Uuid::from_u128(3)]);
    assert_eq!(newest[4], Uuid::from_u128(4));
    assert_eq!(s.search_rebuild().unwrap(), 5);
    assert_eq!(search(&s, "已更换"), BTreeSet::from([Uuid::from_u128(1)]));
}
