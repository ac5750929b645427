//! Helpers for the end-to-end tests of the offline client (`rounds-app`, `rounds-sync`,
//! `rounds-store` and the `rounds` binary) against the real server.
//!
//! - [`Profile`]: a temporary profile directory opened with [`App`], signed in with the file
//!   token store (the OS keychain is tested on its own, through the CLI).
//! - [`rounds`] and friends: the `rounds` binary as a child process, never blocking the test's
//!   runtime (the in-process server shares it).
//! - [`CutProxy`]: a TCP proxy that can cut a request part-way or lose the answer, for
//!   interrupted uploads that do not depend on timing.
//! - [`ServerView`] and [`LocalView`]: everything the server holds (pulled as admin) and
//!   everything a local cache holds (read with rusqlite), to compare them exactly.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rounds_app::App;
use rounds_app::credentials::TokenStoreKind;
use rounds_core::model::{
    Channel, Comment, MaintenanceType, Severity, Ticket, TicketDraft, UserPublic, WorkType,
};
use rounds_store::{OutboxEntry, TicketView};
use serde_json::Value;
use tempfile::TempDir;
use uuid::Uuid;

use crate::{Api, PASSWORD, TestServer};

/// The `rounds` binary built beside the test binaries (`target/<profile>/rounds`). The
/// README's test command builds it first; a missing binary fails loudly.
pub fn rounds_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let bin = profile_dir.join(format!("rounds{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p rounds-cli` first",
        bin.display()
    );
    bin
}

/// A seeded server database (see [`TestServer::seed`]) that is not being served: its data
/// directory is `dir.path().join("data")`, ready for [`crate::ServerProcess::start`]. The
/// seeded users' tokens stay valid there, so tests need not sign in again.
pub async fn seeded_data() -> (Arc<TempDir>, Tokens) {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let tokens = Tokens(
        h.users
            .iter()
            .map(|(name, user, api)| (name.clone(), (user.clone(), api.token.clone().unwrap())))
            .collect(),
    );
    (server.stop().await, tokens)
}

/// The seeded users' tokens, to build an [`Api`] for any address of the same database.
#[derive(Clone, Debug)]
pub struct Tokens(BTreeMap<String, (UserPublic, String)>);

impl Tokens {
    pub fn api(&self, base: &str, name: &str) -> Api {
        Api {
            http: reqwest::Client::new(),
            base: base.to_owned(),
            token: Some(self.get(name).1.clone()),
        }
    }
    fn get(&self, name: &str) -> &(UserPublic, String) {
        self.0
            .get(name)
            .unwrap_or_else(|| panic!("no seeded user {name}"))
    }
}

/// A temporary directory on `/dev/shm` if it can be made there, else the default one.
pub fn fast_tempdir() -> TempDir {
    tempfile::tempdir_in("/dev/shm").unwrap_or_else(|_| tempfile::tempdir().unwrap())
}

/// A new ticket's fields.
pub fn draft(title: &str, campus: &str, department: &str, severity: u8) -> TicketDraft {
    TicketDraft {
        id: None,
        title: title.into(),
        description: String::new(),
        campus: campus.into(),
        department: department.into(),
        location: None,
        severity: Severity::new(severity).unwrap(),
        assignee: None,
        work_type: WorkType::DailyOps,
        maintenance_type: MaintenanceType::Corrective,
        channel: Channel::Desktop,
        attachments: Vec::new(),
    }
}

/// A temporary client profile opened through [`App`].
pub struct Profile {
    // Before `dir`: the cache closes before its files go.
    pub app: Arc<App>,
    pub dir: TempDir,
}

impl Default for Profile {
    fn default() -> Self {
        Self::new()
    }
}

impl Profile {
    pub fn new() -> Self {
        Self::open(tempfile::tempdir().unwrap())
    }

    /// A profile in memory-backed storage where there is some (`/dev/shm`): for tests that
    /// queue thousands of ops, each of which the cache syncs to disk before returning. Killing
    /// a process loses nothing the kernel already has, so such tests lose no meaning.
    pub fn in_memory() -> Self {
        Self::open(fast_tempdir())
    }

    fn open(dir: TempDir) -> Self {
        let app = App::open(dir.path()).unwrap();
        Profile { app, dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Signs in with the seeded password and the file token store; panics on failure.
    pub async fn login(&self, base: &str, username: &str) -> UserPublic {
        self.app
            .login(base, username, PASSWORD, TokenStoreKind::File)
            .await
            .unwrap_or_else(|e| panic!("login {username} at {base}: {e:?}"))
    }

    /// Points the profile at another address of the same server (a restarted
    /// `rounds-server` listens on a new port); the session is kept.
    pub async fn point_to(&self, base: &str) {
        let base = base.to_owned();
        self.app
            .local()
            .call(move |s| s.set_meta("server", Some(&base)))
            .await
            .unwrap();
    }

    /// The saved session token (file token store).
    pub fn token(&self) -> String {
        std::fs::read_to_string(self.path().join("session-token"))
            .unwrap()
            .trim()
            .to_owned()
    }

    pub async fn view(&self, id: Uuid) -> TicketView {
        self.app
            .ticket(&id.to_string())
            .await
            .unwrap_or_else(|e| panic!("local ticket {id}: {e:?}"))
    }

    pub async fn outbox(&self) -> Vec<OutboxEntry> {
        self.app.local().call(|s| s.outbox()).await.unwrap()
    }

    pub async fn create(&self, d: TicketDraft) -> Ticket {
        self.app.ticket_create(d).await.unwrap()
    }

    pub async fn comment(&self, id: Uuid, body: &str, internal: bool) -> Comment {
        self.app
            .comment_add(id, body.to_owned(), internal)
            .await
            .unwrap()
    }
}

/// What a `rounds` child process did.
#[derive(Debug)]
pub struct Output {
    /// `None` when a signal ended it.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    #[track_caller]
    pub fn expect(&self, code: i32, what: &str) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "{what}: exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Stdout as JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", self.stdout, self.stderr))
    }
}

/// `rounds --profile DIR`, with piped output, no stdin, and an environment that cannot
/// reach a real user's profile.
pub fn rounds_command(profile: &Path) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(rounds_bin());
    c.arg("--profile")
        .arg(profile)
        .env_remove("ROUNDS_PROFILE")
        .env("ROUNDS_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    c
}

/// Runs a prepared command to its end, writing `stdin` first if given.
pub async fn run(mut cmd: tokio::process::Command, stdin: Option<&str>) -> Output {
    use tokio::io::AsyncWriteExt;
    if stdin.is_some() {
        cmd.stdin(std::process::Stdio::piped());
    }
    let mut child = cmd.spawn().expect("spawning rounds");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        // A command that fails early may not read it; its exit status tells.
        let _ = pipe.write_all(input.as_bytes()).await;
        drop(pipe);
    }
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("rounds did not finish within 60 s")
        .unwrap();
    Output {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `rounds --profile DIR ARGS...`.
pub async fn rounds(profile: &Path, args: &[&str]) -> Output {
    let mut c = rounds_command(profile);
    c.args(args);
    run(c, None).await
}

/// `rounds login` with the seeded password on stdin.
pub async fn rounds_login(profile: &Path, base: &str, username: &str, store: &str) -> Output {
    let mut c = rounds_command(profile);
    c.args([
        "login",
        "--server",
        base,
        "--username",
        username,
        "--token-store",
        store,
    ]);
    run(c, Some(&format!("{PASSWORD}\n"))).await
}

/// Waits until `check` is true, polling every 20 ms; panics after `timeout`.
pub async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if check().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Everything a user may see on the server, by pulling from 0: each ticket and comment once.
#[derive(Debug, Default)]
pub struct ServerView {
    pub tickets: BTreeMap<Uuid, Ticket>,
    pub comments: BTreeMap<Uuid, Comment>,
}

impl ServerView {
    /// Pulls every change visible to `api`'s user. The compacted log holds one row per
    /// entity, so an id seen twice is a duplicate on the server and fails here.
    pub async fn pull(api: &Api) -> ServerView {
        let (changes, _) = api.pull_all(0, 5000).await;
        let mut v = ServerView::default();
        for c in changes {
            match c["kind"].as_str().unwrap() {
                "ticket" => {
                    let t: Ticket = serde_json::from_value(c["data"].clone()).unwrap();
                    assert!(
                        v.tickets.insert(t.id, t).is_none(),
                        "ticket pulled twice: {c}"
                    );
                }
                "comment" => {
                    let cm: Comment = serde_json::from_value(c["data"].clone()).unwrap();
                    assert!(
                        v.comments.insert(cm.id, cm).is_none(),
                        "comment pulled twice: {c}"
                    );
                }
                _ => {}
            }
        }
        v
    }

    pub fn comments_of(&self, ticket: Uuid) -> BTreeMap<Uuid, Comment> {
        self.comments
            .iter()
            .filter(|(_, c)| c.ticket_id == ticket)
            .map(|(k, c)| (*k, c.clone()))
            .collect()
    }
}

/// `GET /api/v1/tickets/{id}` as a [`Ticket`].
pub async fn server_ticket(api: &Api, id: Uuid) -> Ticket {
    let (s, body) = api.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(s.as_u16(), 200, "GET ticket {id}: {body}");
    serde_json::from_value(body).unwrap()
}

/// `GET /api/v1/tickets/{id}/comments`, by id.
pub async fn server_comments(api: &Api, id: Uuid) -> BTreeMap<Uuid, Comment> {
    let (s, body) = api.get(&format!("/api/v1/tickets/{id}/comments")).await;
    assert_eq!(s.as_u16(), 200, "GET comments of {id}: {body}");
    let items: Vec<Comment> = serde_json::from_value(body["items"].clone()).unwrap();
    let n = items.len();
    let map: BTreeMap<Uuid, Comment> = items.into_iter().map(|c| (c.id, c)).collect();
    assert_eq!(map.len(), n, "duplicate comment ids on {id}");
    map
}

/// Opens a profile's `cache.db` read-only (the client may have it open).
pub fn cache_db(profile: &Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open_with_flags(
        profile.join(rounds_store::DB_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    c.busy_timeout(Duration::from_secs(10)).unwrap();
    c
}

/// Everything a local cache holds, read straight from its SQLite file.
#[derive(Debug, Default)]
pub struct LocalView {
    /// What the user sees (`data`).
    pub tickets: BTreeMap<Uuid, Ticket>,
    pub comments: BTreeMap<Uuid, Comment>,
    pub outbox: usize,
    pub conflicts: usize,
}

impl LocalView {
    pub fn read(profile: &Path) -> LocalView {
        let db = cache_db(profile);
        let mut v = LocalView::default();
        let mut st = db.prepare("SELECT data FROM tickets").unwrap();
        for row in st.query_map([], |r| r.get::<_, String>(0)).unwrap() {
            let t: Ticket = serde_json::from_str(&row.unwrap()).unwrap();
            v.tickets.insert(t.id, t);
        }
        let mut st = db.prepare("SELECT data FROM comments").unwrap();
        for row in st.query_map([], |r| r.get::<_, String>(0)).unwrap() {
            let c: Comment = serde_json::from_str(&row.unwrap()).unwrap();
            v.comments.insert(c.id, c);
        }
        let count = |sql: &str| db.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() as usize;
        v.outbox = count("SELECT count(*) FROM outbox");
        v.conflicts = count("SELECT count(*) FROM conflicts");
        v
    }
}

/// How many ops wait in a profile's outbox.
pub fn outbox_len(profile: &Path) -> usize {
    cache_db(profile)
        .query_row("SELECT count(*) FROM outbox", [], |r| r.get::<_, i64>(0))
        .unwrap() as usize
}

/// A value from a profile's `meta` table.
pub fn cache_meta(profile: &Path, key: &str) -> Option<String> {
    use rusqlite::OptionalExtension;
    cache_db(profile)
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()
        .unwrap()
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

pub fn bytes_contain(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// What [`CutProxy`] does to the connections it accepts from now on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyMode {
    /// Forwards both ways.
    Pass,
    /// Forwards at most this many bytes of each request stream, then drops the connection:
    /// the server never receives the whole request.
    CutRequestsAfter(usize),
    /// Forwards requests whole but drops the connection as soon as the server answers: the
    /// server did the work, the client never learns it.
    DropAnswers,
}

/// A TCP proxy in front of a server, to interrupt uploads deterministically.
pub struct CutProxy {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    mode: Arc<Mutex<ProxyMode>>,
    task: tokio::task::JoinHandle<()>,
}

impl CutProxy {
    /// Starts a proxy to `target` (`http://HOST:PORT`).
    pub async fn start(target: &str, mode: ProxyMode) -> CutProxy {
        let upstream = target
            .strip_prefix("http://")
            .expect("an http:// address")
            .trim_end_matches('/')
            .to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mode = Arc::new(Mutex::new(mode));
        let m = mode.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let mode = *m.lock().unwrap();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    if let Ok(server) = tokio::net::TcpStream::connect(&upstream).await {
                        relay(client, server, mode).await;
                    }
                });
            }
        });
        CutProxy { base, mode, task }
    }

    pub fn set(&self, mode: ProxyMode) {
        *self.mode.lock().unwrap() = mode;
    }
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Relays one connection; when either direction ends (or is cut) both sockets are dropped.
async fn relay(client: tokio::net::TcpStream, server: tokio::net::TcpStream, mode: ProxyMode) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let up = async {
        let mut buf = vec![0u8; 16 * 1024];
        let mut sent = 0usize;
        loop {
            let n = match cr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let n = match mode {
                ProxyMode::CutRequestsAfter(limit) => n.min(limit - sent),
                _ => n,
            };
            if sw.write_all(&buf[..n]).await.is_err() {
                return;
            }
            sent += n;
            if matches!(mode, ProxyMode::CutRequestsAfter(limit) if sent >= limit) {
                return;
            }
        }
    };
    let down = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match sr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if mode == ProxyMode::DropAnswers {
                return;
            }
            if cw.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
}
