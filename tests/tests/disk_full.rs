//! A full disk, for real: each test runs again on a small tmpfs in a private namespace
//! ([`on_small_disk`]) and fills it. A save that does not fit is refused with a clear error,
//! nothing saved before is lost or half-written, and the same work succeeds once space is
//! freed: on the client's cache, and on the server (which answers `507 storage_full` and keeps
//! the client's outbox intact). The alert worker does not flood a group robot with a page it
//! cannot record as sent.

use std::path::Path;

use reqwest::StatusCode;
use rounds_app::{App, AppErrorCode};
use rounds_core::model::{Role, TicketDraft, UserPublic};
use rounds_tests::client::{Profile, draft, outbox_len, server_ticket};
use rounds_tests::webhook::receiver_holding;
use rounds_tests::{TestClock, TestServer, fill_disk, on_small_disk};
use serde_json::json;
use uuid::Uuid;

/// A report with a long description (30 KB), so a few of them need new space on disk.
fn long_draft(i: usize) -> TicketDraft {
    TicketDraft {
        description: "打印机卡纸，".repeat(1_600),
        ..draft(&format!("病区打印机卡纸 {i}"), "main", "main-ivf", 3)
    }
}

fn integrity(profile: &Path) -> String {
    rusqlite::Connection::open(profile.join(rounds_store::DB_FILE))
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

#[tokio::test]
async fn a_full_disk_refuses_a_local_save_and_loses_nothing() {
    let Some(disk) = on_small_disk("a_full_disk_refuses_a_local_save_and_loses_nothing", "4m")
    else {
        return;
    };
    let profile = disk.join("profile");
    rounds_store::Store::open(&profile)
        .unwrap()
        .set_me(Some(&UserPublic {
            id: Uuid::now_v7(),
            username: "nurse".into(),
            display_name: "张护士".into(),
            role: Role::Reporter,
            campus: Some("main".into()),
            department: Some("main-ivf".into()),
        }))
        .unwrap();
    let app = App::open(&profile).unwrap();
    let before = app.ticket_create(long_draft(0)).await.unwrap();

    let filler = fill_disk(&disk);
    // Space SQLite already holds (its write-ahead log) may take a save or two; then it is full.
    let mut saved = vec![before.id];
    let refused = loop {
        match app.ticket_create(long_draft(saved.len())).await {
            Ok(t) => saved.push(t.id),
            Err(e) => break e,
        }
        assert!(saved.len() < 40, "40 long saves fit on a full 4 MB disk");
    };
    assert_eq!(refused.code, AppErrorCode::DiskFull, "{refused:?}");
    assert!(refused.message.contains("disk"), "{refused:?}");
    // An attachment (a real 1-pixel PNG, padded to 256 KB) does not fit either, and leaves no
    // part behind.
    let mut png = Vec::new();
    image::DynamicImage::ImageRgba8(image::RgbaImage::new(1, 1))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    png.resize(256 * 1024, 0);
    let e = app
        .attachment_add(png.clone(), "image/png".into(), Some("截图.png".into()))
        .await
        .unwrap_err();
    assert_eq!(e.code, AppErrorCode::DiskFull, "{e:?}");
    let leftovers = rounds_tests::client::files_under(&profile.join("attachments"));
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Everything saved before is there, whole, with its op queued for the server.
    let listed = app.tickets(Default::default()).await.unwrap();
    assert_eq!(listed.len(), saved.len());
    for id in &saved {
        let t = app.ticket(&id.to_string()).await.unwrap().ticket;
        assert_eq!(t.description.chars().count(), 9_600);
    }
    assert_eq!(outbox_len(&profile), saved.len());
    assert_eq!(integrity(&profile), "ok");

    // Space again: the same save and the attachment go through, and survive a restart.
    std::fs::remove_file(filler).unwrap();
    let again = app.ticket_create(long_draft(99)).await.unwrap();
    app.attachment_add(png, "image/png".into(), None)
        .await
        .unwrap();
    drop(app);
    let app = App::open(&profile).unwrap();
    assert!(app.ticket(&again.id.to_string()).await.is_ok());
    assert_eq!(
        app.tickets(Default::default()).await.unwrap().len(),
        saved.len() + 1
    );
    assert_eq!(integrity(&profile), "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_on_the_server_answers_507_writes_nothing_and_the_client_keeps_its_work() {
    let Some(disk) = on_small_disk(
        "a_full_disk_on_the_server_answers_507_writes_nothing_and_the_client_keeps_its_work",
        "8m",
    ) else {
        return;
    };
    let data = disk.join("data");
    let server = TestServer::start_with(std::sync::Arc::new(tempfile::tempdir().unwrap()), |c| {
        c.data_dir = data.clone();
    })
    .await;
    let h = server.seed().await;
    // The client's profile is on an ordinary disk, outside the full one.
    let p = Profile::new();
    p.login(&server.base, "nurse").await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(p.app.ticket_create(long_draft(i)).await.unwrap().id);
    }
    p.app
        .comment_add(ids[0], "还有一台也卡纸".into(), false)
        .await
        .unwrap();

    let filler = fill_disk(&disk);
    // The server is full: the push is answered 507 as a whole, not refused op by op.
    let e = p.app.sync_now().await.unwrap_err();
    assert_eq!(e.code, AppErrorCode::Server, "{e:?}");
    assert!(e.message.contains("disk is full"), "{e:?}");
    assert_eq!(outbox_len(p.path()), 4, "every op stays queued");
    assert!(p.app.conflicts().await.unwrap().is_empty());
    // The same through the API, with the error body; and nothing of it was written.
    let nurse = h.api("nurse");
    let (s, body) = nurse
        .post(
            "/api/v1/tickets",
            serde_json::to_value(long_draft(7)).unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::INSUFFICIENT_STORAGE, "{body}");
    assert_eq!(body["error"]["code"], "storage_full", "{body}");
    for id in &ids {
        let (s, _) = nurse.get(&format!("/api/v1/tickets/{id}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "ticket {id} half-written");
    }
    // Reading still works on a full disk.
    let (s, _) = nurse.get("/api/v1/tickets?limit=5").await;
    assert_eq!(s, StatusCode::OK);

    // Once the administrator frees space, the same sync goes through, once.
    std::fs::remove_file(filler).unwrap();
    let report = p.app.sync_now().await.unwrap();
    assert_eq!(report.applied, 4, "{report:?}");
    assert_eq!(outbox_len(p.path()), 0);
    for id in &ids {
        assert_eq!(
            server_ticket(nurse, *id).await.description.chars().count(),
            9_600
        );
    }
    let (s, body) = nurse.post("/api/v1/tickets", json!(long_draft(8))).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_sent_while_the_disk_fills_is_not_sent_again_until_its_backoff() {
    let Some(disk) = on_small_disk(
        "an_alert_sent_while_the_disk_fills_is_not_sent_again_until_its_backoff",
        "8m",
    ) else {
        return;
    };
    let data = disk.join("data");
    let clock = TestClock::default();
    let server = TestServer::start_with_clock(
        std::sync::Arc::new(tempfile::tempdir().unwrap()),
        clock.clone(),
        |c| {
            c.data_dir = data.clone();
            c.worker_poll = std::time::Duration::from_millis(50);
        },
    )
    .await;
    let h = server.seed().await;
    let admin = h.api("admin");
    // The hospital's group robot: its answer to the first alert waits until the disk is full.
    let hold = std::sync::Arc::new(tokio::sync::Notify::new());
    let (robot, received) = receiver_holding(0, Some(hold.clone())).await;
    let (s, body) = admin
        .post(
            "/api/v1/alerts/endpoints",
            json!({"kind": "webhook", "url": format!("{robot}/hook")}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    // A level-1 fault pages the on-call engineer at once: one alert to deliver.
    h.api("eng")
        .new_ticket("急诊 HIS 全部掉线", "main", "main-ivf", 1)
        .await;
    let sent = || received.lock().unwrap().len();
    for _ in 0..200 {
        if sent() > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(sent(), 1, "the alert was not sent");

    // The robot answers once the disk is full: the delivery cannot be recorded. It must not
    // be sent again and again (each loop of the worker used to), only after its backoff.
    let filler = fill_disk(&disk);
    hold.notify_one();
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    assert_eq!(
        sent(),
        1,
        "sent again while its outcome could not be recorded"
    );

    // Space again, and the backoff (10 s on the server's clock) over: sent once more (at
    // least once, so the robot may see it twice) and recorded.
    std::fs::remove_file(filler).unwrap();
    clock.advance(chrono::Duration::seconds(11));
    let mut delivered = false;
    for _ in 0..200 {
        let (_, list) = admin.get("/api/v1/alerts/deliveries").await;
        if list[0]["state"] == "delivered" {
            delivered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(delivered, "not delivered once space was freed");
    assert_eq!(sent(), 2);
}
