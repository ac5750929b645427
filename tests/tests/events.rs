//! The server-sent event stream: delivery, visibility and `Last-Event-ID` resume.

use std::time::Duration;

use reqwest::Method;
use rounds_tests::{TestServer, read_events};
use serde_json::json;

async fn open(api: &rounds_tests::Api, last_id: Option<i64>) -> reqwest::Response {
    let mut rb = api.request(Method::GET, "/api/v1/events");
    if let Some(id) = last_id {
        rb = rb.header("Last-Event-ID", id.to_string());
    }
    let res = rb.send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    res
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_arrive_live_with_their_kind_and_only_where_visible() {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let nurse_stream = open(h.api("nurse"), None).await;
    let lab_stream = open(h.api("labtech"), None).await;
    let eng_stream = open(h.api("eng"), None).await;
    // Let the streams subscribe before writing.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let t = h
        .api("nurse")
        .new_ticket("胚胎实验室培养箱报警", "main", "main-ivf", 1)
        .await;
    let id = t["id"].as_str().unwrap();
    let eng = h.api("eng");
    let eng_id = h.user("eng").id;
    eng.patch(
        &format!("/api/v1/tickets/{id}"),
        json!({"assignee": eng_id}),
    )
    .await;
    eng.post(
        &format!("/api/v1/tickets/{id}/comments"),
        json!({"body": "内部：先查电源", "internal": true}),
    )
    .await;
    eng.post(
        &format!("/api/v1/tickets/{id}/transitions"),
        json!({"to": "acknowledged"}),
    )
    .await;
    eng.post(
        &format!("/api/v1/tickets/{id}/comments"),
        json!({"body": "工程师已到场"}),
    )
    .await;

    let got = read_events(eng_stream, 6, Duration::from_secs(5)).await;
    let kinds: Vec<&str> = got.iter().map(|(_, k, _)| k.as_str()).collect();
    // A level 1 ticket pages the on-call engineer as soon as it is created.
    assert_eq!(
        kinds,
        [
            "ticket.created",
            "ticket.escalated",
            "ticket.assigned",
            "comment.added",
            "ticket.status_changed",
            "comment.added"
        ]
    );
    assert!(got.windows(2).all(|w| w[0].0 < w[1].0), "ids increase");
    assert_eq!(got[0].2["kind"], "ticket");
    assert_eq!(got[0].2["data"]["id"], id);
    assert_eq!(got[4].2["data"]["status"], "acknowledged");
    assert_eq!(got[1].2["data"]["sla"]["escalations"][0]["step"], 0);

    // The reporter gets the same minus the internal note.
    let got = read_events(nurse_stream, 6, Duration::from_secs(2)).await;
    let kinds: Vec<&str> = got.iter().map(|(_, k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "ticket.created",
            "ticket.escalated",
            "ticket.assigned",
            "ticket.status_changed",
            "comment.added"
        ]
    );
    assert!(got.iter().all(|(_, _, d)| !d.to_string().contains("内部")));

    // Another department sees nothing of it.
    let got = read_events(lab_stream, 1, Duration::from_millis(800)).await;
    assert!(got.is_empty(), "{got:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_event_id_resumes_without_loss() {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let eng = h.api("eng");
    let first = eng.new_ticket("VPN 无法连接", "main", "main-lab", 3).await;
    let stream = open(eng, None).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let second = eng
        .new_ticket("叫号系统无声音", "main", "main-lab", 3)
        .await;
    let got = read_events(stream, 1, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].2["data"]["id"], second["id"]);
    let last = got[0].0;

    // While disconnected: three more tickets and a comment on the first.
    let mut missed = Vec::new();
    for title in ["自助机卡纸", "医保接口超时", "财务系统打不开"] {
        missed.push(eng.new_ticket(title, "east", "east-ivf", 4).await["id"].clone());
    }
    let fid = first["id"].as_str().unwrap();
    eng.post(
        &format!("/api/v1/tickets/{fid}/comments"),
        json!({"body": "已处理"}),
    )
    .await;

    let resumed = open(eng, Some(last)).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let live = eng
        .new_ticket("恢复后的新工单", "main", "main-lab", 4)
        .await;
    let got = read_events(resumed, 5, Duration::from_secs(5)).await;
    let ids: Vec<serde_json::Value> = got
        .iter()
        .map(|(_, _, d)| d["data"]["id"].clone())
        .collect();
    assert_eq!(got.len(), 5, "{got:?}");
    assert_eq!(&ids[..3], &missed[..]);
    assert_eq!(got[3].1, "comment.added");
    assert_eq!(ids[4], live["id"]);
    assert!(got.iter().all(|(seq, _, _)| *seq > last));
    assert!(got.windows(2).all(|w| w[0].0 < w[1].0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_last_event_id_is_a_clear_error() {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let res = h
        .api("eng")
        .request(Method::GET, "/api/v1/events")
        .header("Last-Event-ID", "yesterday")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "validation");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_ends_open_streams() {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let stream = open(h.api("eng"), None).await;
    let reader = tokio::spawn(read_events(stream, 1000, Duration::from_secs(30)));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    server.stop().await;
    let events = tokio::time::timeout(Duration::from_secs(5), reader)
        .await
        .expect("stream ended")
        .unwrap();
    assert!(events.is_empty());
    assert!(started.elapsed() < Duration::from_secs(5));
}
