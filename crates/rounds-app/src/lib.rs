//! `rounds-app`: the one API the desktop shell and the `rounds` CLI call.
//!
//! It owns a profile (a directory with the local cache and, where asked, the token file), the
//! session, and the background sync task. It has no Tauri dependency.
//!
//! Invariants:
//! - Reads and writes go to the local store only; nothing here waits for the network except
//!   [`App::login`], [`App::logout`] and [`App::sync_now`]. A change is durable locally before
//!   the call that made it returns.
//! - The session token is kept by [`credentials::TokenStore`], never in the cache.
//! - At most one sync runs at a time per profile.
//! - Every failure reaches callers as [`AppError`]: a stable `code` and a human `message`.

pub mod background;
pub mod credentials;
mod oncall;

/// What deserves a desktop notification; the rule lives in `rounds-core` and the sync
/// applies it to every pulled page ([`App::notices`]).
pub use rounds_core::notices;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rounds_core::merge::TicketPatch;
use rounds_core::model::{Comment, Status, Ticket, TicketDraft, UserPublic};
use rounds_core::wire::OpKind;
use rounds_store::{Conflict, Store, StoreError, TicketFilter, TicketPage, TicketRow, TicketView};
use rounds_sync::run::{Local, RunError, SyncReport};
use rounds_sync::{Client, SyncError};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::credentials::{CredentialError, Secret, TokenStore, TokenStoreKind};

/// Tickets indexed per store call when working off the search backlog
/// ([`App::index_backlog`]): about a tenth of a second on a slow laptop, the longest a UI
/// read waits behind it.
pub const INDEX_SLICE: usize = 1000;

/// Stable error codes for callers to branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AppErrorCode {
    /// The server cannot be reached; the change is kept and will sync later.
    Offline,
    /// The session is missing, expired or revoked: sign in again. Pending work is kept.
    Unauthorized,
    NotSignedIn,
    /// No OS keychain; `--token-store file` is the explicit alternative.
    NoKeychain,
    Validation,
    Forbidden,
    NotFound,
    InvalidTransition,
    Conflict,
    Locked,
    Server,
    /// The local cache or file system failed.
    Local,
    /// The disk holding the profile is full: the change was not saved, nothing saved before
    /// was lost.
    DiskFull,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: AppErrorCode,
    pub message: String,
}

impl AppError {
    pub fn new(code: AppErrorCode, message: impl Into<String>) -> Self {
        AppError {
            code,
            message: message.into(),
        }
    }
}

/// A client for `server` without a session, for checking an address before sign-in.
pub fn server_client(server: &str) -> AppResult<Client> {
    Client::new(server).map_err(|e| AppError::new(AppErrorCode::Validation, e.to_string()))
}

/// Checks a file before it is kept as an attachment, by the rule the server applies
/// ([`rounds_core::attachment::check`], at the server's default size limit). An attachment kept
/// here must upload later: a refused upload holds back the tickets that use it.
pub fn check_attachment(bytes: &[u8], content_type: &str) -> AppResult<()> {
    use rounds_core::attachment::{DEFAULT_MAX_BYTES, check};
    check(content_type, bytes, DEFAULT_MAX_BYTES)
        .map_err(|e| AppError::new(AppErrorCode::Validation, e.to_string()))
}

fn code_of(server_code: &str) -> AppErrorCode {
    match server_code {
        "validation"
        | "invalid_request"
        | "malformed_json"
        | "payload_too_large"
        | "unsupported_media_type" => AppErrorCode::Validation,
        "forbidden" => AppErrorCode::Forbidden,
        "not_found" => AppErrorCode::NotFound,
        "invalid_transition" => AppErrorCode::InvalidTransition,
        "conflict" => AppErrorCode::Conflict,
        "unauthorized" => AppErrorCode::Unauthorized,
        "locked" => AppErrorCode::Locked,
        _ => AppErrorCode::Server,
    }
}

fn store_code(e: &StoreError) -> AppErrorCode {
    match e {
        StoreError::Refused(d) => code_of(d.code.as_str()),
        StoreError::NotSignedIn => AppErrorCode::NotSignedIn,
        StoreError::DiskFull => AppErrorCode::DiskFull,
        _ => AppErrorCode::Local,
    }
}

fn sync_code(e: &SyncError) -> AppErrorCode {
    match e {
        SyncError::Offline(_) => AppErrorCode::Offline,
        SyncError::Unauthorized(_) => AppErrorCode::Unauthorized,
        SyncError::Rejected { code, .. } => code_of(code),
        SyncError::Server { .. } => AppErrorCode::Server,
        SyncError::Locked { .. } => AppErrorCode::Locked,
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        let code = store_code(&e);
        match e {
            StoreError::Refused(d) => AppError::new(code, d.message),
            other => AppError::new(code, other.to_string()),
        }
    }
}

impl From<SyncError> for AppError {
    fn from(e: SyncError) -> Self {
        AppError::new(sync_code(&e), e.to_string())
    }
}

impl From<RunError> for AppError {
    fn from(e: RunError) -> Self {
        match e {
            RunError::Sync(s) => s.into(),
            RunError::Store(s) => s.into(),
        }
    }
}

impl AppError {
    /// What a failed sync leaves in the status: the code the caller of `sync_now` got, and
    /// the error's own words.
    fn of_run(e: &RunError) -> AppError {
        let code = match e {
            RunError::Sync(s) => sync_code(s),
            RunError::Store(s) => store_code(s),
        };
        AppError::new(code, e.to_string())
    }

    /// The status's last error as the profile keeps it (`AppError` as JSON). A profile from
    /// before the code was kept holds the message alone.
    fn from_meta(text: String) -> AppError {
        serde_json::from_str(&text).unwrap_or_else(|_| AppError::new(AppErrorCode::Local, text))
    }
}

impl From<CredentialError> for AppError {
    fn from(e: CredentialError) -> Self {
        let code = match e {
            CredentialError::NoKeychain(_) => AppErrorCode::NoKeychain,
            _ => AppErrorCode::Local,
        };
        AppError::new(code, e.to_string())
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// The directory as the cache holds it, for pickers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Directory {
    pub campuses: Vec<rounds_core::model::Campus>,
    pub departments: Vec<rounds_core::model::Department>,
    pub users: Vec<UserPublic>,
}

/// One status move a user may make, and whether it needs a written reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TransitionOption {
    pub to: Status,
    pub reason_required: bool,
}

/// What a user may do to a ticket, as buttons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TicketActions {
    pub transitions: Vec<TransitionOption>,
    /// Edit title, description, location and the type fields.
    pub can_edit: bool,
    /// Set the assignee and the fault level.
    pub can_assign: bool,
    /// Write and read internal notes.
    pub can_internal: bool,
}

impl TicketActions {
    pub fn for_user(me: &UserPublic, t: &Ticket) -> TicketActions {
        use rounds_core::perm::{Action, Actor, Scope, decide};
        let actor = Actor {
            user_id: me.id,
            role: me.role,
            campus: me.campus.clone(),
            department: me.department.clone(),
        };
        let scope = Scope::from(t);
        let may = |a: Action<'_>| decide(&actor, a, scope).is_ok();
        let transitions = rounds_core::status::TRANSITIONS
            .iter()
            .filter(|r| r.from == t.status)
            .filter(|r| {
                may(Action::Transition {
                    to: r.to,
                    reason: Some("-"),
                })
            })
            .map(|r| TransitionOption {
                to: r.to,
                reason_required: r.reason_required,
            })
            .collect();
        TicketActions {
            transitions,
            can_edit: may(Action::EditDetails),
            can_assign: may(Action::Assign { to: Some(me.id) }),
            can_internal: may(Action::Comment { internal: true }),
        }
    }
}

/// How to queue a refused op again ([`App::conflict_retry`]); the default is as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Retry {
    /// A new target status, for a transition.
    pub to: Option<Status>,
    /// A new body, for a comment.
    pub body: Option<String>,
    /// Leave out the attachment the server refused ([`Conflict::attachment`]).
    pub without_attachment: bool,
}

impl Retry {
    /// Edits a refused op as asked; `refused` is the attachment the server refused, if that
    /// is why.
    fn apply(self, refused: Option<&str>, kind: &mut OpKind) {
        if self.without_attachment
            && let Some(sha) = refused
        {
            kind.drop_attachment(sha);
        }
        match kind {
            OpKind::TicketTransition { to, .. } => *to = self.to.unwrap_or(*to),
            OpKind::CommentAdd { body, .. } => {
                if let Some(new) = self.body {
                    *body = new;
                }
            }
            OpKind::TicketCreate { .. } | OpKind::TicketUpdate { .. } => {}
        }
    }
}

/// What the status bar and `rounds status` show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncStatus {
    pub server: Option<String>,
    /// The last user signed in to this profile; kept after signing out, because the cache
    /// and any pending work are theirs.
    pub user: Option<UserPublic>,
    /// A session is held: false after signing out, until the next sign-in. A refused session
    /// is still held (see `unauthorized`).
    pub signed_in: bool,
    /// `None` until the first attempt to reach the server.
    pub online: Option<bool>,
    pub syncing: bool,
    /// The session was refused: sign in again (pending work is kept).
    pub unauthorized: bool,
    pub pending_ops: usize,
    pub conflicts: usize,
    pub last_sync: Option<DateTime<Utc>>,
    /// Why the last sync failed, until one succeeds: the UI words it by its code.
    pub last_error: Option<AppError>,
    /// Tickets a first sync stored that the search index has not reached yet
    /// ([`App::index_backlog`]); a search made meanwhile waits for them.
    pub search_backlog: usize,
}

#[derive(Debug, Default)]
struct Runtime {
    online: Option<bool>,
    syncing: bool,
    unauthorized: bool,
}

/// One profile, open.
pub struct App {
    dir: PathBuf,
    local: Local,
    runtime: std::sync::Mutex<Runtime>,
    sync_lock: tokio::sync::Mutex<()>,
    /// Wakes the background task (a local change to push, a server event to pull).
    kick: tokio::sync::Notify,
    /// Wakes the background indexer after a sync attempt, which may have left a search
    /// backlog.
    synced: tokio::sync::Notify,
    notices: tokio::sync::broadcast::Sender<notices::Notice>,
    /// Bumped at every sign-in and sign-out, so the event stream reconnects as the new user.
    session: tokio::sync::watch::Sender<u64>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("dir", &self.dir).finish()
    }
}

fn meta_time(s: Option<String>) -> Option<DateTime<Utc>> {
    s.and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map(|d| d.with_timezone(&Utc))
}

impl App {
    /// Opens the profile in `dir`, creating it if needed.
    pub fn open(dir: &Path) -> AppResult<Arc<App>> {
        let store = Store::open(dir)?;
        if store.meta("profile_id")?.is_none() {
            store.set_meta("profile_id", Some(&Uuid::now_v7().to_string()))?;
        }
        Ok(Arc::new(App {
            dir: dir.to_owned(),
            local: Local::new(store),
            runtime: Default::default(),
            sync_lock: tokio::sync::Mutex::new(()),
            kick: tokio::sync::Notify::new(),
            synced: tokio::sync::Notify::new(),
            notices: tokio::sync::broadcast::channel(64).0,
            session: tokio::sync::watch::channel(0).0,
        }))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn local(&self) -> &Local {
        &self.local
    }

    async fn token_store(&self, kind: Option<TokenStoreKind>) -> AppResult<TokenStore> {
        let (id, saved) = self
            .local
            .call(|s| Ok((s.meta("profile_id")?, s.meta("token_store")?)))
            .await?;
        let kind = match kind {
            Some(k) => k,
            None => saved
                .as_deref()
                .unwrap_or("keychain")
                .parse()
                .map_err(|e: String| AppError::new(AppErrorCode::Local, e))?,
        };
        Ok(match kind {
            TokenStoreKind::Keychain => TokenStore::Keychain {
                service: format!("rounds.{}", id.unwrap_or_default()),
            },
            TokenStoreKind::File => TokenStore::File {
                path: self.dir.join("session-token"),
            },
        })
    }

    /// The server client with the saved session, or `not_signed_in`.
    pub async fn client(&self) -> AppResult<Client> {
        let server = self.local.call(|s| s.meta("server")).await?;
        let server = server.ok_or_else(|| {
            AppError::new(
                AppErrorCode::NotSignedIn,
                "not signed in: run `rounds login` first",
            )
        })?;
        let store = self.token_store(None).await?;
        let token = tokio::task::spawn_blocking(move || store.load())
            .await
            .map_err(|e| AppError::new(AppErrorCode::Local, e.to_string()))??
            .ok_or_else(|| {
                AppError::new(
                    AppErrorCode::NotSignedIn,
                    "not signed in: run `rounds login` first",
                )
            })?;
        let client = Client::new(&server)
            .map_err(|e| AppError::new(AppErrorCode::Validation, e.to_string()))?;
        Ok(client.with_token(token.expose()))
    }

    /// Signs in online, keeps the token in the chosen store and remembers the user, so the
    /// profile works offline from then on.
    pub async fn login(
        &self,
        server: &str,
        username: &str,
        password: &str,
        store: TokenStoreKind,
    ) -> AppResult<UserPublic> {
        let tokens = self.token_store(Some(store)).await?;
        let probe = tokens.clone();
        tokio::task::spawn_blocking(move || probe.probe())
            .await
            .map_err(|e| AppError::new(AppErrorCode::Local, e.to_string()))??;
        let client = Client::new(server)
            .map_err(|e| AppError::new(AppErrorCode::Validation, e.to_string()))?;
        let answer = client.login(username, password).await?;
        let user = answer.user.clone();
        let previous = self.local.call(|s| s.me()).await?;
        if previous.as_ref().is_some_and(|p| p.id != user.id) {
            // Another person's cache must not be shown to this one. Their refused changes are
            // theirs too: shown to this user they leak (a note, another department's ticket),
            // and retried they would be pushed under this user's name.
            let (pending, refused) = self
                .local
                .call(|s| Ok((s.outbox_len()?, s.conflicts()?.len())))
                .await?;
            if pending > 0 || refused > 0 {
                return Err(AppError::new(
                    AppErrorCode::Conflict,
                    format!(
                        "this profile holds {pending} unsynced and {refused} refused changes of another user; sync, retry or discard them, or use another --profile"
                    ),
                ));
            }
            self.local.call(|s| s.reset_server_state()).await?;
        }
        let token = Secret::new(answer.token);
        let saver = tokens.clone();
        tokio::task::spawn_blocking(move || saver.save(&token))
            .await
            .map_err(|e| AppError::new(AppErrorCode::Local, e.to_string()))??;
        let (server, kind, u) = (client.base_url().to_owned(), store, user.clone());
        let events_from = answer.events_from;
        self.local
            .call(move |s| {
                s.set_meta("server", Some(&server))?;
                s.set_meta(
                    "token_store",
                    Some(match kind {
                        TokenStoreKind::Keychain => "keychain",
                        TokenStoreKind::File => "file",
                    }),
                )?;
                s.set_me(Some(&u))?;
                s.set_meta("session_refused", None)?;
                s.set_meta("signed_out", None)?;
                // A first sync's changes up to here are history; later ones are news.
                s.set_news_from(events_from)
            })
            .await?;
        {
            let mut rt = self.runtime.lock().unwrap_or_else(|p| p.into_inner());
            rt.unauthorized = false;
            rt.online = Some(true);
        }
        self.session_changed();
        self.kick.notify_one();
        Ok(user)
    }

    /// Signs out: revokes the token on the server when reachable and forgets it here. The
    /// cache and any pending work stay.
    pub async fn logout(&self) -> AppResult<()> {
        if let Ok(client) = self.client().await
            && let Err(e) = client.logout().await
        {
            tracing::info!(error = %e, "logout: the server could not be told; the token is forgotten locally");
        }
        let store = self.token_store(None).await?;
        tokio::task::spawn_blocking(move || store.clear())
            .await
            .map_err(|e| AppError::new(AppErrorCode::Local, e.to_string()))??;
        // Remembered in the profile: the signed-in user is kept (their cache stays), so the
        // status needs to say that nobody is signed in, in this process and the next.
        self.local
            .call(|s| s.set_meta("signed_out", Some("1")))
            .await?;
        self.session_changed();
        Ok(())
    }

    // ---- local work ----------------------------------------------------------------------

    pub async fn ticket_create(&self, draft: TicketDraft) -> AppResult<Ticket> {
        let t = self
            .local
            .call(move |s| s.ticket_create(draft, Utc::now()))
            .await?;
        self.kick.notify_one();
        Ok(t)
    }

    pub async fn ticket_update(&self, id: Uuid, patch: TicketPatch) -> AppResult<Ticket> {
        let t = self
            .local
            .call(move |s| s.ticket_update(id, patch, Utc::now()))
            .await?;
        self.kick.notify_one();
        Ok(t)
    }

    pub async fn ticket_transition(
        &self,
        id: Uuid,
        to: Status,
        reason: Option<String>,
    ) -> AppResult<Ticket> {
        let t = self
            .local
            .call(move |s| s.ticket_transition(id, to, reason, Utc::now()))
            .await?;
        self.kick.notify_one();
        Ok(t)
    }

    pub async fn comment_add(&self, id: Uuid, body: String, internal: bool) -> AppResult<Comment> {
        let c = self
            .local
            .call(move |s| s.comment_add(id, body, internal, Utc::now()))
            .await?;
        self.kick.notify_one();
        Ok(c)
    }

    /// Copies a file into the profile for attaching, after [`check_attachment`]; returns its
    /// SHA-256.
    pub async fn attachment_add(
        &self,
        bytes: Vec<u8>,
        content_type: String,
        filename: Option<String>,
    ) -> AppResult<String> {
        check_attachment(&bytes, &content_type)?;
        let info = self
            .local
            .call(move |s| s.attachment_add(&bytes, &content_type, filename.as_deref()))
            .await?;
        Ok(info.sha256)
    }

    /// An attachment's bytes and content type: from the profile when cached, otherwise
    /// downloaded once and kept (attachments are content-addressed, so a cached copy never
    /// goes stale).
    pub async fn attachment_bytes(&self, sha256: &str) -> AppResult<(Vec<u8>, String)> {
        let sha = sha256.to_ascii_lowercase();
        if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AppError::new(
                AppErrorCode::Validation,
                format!("`{sha256}` is not a SHA-256 digest"),
            ));
        }
        let key = sha.clone();
        let cached = self
            .local
            .call(move |s| {
                let Some(info) = s.attachment(&key)? else {
                    return Ok(None);
                };
                Ok(std::fs::read(s.attachment_path(&key))
                    .ok()
                    .map(|b| (b, info.content_type)))
            })
            .await?;
        if let Some(found) = cached {
            return Ok(found);
        }
        let bytes = self.client().await?.download_attachment(&sha).await?;
        let content_type =
            rounds_core::attachment::detect(&bytes).unwrap_or("application/octet-stream");
        let (b, ct, want) = (bytes.clone(), content_type.to_owned(), sha.clone());
        self.local
            .call(move |s| {
                let info = s.attachment_add(&b, &ct, None)?;
                if info.sha256 != want {
                    return Err(StoreError::Io(format!(
                        "the server sent other bytes for attachment {want}"
                    )));
                }
                s.attachment_uploaded(&want)
            })
            .await?;
        Ok((bytes, content_type.to_owned()))
    }

    pub async fn tickets(&self, filter: TicketFilter) -> AppResult<Vec<TicketRow>> {
        Ok(self.local.call(move |s| s.tickets(&filter)).await?)
    }

    /// One page of the ticket list (filters, search query `q`, sort, offset and limit) with
    /// the number of matching tickets; search results carry highlighted snippets.
    pub async fn ticket_page(&self, filter: TicketFilter) -> AppResult<TicketPage> {
        Ok(self.local.call(move |s| s.ticket_page(&filter)).await?)
    }

    /// Rebuilds the local search index; returns the number of tickets indexed.
    pub async fn search_rebuild(&self) -> AppResult<usize> {
        Ok(self.local.call(|s| s.search_rebuild()).await?)
    }

    /// Indexes the tickets a long pull left for the search index ([`Store::bulk_pull`]), a
    /// slice of [`INDEX_SLICE`] at a time so that the UI's reads and saves go in between;
    /// returns how many were indexed. A search does not wait for this: it indexes what is
    /// left first.
    pub async fn index_backlog(&self) -> AppResult<usize> {
        let mut left = self.local.call(|s| s.search_backlog()).await?;
        let mut done = 0;
        while left > 0 {
            let now = self.local.call(|s| s.index_backlog(INDEX_SLICE)).await?;
            done += left.saturating_sub(now);
            left = now;
        }
        Ok(done)
    }

    /// A ticket by its id or its number.
    pub async fn ticket(&self, id_or_number: &str) -> AppResult<TicketView> {
        let key = id_or_number.to_owned();
        let view = self
            .local
            .call(move |s| match s.resolve(&key)? {
                Some(id) => s.ticket(id),
                None => Ok(None),
            })
            .await?;
        view.ok_or_else(|| {
            AppError::new(
                AppErrorCode::NotFound,
                format!("no ticket {id_or_number} in the local cache"),
            )
        })
    }

    pub async fn me(&self) -> AppResult<Option<UserPublic>> {
        Ok(self.local.call(|s| s.me()).await?)
    }

    // ---- sync -----------------------------------------------------------------------------

    /// One full push and pull now. Fails with `offline`, `unauthorized`... and keeps every
    /// pending op when it does.
    pub async fn sync_now(&self) -> AppResult<SyncReport> {
        let _one = self.sync_lock.lock().await;
        let client = self.client().await?;
        self.set_runtime(|rt| rt.syncing = true);
        let result = rounds_sync::run::run(&self.local, &client).await;
        // The outcome, in the profile so that a later status (and `rounds status` in a later
        // process) says so, in one visit to the cache: when a sync last succeeded, why the
        // last one failed (`None` after a success; serializing a struct of two strings cannot
        // fail), and whether the session was refused.
        let succeeded = result.is_ok().then(|| Utc::now().to_rfc3339());
        let failure = result
            .as_ref()
            .err()
            .map(|e| serde_json::to_string(&AppError::of_run(e)).unwrap_or_default());
        let refused = matches!(&result, Err(RunError::Sync(SyncError::Unauthorized(_))));
        let recorded = self
            .local
            .call(move |s| {
                if let Some(at) = &succeeded {
                    s.set_meta("last_sync", Some(at))?;
                }
                s.set_meta("last_error", failure.as_deref())?;
                // Only an answer from the server says whether the session holds.
                if succeeded.is_some() || refused {
                    s.set_meta("session_refused", refused.then_some("1"))?;
                }
                Ok(())
            })
            .await;
        // Also after a failure: the pages stored before it may have left a backlog.
        self.synced.notify_one();
        if let Ok(report) = &result {
            for n in &report.notices {
                // No receiver is not an error: the CLI listens to none, and the desktop may be
                // starting or closing.
                let _ = self.notices.send(n.clone());
            }
        }
        self.set_runtime(|rt| {
            rt.syncing = false;
            match &result {
                Ok(_) => {
                    rt.online = Some(true);
                    rt.unauthorized = false;
                }
                Err(RunError::Sync(SyncError::Offline(_))) => rt.online = Some(false),
                Err(RunError::Sync(SyncError::Unauthorized(_))) => {
                    rt.online = Some(true);
                    rt.unauthorized = true;
                }
                Err(_) => {}
            }
        });
        // The sync's own error first; a failure to record the outcome only after the runtime
        // state above is settled, so `syncing` never stays on.
        let report = result?;
        recorded?;
        Ok(report)
    }

    fn set_runtime(&self, f: impl FnOnce(&mut Runtime)) {
        f(&mut self.runtime.lock().unwrap_or_else(|p| p.into_inner()));
    }

    pub async fn status(&self) -> AppResult<SyncStatus> {
        let (
            server,
            user,
            pending,
            conflicts,
            last_sync,
            last_error,
            refused,
            signed_out,
            search_backlog,
        ) = self
            .local
            .call(|s| {
                Ok((
                    s.meta("server")?,
                    s.me()?,
                    s.outbox_len()?,
                    s.conflicts()?.len(),
                    s.meta("last_sync")?,
                    s.meta("last_error")?,
                    s.meta("session_refused")?.is_some(),
                    s.meta("signed_out")?.is_some(),
                    s.search_backlog()?,
                ))
            })
            .await?;
        let rt = self.runtime.lock().unwrap_or_else(|p| p.into_inner());
        Ok(SyncStatus {
            server,
            signed_in: user.is_some() && !signed_out,
            user,
            online: rt.online,
            syncing: rt.syncing,
            unauthorized: rt.unauthorized || refused,
            pending_ops: pending,
            conflicts,
            last_sync: meta_time(last_sync),
            last_error: last_error.map(AppError::from_meta),
            search_backlog,
        })
    }

    pub async fn conflicts(&self) -> AppResult<Vec<Conflict>> {
        Ok(self.local.call(|s| s.conflicts()).await?)
    }

    /// Queues a refused op again as a new op, optionally with a new target status (for a
    /// transition) or body (for a comment), or without the attachment the server refused
    /// (`without_attachment`; an edit that carried nothing else is then settled, not sent).
    pub async fn conflict_retry(&self, op_id: Uuid, retry: Retry) -> AppResult<()> {
        self.local
            .call(move |s| {
                s.conflict_retry(op_id, Utc::now(), |conflict, kind| {
                    retry.apply(conflict.attachment.as_deref(), kind)
                })
            })
            .await?;
        self.kick.notify_one();
        Ok(())
    }

    pub async fn conflict_discard(&self, op_id: Uuid) -> AppResult<()> {
        let found = self.local.call(move |s| s.conflict_discard(op_id)).await?;
        if found {
            Ok(())
        } else {
            Err(AppError::new(
                AppErrorCode::NotFound,
                format!("no conflict {op_id}"),
            ))
        }
    }

    /// Campuses, departments and users as last pulled.
    pub async fn directory(&self) -> AppResult<Directory> {
        Ok(self
            .local
            .call(|s| {
                Ok(Directory {
                    campuses: s.campuses()?,
                    departments: s.departments()?,
                    users: s.users()?,
                })
            })
            .await?)
    }

    /// What the signed-in user may do to a ticket now: what a UI offers. The server decides
    /// again when the change arrives; this only keeps impossible buttons off the screen.
    pub async fn ticket_actions(&self, id_or_number: &str) -> AppResult<TicketActions> {
        let view = self.ticket(id_or_number).await?;
        let me = self.me().await?.ok_or_else(|| {
            AppError::new(AppErrorCode::NotSignedIn, "not signed in: sign in first")
        })?;
        Ok(TicketActions::for_user(&me, &view.ticket))
    }

    /// Notices for the desktop (assignments, comments, status changes, escalations), from
    /// every sync's pulled changes.
    pub fn notices(&self) -> tokio::sync::broadcast::Receiver<notices::Notice> {
        self.notices.subscribe()
    }

    pub(crate) fn session_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.session.subscribe()
    }

    fn session_changed(&self) {
        self.session.send_modify(|n| *n += 1);
    }

    /// Wakes the background task.
    pub fn kick(&self) {
        self.kick.notify_one();
    }

    pub(crate) async fn kicked(&self) {
        self.kick.notified().await;
    }

    pub(crate) async fn synced(&self) {
        self.synced.notified().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_error_keeps_its_code_and_reads_what_older_profiles_kept() {
        let run = RunError::Sync(SyncError::Offline("connection refused".into()));
        let kept = serde_json::to_string(&AppError::of_run(&run)).unwrap();
        let read = AppError::from_meta(kept);
        assert_eq!(read.code, AppErrorCode::Offline);
        assert_eq!(
            read.message,
            "the server cannot be reached: connection refused"
        );
        let full = AppError::of_run(&RunError::Store(StoreError::DiskFull));
        assert_eq!(full.code, AppErrorCode::DiskFull);
        // Before the code was kept, the profile held the message alone.
        let old = AppError::from_meta("the server failed (500): boom".into());
        assert_eq!(
            (old.code, old.message.as_str()),
            (AppErrorCode::Local, "the server failed (500): boom")
        );
    }
}
