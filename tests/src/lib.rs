//! Shared helpers for the end-to-end tests: the real server on `127.0.0.1:0` with a temporary
//! data directory and a controllable clock, a small HTTP client, and a seeded hospital.
//!
//! [`TestServer`] stops the server and removes its files when dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};
use reqwest::{Method, StatusCode};
use rounds_core::model::{Campus, Department, Role, UserPublic};
use rounds_core::wire::CreateUserRequest;
use rounds_server::{AppState, Config, directory};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Real time plus an offset the test can move forward.
#[derive(Clone, Default)]
pub struct TestClock(Arc<AtomicI64>);

impl TestClock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.0.load(Ordering::SeqCst))
    }
    pub fn advance(&self, d: Duration) {
        self.0.fetch_add(d.num_milliseconds(), Ordering::SeqCst);
    }
    /// Moves the clock so that it reads `at` now.
    pub fn set(&self, at: DateTime<Utc>) {
        let offset = (at - Utc::now()).num_milliseconds();
        self.0.store(offset, Ordering::SeqCst);
    }
}

/// Runs the calling test on a small, real disk, so it can fill it up.
///
/// Called in the test process, this runs the test binary again for just `test` inside a
/// private user and mount namespace in which a tmpfs of `size` (`"4m"`) is mounted on a new
/// directory, checks that the run passed, and returns `None`. Called in that run, it returns
/// `Some(dir)`: the small disk, whose writes fail with `ENOSPC` once it is full. Nothing is
/// mounted outside the namespace. Needs `unshare` (util-linux) and user namespaces; without
/// them the test fails and says so.
pub fn on_small_disk(test: &str, size: &str) -> Option<std::path::PathBuf> {
    const VAR: &str = "ROUNDS_TEST_SMALL_DISK";
    if let Some(dir) = std::env::var_os(VAR) {
        return Some(dir.into());
    }
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "sh", "-c"])
        .arg(r#"mount -t tmpfs -o size="$1" tmpfs "$2" && shift 2 && exec "$@""#)
        .args(["sh", size])
        .arg(dir.path())
        .arg(&exe)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(VAR, dir.path())
        .output()
        .unwrap_or_else(|e| panic!("running `unshare` for a small disk (util-linux): {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "the run on a small disk failed:\n{text}"
    );
    assert!(
        text.contains("1 passed"),
        "the run on a small disk ran no test:\n{text}"
    );
    None
}

/// Writes zeros to `dir/filler` until the disk is full; returns the file, to remove when the
/// test frees the space.
pub fn fill_disk(dir: &std::path::Path) -> std::path::PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![0u8; 16 * 1024];
    loop {
        match f.write(&chunk) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
            Err(e) => panic!("filling {}: {e}", dir.display()),
        }
    }
    // The last partial block too.
    while f.write(&[0u8; 512]).is_ok_and(|n| n > 0) {}
    let _ = f.flush();
    path
}

pub struct TestServer {
    pub base: String,
    pub state: AppState,
    pub clock: TestClock,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<()>>,
    // Last, so files go after the server has stopped.
    pub dir: Arc<TempDir>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(Arc::new(tempfile::tempdir().unwrap()), |_| {}).await
    }

    /// Starts a server on `dir` (reused across restarts), letting the test adjust the config.
    pub async fn start_with(dir: Arc<TempDir>, tweak: impl FnOnce(&mut Config)) -> Self {
        Self::start_with_clock(dir, TestClock::default(), tweak).await
    }

    /// Like [`TestServer::start_with`], reading the time from `clock` (shared across a restart).
    pub async fn start_with_clock(
        dir: Arc<TempDir>,
        clock: TestClock,
        tweak: impl FnOnce(&mut Config),
    ) -> Self {
        let mut config = Config::new(dir.path().join("data"));
        config.keep_alive = std::time::Duration::from_millis(500);
        tweak(&mut config);
        let c = clock.clone();
        let state = AppState::open_with_clock(config, Arc::new(move || c.now())).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = oneshot::channel();
        let s = state.clone();
        let handle = tokio::spawn(async move {
            rounds_server::serve(listener, s, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        TestServer {
            base,
            state,
            clock,
            shutdown: Some(tx),
            handle: Some(handle),
            dir,
        }
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) -> Arc<TempDir> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            tokio::time::timeout(std::time::Duration::from_secs(10), h)
                .await
                .expect("graceful shutdown")
                .unwrap();
        }
        self.dir.clone()
    }

    pub fn api(&self) -> Api {
        Api {
            http: reqwest::Client::new(),
            base: self.base.clone(),
            token: None,
        }
    }

    /// Waits until the escalation worker has fired every ladder point due by the server's clock.
    /// Tickets read afterwards stay as they are until the clock moves again: a ticket that
    /// arrives late, or a clock moved forward, sets the worker off just after the request.
    pub async fn escalations_settled(&self) {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let next = self
                .state
                .db
                .read(|tx| rounds_server::sla::next_due(tx))
                .await
                .unwrap();
            if next.is_none_or(|due| due > self.clock.now()) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the escalation worker left a point due at {next:?} unfired for 30 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Adds a user straight into the database (how the first admin is made).
    pub async fn add_user(
        &self,
        username: &str,
        role: Role,
        campus: Option<&str>,
        department: Option<&str>,
    ) -> UserPublic {
        let req = CreateUserRequest {
            username: username.into(),
            password: PASSWORD.into(),
            role,
            campus: campus.map(Into::into),
            department: department.map(Into::into),
            display_name: None,
        };
        let (req, hash) = directory::prepare_user(req).unwrap();
        self.state
            .db
            .write(move |tx| directory::user_insert(tx, None, req, hash))
            .await
            .unwrap()
    }

    /// A small hospital: campuses `main` and `east`; departments `main-ivf`, `main-lab` and
    /// `east-ivf`; and signed-in users of every kind the permission rules distinguish.
    pub async fn seed(&self) -> Hospital {
        self.state
            .db
            .write(|tx| {
                for (code, name) in [("main", "本部院区"), ("east", "东院区")] {
                    directory::campus_upsert(
                        tx,
                        None,
                        Campus {
                            code: code.into(),
                            name: name.into(),
                        },
                    )?;
                }
                for (code, name, campus) in [
                    ("main-ivf", "生殖医学中心", "main"),
                    ("main-lab", "检验科", "main"),
                    ("east-ivf", "东院生殖科", "east"),
                ] {
                    directory::department_upsert(
                        tx,
                        None,
                        Department {
                            code: code.into(),
                            name: name.into(),
                            campus: campus.into(),
                        },
                    )?;
                }
                Ok(())
            })
            .await
            .unwrap();
        let mut h = Hospital::default();
        for (name, role, campus, dept) in [
            ("admin", Role::Admin, None, None),
            ("nurse", Role::Reporter, None, Some("main-ivf")),
            ("nurse2", Role::Reporter, None, Some("main-ivf")),
            ("labtech", Role::Reporter, None, Some("main-lab")),
            ("eastnurse", Role::Reporter, None, Some("east-ivf")),
            ("eng", Role::Engineer, None, None),
            ("engmain", Role::Engineer, Some("main"), None),
            ("engeast", Role::Engineer, Some("east"), None),
            ("disp", Role::Dispatcher, None, None),
        ] {
            let user = self.add_user(name, role, campus, dept).await;
            let mut api = self.api();
            api.login(name, PASSWORD).await;
            h.users.push((name.to_owned(), user, api));
        }
        h
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub const PASSWORD: &str = "correct horse battery";

#[derive(Default)]
pub struct Hospital {
    pub users: Vec<(String, UserPublic, Api)>,
}

impl Hospital {
    pub fn api(&self, name: &str) -> &Api {
        &self.get(name).2
    }
    pub fn user(&self, name: &str) -> &UserPublic {
        &self.get(name).1
    }
    fn get(&self, name: &str) -> &(String, UserPublic, Api) {
        self.users
            .iter()
            .find(|(n, _, _)| n == name)
            .unwrap_or_else(|| panic!("no user {name}"))
    }
}

/// A thin JSON client over reqwest.
#[derive(Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub token: Option<String>,
}

impl Api {
    pub async fn login(&mut self, username: &str, password: &str) -> Value {
        let (status, body) = self
            .call(
                Method::POST,
                "/api/v1/auth/login",
                Some(json!({"username": username, "password": password})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login {username}: {body}");
        self.token = Some(body["token"].as_str().unwrap().to_owned());
        body
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut rb = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(t) = &self.token {
            rb = rb.bearer_auth(t);
        }
        rb
    }

    /// Sends a request with an optional JSON body; returns the status and the JSON body
    /// (`Value::Null` when the body is empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut rb = self.request(method, path);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        send(rb).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, Some(body)).await
    }

    /// Pushes sync ops in one batch and returns their results, asserting 200.
    pub async fn push(&self, ops: Vec<Value>) -> Vec<Value> {
        let (status, body) = self.post("/api/v1/sync/push", json!({ "ops": ops })).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["results"].as_array().unwrap().clone()
    }

    /// Creates a ticket and returns it, asserting 201.
    pub async fn new_ticket(
        &self,
        title: &str,
        campus: &str,
        department: &str,
        severity: u8,
    ) -> Value {
        let (s, t) = self
            .post("/api/v1/tickets", json!({"title": title, "campus": campus, "department": department, "severity": severity}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{t}");
        t
    }

    /// Pulls every change from `cursor` until `has_more` is false.
    pub async fn pull_all(&self, mut cursor: i64, limit: u32) -> (Vec<Value>, i64) {
        let mut all = Vec::new();
        loop {
            let (s, page) = self
                .get(&format!("/api/v1/sync/pull?cursor={cursor}&limit={limit}"))
                .await;
            assert_eq!(s, StatusCode::OK, "{page}");
            all.extend(page["changes"].as_array().unwrap().iter().cloned());
            cursor = page["cursor"].as_i64().unwrap();
            if !page["has_more"].as_bool().unwrap() {
                return (all, cursor);
            }
        }
    }
}

/// Sends a request and reads the status and JSON body.
pub async fn send(rb: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let res = rb.send().await.expect("request failed");
    let status = res.status();
    let text = res.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"))
    };
    (status, body)
}

/// Asserts the `{"error":{"code","message"}}` shape with the given status and code.
#[track_caller]
pub fn assert_error(got: &(StatusCode, Value), status: u16, code: &str) {
    assert_eq!(got.0.as_u16(), status, "body: {}", got.1);
    assert_eq!(got.1["error"]["code"], code, "body: {}", got.1);
    assert!(
        got.1["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "no message: {}",
        got.1
    );
}

/// Reads server-sent events from a response until `n` events arrived or `timeout` passed.
/// Returns (id, event, data) triples.
pub async fn read_events(
    res: reqwest::Response,
    n: usize,
    timeout: std::time::Duration,
) -> Vec<(i64, String, Value)> {
    use futures_util::StreamExt;
    let mut stream = res.bytes_stream();
    let mut buf = String::new();
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + timeout;
    while out.len() < n {
        let chunk = match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(Ok(c))) => c,
            _ => break,
        };
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let (mut id, mut event, mut data) = (None, String::new(), String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().parse().ok();
                } else if let Some(v) = line.strip_prefix("event:") {
                    event = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if let Some(id) = id {
                out.push((
                    id,
                    event,
                    serde_json::from_str(&data).unwrap_or(Value::Null),
                ));
            }
        }
    }
    out
}

/// The `rounds-server` binary built beside the test binaries (`target/<profile>/rounds-server`).
/// The README's test command builds it first; a missing binary fails loudly.
pub fn server_bin() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let bin = profile_dir.join(format!("rounds-server{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p rounds-server` first",
        bin.display()
    );
    bin
}

/// A `rounds-server serve` child process, killed when dropped.
pub struct ServerProcess {
    pub child: std::process::Child,
    pub base: String,
}

impl ServerProcess {
    /// Starts `rounds-server serve --data DIR --listen 127.0.0.1:0` and waits for its
    /// `listening on` line.
    pub fn start(data: &std::path::Path) -> Self {
        Self::start_on(data, "127.0.0.1:0")
    }

    /// Starts the server on `listen`, for a test that restarts it on the same address.
    pub fn start_on(data: &std::path::Path, listen: &str) -> Self {
        use std::io::BufRead;
        let mut child = std::process::Command::new(server_bin())
            .args(["serve", "--data"])
            .arg(data)
            .args(["--listen", listen])
            .env("ROUNDS_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .unwrap();
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_owned();
        ServerProcess { child, base }
    }

    pub fn api(&self) -> Api {
        Api {
            http: reqwest::Client::new(),
            base: self.base.clone(),
            token: None,
        }
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
        #[cfg(unix)]
        {
            let _ = std::process::Command::new("kill")
                .arg("-TERM")
                .arg(self.child.id().to_string())
                .status();
        }
        #[cfg(not(unix))]
        {
            let _ = self.child.kill();
        }
        self.child.wait().unwrap()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `rounds-server ARGS` with `stdin` and returns (success, stdout, stderr).
pub fn server_cmd(args: &[&str], stdin: &str) -> (bool, String, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(server_bin())
        .args(args)
        .env("ROUNDS_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A command that fails on its arguments exits without reading stdin: a broken pipe here
    // is expected then, and the exit status tells the rest.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
pub mod client;

/// A webhook receiver for the outgoing alerts (WeCom, DingTalk, signed webhooks).
pub mod webhook {
    use std::sync::{Arc, Mutex};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[derive(Debug, Clone)]
    pub struct Received {
        pub target: String,
        pub headers: Vec<(String, String)>,
        pub body: String,
    }

    /// A tiny HTTP receiver: records every request; answers 500 to the first `fail_first`.
    pub async fn receiver(fail_first: usize) -> (String, Arc<Mutex<Vec<Received>>>) {
        receiver_holding(fail_first, None).await
    }

    /// Like [`receiver`]; with `hold`, the answer to the first request waits until `hold` is
    /// notified (the request is recorded at once).
    pub async fn receiver_holding(
        fail_first: usize,
        hold: Option<Arc<tokio::sync::Notify>>,
    ) -> (String, Arc<Mutex<Vec<Received>>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::<Received>::new()));
        let l = log.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let l = l.clone();
                let hold = hold.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    let (head_end, len) = loop {
                        let n = sock.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&buf[..pos]).to_string();
                            let len = head
                                .lines()
                                .find_map(|l| {
                                    let (k, v) = l.split_once(':')?;
                                    k.eq_ignore_ascii_case("content-length")
                                        .then(|| v.trim().parse::<usize>().ok())?
                                })
                                .unwrap_or(0);
                            break (pos + 4, len);
                        }
                    };
                    while buf.len() < head_end + len {
                        let n = sock.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                    let mut lines = head.lines();
                    let target = lines
                        .next()
                        .unwrap_or("")
                        .split(' ')
                        .nth(1)
                        .unwrap_or("")
                        .to_owned();
                    let headers = lines
                        .filter_map(|l| l.split_once(':'))
                        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                        .collect();
                    let body = String::from_utf8_lossy(&buf[head_end..]).to_string();
                    let n = {
                        let mut log = l.lock().unwrap();
                        log.push(Received {
                            target,
                            headers,
                            body,
                        });
                        log.len()
                    };
                    if let Some(hold) = hold.filter(|_| n == 1) {
                        hold.notified().await;
                    }
                    let (status, text) = if n <= fail_first {
                        ("500 Internal Server Error", "{\"errcode\":1}")
                    } else {
                        ("200 OK", "{\"errcode\":0,\"errmsg\":\"ok\"}")
                    };
                    let resp = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                        text.len()
                    );
                    let _ = sock.write_all(resp.as_bytes()).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        (base, log)
    }
}
