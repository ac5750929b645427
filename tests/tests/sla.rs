//! SLA clocks, the escalation ladder, the on-call roster, the emergency checklist and the
//! outgoing alerts, against the real server with a controllable clock.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use rounds_tests::webhook::receiver;
use rounds_tests::{TestClock, TestServer, assert_error};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a time: {v}")))
        .unwrap()
        .with_timezone(&Utc)
}

/// Whole seconds, as the SLA clock counts.
fn secs(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap()
}

async fn fast_server(dir: Arc<tempfile::TempDir>, clock: TestClock) -> TestServer {
    TestServer::start_with_clock(dir, clock, |c| {
        c.worker_poll = StdDuration::from_millis(50);
    })
    .await
}

/// Polls the ticket until `done` holds, or panics after a few seconds.
async fn wait_ticket(api: &rounds_tests::Api, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..100 {
        let (_, t) = api.get(&format!("/api/v1/tickets/{id}")).await;
        if done(&t) {
            return t;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    let (_, t) = api.get(&format!("/api/v1/tickets/{id}")).await;
    panic!("condition never held: {t}");
}

fn escalations(t: &Value) -> Vec<(String, u64, u64)> {
    t["sla"]["escalations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["target"].as_str().unwrap().to_owned(),
                e["percent"].as_u64().unwrap(),
                e["step"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roster_answers_who_is_on_duty_and_refuses_bad_shifts() {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let admin = h.api("admin");
    let now = server.clock.now();
    let day = |d: i64| (now + Duration::days(d)).to_rfc3339();
    let (st, shift) = admin
        .post(
            "/api/v1/oncall/shifts",
            json!({"campus": "main", "starts_at": day(-1), "ends_at": day(1), "primary": "engmain", "backup": "eng"}),
        )
        .await;
    assert_eq!(st, 201, "{shift}");
    // Overlapping the first shift on the same campus: refused; on another campus: fine.
    let overlap = admin
        .post(
            "/api/v1/oncall/shifts",
            json!({"campus": "main", "starts_at": day(0), "ends_at": day(2), "primary": "eng"}),
        )
        .await;
    assert_error(&overlap, 409, "conflict");
    let cases = [
        (
            json!({"campus": "main", "starts_at": day(2), "ends_at": day(1), "primary": "eng"}),
            "end after",
        ),
        (
            json!({"campus": "main", "starts_at": day(2), "ends_at": day(3), "primary": "nurse"}),
            "reporter",
        ),
        (
            json!({"campus": "main", "starts_at": day(2), "ends_at": day(3), "primary": "engeast"}),
            "another campus",
        ),
        (
            json!({"campus": "main", "starts_at": day(2), "ends_at": day(3), "primary": "eng", "backup": "eng"}),
            "other than",
        ),
        (
            json!({"campus": "nowhere", "starts_at": day(2), "ends_at": day(3), "primary": "eng"}),
            "unknown campus",
        ),
    ];
    for (body, msg) in cases {
        let got = admin.post("/api/v1/oncall/shifts", body).await;
        assert_error(&got, 422, "validation");
        assert!(got.1.to_string().contains(msg), "{msg}: {}", got.1);
    }
    let denied = h
        .api("eng")
        .post(
            "/api/v1/oncall/shifts",
            json!({"campus": "east", "starts_at": day(2), "ends_at": day(3), "primary": "eng"}),
        )
        .await;
    assert_error(&denied, 403, "forbidden");

    // CSV import: all or nothing.
    let csv = format!(
        "campus,starts_at,ends_at,primary,backup\neast,{},{},engeast,\neast,{},{},eng,engeast\n",
        day(-1),
        day(1),
        day(1),
        day(2)
    );
    let res = admin
        .request(reqwest::Method::POST, "/api/v1/oncall/import")
        .header("content-type", "text/csv")
        .body(csv.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let again = rounds_tests::send(
        admin
            .request(reqwest::Method::POST, "/api/v1/oncall/import")
            .body(csv),
    )
    .await;
    assert_error(&again, 409, "conflict");
    let (_, east) = admin.get("/api/v1/oncall/shifts?campus=east").await;
    assert_eq!(
        east.as_array().unwrap().len(),
        2,
        "the failed import added nothing"
    );

    let (st, duty) = h.api("engmain").get("/api/v1/oncall/now?campus=main").await;
    assert_eq!(st, 200, "{duty}");
    assert_eq!(duty["primary"]["username"], "engmain");
    assert_eq!(duty["backup"]["username"], "eng");
    assert_eq!(duty["shift"]["id"], shift["id"]);
    let later = (now + Duration::days(3)).to_rfc3339().replace('+', "%2B");
    let (_, none) = admin
        .get(&format!("/api/v1/oncall/now?campus=main&at={later}"))
        .await;
    assert_eq!(none["shift"], Value::Null);
    // Staff of one campus do not read another campus's roster.
    let other = h.api("engmain").get("/api/v1/oncall/now?campus=east").await;
    assert_error(&other, 403, "forbidden");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn level_one_pages_on_call_opens_the_checklist_and_escalates_once_each() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let clock = TestClock::default();
    let server = fast_server(dir.clone(), clock.clone()).await;
    let h = server.seed().await;
    let admin = h.api("admin");
    let now = clock.now();
    admin
        .post(
            "/api/v1/oncall/shifts",
            json!({"campus": "main", "starts_at": (now - Duration::hours(1)).to_rfc3339(),
                   "ends_at": (now + Duration::days(2)).to_rfc3339(), "primary": "engmain", "backup": "eng"}),
        )
        .await;
    let t = h
        .api("nurse")
        .new_ticket("生殖中心 LIS 全院不可用", "main", "main-ivf", 1)
        .await;
    let id = t["id"].as_str().unwrap().to_owned();
    let opened = secs(time(&t["created_at"]));
    assert_eq!(
        time(&t["sla"]["response_due"]),
        opened + Duration::minutes(15)
    );
    assert_eq!(
        time(&t["sla"]["resolution_due"]),
        opened + Duration::hours(4)
    );
    assert_eq!(t["sla"]["response_breached"], false);
    // The page of the on-call engineer at creation.
    assert_eq!(escalations(&t), vec![("response".into(), 0, 0)]);
    assert_eq!(
        t["sla"]["escalations"][0]["notified"],
        json!([h.user("engmain").id])
    );
    let steps: Vec<&str> = t["sla"]["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "acknowledge",
            "assess_scope",
            "inform_it",
            "restore_service",
            "root_cause_report"
        ]
    );

    // Checklist: staff only, known steps only, idempotent.
    let path = format!("/api/v1/tickets/{id}/checklist/assess_scope");
    assert_error(
        &h.api("nurse").post(&path, json!({})).await,
        403,
        "forbidden",
    );
    assert_error(
        &h.api("eng")
            .post(&format!("/api/v1/tickets/{id}/checklist/lunch"), json!({}))
            .await,
        404,
        "not_found",
    );
    let (st, marked) = h.api("eng").post(&path, json!({})).await;
    assert_eq!(st, 200, "{marked}");
    assert_eq!(
        marked["sla"]["checklist"][1]["done_by"],
        json!(h.user("eng").id)
    );
    let (_, again) = h.api("engmain").post(&path, json!({})).await;
    assert_eq!(again["sla"]["checklist"][1], marked["sla"]["checklist"][1]);
    let minor = h
        .api("nurse")
        .new_ticket("打印机缺纸", "main", "main-ivf", 4)
        .await;
    assert!(minor["sla"]["checklist"].is_null());
    assert_eq!(escalations(&minor), vec![]);
    let mid = minor["id"].as_str().unwrap();
    assert_error(
        &h.api("eng")
            .post(
                &format!("/api/v1/tickets/{mid}/checklist/acknowledge"),
                json!({}),
            )
            .await,
        422,
        "validation",
    );

    // Unacknowledged at half the response time (7.5 min): straight to the service managers.
    clock.advance(Duration::seconds(7 * 60 + 31));
    let t = wait_ticket(admin, &id, |t| escalations(t).len() == 2).await;
    assert_eq!(escalations(&t)[1], ("response".into(), 50, 3));
    let e = &t["sla"]["escalations"][1];
    assert_eq!(time(&e["due"]), opened + Duration::seconds(450));
    assert!(time(&e["at"]) >= time(&e["due"]));
    assert_eq!(e["notified"], json!([h.user("admin").id]));

    // A stop of the server across the rest of the ladder: everything due fires once, late.
    let dir = server.stop().await;
    clock.advance(Duration::hours(5));
    let server = fast_server(dir, clock.clone()).await;
    let mut admin = server.api();
    admin.login("admin", rounds_tests::PASSWORD).await;
    let t = wait_ticket(&admin, &id, |t| escalations(t).len() == 7).await;
    let mut got = escalations(&t);
    got.sort();
    assert_eq!(
        got,
        vec![
            ("resolution".into(), 50, 1),
            ("resolution".into(), 80, 2),
            ("resolution".into(), 100, 3),
            ("response".into(), 0, 0),
            ("response".into(), 50, 3),
            ("response".into(), 80, 2),
            ("response".into(), 100, 3),
        ]
    );
    for e in t["sla"]["escalations"].as_array().unwrap() {
        let want = match (
            e["target"].as_str().unwrap(),
            e["percent"].as_u64().unwrap(),
        ) {
            ("response", 0) => time(&t["created_at"]),
            ("response", 50) => opened + Duration::seconds(450),
            ("response", 80) => opened + Duration::seconds(720),
            ("response", 100) => opened + Duration::seconds(900),
            ("resolution", 50) => opened + Duration::hours(2),
            ("resolution", 80) => opened + Duration::seconds(4 * 3600 * 4 / 5),
            ("resolution", 100) => opened + Duration::hours(4),
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(time(&e["due"]), want, "{e}");
    }
    // Step 1 of the resolution ladder: the assignee, or the on-call engineer when none.
    let r50 = t["sla"]["escalations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["target"] == "resolution" && e["percent"] == 50)
        .unwrap();
    assert_eq!(r50["notified"], json!([h.user("engmain").id]));
    let r80 = t["sla"]["escalations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["target"] == "resolution" && e["percent"] == 80)
        .unwrap();
    let mut r80_who: Vec<String> = r80["notified"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    r80_who.sort();
    let mut want = vec![h.user("eng").id.to_string(), h.user("disp").id.to_string()];
    want.sort();
    assert_eq!(r80_who, want, "backup and dispatchers");
    assert_eq!(t["sla"]["response_breached"], true);
    assert_eq!(t["sla"]["resolution_breached"], true);

    // Nothing more fires, and each escalation has exactly one timeline (audit) row.
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    let (_, t) = admin.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(escalations(&t).len(), 7);
    let id2 = id.clone();
    let audit: i64 = server
        .state
        .db
        .read(move |tx| {
            Ok(tx.query_row(
                "SELECT count(*) FROM audit WHERE action = 'ticket.escalated' AND entity_id = ?1",
                [id2],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(audit, 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_is_credited_back_level_changes_recompute_and_reopen_resumes() {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let eng = h.api("eng");
    let t = eng.new_ticket("挂号系统缓慢", "main", "main-lab", 2).await;
    let id = t["id"].as_str().unwrap().to_owned();
    let opened = secs(time(&t["created_at"]));
    assert_eq!(
        time(&t["sla"]["resolution_due"]),
        opened + Duration::hours(8)
    );
    let go = |to: &str, reason: Option<&str>| {
        let mut body = json!({"to": to});
        if let Some(r) = reason {
            body["reason"] = json!(r);
        }
        (format!("/api/v1/tickets/{id}/transitions"), body)
    };
    let (p, b) = go("acknowledged", None);
    let (_, t) = eng.post(&p, b).await;
    assert_eq!(t["sla"]["responded_at"], t["acknowledged_at"]);
    assert_eq!(t["sla"]["response_breached"], false);
    server.clock.advance(Duration::minutes(10));
    let (p, b) = go("pending", Some("等待厂商"));
    let (_, t) = eng.post(&p, b).await;
    let paused_at = secs(time(&t["updated_at"]));
    assert_eq!(t["sla"]["paused"], true);
    assert!(t["sla"]["resolution_due"].is_null(), "unknown while paused");
    server.clock.advance(Duration::minutes(90));
    let (p, b) = go("in_progress", None);
    let (_, t) = eng.post(&p, b).await;
    let resumed = secs(time(&t["updated_at"]));
    assert_eq!(t["sla"]["paused"], false);
    let pause = resumed - paused_at;
    assert_eq!(
        time(&t["sla"]["resolution_due"]),
        opened + Duration::hours(8) + pause
    );
    // Level 2 -> 4 recomputes from the opening on the business clock; a reason is required.
    let (st, _) = eng
        .patch(&format!("/api/v1/tickets/{id}"), json!({"severity": 4}))
        .await;
    assert_eq!(st, 422);
    let (st, t4) = h
        .api("disp")
        .patch(
            &format!("/api/v1/tickets/{id}"),
            json!({"severity": 4, "reason": "影响范围小"}),
        )
        .await;
    assert_eq!(st, 200, "{t4}");
    assert!(time(&t4["sla"]["resolution_due"]) > opened + Duration::days(10));
    // The client cannot set the record.
    let forged = eng
        .patch(
            &format!("/api/v1/tickets/{id}"),
            json!({"sla": {"paused": true}}),
        )
        .await;
    assert!(forged.0.is_client_error());
    // Resolve, wait a day, reopen: the resolution clock resumes where it stopped.
    let (p, b) = go("resolved", None);
    let (_, r) = h.api("disp").post(&p, b).await;
    assert_eq!(r["sla"]["resolution_met"], true);
    let used = r["sla"]["business_seconds"].as_i64().unwrap();
    server.clock.advance(Duration::days(1));
    let (p, b) = go("in_progress", Some("问题复现"));
    let (_, re) = h.api("disp").post(&p, b).await;
    assert!(re["sla"]["resolution_met"].is_null(), "{re}");
    assert!(re["sla"]["business_seconds"].as_i64().unwrap() <= used + 1);
}

// ---- outgoing alerts -------------------------------------------------------------------

/// HMAC-SHA256 written out from RFC 2104, independent of the server's implementation.
fn hmac(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::digest([ipad.as_slice(), msg].concat());
    Sha256::digest([opad.as_slice(), inner.as_slice()].concat()).to_vec()
}

fn b64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_reach_wecom_dingtalk_and_signed_webhooks_with_retries() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let clock = TestClock::default();
    let server = fast_server(dir, clock.clone()).await;
    let h = server.seed().await;
    let admin = h.api("admin");
    let (wecom, wecom_log) = receiver(0).await;
    let (ding, ding_log) = receiver(0).await;
    let (hook, hook_log) = receiver(1).await;
    let (other, other_log) = receiver(0).await;
    for body in [
        json!({"kind": "wecom", "url": format!("{wecom}/cgi-bin/webhook/send?key=K1"), "campus": "main", "levels": [1, 2]}),
        json!({"kind": "dingtalk", "url": format!("{ding}/robot/send?access_token=T1"), "secret": "SECding", "levels": [1]}),
        json!({"kind": "webhook", "url": format!("{hook}/rounds"), "secret": "hook-secret"}),
        // Another campus: must receive nothing.
        json!({"kind": "webhook", "url": format!("{other}/x"), "campus": "east"}),
    ] {
        let (st, ep) = admin.post("/api/v1/alerts/endpoints", body).await;
        assert_eq!(st, 201, "{ep}");
        assert!(ep.get("secret").is_none(), "secrets are never sent back");
    }
    let bad = admin
        .post(
            "/api/v1/alerts/endpoints",
            json!({"kind": "wecom", "url": "ftp://x"}),
        )
        .await;
    assert_error(&bad, 422, "validation");
    let denied = h
        .api("disp")
        .post(
            "/api/v1/alerts/endpoints",
            json!({"kind": "wecom", "url": "http://x"}),
        )
        .await;
    assert_error(&denied, 403, "forbidden");

    let t = h
        .api("nurse")
        .new_ticket("HIS 主库宕机", "main", "main-ivf", 1)
        .await;
    let number = t["number"].as_str().unwrap().to_owned();

    // WeCom and DingTalk at once.
    for _ in 0..100 {
        if !wecom_log.lock().unwrap().is_empty() && !ding_log.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    let w = wecom_log.lock().unwrap()[0].clone();
    assert_eq!(w.target, "/cgi-bin/webhook/send?key=K1");
    let body: Value = serde_json::from_str(&w.body).unwrap();
    assert_eq!(body["msgtype"], "markdown");
    let content = body["markdown"]["content"].as_str().unwrap();
    assert!(
        content.contains(&number) && content.contains("HIS 主库宕机"),
        "{content}"
    );
    assert_eq!(body.as_object().unwrap().len(), 2);

    let d = ding_log.lock().unwrap()[0].clone();
    let (path, query) = d.target.split_once('?').unwrap();
    assert_eq!(path, "/robot/send");
    let params: Vec<(&str, &str)> = query.split('&').filter_map(|p| p.split_once('=')).collect();
    assert_eq!(params[0], ("access_token", "T1"));
    assert_eq!(params[1].0, "timestamp");
    let ts: i64 = params[1].1.parse().unwrap();
    assert!((ts - clock.now().timestamp_millis()).abs() < 60_000);
    let want = b64(&hmac(b"SECding", format!("{ts}\nSECding").as_bytes()))
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    assert_eq!(params[2], ("sign", want.as_str()));
    let dbody: Value = serde_json::from_str(&d.body).unwrap();
    assert_eq!(dbody["msgtype"], "markdown");
    assert!(
        dbody["markdown"]["title"]
            .as_str()
            .unwrap()
            .contains(&number)
    );
    assert!(
        dbody["markdown"]["text"]
            .as_str()
            .unwrap()
            .contains("HIS 主库宕机")
    );

    // The webhook failed once; the retry waits for its backoff (10 s on the server's clock).
    tokio::time::sleep(StdDuration::from_millis(400)).await;
    assert_eq!(
        hook_log.lock().unwrap().len(),
        1,
        "no retry before the backoff"
    );
    clock.advance(Duration::seconds(11));
    for _ in 0..100 {
        if hook_log.lock().unwrap().len() >= 2 {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    let log = hook_log.lock().unwrap().clone();
    assert_eq!(log.len(), 2, "retried once after the failure");
    assert_eq!(log[0].body, log[1].body, "the same alert");
    for r in &log {
        let sig = r
            .headers
            .iter()
            .find(|(k, _)| k == "x-rounds-signature")
            .map(|(_, v)| v.clone())
            .unwrap();
        assert_eq!(
            sig,
            format!(
                "sha256={}",
                hex::encode(hmac(b"hook-secret", r.body.as_bytes()))
            )
        );
    }
    let alert: Value = serde_json::from_str(&log[1].body).unwrap();
    assert_eq!(alert["event"], "ticket.escalated");
    assert_eq!(alert["ticket_id"], t["id"]);
    assert_eq!(alert["level"], 1);
    assert_eq!(alert["percent"], 0);
    assert!(other_log.lock().unwrap().is_empty(), "other campus");

    tokio::time::sleep(StdDuration::from_millis(300)).await;
    let (_, deliveries) = admin.get("/api/v1/alerts/deliveries").await;
    let states: Vec<(String, i64)> = deliveries
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["state"].as_str().unwrap().to_owned(),
                d["attempts"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(states.len(), 3, "{deliveries}");
    assert!(states.iter().all(|(s, _)| s == "delivered"), "{deliveries}");
    let mut attempts: Vec<i64> = states.iter().map(|(_, a)| *a).collect();
    attempts.sort();
    assert_eq!(attempts, [1, 1, 2]);
}
