//! The desktop app end to end: the real release UI in a real WebKitGTK window, driven over
//! WebDriver (tauri-driver + WebKitWebDriver) under Xvfb, with a private D-Bus session, a real
//! notification daemon and keychain (run inside `scripts/with-session.sh`), against the real
//! server with demo data and the real `rounds` CLI.
//!
//! The scenario, from issue 4:
//! - a reporter signs in, captures the screen, redacts a region and submits a level-2 ticket;
//! - an engineer (the CLI) acknowledges it and comments;
//! - the reporter's window shows the new status and the comment, and a notification went out
//!   on D-Bus;
//! - with the server stopped, a ticket submitted from the UI is marked pending, and it syncs
//!   after a restart.
//!
//! - a level-1 ticket pages the dispatcher (a notification on D-Bus, first in triage);
//! - an administrator imports the on-call roster in the UI, which then shows who is on duty.
//!
//! Screenshots of each main screen are written to `docs/screenshots/` as it goes.
//! Nothing here is skipped: a missing display, driver or binary fails the test with the reason.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use rounds_tests::ServerProcess;
use rounds_tests::client::rounds_bin;
use serde_json::{Value, json};

const REPORTER: (&str, &str) = ("nurse.zhang", "rounds-demo-2026");
const ENGINEER: (&str, &str) = ("eng.chen", "rounds-demo-2026");
const DISPATCHER: (&str, &str) = ("dispatch.wang", "rounds-demo-2026");
const WAIT: Duration = Duration::from_secs(30);

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn desktop_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|d| d.parent()).unwrap();
    let bin = dir.join("rounds-desktop");
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo build -p rounds-desktop` (after `npm run build` in ui/)",
        bin.display()
    );
    bin
}

fn require(tool: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(found, "{tool} is missing: scripts/deps.sh installs it");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed (SIGTERM first, so tauri-driver can stop WebKitWebDriver) on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The `rounds` CLI on the engineer's profile.
struct Cli {
    profile: PathBuf,
}

impl Cli {
    fn run(&self, args: &[&str], stdin: &str) -> String {
        use std::io::Write;
        let mut child = Command::new(rounds_bin())
            .arg("--profile")
            .arg(&self.profile)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "rounds {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

struct Ui {
    c: Client,
    shots: PathBuf,
}

impl Ui {
    async fn find(&self, id: &str) -> fantoccini::elements::Element {
        let css = format!("[data-testid='{id}']");
        // A list that refreshes (after a sync) replaces its rows: a find that meets one
        // being replaced gets a stale reference, and looks again.
        for _ in 0..20 {
            match self
                .c
                .wait()
                .at_most(WAIT)
                .for_element(Locator::Css(&css))
                .await
            {
                Ok(el) => return el,
                Err(fantoccini::error::CmdError::Standard(e))
                    if e.error == fantoccini::error::ErrorStatus::StaleElementReference =>
                {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("no [data-testid={id}] within {WAIT:?}: {e}"),
            }
        }
        panic!("[data-testid={id}] kept being replaced while looking for it");
    }

    async fn click(&self, id: &str) {
        self.find(id).await.click().await.unwrap();
    }

    async fn fill(&self, id: &str, text: &str) {
        // A screen that re-renders (sign-out, the first status) can replace the element
        // between finding and typing; find it again then.
        for _ in 0..5 {
            let el = self.find(id).await;
            match async {
                el.clear().await?;
                el.send_keys(text).await
            }
            .await
            {
                Ok(()) => return,
                Err(fantoccini::error::CmdError::Standard(e))
                    if e.error == fantoccini::error::ErrorStatus::StaleElementReference =>
                {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("typing into [data-testid={id}]: {e}"),
            }
        }
        panic!("[data-testid={id}] kept being replaced while typing into it");
    }

    /// Waits until `js` (a function body returning a value) returns something truthy, and
    /// returns that value.
    async fn until(&self, what: &str, js: &str) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let v = self.c.execute(js, vec![]).await.unwrap();
            let truthy =
                !matches!(&v, Value::Null | Value::Bool(false)) && v != json!("") && v != json!(0);
            if truthy {
                return v;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The screen as the user sees it, grabbed from the X server. (WebDriver's screenshot
    /// never answers once the window has been hidden and shown again while the web view draws
    /// without accelerated compositing, as it does on this GPU-less machine.)
    async fn shot(&self, name: &str) {
        // The desktop's own notification pop-ups (dunst) would cover the app's corner: the
        // notifications were delivered already (dbus-monitor saw them), so close them.
        let _ = Command::new("dunstctl").arg("close-all").status();
        // Let the last change paint.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let grab = Command::new("import")
            .args(["-window", "root", "png:-"])
            .output()
            .unwrap();
        assert!(
            grab.status.success() && grab.stdout.starts_with(b"\x89PNG"),
            "ImageMagick could not grab the screen: {}",
            String::from_utf8_lossy(&grab.stderr)
        );
        let png = grab.stdout;
        std::fs::create_dir_all(&self.shots).unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }
}

/// `dbus-monitor` watching for notifications on the session bus.
fn watch_notifications(log: &Path) -> Proc {
    let out = std::fs::File::create(log).unwrap();
    Proc(
        Command::new("dbus-monitor")
            .arg("type=method_call,interface=org.freedesktop.Notifications,member=Notify")
            .stdout(out)
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

fn start_server(data: &Path, port: u16) -> ServerProcess {
    ServerProcess::start_on(data, &format!("127.0.0.1:{port}"))
}

/// The whole scenario takes under a minute; a step that never answers (a WebDriver call into
/// a stuck window) must fail the run, not hold CI until its own limit.
const SCENARIO_LIMIT: Duration = Duration::from_secs(600);

#[tokio::test(flavor = "multi_thread")]
async fn report_with_redacted_screenshot_then_follow_it() {
    tokio::time::timeout(SCENARIO_LIMIT, scenario())
        .await
        .unwrap_or_else(|_| {
            panic!("the desktop scenario did not finish within {SCENARIO_LIMIT:?}")
        });
}

async fn scenario() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no DISPLAY: run inside scripts/with-session.sh (it starts Xvfb)"
    );
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "no D-Bus session: run inside scripts/with-session.sh"
    );
    for tool in ["tauri-driver", "WebKitWebDriver", "dbus-monitor"] {
        require(tool);
    }
    let app = desktop_bin();
    let tmp = tempfile::tempdir().unwrap();

    // The real server with demo data, on a fixed port so it can come back on the same address.
    let data = tmp.path().join("server");
    let (ok, _, err) = rounds_tests::server_cmd(&["demo", "--data", data.to_str().unwrap()], "");
    assert!(ok, "demo data: {err}");
    let port = free_port();
    let server = start_server(&data, port);
    let base = server.base.clone();

    let notes = tmp.path().join("notifications.log");
    let _monitor = watch_notifications(&notes);

    // tauri-driver starts the app with this environment: its own home, English logs off.
    let driver_port = free_port();
    let native_port = free_port();
    let home = tmp.path().join("desktop");
    let _driver = Proc(
        Command::new("tauri-driver")
            .args(["--port", &driver_port.to_string()])
            .args(["--native-port", &native_port.to_string()])
            .env("ROUNDS_HOME", &home)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let status_url = format!("http://127.0.0.1:{driver_port}/status");
    let deadline = Instant::now() + WAIT;
    while reqwest::get(&status_url).await.is_err() {
        assert!(Instant::now() < deadline, "tauri-driver did not start");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("wry"));
    caps.insert(
        "tauri:options".into(),
        json!({ "application": app.to_str().unwrap() }),
    );
    let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .expect("a WebDriver session on the desktop app");
    let ui = Ui {
        c,
        shots: repo().join("docs/screenshots"),
    };

    // ---- first run: server address, then sign-in -----------------------------------------
    ui.fill("server-input", &base).await;
    ui.shot("01-server").await;
    ui.click("server-next").await;
    ui.fill("username", REPORTER.0).await;
    ui.fill("password", REPORTER.1).await;
    ui.shot("02-login").await;
    ui.click("login-submit").await;

    // ---- report a level-2 problem with a redacted capture ---------------------------------
    ui.find("report-title").await;
    // The first sync brings the directory (campus and department pickers).
    ui.until(
        "the directory (names, not codes, in the pickers)",
        "const s = document.querySelector(\"[data-testid='report-department']\"); return s && s.selectedIndex >= 0 && s.options[s.selectedIndex].text !== s.value",
    )
    .await;
    ui.fill("report-title", "HIS 护士站登录失败").await;
    ui.fill(
        "report-description",
        "生殖医学中心护士站无法登录 HIS，提示密码错误。",
    )
    .await;
    ui.click("report-level-2").await;
    ui.shot("03-report").await;
    // Something on the screen to capture and redact: a window with a (made-up) patient record,
    // on a blue background, behind the app.
    let record = tmp.path().join("record.png");
    let made = Command::new("convert")
        .args([
            "-size",
            "1280x800",
            "xc:#1d4ed8",
            "-fill",
            "white",
            "-font",
            "Noto-Sans-CJK-SC",
        ])
        .args([
            "-pointsize",
            "48",
            "-draw",
            "text 300,420 '患者 王某某 住院号 2026-0118'",
        ])
        .arg(&record)
        .status()
        .unwrap();
    assert!(made.success(), "ImageMagick could not draw the test record");
    let _record_window = Proc(
        Command::new("display")
            .args(["-geometry", "+0+0"])
            .arg(&record)
            .spawn()
            .unwrap(),
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    ui.click("capture-screen").await;
    ui.find("editor").await;
    ui.click("tool-redact").await;
    // Drag a redaction box over the middle of the image: from 30% to 60% of each side.
    ui.c.execute(
        r#"
        const cv = document.querySelector("[data-testid='editor-canvas']");
        const r = cv.getBoundingClientRect();
        const at = (fx, fy) => ({ clientX: r.left + r.width * fx, clientY: r.top + r.height * fy, bubbles: true, button: 0 });
        cv.dispatchEvent(new MouseEvent('mousedown', at(0.3, 0.3)));
        cv.dispatchEvent(new MouseEvent('mousemove', at(0.45, 0.45)));
        cv.dispatchEvent(new MouseEvent('mousemove', at(0.6, 0.6)));
        window.dispatchEvent(new MouseEvent('mouseup', at(0.6, 0.6)));
        cv.dispatchEvent(new MouseEvent('mouseup', at(0.6, 0.6)));
        return true;
        "#,
        vec![],
    )
    .await
    .unwrap();
    ui.shot("04-editor").await;
    ui.click("editor-done").await;
    ui.click("report-submit").await;
    let saved = ui.find("report-saved").await;
    let saved_text = saved.text().await.unwrap();
    assert!(!saved_text.trim().is_empty(), "the confirmation is empty");
    ui.shot("05-saved").await;

    // ---- the engineer (CLI) finds it, acknowledges and comments ---------------------------
    let cli = Cli {
        profile: tmp.path().join("engineer"),
    };
    cli.run(
        &[
            "login",
            "--server",
            &base,
            "--username",
            ENGINEER.0,
            "--token-store",
            "file",
        ],
        &format!("{}\n", ENGINEER.1),
    );
    let deadline = Instant::now() + WAIT;
    let ticket = loop {
        cli.run(&["sync"], "");
        let list: Value =
            serde_json::from_str(&cli.run(&["list", "--json", "--limit", "500"], "")).unwrap();
        let found = list
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.get("ticket").unwrap_or(r).clone())
            .find(|t| t["title"] == "HIS 护士站登录失败");
        if let Some(t) = found {
            break t;
        }
        assert!(
            Instant::now() < deadline,
            "the report never reached the server"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(ticket["severity"], 2);
    assert_eq!(
        ticket["department"], "main-ward",
        "the reporter's own department by default"
    );
    let number = ticket["number"].as_str().unwrap().to_owned();
    let id = ticket["id"].as_str().unwrap().to_owned();
    assert_eq!(
        ticket["attachments"].as_array().unwrap().len(),
        1,
        "the capture is attached: {ticket}"
    );

    // The stored screenshot is the redacted one: the box is solid in the server's copy.
    let sha = ticket["attachments"][0].as_str().unwrap().to_owned();
    let mut admin = server.api();
    admin.login("admin", "rounds-admin-2026").await;
    let bytes = admin
        .request(reqwest::Method::GET, &format!("/api/v1/attachments/{sha}"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let img = image::load_from_memory(&bytes)
        .expect("the attachment is an image")
        .to_rgba8();
    let (w, h) = img.dimensions();
    assert!(w >= 640 && h >= 400, "a whole-screen capture, got {w}x{h}");
    let at = |fx: f64, fy: f64| {
        img.get_pixel((w as f64 * fx) as u32, (h as f64 * fy) as u32)
            .0
    };
    for fy in [0.35, 0.45, 0.55] {
        for fx in [0.35, 0.45, 0.55] {
            assert_eq!(
                at(fx, fy),
                [0, 0, 0, 255],
                "pixel at ({fx}, {fy}) is not redacted"
            );
        }
    }
    // Outside the box the capture is the screen as it was: the blue record window.
    for (fx, fy) in [(0.1, 0.1), (0.9, 0.9), (0.1, 0.9)] {
        let [r, g, b, a] = at(fx, fy);
        assert!(
            b > 150 && r < 100 && a == 255,
            "pixel at ({fx}, {fy}) is {:?}, not the screen",
            [r, g, b, a]
        );
    }

    cli.run(&["transition", &number, "--to", "acknowledged"], "");
    cli.run(
        &["comment", &number, "--body", "已收到，工程师正在远程排查。"],
        "",
    );
    cli.run(&["sync"], "");

    // ---- the reporter sees the new status and the reply -----------------------------------
    ui.click("nav-list").await;
    ui.find("ticket-row").await;
    ui.shot("06-list").await;
    // The list may still be paging in or re-rendering after a sync: wait for the row.
    ui.c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css(&format!(
            "[data-testid='ticket-row'][data-id='{id}']"
        )))
        .await
        .expect("the ticket is in the reporter's list")
        .click()
        .await
        .unwrap();
    ui.find("ticket-detail").await;
    ui.until(
        "the acknowledged status",
        "const s = document.querySelector(\"[data-testid='ticket-status']\"); return s && s.textContent.includes('acknowledged') || (s && s.dataset.status === 'acknowledged');",
    )
    .await;
    ui.until(
        "the engineer's reply",
        "return [...document.querySelectorAll(\"[data-testid='timeline-comment']\")].some(e => e.textContent.includes('正在远程排查'))",
    )
    .await;
    ui.until(
        "the screenshot's thumbnail",
        "return !!document.querySelector(\"[data-testid='ticket-detail'] .thumb img\")",
    )
    .await;
    ui.shot("07-detail").await;

    // A notification went out on D-Bus for the status change or the reply.
    let deadline = Instant::now() + WAIT;
    loop {
        let log = std::fs::read_to_string(&notes).unwrap_or_default();
        if log.contains("Notify") && log.contains(&number) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no notification for {number} on D-Bus; dbus-monitor saw:\n{log}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // ---- offline: the server stops, a report is kept as pending, and syncs on restart ------
    server.stop();
    ui.click("nav-report").await;
    ui.fill("report-title", "病区打印机卡纸").await;
    ui.fill("report-description", "护士站打印机卡纸，无法打印腕带。")
        .await;
    ui.click("report-level-3").await;
    ui.click("report-submit").await;
    ui.find("report-saved").await;
    ui.until(
        "the offline state",
        "const e = document.querySelector(\"[data-testid='sync-online']\"); return e && e.dataset.online === 'false'",
    )
    .await;
    ui.click("nav-list").await;
    let pending_row = ui
        .until(
            "a pending row",
            "const r = [...document.querySelectorAll(\"[data-testid='ticket-row']\")].find(e => e.textContent.includes('病区打印机卡纸')); return r && r.dataset.pending === 'true' && r.dataset.id",
        )
        .await;
    let pending_pending = ui
        .until(
            "the pending count",
            "const e = document.querySelector(\"[data-testid='sync-pending']\"); return e && Number(e.textContent.trim()) > 0 && e.textContent.trim()",
        )
        .await;
    assert_ne!(pending_pending, json!("0"));
    ui.shot("08-offline").await;

    let server = start_server(&data, port);
    ui.until(
        "the pending report to sync",
        &format!(
            "const r = document.querySelector(\"[data-testid='ticket-row'][data-id='{}']\"); return r && r.dataset.pending === 'false'",
            pending_row.as_str().unwrap()
        ),
    )
    .await;
    let mut admin = server.api();
    admin.login("admin", "rounds-admin-2026").await;
    let (code, body) = admin
        .get(&format!(
            "/api/v1/tickets/{}",
            pending_row.as_str().unwrap()
        ))
        .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["title"], "病区打印机卡纸");

    // ---- triage and English, for the screenshots ------------------------------------------
    ui.click("nav-settings").await;
    ui.shot("09-settings").await;
    let select = ui.find("locale-select").await;
    select.select_by_value("en").await.unwrap();
    ui.click("nav-list").await;
    ui.find("ticket-row").await;
    ui.shot("10-list-en").await;

    // ---- a level-1 fault pages at once: the dispatcher's desktop raises a notification ----
    ui.click("nav-settings").await;
    let select = ui.find("locale-select").await;
    select.select_by_value("zh-CN").await.unwrap();
    ui.click("sign-out").await;
    ui.fill("username", DISPATCHER.0).await;
    ui.fill("password", DISPATCHER.1).await;
    ui.click("login-submit").await;
    ui.find("nav-triage").await;
    let id = cli
        .run(
            &[
                "new",
                "--title",
                "全院 HIS 无法登录",
                "--severity",
                "1",
                "--campus",
                "main",
                "--department",
                "main-ward",
                "--description",
                "所有护士站 HIS 登录超时。",
            ],
            "",
        )
        .trim()
        .to_owned();
    cli.run(&["sync"], "");
    let shown: Value = serde_json::from_str(&cli.run(&["show", &id, "--json"], "")).unwrap();
    let t = shown.get("ticket").unwrap_or(&shown);
    let urgent = t["number"]
        .as_str()
        .expect("numbered by the server")
        .to_owned();
    let deadline = Instant::now() + WAIT;
    loop {
        let log = std::fs::read_to_string(&notes).unwrap_or_default();
        if log.contains(&format!("工单升级：{urgent}")) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no escalation notification for {urgent} on D-Bus; dbus-monitor saw:\n{log}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // The banner is in the window too, and the triage queue has it first.
    ui.find("notice-banner").await;
    ui.click("nav-triage").await;
    ui.until(
        "the level-1 ticket at the top of the triage queue",
        &format!(
            "const r = document.querySelector(\"[data-testid='triage-row']\"); return r && r.dataset.id === '{id}'"
        ),
    )
    .await;
    // After the first sync as the dispatcher the rows name campuses rather than codes.
    ui.until(
        "the directory in the triage queue",
        "const r = document.querySelector(\"[data-testid='triage-row']\"); return r && r.textContent.includes('本部院区')",
    )
    .await;
    ui.shot("11-triage-escalation").await;

    // ---- the administrator enters the on-call roster; the screen shows who is on duty ----
    ui.click("nav-settings").await;
    ui.click("sign-out").await;
    ui.fill("username", "admin").await;
    ui.fill("password", "rounds-admin-2026").await;
    ui.click("login-submit").await;
    ui.click("nav-oncall").await;
    ui.until(
        "the roster's campus cards",
        "return document.querySelector(\"[data-testid='oncall-now'][data-campus='main']\")?.dataset.state === 'nobody'",
    )
    .await;
    let now = chrono::Utc::now();
    let csv = format!(
        "campus,starts_at,ends_at,primary,backup\nmain,{},{},{},{}\nmain,{},{},{},\n",
        (now - chrono::Duration::hours(2)).to_rfc3339(),
        (now + chrono::Duration::hours(10)).to_rfc3339(),
        ENGINEER.0,
        DISPATCHER.0,
        (now + chrono::Duration::hours(10)).to_rfc3339(),
        (now + chrono::Duration::hours(22)).to_rfc3339(),
        ENGINEER.0,
    );
    // As pasted: WebDriver's typing drops the newlines of a textarea.
    ui.find("oncall-import-text").await;
    ui.c.execute(
        "const t = document.querySelector(\"[data-testid='oncall-import-text']\"); t.value = arguments[0]; t.dispatchEvent(new Event('input', { bubbles: true }));",
        vec![json!(csv)],
    )
    .await
    .unwrap();
    ui.click("oncall-import-submit").await;
    let result = ui
        .until(
            "the import's answer",
            "const r = document.querySelector(\"[data-testid='oncall-import-result'], [data-testid='oncall-import-error'], [data-testid='oncall-offline']\"); return r && (r.dataset.testid + ': ' + r.textContent.trim())",
        )
        .await;
    let result = result.as_str().unwrap_or_default();
    assert!(
        result.starts_with("oncall-import-result") && result.contains('2'),
        "import: {result}"
    );
    ui.until(
        "eng.chen on duty for the main campus",
        "const c = document.querySelector(\"[data-testid='oncall-now'][data-campus='main']\"); return c && c.dataset.state === 'on' && c.querySelector(\"[data-testid='oncall-now-primary']\").textContent.trim().length > 0",
    )
    .await;
    // The server agrees: who is on duty is the person the screen shows.
    let duty: Value =
        serde_json::from_str(&cli.run(&["oncall", "now", "--campus", "main", "--json"], ""))
            .unwrap();
    assert_eq!(duty["primary"]["username"], ENGINEER.0, "{duty}");
    let shown = ui
        .until(
            "the primary's name on the card",
            "return document.querySelector(\"[data-testid='oncall-now'][data-campus='main'] [data-testid='oncall-now-primary']\")?.textContent.trim()",
        )
        .await;
    assert_eq!(shown, duty["primary"]["display_name"], "{duty}");
    ui.shot("12-oncall").await;

    ui.c.close().await.unwrap();
    drop(server);
}
