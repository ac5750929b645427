//! The offline client (`rounds-app` over `rounds-store` and `rounds-sync`) against the real
//! server: work made offline reaches the server exactly once, concurrent edits converge under
//! the per-field merge rule, refused transitions become conflicts, a server killed mid-push
//! loses and repeats nothing, long ops are pushed within the server's body limit, a refused
//! session keeps the outbox, and a reporter's cache never holds what the reporter may not see,
//! not even after another user had the profile.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use rand::{Rng, SeedableRng, rngs::StdRng};
use reqwest::{Method, StatusCode};
use rounds_app::AppErrorCode;
use rounds_app::credentials::TokenStoreKind;
use rounds_core::merge::TicketPatch;
use rounds_core::model::{Comment, Severity, Status, WorkType};
use rounds_core::wire::OpKind;
use rounds_sync::run::PUSH_BATCH;
use rounds_tests::client::{
    CutProxy, LocalView, Profile, ProxyMode, ServerView, bytes_contain, cache_db, draft,
    files_under, outbox_len, seeded_data, server_comments, server_ticket, wait_until,
};
use rounds_tests::{PASSWORD, ServerProcess, TestServer};
use serde_json::json;
use uuid::Uuid;

fn id_of(t: &serde_json::Value) -> Uuid {
    t["id"].as_str().unwrap().parse().unwrap()
}

/// `R-<this year>-<6 digits>`.
#[track_caller]
fn assert_number(number: Option<&str>) {
    let n = number.expect("the server numbered the ticket");
    let rest = n
        .strip_prefix(&format!("R-{}-", Utc::now().format("%Y")))
        .unwrap_or_else(|| panic!("number {n}"));
    assert!(
        rest.len() == 6 && rest.bytes().all(|b| b.is_ascii_digit()),
        "number {n}"
    );
}

fn comment_map(v: &rounds_store::TicketView) -> BTreeMap<Uuid, Comment> {
    v.comments
        .iter()
        .map(|c| (c.comment.id, c.comment.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_raised_offline_reach_the_server_once_with_numbers() {
    let (dir, tokens) = seeded_data().await;
    let data = dir.path().join("data");
    let server = ServerProcess::start(&data);
    let p = Profile::new();
    let nurse = p.login(&server.base, "nurse").await;
    p.app.sync_now().await.unwrap();
    assert!(server.stop().success());

    // Offline: three tickets and four comments.
    let mut tickets = Vec::new();
    let mut comments = BTreeSet::new();
    for i in 0..3 {
        let mut d = draft(
            &format!("离线报修 {i}：B超室打印机卡纸"),
            "main",
            "main-ivf",
            3,
        );
        d.description = format!("第 {i} 台，走廊信号差，先记下来。");
        let t = p.create(d).await;
        assert_eq!(t.number, None, "no number before the server has seen it");
        comments.insert(
            p.comment(t.id, &format!("补充 {i}：重启无效"), false)
                .await
                .id,
        );
        tickets.push(t.id);
    }
    comments.insert(p.comment(tickets[0], "又卡纸了", false).await.id);
    let queued: Vec<Uuid> = p.outbox().await.iter().map(|e| e.op.op_id).collect();
    assert_eq!(queued.len(), 7);

    let err = p.app.sync_now().await.unwrap_err();
    assert_eq!(err.code, AppErrorCode::Offline, "{err:?}");
    let kept: Vec<Uuid> = p.outbox().await.iter().map(|e| e.op.op_id).collect();
    assert_eq!(kept, queued, "a failed sync keeps every op, in order");
    let st = p.app.status().await.unwrap();
    assert_eq!(st.pending_ops, 7);
    assert_eq!(st.online, Some(false));
    let last = st.last_error.expect("a failed sync is in the status");
    assert_eq!(last.code, AppErrorCode::Offline, "{last:?}");
    assert!(last.message.contains("cannot be reached"), "{last:?}");
    for id in &tickets {
        let v = p.view(*id).await;
        assert_eq!(v.ticket.number, None);
        assert_eq!(v.pending_ops, if *id == tickets[0] { 3 } else { 2 });
    }

    // The server comes back on another port; sign in there again.
    let server = ServerProcess::start(&data);
    assert_eq!(p.login(&server.base, "nurse").await.id, nurse.id);
    let report = p.app.sync_now().await.unwrap();
    assert_eq!((report.applied, report.rejected, report.held), (7, 0, 0));

    let admin = tokens.api(&server.base, "admin");
    let sv = ServerView::pull(&admin).await;
    assert_eq!(
        sv.tickets.keys().copied().collect::<BTreeSet<_>>(),
        tickets.iter().copied().collect::<BTreeSet<_>>(),
        "exactly the three tickets, once each"
    );
    assert_eq!(
        sv.comments.keys().copied().collect::<BTreeSet<_>>(),
        comments
    );
    let mut numbers = BTreeSet::new();
    for id in &tickets {
        let on_server = server_ticket(&admin, *id).await;
        assert_eq!(on_server, sv.tickets[id]);
        assert_number(on_server.number.as_deref());
        assert!(numbers.insert(on_server.number.clone()));
        assert_eq!(on_server.reporter, nurse.id);
        let v = p.view(*id).await;
        assert_eq!(
            v.ticket, on_server,
            "the local copy is the server's, number included"
        );
        assert_eq!(v.pending_ops, 0);
        assert!(v.comments.iter().all(|c| !c.pending));
        assert_eq!(comment_map(&v), server_comments(&admin, *id).await);
        assert_eq!(
            p.app
                .ticket(on_server.number.as_deref().unwrap())
                .await
                .unwrap()
                .ticket
                .id,
            *id,
            "found by its number"
        );
    }
    let st = p.app.status().await.unwrap();
    assert_eq!((st.pending_ops, st.conflicts), (0, 0));
    assert_eq!(st.online, Some(true));
    assert_eq!(st.last_error, None);
    assert!(st.last_sync.is_some());
    assert_eq!(LocalView::read(p.path()).outbox, 0);

    // Syncing again sends nothing and creates nothing.
    let again = p.app.sync_now().await.unwrap();
    assert_eq!((again.applied, again.rejected), (0, 0));
    let sv2 = ServerView::pull(&admin).await;
    assert_eq!(sv2.tickets, sv.tickets);
    assert_eq!(sv2.comments.len(), 4);
}

/// Which profile syncs at each step: 0 is A (engineer), 1 is B (dispatcher).
async fn two_clients_converge(order: [usize; 3]) {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let created = h
        .api("nurse")
        .new_ticket("检验科电脑蓝屏", "main", "main-ivf", 3)
        .await;
    let id = id_of(&created);
    let admin = h.api("admin");
    let a = Profile::new();
    a.login(&server.base, "eng").await;
    let b = Profile::new();
    b.login(&server.base, "disp").await;
    for p in [&a, &b] {
        p.app.sync_now().await.unwrap();
        assert_eq!(p.view(id).await.ticket, server_ticket(admin, id).await);
    }

    // Offline edits, interleaved. UUIDv7 op ids order them: b1 < a1 < b2.
    b.app
        .ticket_update(
            id,
            TicketPatch {
                title: Some("B：检验科电脑蓝屏（早）".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    a.app
        .ticket_update(
            id,
            TicketPatch {
                title: Some("A：检验科电脑反复蓝屏".into()),
                location: Some(Some("A：门诊楼3楼".into())),
                work_type: Some(WorkType::BugFix),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let a1 = a.comment(id, "A1：已远程查看，内存报错", false).await;
    b.app
        .ticket_update(
            id,
            TicketPatch {
                location: Some(Some("B：门诊楼3楼检验科".into())),
                description: Some("B：影响出报告".into()),
                severity: Some(Severity::new(2).unwrap()),
                reason: Some("影响全科室出报告".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let b1 = b.comment(id, "B1：已通知科室主任", false).await;
    let a2 = a.comment(id, "A2：内部：疑似内存条老化", true).await;

    let (oa, ob) = (a.outbox().await, b.outbox().await);
    assert_eq!((oa.len(), ob.len()), (3, 3));
    assert!(
        ob[0].op.op_id < oa[0].op.op_id && oa[0].op.op_id < ob[1].op.op_id,
        "op ids follow the order the edits were made"
    );
    // Before syncing each sees its own edits.
    assert_eq!(a.view(id).await.ticket.title, "A：检验科电脑反复蓝屏");
    assert_eq!(
        b.view(id).await.ticket.location.as_deref(),
        Some("B：门诊楼3楼检验科")
    );

    let profiles = [&a, &b];
    for (step, who) in order.iter().enumerate() {
        let r = profiles[*who].app.sync_now().await.unwrap();
        assert_eq!(r.rejected, 0, "step {step}: {r:?}");
        assert_eq!(r.held, 0);
    }

    let on_server = server_ticket(admin, id).await;
    // Later edit wins per field; fields edited on one side only are kept.
    assert_eq!(on_server.title, "A：检验科电脑反复蓝屏");
    assert_eq!(on_server.location.as_deref(), Some("B：门诊楼3楼检验科"));
    assert_eq!(on_server.description, "B：影响出报告");
    assert_eq!(on_server.severity.get(), 2);
    assert_eq!(on_server.work_type, WorkType::BugFix);
    assert_eq!(on_server.status, Status::New);
    let comments = server_comments(admin, id).await;
    assert_eq!(
        comments.keys().copied().collect::<BTreeSet<_>>(),
        BTreeSet::from([a1.id, a2.id, b1.id])
    );
    assert!(comments[&a2.id].internal);

    let sv = ServerView::pull(admin).await;
    for (name, p) in [("A", &a), ("B", &b)] {
        let v = p.view(id).await;
        assert_eq!(v.ticket, on_server, "{name}'s ticket after {order:?}");
        assert_eq!(
            comment_map(&v),
            comments,
            "{name}'s comments after {order:?}"
        );
        assert_eq!(v.pending_ops, 0);
        assert!(v.conflicts.is_empty());
        let whole = LocalView::read(p.path());
        assert_eq!(whole.tickets, sv.tickets, "{name}'s whole cache");
        assert_eq!(whole.comments, sv.comments, "{name}'s whole cache");
        assert_eq!((whole.outbox, whole.conflicts), (0, 0));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_editing_offline_converge_syncing_a_b_a() {
    two_clients_converge([0, 1, 0]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_editing_offline_converge_syncing_b_a_b() {
    two_clients_converge([1, 0, 1]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transition_refused_after_an_offline_edit_is_a_conflict_to_retry_or_discard() {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let (disp, admin) = (h.api("disp"), h.api("admin"));
    let t1 = id_of(
        &h.api("nurse")
            .new_ticket("PACS 调阅慢", "main", "main-ivf", 3)
            .await,
    );
    let t2 = id_of(
        &h.api("nurse")
            .new_ticket("叫号屏黑屏", "main", "main-ivf", 3)
            .await,
    );
    let a = Profile::new();
    a.login(&server.base, "eng").await;
    a.app.sync_now().await.unwrap();

    // Offline, the engineer acknowledges and resolves both.
    for id in [t1, t2] {
        a.app
            .ticket_transition(id, Status::Acknowledged, None)
            .await
            .unwrap();
        let t = a
            .app
            .ticket_transition(id, Status::Resolved, None)
            .await
            .unwrap();
        assert_eq!(t.status, Status::Resolved);
    }
    // Meanwhile, online, the dispatcher closes t1 and resolves t2.
    let move_to = |id: Uuid, to: &'static str, reason: Option<&'static str>| async move {
        let (s, body) = disp
            .post(
                &format!("/api/v1/tickets/{id}/transitions"),
                json!({"to": to, "reason": reason}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{to}: {body}");
    };
    move_to(t1, "closed", Some("重复报修")).await;
    move_to(t2, "in_progress", None).await;
    move_to(t2, "resolved", None).await;

    let r = a.app.sync_now().await.unwrap();
    assert_eq!((r.applied, r.rejected), (0, 4));
    let conflicts = a.app.conflicts().await.unwrap();
    let mut got: Vec<(Uuid, Status, String, String)> = conflicts
        .iter()
        .map(|c| match &c.op.kind {
            OpKind::TicketTransition { ticket_id, to, .. } => {
                (*ticket_id, *to, c.code.clone(), c.message.clone())
            }
            other => panic!("unexpected conflict {other:?}"),
        })
        .collect();
    got.sort();
    let mut want = vec![
        (t1, Status::Acknowledged, "closed"),
        (t1, Status::Resolved, "closed"),
        (t2, Status::Acknowledged, "resolved"),
        (t2, Status::Resolved, "resolved"),
    ]
    .into_iter()
    .map(|(t, to, from)| {
        (
            t,
            to,
            "invalid_transition".to_owned(),
            format!("a ticket that is {from} cannot move to {to}"),
        )
    })
    .collect::<Vec<_>>();
    want.sort();
    assert_eq!(got, want);
    let st = a.app.status().await.unwrap();
    assert_eq!((st.pending_ops, st.conflicts), (0, 4));

    // The view falls back to the server's state, and says why.
    for (id, status) in [(t1, Status::Closed), (t2, Status::Resolved)] {
        let v = a.view(id).await;
        let on_server = server_ticket(admin, id).await;
        assert_eq!(on_server.status, status);
        assert_eq!(v.ticket, on_server);
        assert_eq!(v.conflicts.len(), 2);
        assert_eq!(v.pending_ops, 0);
    }
    let rows = a.app.tickets(Default::default()).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.conflict && !r.pending), "{rows:?}");

    // t1: discard both.
    let op_of = |id: Uuid, to: Status| {
        conflicts
            .iter()
            .find(|c| {
                matches!(&c.op.kind, OpKind::TicketTransition { ticket_id, to: t, .. }
                    if *ticket_id == id && *t == to)
            })
            .unwrap()
            .op
            .op_id
    };
    for to in [Status::Acknowledged, Status::Resolved] {
        a.app.conflict_discard(op_of(t1, to)).await.unwrap();
    }
    let again = a
        .app
        .conflict_discard(op_of(t1, Status::Acknowledged))
        .await;
    assert_eq!(again.unwrap_err().code, AppErrorCode::NotFound);
    assert!(a.view(t1).await.conflicts.is_empty());

    // t2: reopened online; the refused acknowledge is retried as a resolve, the other dropped.
    move_to(t2, "in_progress", Some("复发：又黑屏")).await;
    let r = a.app.sync_now().await.unwrap();
    assert_eq!((r.applied, r.rejected), (0, 0));
    assert_eq!(a.view(t2).await.ticket.status, Status::InProgress);
    a.app
        .conflict_retry(
            op_of(t2, Status::Acknowledged),
            rounds_app::Retry {
                to: Some(Status::Resolved),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    a.app
        .conflict_discard(op_of(t2, Status::Resolved))
        .await
        .unwrap();
    let st = a.app.status().await.unwrap();
    assert_eq!((st.pending_ops, st.conflicts), (1, 0));
    assert_eq!(a.view(t2).await.ticket.status, Status::Resolved);
    let r = a.app.sync_now().await.unwrap();
    assert_eq!((r.applied, r.rejected), (1, 0));

    let on_server = server_ticket(admin, t2).await;
    assert_eq!(on_server.status, Status::Resolved);
    assert!(on_server.resolved_at.is_some());
    assert_eq!(a.view(t2).await.ticket, on_server);
    assert_eq!(a.view(t1).await.ticket, server_ticket(admin, t1).await);
    let st = a.app.status().await.unwrap();
    assert_eq!((st.pending_ops, st.conflicts), (0, 0));
}

/// A seed for the random kill points: `ROUNDS_TEST_SEED` or a fixed default, printed so a
/// failure can be replayed.
fn kill_seed(default: u64) -> u64 {
    let seed = std::env::var("ROUNDS_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    println!("kill points from seed {seed} (set ROUNDS_TEST_SEED to replay another)");
    seed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_server_mid_push_loses_no_op_and_applies_none_twice() {
    let (dir, tokens) = seeded_data().await;
    let data = dir.path().join("data");
    let mut server = ServerProcess::start(&data);
    let p = Profile::in_memory();
    p.login(&server.base, "eng").await;

    // 2,000 ops: 400 tickets with 4 comments each.
    let started = Instant::now();
    let (tickets, comments) = p
        .app
        .local()
        .call(|s| {
            let (mut tickets, mut comments) = (BTreeSet::new(), BTreeSet::new());
            for i in 0..400 {
                let dept = ["main-ivf", "main-lab"][i % 2];
                let t = s.ticket_create(
                    draft(&format!("批量 {i}：自助机无法出号"), "main", dept, 3),
                    Utc::now(),
                )?;
                tickets.insert(t.id);
                for j in 0..4 {
                    let c = s.comment_add(t.id, format!("记录 {i}-{j}"), j == 3, Utc::now())?;
                    comments.insert(c.id);
                }
            }
            Ok((tickets, comments))
        })
        .await
        .unwrap();
    println!("queued 2000 ops in {:?}", started.elapsed());
    assert_eq!(p.outbox().await.len(), 2000);

    // First the answer to a whole batch is lost on the way back: the server applied it, the
    // client cannot know.
    let proxy = CutProxy::start(&server.base, ProxyMode::DropAnswers).await;
    p.point_to(&proxy.base).await;
    let err = p.app.sync_now().await.unwrap_err();
    assert_eq!(err.code, AppErrorCode::Offline, "{err:?}");
    assert_eq!(p.outbox().await.len(), 2000);
    let applied_unknown = ServerView::pull(&tokens.api(&server.base, "admin")).await;
    assert_eq!(
        applied_unknown.tickets.len() + applied_unknown.comments.len(),
        PUSH_BATCH,
        "the first batch was applied"
    );
    drop(proxy);
    p.point_to(&server.base).await;

    // Then each round: sync, wait until the server has acknowledged a batch, then SIGKILL the server
    // a random moment later, mostly while it applies the next batch.
    let mut rng = StdRng::seed_from_u64(kill_seed(4));
    let mut mid_push = 0;
    for round in 0..6 {
        let before = p.outbox().await.len();
        if before == 0 {
            break;
        }
        let app = p.app.clone();
        let sync = tokio::spawn(async move { app.sync_now().await });
        let profile = p.path().to_owned();
        wait_until("a batch acknowledged", Duration::from_secs(30), || {
            let done = sync.is_finished();
            let left = outbox_len(&profile);
            async move { done || left < before }
        })
        .await;
        let delay = rng.gen_range(0..25);
        tokio::time::sleep(Duration::from_millis(delay)).await;
        server.child.kill().unwrap(); // SIGKILL
        server.child.wait().unwrap();
        let result = tokio::time::timeout(Duration::from_secs(30), sync)
            .await
            .expect("the sync ends once the server is gone")
            .unwrap();
        let after = p.outbox().await.len();
        server = ServerProcess::start(&data);
        p.point_to(&server.base).await;
        // Ops the server applied but whose answer the kill lost.
        let sv = ServerView::pull(&tokens.api(&server.base, "admin")).await;
        let unacknowledged = p
            .outbox()
            .await
            .iter()
            .filter(|e| match &e.op.kind {
                OpKind::TicketCreate { ticket } => sv.tickets.contains_key(&ticket.id.unwrap()),
                OpKind::CommentAdd { comment_id, .. } => sv.comments.contains_key(comment_id),
                _ => false,
            })
            .count();
        println!(
            "round {round}: SIGKILL {delay} ms after the first acknowledged batch; outbox {before} -> {after}, \
             {unacknowledged} of them already applied on the server; sync: {}",
            match &result {
                Ok(r) => format!("finished {r:?}"),
                Err(e) => format!("{:?}", e.code),
            }
        );
        assert!(after <= before);
        if let Err(e) = &result {
            assert_eq!(e.code, AppErrorCode::Offline, "{e:?}");
            if after > 0 {
                mid_push += 1;
            }
        }
    }
    assert!(mid_push > 0, "no kill landed during the push");

    let r = p.app.sync_now().await.unwrap();
    assert_eq!((r.rejected, r.held), (0, 0));
    let sv = ServerView::pull(&tokens.api(&server.base, "admin")).await;
    assert_eq!(sv.tickets.keys().copied().collect::<BTreeSet<_>>(), tickets);
    assert_eq!(
        sv.comments.keys().copied().collect::<BTreeSet<_>>(),
        comments
    );
    let numbers: BTreeSet<_> = sv.tickets.values().map(|t| t.number.clone()).collect();
    assert_eq!(numbers.len(), 400, "every ticket numbered once");
    let local = LocalView::read(p.path());
    assert_eq!((local.outbox, local.conflicts), (0, 0));
    assert_eq!(local.tickets, sv.tickets);
    assert_eq!(local.comments, sv.comments);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_comments_queued_offline_are_pushed_within_the_servers_body_limit() {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let p = Profile::new();
    p.login(&server.base, "nurse").await;
    let t = p
        .create(draft("PACS 报告无法打印", "main", "main-ivf", 3))
        .await;
    // 40 comments of the longest allowed body: about 2.4 MB of JSON, over the 2 MiB a push
    // may carry, so they must go in more than one push.
    let long = "报错日志".repeat(5_000);
    let mut comments = BTreeSet::new();
    for _ in 0..40 {
        comments.insert(p.comment(t.id, &long, false).await.id);
    }
    let r = p.app.sync_now().await.unwrap();
    assert_eq!((r.applied, r.rejected), (41, 0));
    let on_server = server_comments(h.api("admin"), t.id).await;
    assert_eq!(on_server.keys().copied().collect::<BTreeSet<_>>(), comments);
    assert!(on_server.values().all(|c| c.body == long));
    assert_eq!(p.app.status().await.unwrap().pending_ops, 0);
    assert_eq!(comment_map(&p.view(t.id).await), on_server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_keeps_the_outbox_until_the_next_sign_in() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let server = TestServer::start_with(dir, |c| c.token_ttl = chrono::Duration::hours(1)).await;
    server.seed().await;
    let p = Profile::new();
    p.login(&server.base, "nurse").await;
    p.app.sync_now().await.unwrap();
    let t = p
        .create(draft("胰岛素泵数据上传失败", "main", "main-ivf", 2))
        .await;
    let queued: Vec<Uuid> = p.outbox().await.iter().map(|e| e.op.op_id).collect();

    server.clock.advance(chrono::Duration::hours(2));
    let err = p.app.sync_now().await.unwrap_err();
    assert_eq!(err.code, AppErrorCode::Unauthorized, "{err:?}");
    let st = p.app.status().await.unwrap();
    assert!(st.unauthorized);
    assert_eq!(st.pending_ops, 1);
    let kept: Vec<Uuid> = p.outbox().await.iter().map(|e| e.op.op_id).collect();
    assert_eq!(kept, queued);

    p.login(&server.base, "nurse").await;
    assert!(!p.app.status().await.unwrap().unauthorized);
    let r = p.app.sync_now().await.unwrap();
    assert_eq!((r.applied, r.rejected), (1, 0));
    let mut admin = server.api();
    admin.login("admin", PASSWORD).await;
    // The ticket reached a server two hours ahead, past its response clock, so the escalation
    // worker fires its ladder just after the push; the client must converge on that too.
    server.escalations_settled().await;
    p.app.sync_now().await.unwrap();
    let on_server = server_ticket(&admin, t.id).await;
    assert_number(on_server.number.as_deref());
    assert_eq!(p.view(t.id).await.ticket, on_server);
    let st = p.app.status().await.unwrap();
    assert_eq!((st.pending_ops, st.unauthorized), (0, false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_session_keeps_the_outbox_until_the_next_sign_in() {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let p = Profile::new();
    p.login(&server.base, "nurse").await;
    let t = p
        .create(draft("心电图机无法联网", "main", "main-ivf", 3))
        .await;
    p.comment(t.id, "三楼护士站那台", false).await;

    // Signed out elsewhere with the same token.
    let mut elsewhere = server.api();
    elsewhere.token = Some(p.token());
    let (s, body) = elsewhere
        .call(Method::POST, "/api/v1/auth/logout", None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{body}");

    let err = p.app.sync_now().await.unwrap_err();
    assert_eq!(err.code, AppErrorCode::Unauthorized, "{err:?}");
    let st = p.app.status().await.unwrap();
    assert!(st.unauthorized);
    assert_eq!(st.pending_ops, 2);
    let (s, _) = h
        .api("admin")
        .get(&format!("/api/v1/tickets/{}", t.id))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "nothing was pushed");

    p.login(&server.base, "nurse").await;
    let r = p.app.sync_now().await.unwrap();
    assert_eq!((r.applied, r.rejected), (2, 0));
    let on_server = server_ticket(h.api("admin"), t.id).await;
    assert_eq!(p.view(t.id).await.ticket, on_server);
    assert_eq!(server_comments(h.api("admin"), t.id).await.len(), 1);
    assert_eq!(p.app.status().await.unwrap().pending_ops, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reporters_cache_never_holds_internal_notes_or_other_departments() {
    const SECRET: &str = "内部备注-SECRET-7f3a：交换机端口被人为拔出";
    const SECRET2: &str = "内部备注-SECRET-91c2：怀疑账号被共用";
    let server = TestServer::start().await;
    let h = server.seed().await;
    let eng = h.api("eng");
    let comment = |id: Uuid, body: &'static str, internal: bool| async move {
        let (s, b) = eng
            .post(
                &format!("/api/v1/tickets/{id}/comments"),
                json!({"body": body, "internal": internal}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        id_of(&b)
    };
    // The reporter's department (main-ivf), another department on the same campus, and one on
    // another campus, each with public replies and internal notes.
    let ivf = id_of(
        &h.api("nurse2")
            .new_ticket("取卵室电脑无法登录 HIS", "main", "main-ivf", 2)
            .await,
    );
    let ivf_reply = comment(ivf, "工程师已到场", false).await;
    comment(ivf, SECRET, true).await;
    let lab = id_of(
        &h.api("labtech")
            .new_ticket("LAB-ONLY 条码打印机不出纸", "main", "main-lab", 3)
            .await,
    );
    comment(lab, "LAB-REPLY 已更换色带", false).await;
    comment(lab, SECRET2, true).await;
    let east = id_of(
        &h.api("eastnurse")
            .new_ticket("EAST-ONLY 东院叫号屏黑屏", "east", "east-ivf", 3)
            .await,
    );
    comment(east, "EAST-REPLY 已重启", false).await;

    let p = Profile::new();
    p.login(&server.base, "nurse").await;
    p.app.sync_now().await.unwrap();
    let own = p
        .create(draft("B超报告打印模糊", "main", "main-ivf", 4))
        .await;
    let own_comment = p.comment(own.id, "今天第二次了", false).await;
    p.app.sync_now().await.unwrap();
    // More arrives after the first pull, on the reporter's own ticket too.
    comment(own.id, SECRET2, true).await;
    let own_reply = comment(own.id, "已安排明早处理", false).await;
    comment(lab, "LAB-REPLY-2", false).await;
    h.api("labtech")
        .new_ticket("LAB-ONLY-2 离心机报错", "main", "main-lab", 2)
        .await;
    p.app.sync_now().await.unwrap();

    let local = LocalView::read(p.path());
    assert_eq!(
        local.tickets.keys().copied().collect::<BTreeSet<_>>(),
        BTreeSet::from([ivf, own.id])
    );
    assert_eq!(
        local.comments.keys().copied().collect::<BTreeSet<_>>(),
        BTreeSet::from([ivf_reply, own_comment.id, own_reply])
    );
    assert!(local.comments.values().all(|c| !c.internal));

    let db = cache_db(p.path());
    let mut texts = Vec::new();
    for sql in [
        "SELECT data FROM tickets",
        "SELECT coalesce(server_data, '') FROM tickets",
        "SELECT data FROM comments",
        "SELECT op FROM outbox",
        "SELECT op FROM conflicts",
    ] {
        let mut st = db.prepare(sql).unwrap();
        for row in st.query_map([], |r| r.get::<_, String>(0)).unwrap() {
            texts.push(row.unwrap());
        }
    }
    assert!(texts.len() >= 7, "{texts:?}");
    for text in &texts {
        for banned in [
            "SECRET",
            "\"internal\":true",
            "main-lab",
            "east-ivf",
            "LAB-",
            "EAST-",
        ] {
            assert!(!text.contains(banned), "`{banned}` in the cache: {text}");
        }
    }
    drop(db);
    // Not in any byte of the profile either (database, WAL, anything else).
    for path in files_under(p.path()) {
        let bytes = std::fs::read(&path).unwrap();
        for banned in [SECRET, SECRET2, "SECRET", "LAB-ONLY", "EAST-ONLY"] {
            assert!(
                !bytes_contain(&bytes, banned.as_bytes()),
                "`{banned}` in {}",
                path.display()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_user_signs_into_a_used_profile_only_once_it_holds_nothing_of_the_first() {
    const SECRET: &str = "内部备注-SECRET-5d1e：等待厂家寄回主板";
    let server = TestServer::start().await;
    let h = server.seed().await;
    let lab = id_of(
        &h.api("labtech")
            .new_ticket("LAB-ONLY 生化仪联机中断", "main", "main-lab", 2)
            .await,
    );
    let (s, b) = h
        .api("eng")
        .post(
            &format!("/api/v1/tickets/{lab}/comments"),
            json!({"body": SECRET, "internal": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");

    // An engineer's profile: the note is cached, and two offline moves are refused.
    let p = Profile::new();
    p.login(&server.base, "eng").await;
    p.app.sync_now().await.unwrap();
    assert_eq!(LocalView::read(p.path()).comments.len(), 1);
    p.app
        .ticket_transition(lab, Status::Acknowledged, None)
        .await
        .unwrap();
    p.app
        .ticket_transition(lab, Status::Pending, Some(SECRET.into()))
        .await
        .unwrap();
    let (s, b) = h
        .api("disp")
        .post(
            &format!("/api/v1/tickets/{lab}/transitions"),
            json!({"to": "closed", "reason": "科室自行解决"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(p.app.sync_now().await.unwrap().rejected, 2);

    // A reporter may not take the profile over while it holds the engineer's refused work.
    let err = p
        .app
        .login(&server.base, "nurse", PASSWORD, TokenStoreKind::File)
        .await
        .unwrap_err();
    assert_eq!(err.code, AppErrorCode::Conflict, "{err:?}");
    assert!(err.message.contains("2 refused"), "{err:?}");
    assert_eq!(p.app.me().await.unwrap().unwrap().username, "eng");
    assert_eq!(p.app.conflicts().await.unwrap().len(), 2);

    // Once the engineer has dealt with it, the reporter sees nothing of theirs.
    for c in p.app.conflicts().await.unwrap() {
        p.app.conflict_discard(c.op.op_id).await.unwrap();
    }
    p.login(&server.base, "nurse").await;
    p.app.sync_now().await.unwrap();
    assert!(p.app.conflicts().await.unwrap().is_empty());
    let local = LocalView::read(p.path());
    assert!(local.tickets.is_empty(), "{:?}", local.tickets);
    assert!(local.comments.is_empty(), "{:?}", local.comments);
    let db = cache_db(p.path());
    for table in ["tickets", "comments", "outbox", "conflicts"] {
        let n: i64 = db
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_escalation_between_sign_in_and_the_event_stream_connecting_still_notifies() {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let p = Profile::new();
    p.login(&server.base, "disp").await;
    let mut notices = p.app.notices();
    // A level-1 fault after the dispatcher signed in and before their event stream is up (it
    // starts with the background task, below): the server pages at once.
    let t = h
        .api("eng")
        .new_ticket("全院 HIS 无法登录", "main", "main-ivf", 1)
        .await;
    let id = id_of(&t);
    let _bg = rounds_app::background::start(p.app.clone(), Duration::from_secs(60));
    let notice = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let n = notices.recv().await.expect("the notice channel stays open");
            if n.ticket_id == id {
                return n;
            }
        }
    })
    .await
    .expect("no notice for the escalation that happened before the stream connected");
    assert_eq!(notice.kind, rounds_app::notices::NoticeKind::Escalation);
    assert_eq!(notice.number.as_deref(), t["number"].as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desktop_closed_during_an_escalation_pages_at_its_next_start() {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let p = Profile::new();
    p.login(&server.base, "disp").await;
    p.app.sync_now().await.unwrap();
    let rounds_tests::client::Profile { app, dir } = p;
    drop(app);

    // While the dispatcher's desktop is closed: a level-1 fault pages at once, and the
    // engineer edits the ticket afterwards, so the escalation is no longer the ticket's
    // latest change in the server's log.
    let eng = h.api("eng");
    let t = eng
        .new_ticket("急诊 HIS 全部掉线", "main", "main-ivf", 1)
        .await;
    let id = id_of(&t);
    let (s, b) = eng
        .patch(
            &format!("/api/v1/tickets/{id}"),
            json!({"location": "急诊楼一层"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    let app = rounds_app::App::open(dir.path()).unwrap();
    let mut notices = app.notices();
    let _bg = rounds_app::background::start(app.clone(), Duration::from_secs(60));
    let notice = tokio::time::timeout(Duration::from_secs(20), notices.recv())
        .await
        .expect("no notice at the next start")
        .expect("the notice channel stays open");
    assert_eq!(notice.kind, rounds_app::notices::NoticeKind::Escalation);
    assert_eq!(notice.ticket_id, id);
    assert_eq!(notice.detail.as_deref(), Some("response:0:0"));

    // Once: the syncs that follow bring nothing new.
    app.sync_now().await.unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(500), notices.recv())
            .await
            .is_err(),
        "a second notice for the same escalation"
    );
    drop(app);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attachment_the_server_refuses_makes_a_conflict_and_the_rest_still_syncs() {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let p = Profile::new();
    p.login(&server.base, "nurse").await;
    // A GIF kept by an older client, which took GIFs; the server never did. Written straight
    // into the cache: this version refuses it at the door.
    let gif = b"GIF89a\x01\0\x01\0\x80\0\0\xff\xff\xff\0\0\0;".to_vec();
    assert_eq!(
        p.app
            .attachment_add(gif.clone(), "image/gif".into(), None)
            .await
            .unwrap_err()
            .code,
        AppErrorCode::Validation
    );
    let sha = {
        let mut s = rounds_store::Store::open(p.path()).unwrap();
        s.attachment_add(&gif, "image/gif", Some("旧截图.gif"))
            .unwrap()
            .sha256
    };
    let with_gif = p
        .app
        .ticket_create(rounds_core::model::TicketDraft {
            attachments: vec![sha.clone()],
            ..draft("叫号屏花屏", "main", "main-ivf", 3)
        })
        .await
        .unwrap();
    let plain = p
        .app
        .ticket_create(draft("打印机卡纸", "main", "main-ivf", 4))
        .await
        .unwrap();

    let report = p.app.sync_now().await.expect("the sync goes on");
    assert_eq!(report.rejected, 1, "{report:?}");
    assert_eq!(report.applied, 1, "{report:?}");
    let conflicts = p.app.conflicts().await.unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].code, "unsupported_media_type");
    assert!(conflicts[0].message.contains("旧截图.gif"), "{conflicts:?}");
    assert_eq!(conflicts[0].op.kind.ticket_id(), Some(with_gif.id));
    assert_eq!(conflicts[0].attachment.as_deref(), Some(sha.as_str()));
    assert_eq!(outbox_len(p.path()), 0);
    // The other ticket reached the server, and the next sync is not stuck on the file.
    assert_eq!(
        server_ticket(h.api("nurse"), plain.id).await.title,
        "打印机卡纸"
    );
    p.app.sync_now().await.unwrap();

    // The nurse keeps her report: it goes again without the refused file.
    p.app
        .conflict_retry(
            conflicts[0].op.op_id,
            rounds_app::Retry {
                without_attachment: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let report = p.app.sync_now().await.unwrap();
    assert_eq!((report.applied, report.rejected), (1, 0), "{report:?}");
    let on_server = server_ticket(h.api("nurse"), with_gif.id).await;
    assert_eq!(on_server.title, "叫号屏花屏");
    assert!(on_server.attachments.is_empty(), "{on_server:?}");
    let st = p.app.status().await.unwrap();
    assert_eq!((st.pending_ops, st.conflicts), (0, 0));
    assert!(
        p.app
            .ticket(&with_gif.id.to_string())
            .await
            .unwrap()
            .ticket
            .number
            .is_some()
    );
}
