//! The `rounds-server` binary: serve, user add, demo, backup and restore, the OpenAPI document.

use reqwest::StatusCode;
use rounds_tests::{ServerProcess, server_cmd};
use serde_json::{Value, json};

fn data_arg(dir: &std::path::Path) -> String {
    dir.to_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_add_reads_the_password_from_stdin_and_the_user_can_log_in() {
    let tmp = tempfile::tempdir().unwrap();
    let data = data_arg(tmp.path());
    let (ok, out, err) = server_cmd(
        &[
            "user",
            "add",
            "--data",
            &data,
            "--username",
            "root",
            "--role",
            "admin",
        ],
        "s3cret-passphrase\n",
    );
    assert!(ok, "{err}");
    assert!(out.contains("added root (admin)"), "{out}");
    // A duplicate and a bad role are refused with a message and a failing exit code.
    let (ok, _, err) = server_cmd(
        &[
            "user",
            "add",
            "--data",
            &data,
            "--username",
            "ROOT",
            "--role",
            "admin",
        ],
        "another-passphrase\n",
    );
    assert!(!ok);
    assert!(err.contains("taken"), "{err}");
    let (ok, _, err) = server_cmd(
        &[
            "user",
            "add",
            "--data",
            &data,
            "--username",
            "x1",
            "--role",
            "boss",
        ],
        "another-passphrase\n",
    );
    assert!(!ok);
    assert!(
        err.contains("reporter, engineer, dispatcher, admin"),
        "{err}"
    );
    let (ok, _, err) = server_cmd(
        &[
            "user",
            "add",
            "--data",
            &data,
            "--username",
            "x2",
            "--role",
            "admin",
        ],
        "short\n",
    );
    assert!(!ok);
    assert!(err.contains("at least 8"), "{err}");

    let server = ServerProcess::start(tmp.path());
    assert!(server.base.starts_with("http://127.0.0.1:"));
    let mut api = server.api();
    let body = api.login("root", "s3cret-passphrase").await;
    assert_eq!(body["user"]["role"], "admin");
    assert!(server.stop().success(), "SIGTERM is a clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_is_idempotent_and_realistic() {
    let tmp = tempfile::tempdir().unwrap();
    let data = data_arg(tmp.path());
    let (ok, out, err) = server_cmd(&["demo", "--data", &data], "");
    assert!(ok, "{err}");
    assert!(out.contains("loaded demo data: 300 tickets"), "{out}");
    for role in ["admin", "dispatcher", "engineer", "reporter"] {
        assert!(
            out.lines()
                .any(|l| l.split_whitespace().nth(1) == Some(role)),
            "no {role} printed:\n{out}"
        );
    }
    let (ok, out2, _) = server_cmd(&["demo", "--data", &data], "");
    assert!(ok);
    assert!(out2.contains("already loaded"), "{out2}");

    let server = ServerProcess::start(tmp.path());
    let mut api = server.api();
    api.login("admin", rounds_fixtures_admin_password()).await;
    let (_, campuses) = api.get("/api/v1/campuses").await;
    assert_eq!(campuses.as_array().unwrap().len(), 3);
    let (_, depts) = api.get("/api/v1/departments").await;
    assert!((15..=30).contains(&depts.as_array().unwrap().len()));
    let (changes, _) = api.pull_all(0, 5000).await;
    let tickets = changes.iter().filter(|c| c["kind"] == "ticket").count();
    let comments = changes.iter().filter(|c| c["kind"] == "comment").count();
    assert_eq!(tickets, 300);
    assert!(comments > 100, "{comments} comments");
    let chinese = changes
        .iter()
        .filter(|c| c["kind"] == "ticket")
        .filter(|c| {
            c["data"]["title"]
                .as_str()
                .unwrap()
                .chars()
                .any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch))
        })
        .count();
    assert!(chinese > 200, "{chinese} Chinese titles");
}

/// The demo admin's password, as `rounds-server demo` prints it.
fn rounds_fixtures_admin_password() -> &'static str {
    "rounds-admin-2026"
}

async fn snapshot(api: &rounds_tests::Api) -> Vec<Value> {
    let (mut changes, _) = api.pull_all(0, 5000).await;
    for c in &mut changes {
        c.as_object_mut().unwrap().remove("seq");
    }
    changes.sort_by_key(|c| c.to_string());
    changes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_while_serving_then_restore_gives_the_same_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("data");
    let data = data_arg(&data_dir);
    assert!(server_cmd(&["demo", "--data", &data], "").0);
    let server = ServerProcess::start(&data_dir);
    let mut api = server.api();
    api.login("admin", rounds_fixtures_admin_password()).await;
    api.new_ticket("备份前的工单", "main", "main-it", 3).await;
    let before = snapshot(&api).await;

    let out = tmp.path().join("rounds-backup.db");
    let (ok, stdout, err) = server_cmd(
        &["backup", "--data", &data, "--out", out.to_str().unwrap()],
        "",
    );
    assert!(ok, "{err}");
    let sum = std::fs::read_to_string(tmp.path().join("rounds-backup.db.sha256")).unwrap();
    use sha2::Digest;
    let hash = hex::encode(sha2::Sha256::digest(std::fs::read(&out).unwrap()));
    assert!(sum.starts_with(&hash), "{sum} vs {hash}");
    assert!(stdout.contains(&hash));

    // Changes after the backup...
    let later = api.new_ticket("备份后的工单", "main", "main-it", 3).await;
    let (_, page) = api.get("/api/v1/sync/pull?cursor=0&limit=5000").await;
    let (old_epoch, old_cursor) = (page["epoch"].clone(), page["cursor"].as_i64().unwrap());
    // ...and a restore is refused while the server holds the data directory.
    let (ok, _, err) = server_cmd(
        &["restore", "--data", &data, "--from", out.to_str().unwrap()],
        "",
    );
    assert!(!ok);
    assert!(err.contains("running rounds-server"), "{err}");
    assert!(server.stop().success());

    let (ok, stdout, err) = server_cmd(
        &["restore", "--data", &data, "--from", out.to_str().unwrap()],
        "",
    );
    assert!(ok, "{err}");
    assert!(stdout.contains("kept in"), "{stdout}");

    let server = ServerProcess::start(&data_dir);
    let mut api = server.api();
    api.login("admin", rounds_fixtures_admin_password()).await;
    let after = snapshot(&api).await;
    assert_eq!(before.len(), after.len());
    assert_eq!(before, after);
    let (s, _) = api
        .get(&format!(
            "/api/v1/tickets/{}",
            later["id"].as_str().unwrap()
        ))
        .await;
    // The restored history has a new epoch, and its sequences continue above every cursor
    // handed out before, so no client can mistake new changes for ones it has seen.
    let (_, page) = api.get("/api/v1/sync/pull?cursor=0&limit=5000").await;
    assert_ne!(page["epoch"], old_epoch);
    let fresh = api.new_ticket("恢复后的工单", "main", "main-it", 3).await;
    let (_, page) = api
        .get(&format!("/api/v1/sync/pull?cursor={old_cursor}"))
        .await;
    let ids: Vec<&Value> = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["data"]["id"])
        .collect();
    assert_eq!(ids, vec![&fresh["id"]]);
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "the ticket made after the backup is gone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_backup_is_refused_before_anything_is_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("data");
    let data = data_arg(&data_dir);
    assert!(server_cmd(&["demo", "--data", &data], "").0);
    let out = tmp.path().join("b.db");
    assert!(
        server_cmd(
            &["backup", "--data", &data, "--out", out.to_str().unwrap()],
            ""
        )
        .0
    );
    let mut bytes = std::fs::read(&out).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    std::fs::write(&out, bytes).unwrap();
    let db_before = std::fs::read(data_dir.join("rounds.db")).unwrap();
    let (ok, _, err) = server_cmd(
        &["restore", "--data", &data, "--from", out.to_str().unwrap()],
        "",
    );
    assert!(!ok);
    assert!(err.contains("checksum mismatch"), "{err}");
    assert_eq!(
        std::fs::read(data_dir.join("rounds.db")).unwrap(),
        db_before
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_binary_refuses_a_newer_database() {
    let tmp = tempfile::tempdir().unwrap();
    let data = data_arg(tmp.path());
    assert!(
        server_cmd(
            &[
                "user",
                "add",
                "--data",
                &data,
                "--username",
                "root",
                "--role",
                "admin"
            ],
            "s3cret-passphrase"
        )
        .0
    );
    bump_schema_version(tmp.path());
    let (ok, _, err) = server_cmd(&["serve", "--data", &data, "--listen", "127.0.0.1:0"], "");
    assert!(!ok);
    assert!(
        err.contains("newer than") && err.contains("upgrade rounds-server"),
        "{err}"
    );
}

/// Makes the database look as if a newer rounds-server had migrated it.
fn bump_schema_version(dir: &std::path::Path) {
    let conn = rounds_server::db::open_connection(&dir.join("rounds.db"), false).unwrap();
    conn.pragma_update(None, "user_version", rounds_server::db::SCHEMA_VERSION + 1)
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_covers_every_route() {
    let tmp = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(tmp.path());
    let api = server.api();
    let (s, doc) = api.get("/api/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    let expected = [
        ("/healthz", "get"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/campuses", "get"),
        ("/api/v1/campuses", "post"),
        ("/api/v1/departments", "get"),
        ("/api/v1/departments", "post"),
        ("/api/v1/users", "get"),
        ("/api/v1/users", "post"),
        ("/api/v1/tickets", "get"),
        ("/api/v1/tickets", "post"),
        ("/api/v1/tickets/{id}", "get"),
        ("/api/v1/tickets/{id}", "patch"),
        ("/api/v1/tickets/{id}/transitions", "post"),
        ("/api/v1/tickets/{id}/comments", "get"),
        ("/api/v1/tickets/{id}/comments", "post"),
        ("/api/v1/attachments", "post"),
        ("/api/v1/attachments/{sha256}", "get"),
        ("/api/v1/sync/push", "post"),
        ("/api/v1/sync/pull", "get"),
        ("/api/v1/events", "get"),
        ("/api/v1/tickets/{id}/checklist/{step}", "post"),
        ("/api/v1/oncall/shifts", "get"),
        ("/api/v1/oncall/shifts", "post"),
        ("/api/v1/oncall/shifts/{id}", "delete"),
        ("/api/v1/oncall/import", "post"),
        ("/api/v1/oncall/now", "get"),
        ("/api/v1/alerts/endpoints", "get"),
        ("/api/v1/alerts/endpoints", "post"),
        ("/api/v1/alerts/endpoints/{id}", "delete"),
        ("/api/v1/alerts/deliveries", "get"),
    ];
    for (path, method) in expected {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing from the OpenAPI document"
        );
    }
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(
        documented,
        expected.len(),
        "the document lists a route the test does not know: update both"
    );
    // Every documented route answers something other than 404/405 (it exists in the router).
    for (path, method) in expected {
        let url = path
            .replace("{id}", &uuid::Uuid::now_v7().to_string())
            .replace("{sha256}", &"a".repeat(64));
        let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let res = api.request(m, &url).json(&json!({})).send().await.unwrap();
        assert!(
            ![404, 405].contains(&res.status().as_u16())
                || url.contains("/tickets/")
                || url.contains("/attachments/"),
            "{method} {path} is documented but not routed: {}",
            res.status()
        );
    }
}

#[test]
fn sla_explain_prints_due_times_agreeing_with_hand_computation() {
    let dir = tempfile::tempdir().unwrap();
    let cal = dir.path().join("cal.toml");
    std::fs::write(
        &cal,
        r#"timezone = "Asia/Shanghai"
workdays = ["mon", "tue", "wed", "thu", "fri"]
hours = [["08:00", "12:00"], ["14:00", "17:30"]]
holidays = ["2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"]
makeup_workdays = ["2026-09-27", "2026-10-10"]
"#,
    )
    .unwrap();
    let cal = cal.to_str().unwrap();
    // Level 3, opened Wednesday 30 Sept 16:00 (Shanghai): 1.5 h that day, then the National
    // Day holidays; Sat 3, Sun 4 are weekend; Thu 8 and Fri 9 are workdays again.
    // Response (2 business hours): 1.5 h on the 30th + 0.5 h on Thu 8 Oct -> 08:30 on the 8th.
    // Resolution (3 business days = 22.5 h): 1.5 h + 7.5 h (8th) + 7.5 h (9th) + 6 h on the
    // make-up Saturday 10 Oct -> 08:00 + 4 h, 14:00 + 2 h = 16:00 on the 10th.
    let (ok, out, err) = rounds_tests::server_cmd(
        &[
            "sla",
            "explain",
            "--calendar",
            cal,
            "--level",
            "3",
            "--opened",
            "2026-09-30T16:00:00+08:00",
            "--json",
        ],
        "",
    );
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["response_due"], "2026-10-08T00:30:00Z");
    assert_eq!(v["resolution_due"], "2026-10-10T08:00:00Z");
    assert_eq!(v["business_seconds"], 3 * 27_000);

    // A pause across the night of the 8th: 17:00 to 09:00 the next day credits back 1.5 h of
    // business time (17:00-17:30 and 08:00-09:00), so the resolution moves to 17:30 on the
    // 10th, exactly the end of the working day.
    let (ok, out, err) = rounds_tests::server_cmd(
        &[
            "sla",
            "explain",
            "--calendar",
            cal,
            "--level",
            "3",
            "--opened",
            "2026-09-30T16:00:00+08:00",
            "--pause",
            "2026-10-08T17:00:00+08:00/2026-10-09T09:00:00+08:00",
            "--json",
        ],
        "",
    );
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["resolution_due"], "2026-10-10T09:30:00Z");

    // Level 1 is on the 24x7 clock; the human form names both due times.
    let (ok, out, _) = rounds_tests::server_cmd(
        &[
            "sla",
            "explain",
            "--level",
            "1",
            "--opened",
            "2026-10-01T03:00:00Z",
        ],
        "",
    );
    assert!(ok);
    assert!(out.contains("2026-10-01T03:15:00+00:00"), "{out}");
    assert!(out.contains("2026-10-01T07:00:00+00:00"), "{out}");

    // --data uses the server's configured targets.
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("sla-policy.toml"),
        r#"
[[levels]]
level = 1
respond = { target = { minutes = 5 }, clock = "24x7" }
resolve = { target = { hours = 2 }, clock = "24x7" }
[[levels]]
level = 2
respond = { target = { minutes = 30 }, clock = "24x7" }
resolve = { target = { hours = 8 }, clock = "24x7" }
[[levels]]
level = 3
respond = { target = { hours = 2 }, clock = "business" }
resolve = { target = { business_days = 3 }, clock = "business" }
[[levels]]
level = 4
respond = { target = { business_days = 1 }, clock = "business" }
resolve = { target = { business_days = 10 }, clock = "business" }
"#,
    )
    .unwrap();
    let (ok, out, err) = rounds_tests::server_cmd(
        &[
            "sla",
            "explain",
            "--level",
            "1",
            "--opened",
            "2026-10-01T03:00:00Z",
            "--json",
            "--data",
            data.to_str().unwrap(),
        ],
        "",
    );
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["response_due"], "2026-10-01T03:05:00Z");
    assert_eq!(v["resolution_due"], "2026-10-01T05:00:00Z");

    // Mistakes are clear errors, not panics.
    for args in [
        vec![
            "sla",
            "explain",
            "--level",
            "7",
            "--opened",
            "2026-10-01T03:00:00Z",
        ],
        vec!["sla", "explain", "--level", "1", "--opened", "yesterday"],
        vec![
            "sla",
            "explain",
            "--level",
            "1",
            "--opened",
            "2026-10-01T03:00:00Z",
            "--pause",
            "x",
        ],
    ] {
        let (ok, _, err) = rounds_tests::server_cmd(&args, "");
        assert!(!ok);
        assert!(err.contains("Error") || err.contains("error"), "{err}");
    }
}
