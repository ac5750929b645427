//! The local cache on real SQLite files: local changes with their outbox ops, the view
//! rebuilt from server state plus pending ops, conflicts, durability across reopen.

use chrono::{DateTime, Duration, Utc};
use rounds_core::ErrorCode;
use rounds_core::merge::TicketPatch;
use rounds_core::model::{
    Channel, MaintenanceType, Role, Severity, Status, Ticket, TicketDraft, UserPublic, WorkType,
};
use rounds_core::wire::{Change, Entity, OpKind};
use rounds_store::{Store, StoreError, TicketFilter};

mod common;
use uuid::Uuid;

fn t0() -> DateTime<Utc> {
    "2026-11-02T08:00:00Z".parse().unwrap()
}

fn user(role: Role, dept: Option<&str>) -> UserPublic {
    UserPublic {
        id: Uuid::now_v7(),
        username: format!("{role}"),
        display_name: "张护士".into(),
        role,
        campus: dept.map(|_| "main".into()),
        department: dept.map(Into::into),
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

fn open(dir: &std::path::Path, me: &UserPublic) -> Store {
    let s = Store::open(dir).unwrap();
    s.set_me(Some(me)).unwrap();
    s
}

fn code(e: StoreError) -> ErrorCode {
    match e {
        StoreError::Refused(d) => d.code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn migrations_apply_to_an_empty_file_and_a_newer_cache_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    let conn = rusqlite::Connection::open(dir.path().join(rounds_store::DB_FILE)).unwrap();
    let v: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, rounds_store::SCHEMA_VERSION);
    conn.pragma_update(None, "user_version", rounds_store::SCHEMA_VERSION + 1)
        .unwrap();
    drop(conn);
    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::TooNew { .. }), "{err:?}");
    assert!(err.to_string().contains("upgrade Rounds"));
}

#[test]
fn an_offline_ticket_exists_at_once_without_a_number_and_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let me = user(Role::Reporter, Some("main-ivf"));
    let mut s = open(dir.path(), &me);
    let t = s.ticket_create(draft("  打印机卡纸 "), t0()).unwrap();
    assert_eq!(t.title, "打印机卡纸");
    assert_eq!(t.number, None);
    assert_eq!(t.reporter, me.id);
    assert_eq!(t.status, Status::New);
    drop(s);

    // Reopened, as after a crash: the ticket and its op are still there.
    let s = Store::open(dir.path()).unwrap();
    let rows = s.tickets(&TicketFilter::default()).unwrap();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].pending);
    assert!(!rows[0].conflict);
    let outbox = s.outbox().unwrap();
    assert_eq!(outbox.len(), 1);
    assert!(
        matches!(&outbox[0].op.kind, OpKind::TicketCreate { ticket } if ticket.id == Some(t.id))
    );
    assert_eq!(s.resolve(&t.id.to_string()).unwrap(), Some(t.id));
}

#[test]
fn rules_apply_offline_too() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path()).unwrap();
    assert!(matches!(
        s.ticket_create(draft("x"), t0()),
        Err(StoreError::NotSignedIn)
    ));

    let me = user(Role::Reporter, Some("main-lab"));
    s.set_me(Some(&me)).unwrap();
    assert_eq!(
        code(s.ticket_create(draft("别的科室"), t0()).unwrap_err()),
        ErrorCode::Forbidden
    );
    let mut d = draft("");
    d.department = "main-lab".into();
    assert_eq!(
        code(s.ticket_create(d.clone(), t0()).unwrap_err()),
        ErrorCode::Validation
    );
    d.title = "检验仪器断开".into();
    let t = s.ticket_create(d, t0()).unwrap();
    // Reporters may not acknowledge, nor write internal notes.
    assert_eq!(
        code(
            s.ticket_transition(t.id, Status::Acknowledged, None, t0())
                .unwrap_err()
        ),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(s.comment_add(t.id, "内部".into(), true, t0()).unwrap_err()),
        ErrorCode::Forbidden
    );
    assert_eq!(
        s.outbox_len().unwrap(),
        1,
        "refused changes leave no op behind"
    );
}

fn server_copy(t: &Ticket, number: &str) -> Ticket {
    Ticket {
        number: Some(number.into()),
        ..t.clone()
    }
}

#[test]
fn the_view_is_server_state_plus_pending_ops() {
    let dir = tempfile::tempdir().unwrap();
    let me = user(Role::Engineer, None);
    let mut s = open(dir.path(), &me);
    let t = s.ticket_create(draft("PACS 调阅慢"), t0()).unwrap();
    let create_op = s.outbox().unwrap()[0].op.op_id;
    s.outbox_applied(&[create_op]).unwrap();
    // The server numbers it; meanwhile the engineer edits and acknowledges offline.
    let patch = TicketPatch {
        location: Some(Some("超声科3号诊室".into())),
        ..Default::default()
    };
    let edited = s
        .ticket_update(t.id, patch, t0() + Duration::minutes(1))
        .unwrap();
    assert_eq!(edited.location.as_deref(), Some("超声科3号诊室"));
    s.ticket_transition(
        t.id,
        Status::Acknowledged,
        None,
        t0() + Duration::minutes(2),
    )
    .unwrap();
    let server = server_copy(&t, "R-2026-000042");
    s.apply_pull(
        "epoch-1",
        &[Change {
            seq: 5,
            entity: Entity::Ticket(server.clone()),
        }],
        5,
        None,
    )
    .unwrap();
    let view = s.ticket(t.id).unwrap().unwrap();
    assert_eq!(view.ticket.number.as_deref(), Some("R-2026-000042"));
    assert_eq!(
        view.ticket.location.as_deref(),
        Some("超声科3号诊室"),
        "pending edit replayed"
    );
    assert_eq!(
        view.ticket.status,
        Status::Acknowledged,
        "pending transition replayed"
    );
    assert_eq!(view.pending_ops, 2);
    assert_eq!(s.cursor().unwrap().cursor, 5);

    // The server refuses the transition: the view falls back, the reason is kept.
    let ops = s.outbox().unwrap();
    let transition = ops
        .iter()
        .find(|o| matches!(o.op.kind, OpKind::TicketTransition { .. }))
        .unwrap()
        .op
        .op_id;
    s.outbox_rejected(
        transition,
        "invalid_transition",
        "a ticket that is closed cannot move to acknowledged",
        t0(),
    )
    .unwrap();
    let view = s.ticket(t.id).unwrap().unwrap();
    assert_eq!(view.ticket.status, Status::New);
    assert_eq!(view.conflicts.len(), 1);
    assert_eq!(view.conflicts[0].code, "invalid_transition");
    assert!(s.tickets(&TicketFilter::default()).unwrap()[0].conflict);

    // Retry it (a new op id), then discard a second refusal.
    let retried = s
        .conflict_retry(transition, t0(), |_, _| {})
        .unwrap()
        .expect("queued again");
    assert_ne!(retried.op_id, transition);
    assert!(s.conflicts().unwrap().is_empty());
    assert_eq!(
        s.ticket(t.id).unwrap().unwrap().ticket.status,
        Status::Acknowledged
    );
    s.outbox_rejected(retried.op_id, "invalid_transition", "again", t0())
        .unwrap();
    assert!(s.conflict_discard(retried.op_id).unwrap());
    assert!(!s.conflict_discard(retried.op_id).unwrap());
    assert!(s.conflicts().unwrap().is_empty());
    assert_eq!(s.ticket(t.id).unwrap().unwrap().ticket.status, Status::New);
}

#[test]
fn a_refused_attachment_makes_conflicts_that_can_be_retried_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let eng = user(Role::Engineer, None);
    let mut s = open(dir.path(), &eng);
    let bad = s
        .attachment_add(b"GIF89a-not-taken", "image/gif", Some("旧截图.gif"))
        .unwrap()
        .sha256;
    let good = s
        .attachment_add(b"\x89PNG-kept", "image/png", Some("截图.png"))
        .unwrap()
        .sha256;
    let created = s
        .ticket_create(
            TicketDraft {
                attachments: vec![bad.clone(), good.clone()],
                ..draft("叫号屏花屏")
            },
            t0(),
        )
        .unwrap();
    let other = s.ticket_create(draft("打印机卡纸"), t0()).unwrap();
    // An edit that only attaches the refused file, and a comment that carries none.
    let attach_only = TicketPatch {
        attachments_add: vec![bad.clone()],
        ..Default::default()
    };
    s.ticket_update(other.id, attach_only, t0()).unwrap();
    s.comment_add(other.id, "已到现场".into(), false, t0())
        .unwrap();

    let refused = s
        .attachment_refused(&bad, "unsupported_media_type", "GIF is not accepted", t0())
        .unwrap();
    assert_eq!(refused, 2);
    let conflicts = s.conflicts().unwrap();
    assert_eq!(conflicts.len(), 2);
    assert!(
        conflicts
            .iter()
            .all(|c| c.attachment.as_deref() == Some(bad.as_str()))
    );
    assert!(conflicts.iter().all(|c| c.code == "unsupported_media_type"));
    let left: Vec<_> = s.outbox().unwrap().into_iter().map(|e| e.op.kind).collect();
    assert!(
        matches!(
            left.as_slice(),
            [OpKind::TicketCreate { .. }, OpKind::CommentAdd { .. }]
        ),
        "{left:?}"
    );

    // The report goes again without the refused file and keeps the other one.
    let create_conflict = conflicts
        .iter()
        .find(|c| matches!(c.op.kind, OpKind::TicketCreate { .. }))
        .unwrap();
    let retried = s
        .conflict_retry(create_conflict.op.op_id, t0(), |c, kind| {
            kind.drop_attachment(c.attachment.as_deref().unwrap());
        })
        .unwrap()
        .expect("queued again");
    assert_eq!(retried.kind.attachments(), std::slice::from_ref(&good));
    assert_eq!(
        s.ticket(created.id).unwrap().unwrap().ticket.attachments,
        vec![good.clone()]
    );
    // The edit had nothing else to say: it is settled, not sent.
    let update_conflict = s.conflicts().unwrap().remove(0);
    assert!(matches!(
        update_conflict.op.kind,
        OpKind::TicketUpdate { .. }
    ));
    let settled = s
        .conflict_retry(update_conflict.op.op_id, t0(), |c, kind| {
            kind.drop_attachment(c.attachment.as_deref().unwrap());
        })
        .unwrap();
    assert_eq!(settled, None);
    assert!(s.conflicts().unwrap().is_empty());
    assert!(
        s.ticket(other.id)
            .unwrap()
            .unwrap()
            .ticket
            .attachments
            .is_empty()
    );
    assert_eq!(s.outbox_len().unwrap(), 3);
}

#[test]
fn comments_are_pending_until_acknowledged_and_internal_notes_stay_hidden_from_reporters() {
    let dir = tempfile::tempdir().unwrap();
    let eng = user(Role::Engineer, None);
    let mut s = open(dir.path(), &eng);
    let t = s.ticket_create(draft("HIS 登录失败"), t0()).unwrap();
    let c = s
        .comment_add(t.id, "已远程重启".into(), false, t0())
        .unwrap();
    let note = s
        .comment_add(t.id, "怀疑交换机端口".into(), true, t0())
        .unwrap();
    let view = s.ticket(t.id).unwrap().unwrap();
    assert_eq!(view.comments.len(), 2);
    assert!(view.comments.iter().all(|c| c.pending));
    let ops: Vec<Uuid> = s.outbox().unwrap().iter().map(|o| o.op.op_id).collect();
    s.outbox_applied(&ops[..2]).unwrap();
    s.outbox_rejected(ops[2], "forbidden", "no", t0()).unwrap();
    let view = s.ticket(t.id).unwrap().unwrap();
    assert_eq!(view.comments.len(), 1);
    assert_eq!(view.comments[0].comment.id, c.id);
    assert!(!view.comments[0].pending);
    // Even if an internal note were in the cache, a reporter's view leaves it out.
    s.apply_pull(
        "e",
        &[Change {
            seq: 9,
            entity: Entity::Comment(note.clone()),
        }],
        9,
        None,
    )
    .unwrap();
    assert_eq!(s.ticket(t.id).unwrap().unwrap().comments.len(), 2);
    s.set_me(Some(&user(Role::Reporter, Some("main-ivf"))))
        .unwrap();
    let view = s.ticket(t.id).unwrap().unwrap();
    assert_eq!(view.comments.len(), 1);
    assert!(!view.comments[0].comment.internal);
}

#[test]
fn a_new_server_epoch_requires_a_reset_that_keeps_pending_work() {
    let dir = tempfile::tempdir().unwrap();
    let eng = user(Role::Engineer, None);
    let mut s = open(dir.path(), &eng);
    let mine = s.ticket_create(draft("离线新建"), t0()).unwrap();
    let other = Ticket {
        id: Uuid::now_v7(),
        number: Some("R-2026-000001".into()),
        ..mine.clone()
    };
    s.apply_pull(
        "epoch-1",
        &[Change {
            seq: 1,
            entity: Entity::Ticket(other.clone()),
        }],
        1,
        None,
    )
    .unwrap();
    assert_eq!(s.tickets(&TicketFilter::default()).unwrap().len(), 2);
    assert!(s.apply_pull("epoch-2", &[], 1, None).is_err());
    s.reset_server_state().unwrap();
    let rows = s.tickets(&TicketFilter::default()).unwrap();
    assert_eq!(rows.len(), 1, "server-only state is gone");
    assert_eq!(rows[0].ticket.id, mine.id, "the pending create is kept");
    assert_eq!(s.cursor().unwrap().cursor, 0);
    s.apply_pull("epoch-2", &[], 3, None).unwrap();
    assert_eq!(s.cursor().unwrap().epoch.as_deref(), Some("epoch-2"));
}

#[test]
fn attachments_are_stored_once_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let me = user(Role::Reporter, Some("main-ivf"));
    let mut s = open(dir.path(), &me);
    let a = s
        .attachment_add(b"hello", "text/plain", Some("log.txt"))
        .unwrap();
    let b = s
        .attachment_add(b"hello", "text/plain", Some("again.txt"))
        .unwrap();
    assert_eq!(a.sha256, b.sha256);
    assert_eq!(
        a.sha256,
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    );
    assert_eq!(
        std::fs::read(s.attachment_path(&a.sha256)).unwrap(),
        b"hello"
    );
    let mut d = draft("附件");
    d.attachments = vec![a.sha256.clone()];
    let t = s.ticket_create(d.clone(), t0()).unwrap();
    assert_eq!(t.attachments, vec![a.sha256.clone()]);
    d.attachments = vec!["0".repeat(64)];
    assert_eq!(
        code(s.ticket_create(d, t0()).unwrap_err()),
        ErrorCode::Validation
    );
    assert!(!s.attachment(&a.sha256).unwrap().unwrap().uploaded);
    s.attachment_uploaded(&a.sha256).unwrap();
    assert!(s.attachment(&a.sha256).unwrap().unwrap().uploaded);
}

#[test]
fn filters_and_lookup_by_number() {
    let dir = tempfile::tempdir().unwrap();
    let eng = user(Role::Engineer, None);
    let mut s = open(dir.path(), &eng);
    let mut ids = Vec::new();
    for (i, sev) in [1u8, 3, 3, 4].iter().enumerate() {
        let mut d = draft(&format!("工单 {i}"));
        d.severity = Severity::new(*sev).unwrap();
        ids.push(
            s.ticket_create(d, t0() + Duration::minutes(i as i64))
                .unwrap(),
        );
    }
    let server = server_copy(&ids[0], "R-2026-000007");
    s.apply_pull(
        "e",
        &[Change {
            seq: 1,
            entity: Entity::Ticket(server),
        }],
        1,
        None,
    )
    .unwrap();
    assert_eq!(s.resolve("R-2026-000007").unwrap(), Some(ids[0].id));
    assert_eq!(s.resolve("R-2026-999999").unwrap(), None);
    let f = TicketFilter {
        severity: Some(vec![3]),
        ..Default::default()
    };
    let got: Vec<Uuid> = s
        .tickets(&f)
        .unwrap()
        .into_iter()
        .map(|r| r.ticket.id)
        .collect();
    assert_eq!(got, vec![ids[2].id, ids[1].id], "newest first");
    let f = TicketFilter {
        limit: Some(1),
        ..Default::default()
    };
    assert_eq!(s.tickets(&f).unwrap()[0].ticket.id, ids[3].id);
}

/// A ticket as the server sends it, reported by `reporter`, assigned to `assignee`, changed a
/// minute ago.
fn pulled_ticket(title: &str, reporter: Uuid, assignee: Option<Uuid>) -> Ticket {
    Ticket {
        reporter,
        assignee,
        ..common::pulled(Uuid::now_v7(), title, Utc::now() - Duration::minutes(1))
    }
}

#[test]
fn a_pull_reports_news_past_what_the_cache_held_and_not_the_users_own_changes() {
    use rounds_core::notices::NoticeKind;
    use rounds_store::News;

    let dir = tempfile::tempdir().unwrap();
    let eng = user(Role::Engineer, None);
    let nurse = Uuid::now_v7();
    let mut s = open(dir.path(), &eng);
    // A fresh cache, nobody told it where the sign-in was: a first sync is all history.
    assert_eq!(s.news_after().unwrap(), None);
    s.set_news_from(10).unwrap();
    assert_eq!(s.news_after().unwrap(), Some(10));
    let news = |after| {
        Some(News {
            after,
            now: Utc::now(),
        })
    };

    // The first sync: assigned to me before the sign-in (history) and after it (news).
    let old = pulled_ticket("旧工单", nurse, Some(eng.id));
    let new = pulled_ticket("新分派的工单", nurse, Some(eng.id));
    let page = [
        Change {
            seq: 4,
            entity: Entity::Ticket(old),
        },
        Change {
            seq: 11,
            entity: Entity::Ticket(new.clone()),
        },
    ];
    let notices = s.apply_pull("e", &page, 11, news(10)).unwrap();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(
        (notices[0].kind, notices[0].ticket_id),
        (NoticeKind::Assigned, new.id)
    );
    assert_eq!(s.news_after().unwrap(), Some(11), "the cursor from now on");

    // My own comment, written here and echoed by the server, is not news; a colleague's is.
    let mine = s
        .comment_add(new.id, "在路上".into(), false, Utc::now())
        .unwrap();
    let theirs = rounds_core::model::Comment {
        id: Uuid::now_v7(),
        author: nurse,
        body: "打印机又卡纸了".into(),
        ..mine.clone()
    };
    let page = [
        Change {
            seq: 12,
            entity: Entity::Comment(mine),
        },
        Change {
            seq: 13,
            entity: Entity::Comment(theirs.clone()),
        },
    ];
    let notices = s.apply_pull("e", &page, 13, news(11)).unwrap();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].kind, NoticeKind::Comment);
    assert_eq!(notices[0].detail.as_deref(), Some("打印机又卡纸了"));

    // The same page again (a retried sync) is no longer news, and without `news` nothing is.
    assert!(s.apply_pull("e", &page, 13, news(11)).unwrap().is_empty());
    let other = pulled_ticket("另一张", nurse, Some(eng.id));
    let page = [Change {
        seq: 14,
        entity: Entity::Ticket(other),
    }];
    assert!(s.apply_pull("e", &page, 14, None).unwrap().is_empty());

    // A restored server: what comes next is history again.
    s.reset_server_state().unwrap();
    assert_eq!(s.news_after().unwrap(), None);
}

/// `(data, server_data)` of a ticket as stored on disk.
fn stored_json(dir: &std::path::Path, id: Uuid) -> (String, Option<String>) {
    let db = rusqlite::Connection::open(dir.join(rounds_store::DB_FILE)).unwrap();
    db.query_row(
        "SELECT data, server_data FROM tickets WHERE id = ?1",
        [id.to_string()],
        |r| Ok((r.get(0).unwrap(), r.get(1).unwrap())),
    )
    .unwrap()
}

#[test]
fn a_ticket_without_pending_ops_is_stored_once_and_its_server_copy_survives_local_edits() {
    let dir = tempfile::tempdir().unwrap();
    let me = user(Role::Engineer, None);
    let mut s = open(dir.path(), &me);
    let pulled = pulled_ticket("LIS 条码打印机无响应", me.id, None);
    let page = |seq: i64, t: &Ticket| {
        vec![Change {
            seq,
            entity: Entity::Ticket(t.clone()),
        }]
    };
    s.apply_pull("e", &page(1, &pulled), 1, None).unwrap();
    let (data, server) = stored_json(dir.path(), pulled.id);
    assert_eq!(serde_json::from_str::<Ticket>(&data).unwrap(), pulled);
    assert_eq!(server.as_deref(), Some(""), "the server's copy is `data`");

    // A local edit keeps the server's copy apart from the view.
    let patch = TicketPatch {
        title: Some("LIS 条码打印机卡纸".into()),
        ..Default::default()
    };
    s.ticket_update(pulled.id, patch, Utc::now()).unwrap();
    let (data, server) = stored_json(dir.path(), pulled.id);
    assert_eq!(
        serde_json::from_str::<Ticket>(&data).unwrap().title,
        "LIS 条码打印机卡纸"
    );
    assert_eq!(
        serde_json::from_str::<Ticket>(&server.unwrap()).unwrap(),
        pulled
    );

    // Refused and discarded, the edit gives way to the server's copy again.
    let op = s.outbox().unwrap()[0].op.op_id;
    s.outbox_rejected(op, "forbidden", "not yours", Utc::now())
        .unwrap();
    assert_eq!(
        s.ticket(pulled.id).unwrap().unwrap().ticket.title,
        "LIS 条码打印机无响应"
    );
    assert!(s.conflict_discard(op).unwrap());
    assert_eq!(s.ticket(pulled.id).unwrap().unwrap().ticket, pulled);

    // The next pull, with nothing pending, stores it once again.
    let newer = Ticket {
        location: Some("检验科一楼".into()),
        ..pulled.clone()
    };
    s.apply_pull("e", &page(2, &newer), 2, None).unwrap();
    let (data, server) = stored_json(dir.path(), pulled.id);
    assert_eq!(serde_json::from_str::<Ticket>(&data).unwrap(), newer);
    assert_eq!(server.as_deref(), Some(""));
}
