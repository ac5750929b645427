//! The commands through Tauri's IPC on the mock runtime (no window, no display): the same
//! handler and state the real app registers, against a real server and a real cache.

use rounds_desktop::{ShellOptions, run_app};
use rounds_tests::{PASSWORD, TestServer};
use serde_json::{Value, json};
use tauri::Manager;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;

struct Ui {
    _app: tauri::App<tauri::test::MockRuntime>,
    webview: tauri::WebviewWindow<tauri::test::MockRuntime>,
    _home: tempfile::TempDir,
}

fn ui() -> Ui {
    let home = tempfile::tempdir().unwrap();
    let opts = ShellOptions {
        home: Some(home.path().to_owned()),
        tray: false,
        background_sync: false,
        os_notifications: false,
    };
    // The real context: the app's config and capabilities, so a command the capability does
    // not grant fails here as it would in the app.
    let app = run_app(mock_builder(), opts)
        .build(tauri::generate_context!(test = true))
        .unwrap();
    let webview = match app.get_webview_window("main") {
        Some(w) => w,
        None => tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap(),
    };
    Ui {
        _app: app,
        webview,
        _home: home,
    }
}

impl Ui {
    /// Invokes `cmd` as the UI would; `Err` carries the `{code, message}` the UI receives.
    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let req = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&self.webview, req).map(|b| b.deserialize::<Value>().unwrap())
    }
}

fn code(e: &Value) -> &str {
    e["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no code in {e}"))
}

#[test]
fn a_new_profile_reports_its_status_and_refuses_work_before_sign_in() {
    let ui = ui();
    let status = ui.call("status", json!({})).unwrap();
    assert_eq!(status["pending_ops"], 0);
    assert_eq!(status["user"], Value::Null);
    assert_eq!(status["server"], Value::Null);

    let draft =
        json!({"title": "打印机卡纸", "campus": "main", "department": "main-ivf", "severity": 3});
    let e = ui
        .call("ticket_create", json!({ "draft": draft }))
        .unwrap_err();
    assert_eq!(code(&e), "not_signed_in", "{e}");

    let e = ui
        .call("ticket", json!({ "id": "R-2026-999999" }))
        .unwrap_err();
    assert_eq!(code(&e), "not_found", "{e}");
}

#[test]
fn bad_arguments_get_a_clear_error() {
    let ui = ui();
    // A level outside 1..=4 never reaches the store.
    let draft = json!({"title": "x", "campus": "main", "department": "main-ivf", "severity": 9});
    let e = ui
        .call("ticket_create", json!({ "draft": draft }))
        .unwrap_err();
    let text = e.to_string();
    assert!(text.contains("fault level"), "{text}");

    // A file that says it is a PNG but is a JPEG, and a type the server does not take: both
    // refused before they are kept, as the server would refuse their upload.
    let fake = base64_of(b"\xFF\xD8\xFF\xE0 not really a png");
    let e = ui
        .call(
            "attachment_add",
            json!({"dataBase64": fake, "contentType": "image/png", "filename": "x.png"}),
        )
        .unwrap_err();
    assert_eq!(code(&e), "validation", "{e}");
    assert!(e["message"].as_str().unwrap().contains("image/jpeg"), "{e}");
    // A PNG signature on nothing readable: the server would refuse it as an image.
    let e = ui
        .call(
            "attachment_add",
            json!({"dataBase64": base64_of(b"\x89PNG\r\n\x1a\n truncated"), "contentType": "image/png"}),
        )
        .unwrap_err();
    assert_eq!(code(&e), "validation", "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("cannot be read"),
        "{e}"
    );
    let gif = base64_of(b"GIF89a\x01\0\x01\0\x80\0\0");
    let e = ui
        .call(
            "attachment_add",
            json!({"dataBase64": gif, "contentType": "image/gif", "filename": "x.gif"}),
        )
        .unwrap_err();
    assert_eq!(code(&e), "validation", "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("cannot be attached"),
        "{e}"
    );

    let e = ui
        .call(
            "attachment_add",
            json!({"dataBase64": "@@not base64@@", "contentType": "image/png"}),
        )
        .unwrap_err();
    assert_eq!(code(&e), "validation", "{e}");

    let e = ui
        .call("attachment_url", json!({"sha256": "../../etc/passwd"}))
        .unwrap_err();
    assert_eq!(code(&e), "validation", "{e}");

    let e = ui
        .call("server_check", json!({"server": "not a url"}))
        .unwrap_err();
    assert_eq!(code(&e), "validation", "{e}");
}

fn base64_of(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// Sign in, report offline-first, sync, and read back through the same commands the UI uses.
#[test]
fn sign_in_report_and_sync_through_ipc() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(TestServer::start());
    rt.block_on(server.seed());
    let ui = ui();

    let checked = ui
        .call("server_check", json!({"server": server.base}))
        .unwrap();
    assert_eq!(checked["ok"], true);

    let e = ui
        .call(
            "login",
            json!({"server": server.base, "username": "nurse", "password": "wrong"}),
        )
        .unwrap_err();
    assert_eq!(code(&e), "unauthorized", "{e}");

    let me = ui
        .call(
            "login",
            json!({"server": server.base, "username": "nurse", "password": PASSWORD}),
        )
        .unwrap();
    assert_eq!(me["username"], "nurse");
    assert_eq!(me["role"], "reporter");

    // The directory arrives with the first sync; the report is saved before that.
    let png = {
        let img = image::RgbaImage::from_pixel(4, 4, image::Rgba([0, 0, 0, 255]));
        let mut out = Vec::new();
        image::DynamicImage::ImageRgba8(img)
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    };
    let sha = ui
        .call(
            "attachment_add",
            json!({"dataBase64": base64_of(&png), "contentType": "image/png", "filename": "screen.png"}),
        )
        .unwrap();
    let sha = sha.as_str().unwrap().to_owned();
    let draft = json!({
        "title": "HIS 登录失败", "description": "护士站无法登录", "campus": "main",
        "department": "main-ivf", "severity": 2, "attachments": [sha],
    });
    let created = ui.call("ticket_create", json!({ "draft": draft })).unwrap();
    assert_eq!(
        created["number"],
        Value::Null,
        "numbered only by the server"
    );
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(ui.call("status", json!({})).unwrap()["pending_ops"], 1);

    let status = ui.call("sync_now", json!({})).unwrap();
    assert_eq!(status["pending_ops"], 0, "{status}");
    assert_eq!(status["online"], true);

    let view = ui.call("ticket", json!({ "id": id })).unwrap();
    let number = view["ticket"]["number"].as_str().unwrap().to_owned();
    assert!(number.starts_with("R-"), "{number}");
    assert_eq!(view["ticket"]["attachments"], json!([sha]));
    // The server has it too, with the same attachment.
    let (status_code, body) = rt.block_on(server_ticket(&server, &id));
    assert_eq!(status_code, 200, "{body}");
    assert_eq!(body["title"], "HIS 登录失败");

    let dir = ui.call("directory", json!({})).unwrap();
    assert!(
        dir["campuses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "main"),
        "{dir}"
    );

    // A reporter may withdraw a new ticket (with a reason) and nothing else.
    let actions = ui.call("ticket_actions", json!({ "id": number })).unwrap();
    assert_eq!(
        actions["transitions"],
        json!([{"to": "closed", "reason_required": true}])
    );
    assert_eq!(actions["can_internal"], false);
    assert_eq!(actions["can_assign"], false);

    // The attachment reads back as a data URL of the same bytes.
    let url = ui.call("attachment_url", json!({ "sha256": sha })).unwrap();
    assert_eq!(
        url.as_str().unwrap(),
        format!("data:image/png;base64,{}", base64_of(&png))
    );
    drop(server);
}

async fn server_ticket(server: &TestServer, id: &str) -> (reqwest::StatusCode, Value) {
    let mut api = server.api();
    api.login("admin", PASSWORD).await;
    api.get(&format!("/api/v1/tickets/{id}")).await
}

/// The roster screen's commands: an administrator edits the roster, staff read who is on
/// duty, a reporter may not edit, and a server that is gone is `offline`, not a crash.
#[test]
fn the_roster_through_ipc() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(TestServer::start());
    rt.block_on(server.seed());
    let login = |ui: &Ui, user: &str| {
        ui.call(
            "login",
            json!({"server": server.base, "username": user, "password": PASSWORD}),
        )
        .unwrap()
    };
    let admin = ui();
    login(&admin, "admin");

    let now = chrono::Utc::now();
    let hour = chrono::Duration::hours(1);
    let shift = json!({
        "campus": "main",
        "starts_at": now - hour,
        "ends_at": now + hour * 8,
        "primary": "eng",
        "backup": null,
    });
    let added = admin.call("oncall_add", json!({ "shift": shift })).unwrap();
    assert_eq!(added["campus"], "main");
    let eng_id = added["primary"].as_str().unwrap().to_owned();

    // The same hours again overlap: refused with the server's reason.
    let e = admin
        .call("oncall_add", json!({ "shift": shift }))
        .unwrap_err();
    assert_eq!(code(&e), "conflict", "{e}");
    // An end before the start never becomes a shift.
    let backwards = json!({
        "campus": "east", "starts_at": now, "ends_at": now - hour, "primary": "eng", "backup": null,
    });
    let e = admin
        .call("oncall_add", json!({ "shift": backwards }))
        .unwrap_err();
    assert_eq!(code(&e), "validation", "{e}");

    // A CSV import is all or nothing: one bad line keeps every line out.
    let day = now + hour * 24;
    let line = |from: chrono::DateTime<chrono::Utc>, who: &str| {
        format!(
            "east,{},{},{who},\n",
            from.to_rfc3339(),
            (from + hour * 8).to_rfc3339()
        )
    };
    let header = "campus,starts_at,ends_at,primary,backup\n";
    let bad = format!("{header}{}{}", line(day, "eng"), line(day, "nobody-such"));
    let e = admin
        .call("oncall_import", json!({ "csv": bad }))
        .unwrap_err();
    assert_eq!(code(&e), "validation", "{e}");
    let good = format!(
        "{header}{}{}",
        line(day, "eng"),
        line(day + hour * 8, "eng")
    );
    let imported = admin.call("oncall_import", json!({ "csv": good })).unwrap();
    assert_eq!(imported["imported"], 2);

    let week = admin
        .call(
            "oncall_shifts",
            json!({"campus": null, "from": now - hour, "to": now + hour * 72}),
        )
        .unwrap();
    let week = week.as_array().unwrap();
    assert_eq!(week.len(), 3, "{week:?}");
    let east: Vec<&Value> = week.iter().filter(|s| s["campus"] == "east").collect();
    assert_eq!(east.len(), 2);

    // Staff read who is on duty now.
    let engineer = ui();
    login(&engineer, "eng");
    let duty = engineer
        .call("oncall_now", json!({"campus": "main"}))
        .unwrap();
    assert_eq!(duty["primary"]["username"], "eng", "{duty}");
    assert_eq!(duty["shift"]["id"], added["id"]);
    assert_eq!(duty["shift"]["primary"], eng_id.as_str());
    let nobody = engineer
        .call("oncall_now", json!({"campus": "east"}))
        .unwrap();
    assert_eq!(nobody["shift"], Value::Null, "{nobody}");
    // Only an administrator edits.
    let e = engineer
        .call("oncall_delete", json!({"id": added["id"]}))
        .unwrap_err();
    assert_eq!(code(&e), "forbidden", "{e}");

    admin
        .call("oncall_delete", json!({"id": added["id"]}))
        .unwrap();
    let duty = engineer
        .call("oncall_now", json!({"campus": "main"}))
        .unwrap();
    assert_eq!(duty["shift"], Value::Null, "{duty}");

    // With the server gone the roster cannot be read, and the UI is told why.
    rt.block_on(server.stop());
    let e = engineer
        .call("oncall_now", json!({"campus": "main"}))
        .unwrap_err();
    assert_eq!(code(&e), "offline", "{e}");
}
