//! Sync push and pull against the real server: idempotency, per-op results, merge rule,
//! paging without gaps or duplicates, and visibility.

use std::collections::{BTreeMap, HashSet};

use chrono::Utc;
use reqwest::StatusCode;
use rounds_tests::{TestServer, assert_error};
use serde_json::{Value, json};
use uuid::Uuid;

fn create_op(id: Uuid, title: &str, dept: &str, campus: &str) -> Value {
    json!({"op_id": Uuid::now_v7(), "at": Utc::now(), "type": "ticket_create",
           "ticket": {"id": id, "title": title, "campus": campus, "department": dept, "severity": 3}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotent_create_with_a_key_and_with_a_client_id() {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let nurse = h.api("nurse");
    let body = json!({"title": "腕带打印机不出纸", "campus": "main", "department": "main-ivf", "severity": 2});
    let send = |key: &'static str| {
        let rb = nurse
            .request(reqwest::Method::POST, "/api/v1/tickets")
            .header("Idempotency-Key", key)
            .json(&body);
        rounds_tests::send(rb)
    };
    let a = send("k-1").await;
    let b = send("k-1").await;
    assert_eq!(a.0, StatusCode::CREATED);
    assert_eq!(b.0, StatusCode::CREATED);
    assert_eq!(a.1["id"], b.1["id"]);
    assert_eq!(a.1["number"], b.1["number"]);
    assert!(
        a.1["number"]
            .as_str()
            .unwrap()
            .starts_with(&format!("R-{}-", Utc::now().format("%Y")))
    );
    let c = send("k-2").await;
    assert_ne!(c.1["id"], a.1["id"], "a new key is a new ticket");

    // The same client-made id created twice is one ticket.
    let id = Uuid::now_v7();
    let with_id = json!({"id": id, "title": "PACS 调阅慢", "campus": "main", "department": "main-ivf", "severity": 3});
    let first = nurse.post("/api/v1/tickets", with_id.clone()).await;
    let again = nurse.post("/api/v1/tickets", with_id).await;
    assert_eq!(first.1["number"], again.1["number"]);
    let (_, list) = nurse.get("/api/v1/tickets?limit=100").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushing_the_same_ops_twice_has_one_effect() {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let eng = h.api("eng");
    let tid = Uuid::now_v7();
    let ops = vec![
        create_op(tid, "HIS 登录失败", "main-lab", "main"),
        json!({"op_id": Uuid::now_v7(), "at": Utc::now(), "type": "comment_add", "comment_id": Uuid::now_v7(),
               "ticket_id": tid, "body": "已远程查看", "internal": true}),
        json!({"op_id": Uuid::now_v7(), "at": Utc::now(), "type": "ticket_transition", "ticket_id": tid, "to": "acknowledged"}),
    ];
    let r1 = eng.push(ops.clone()).await;
    assert!(r1.iter().all(|r| r["status"] == "applied"), "{r1:?}");
    let r2 = eng.push(ops).await;
    assert_eq!(r1, r2, "a repeated push returns the stored results");
    let (_, comments) = eng.get(&format!("/api/v1/tickets/{tid}/comments")).await;
    assert_eq!(comments["items"].as_array().unwrap().len(), 1);
    let (_, t) = eng.get(&format!("/api/v1/tickets/{tid}")).await;
    assert_eq!(t["status"], "acknowledged");
    let audit: i64 = server
        .state
        .db
        .read(move |tx| {
            Ok(tx.query_row(
                "SELECT count(*) FROM audit WHERE entity_id = ?1",
                [tid.to_string()],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(
        audit, 2,
        "one audit row for the create and one for the transition"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bad_op_does_not_sink_the_batch() {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let eng = h.api("eng");
    let tid = Uuid::now_v7();
    let bad_transition_id = Uuid::now_v7();
    let ops = vec![
        create_op(tid, "LIS 接口不回传", "main-lab", "main"),
        json!({"op_id": Uuid::now_v7(), "type": "ticket_explode"}),
        json!({"op_id": bad_transition_id, "at": Utc::now(), "type": "ticket_transition", "ticket_id": tid, "to": "resolved"}),
        json!({"op_id": Uuid::now_v7(), "at": Utc::now(), "type": "ticket_update", "ticket_id": tid, "patch": {"title": ""}}),
        json!("not even an object"),
        json!({"op_id": Uuid::now_v7(), "at": Utc::now(), "type": "ticket_update", "ticket_id": tid,
               "patch": {"location": "检验科二楼"}}),
    ];
    let r = eng.push(ops).await;
    let statuses: Vec<&str> = r.iter().map(|x| x["status"].as_str().unwrap()).collect();
    assert_eq!(
        statuses,
        [
            "applied", "rejected", "rejected", "rejected", "rejected", "applied"
        ]
    );
    assert_eq!(r[1]["code"], "invalid_request");
    // new -> resolved skips acknowledging: not in the status table.
    assert_eq!(r[2]["code"], "invalid_transition");
    assert_eq!(r[2]["op_id"], bad_transition_id.to_string());
    assert_eq!(r[3]["code"], "validation");
    assert_eq!(r[4]["op_id"], Value::Null);
    let (_, t) = eng.get(&format!("/api/v1/tickets/{tid}")).await;
    assert_eq!(t["location"], "检验科二楼");
    assert_eq!(t["status"], "new");

    // Refusals found by the last checks before an op writes (the attachment, the assignee)
    // leave nothing behind: the ticket numbers of the creates around them run on without a gap.
    let (refused_a, refused_b, next) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let mut unknown_file = create_op(refused_a, "PACS 看不到影像", "main-lab", "main");
    unknown_file["ticket"]["attachments"] = json!(["ab".repeat(32)]);
    let mut reporter_assigned = create_op(refused_b, "打印机卡纸", "main-lab", "main");
    reporter_assigned["ticket"]["assignee"] = json!(h.user("nurse").id);
    // A dispatcher may assign anyone, so the assignee is refused for being a reporter.
    let r = h
        .api("disp")
        .push(vec![
            unknown_file,
            reporter_assigned,
            create_op(next, "HIS 登录慢", "main-lab", "main"),
        ])
        .await;
    let statuses: Vec<&str> = r.iter().map(|x| x["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["rejected", "rejected", "applied"], "{r:?}");
    assert_eq!(r[0]["code"], "validation");
    assert_eq!(r[1]["code"], "validation");
    let number = |t: &Value| -> u32 {
        let n = t["number"].as_str().unwrap();
        n.rsplit('-').next().unwrap().parse().unwrap()
    };
    let (_, after) = eng.get(&format!("/api/v1/tickets/{next}")).await;
    assert_eq!(
        number(&after),
        number(&t) + 1,
        "{} then {}",
        t["number"],
        after["number"]
    );
    for id in [refused_a, refused_b] {
        let (s, _) = eng.get(&format!("/api/v1/tickets/{id}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_transition_is_rejected_with_its_reason_and_can_be_pushed_again() {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let (eng, disp) = (h.api("eng"), h.api("disp"));
    let t = eng.new_ticket("网络中断", "main", "main-lab", 2).await;
    let id = t["id"].as_str().unwrap();
    // Offline, the engineer resolves; meanwhile the dispatcher closed it as a duplicate.
    assert_eq!(
        eng.post(
            &format!("/api/v1/tickets/{id}/transitions"),
            json!({"to": "acknowledged"})
        )
        .await
        .0,
        StatusCode::OK
    );
    let op_id = Uuid::now_v7();
    let op = json!({"op_id": op_id, "at": Utc::now(), "type": "ticket_transition", "ticket_id": id, "to": "in_progress"});
    assert_eq!(
        disp.post(
            &format!("/api/v1/tickets/{id}/transitions"),
            json!({"to": "resolved"})
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        disp.post(
            &format!("/api/v1/tickets/{id}/transitions"),
            json!({"to": "closed"})
        )
        .await
        .0,
        StatusCode::OK
    );
    let r = eng.push(vec![op.clone()]).await;
    assert_eq!(r[0]["status"], "rejected");
    assert_eq!(r[0]["code"], "invalid_transition");
    assert!(
        r[0]["message"].as_str().unwrap().contains("closed"),
        "{}",
        r[0]
    );
    // Rejections are not remembered: the same op is judged again when pushed again.
    let r = eng.push(vec![op]).await;
    assert_eq!(r[0]["code"], "invalid_transition");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_edits_merge_per_field_by_op_order() {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let (eng, disp) = (h.api("eng"), h.api("disp"));
    let t = eng
        .new_ticket("PACS 影像调阅缓慢", "main", "main-ivf", 3)
        .await;
    let id = t["id"].as_str().unwrap();
    let early = Uuid::now_v7();
    std::thread::sleep(std::time::Duration::from_millis(3));
    let late = Uuid::now_v7();
    // The later edit (by op id) arrives first; the earlier one still sets the fields it alone touched.
    let late_op = json!({"op_id": late, "at": Utc::now(), "type": "ticket_update", "ticket_id": id,
                         "patch": {"title": "PACS 影像调阅很慢（3号机）"}});
    let early_op = json!({"op_id": early, "at": Utc::now(), "type": "ticket_update", "ticket_id": id,
                          "patch": {"title": "PACS 慢", "location": "超声科 3 号诊室"}});
    assert_eq!(disp.push(vec![late_op]).await[0]["status"], "applied");
    let r = eng.push(vec![early_op]).await;
    assert_eq!(r[0]["status"], "applied");
    assert_eq!(r[0]["superseded"], json!(["title"]));
    let (_, t) = eng.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(t["title"], "PACS 影像调阅很慢（3号机）");
    assert_eq!(t["location"], "超声科 3 号诊室");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_pages_have_no_gaps_or_duplicates_while_writes_go_on() {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let eng = h.api("eng").clone();
    for i in 0..60 {
        eng.new_ticket(&format!("初始工单 {i}"), "main", "main-lab", 4)
            .await;
    }
    let writer = {
        let eng = eng.clone();
        tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..80 {
                let t = eng
                    .new_ticket(&format!("并发工单 {i}"), "east", "east-ivf", 3)
                    .await;
                ids.push(t["id"].as_str().unwrap().to_owned());
                if i % 3 == 0 {
                    let id = t["id"].as_str().unwrap();
                    eng.post(
                        &format!("/api/v1/tickets/{id}/comments"),
                        json!({"body": format!("进展 {i}")}),
                    )
                    .await;
                }
            }
            ids
        })
    };
    // Pull in small pages while the writer runs; then once more after it finished.
    let mut seen_seqs = Vec::new();
    let mut latest: BTreeMap<String, Value> = BTreeMap::new();
    let mut cursor = 0;
    let mut rounds = 0;
    loop {
        // Asked before the pull: if the writer was done by then, this pull sees all it wrote.
        let writer_done = writer.is_finished();
        let (s, page) = eng
            .get(&format!("/api/v1/sync/pull?cursor={cursor}&limit=7"))
            .await;
        assert_eq!(s, StatusCode::OK);
        for c in page["changes"].as_array().unwrap() {
            let seq = c["seq"].as_i64().unwrap();
            assert!(seq > cursor, "seq {seq} not above cursor {cursor}");
            seen_seqs.push(seq);
            let key = format!(
                "{}:{}",
                c["kind"],
                c["data"]["id"]
                    .as_str()
                    .or(c["data"]["code"].as_str())
                    .unwrap()
            );
            latest.insert(key, c["data"].clone());
        }
        cursor = page["cursor"].as_i64().unwrap();
        rounds += 1;
        if !page["has_more"].as_bool().unwrap() && writer_done {
            break;
        }
        assert!(rounds < 10_000);
    }
    let ids = writer.await.unwrap();
    let (tail, _) = eng.pull_all(cursor, 7).await;
    assert!(tail.is_empty(), "nothing after the final cursor");
    let unique: HashSet<i64> = seen_seqs.iter().copied().collect();
    assert_eq!(unique.len(), seen_seqs.len(), "no sequence delivered twice");
    assert!(
        seen_seqs.windows(2).all(|w| w[0] < w[1]),
        "strictly increasing"
    );
    // Every ticket and comment the server has is in the client's view, in its latest state.
    let (server_side, _) = eng.pull_all(0, 500).await;
    let mut expected: BTreeMap<String, Value> = BTreeMap::new();
    for c in server_side {
        let key = format!(
            "{}:{}",
            c["kind"],
            c["data"]["id"]
                .as_str()
                .or(c["data"]["code"].as_str())
                .unwrap()
        );
        expected.insert(key, c["data"].clone());
    }
    assert_eq!(latest, expected);
    for id in ids {
        assert!(
            latest.contains_key(&format!("\"ticket\":{id}")),
            "ticket {id} missing"
        );
    }
    assert_eq!(
        latest
            .keys()
            .filter(|k| k.starts_with("\"ticket\""))
            .count(),
        140
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reporters_pull_holds_only_its_department_and_no_internal_notes() {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let eng = h.api("eng");
    let mine = h
        .api("nurse")
        .new_ticket("取卵室电脑蓝屏", "main", "main-ivf", 2)
        .await;
    let other = h
        .api("labtech")
        .new_ticket("检验仪器接口断开", "main", "main-lab", 2)
        .await;
    for t in [&mine, &other] {
        let id = t["id"].as_str().unwrap();
        eng.post(
            &format!("/api/v1/tickets/{id}/comments"),
            json!({"body": "公开回复"}),
        )
        .await;
        eng.post(
            &format!("/api/v1/tickets/{id}/comments"),
            json!({"body": "内部：怀疑交换机端口", "internal": true}),
        )
        .await;
    }
    let (changes, _) = h.api("nurse").pull_all(0, 3).await;
    let tickets: Vec<&Value> = changes.iter().filter(|c| c["kind"] == "ticket").collect();
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0]["data"]["id"], mine["id"]);
    let comments: Vec<&Value> = changes.iter().filter(|c| c["kind"] == "comment").collect();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0]["data"]["body"], "公开回复");
    assert_eq!(comments[0]["data"]["internal"], false);
    assert!(changes.iter().all(|c| !c.to_string().contains("内部")));
    // The directory is visible to everyone.
    assert!(changes.iter().any(|c| c["kind"] == "campus"));
    assert!(changes.iter().any(|c| c["kind"] == "user"));
    // Staff see both tickets and all four comments.
    let (all, _) = eng.pull_all(0, 500).await;
    assert_eq!(all.iter().filter(|c| c["kind"] == "comment").count(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_limits_and_malformed_pull_parameters() {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let eng = h.api("eng");
    let many: Vec<Value> = (0..1001).map(|_| json!({})).collect();
    assert_error(
        &eng.post("/api/v1/sync/push", json!({ "ops": many })).await,
        413,
        "payload_too_large",
    );
    assert_error(
        &eng.get("/api/v1/sync/pull?cursor=-1").await,
        422,
        "validation",
    );
    assert_error(
        &eng.get("/api/v1/sync/pull?limit=0").await,
        422,
        "validation",
    );
    assert_error(
        &eng.get("/api/v1/sync/pull?cursor=abc").await,
        422,
        "invalid_request",
    );
    assert_error(
        &eng.post("/api/v1/sync/push", json!({"ops": 5})).await,
        422,
        "invalid_request",
    );
}
