//! `rounds-desktop`: the Tauri shell around [`rounds_app`].
//!
//! The shell is thin on purpose: every command is an adapter over one `rounds_app::App` call
//! and fails with `rounds_app::AppError` (`{code, message}`), so the desktop and the CLI can
//! never disagree about what a change does. What only a desktop has lives here: the tray, OS
//! notifications, screen capture, single-instance and log files.
//!
//! Invariants:
//! - The UI reads and writes the local cache only; sync runs beside it in the background task.
//! - Closing the window hides it; the tray keeps the app (and notifications) alive until Quit.
//! - `ROUNDS_HOME` redirects every directory the app writes (profile, logs), for tests.

pub mod bench;
mod capture;
pub mod commands;
mod i18n;
mod logs;
mod notify;
pub mod rendering;
mod tray;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rounds_app::App;
use tauri::{Emitter, Manager, Runtime};

pub use capture::{Capture, MonitorInfo};
pub use i18n::Locale;
pub use notify::UiNotice;

/// Events the shell sends to the UI.
pub mod events {
    /// Payload `SyncStatus`, on every change.
    pub const STATUS: &str = "rounds://status";
    /// Payload `UiNotice`: show a banner.
    pub const NOTICE: &str = "rounds://notice";
    /// Payload `{id}`: show this ticket (a notification or the tray was clicked).
    pub const OPEN_TICKET: &str = "rounds://open-ticket";
    /// Payload `{view}`: switch screen (the tray's "report a problem").
    pub const NAVIGATE: &str = "rounds://navigate";
}

/// How the shell is started; tests turn off what needs a desktop session.
#[derive(Debug, Clone)]
pub struct ShellOptions {
    /// Where the profile and logs live; `None`: the platform's app data and log directories.
    pub home: Option<PathBuf>,
    pub tray: bool,
    pub background_sync: bool,
    pub os_notifications: bool,
}

impl ShellOptions {
    /// The options of a real desktop session, with `ROUNDS_HOME` honoured.
    pub fn from_env() -> Self {
        ShellOptions {
            home: std::env::var_os("ROUNDS_HOME").map(PathBuf::from),
            tray: true,
            background_sync: true,
            os_notifications: true,
        }
    }
}

/// What the commands share.
pub struct Shell {
    pub app: Arc<App>,
    pub locale: Mutex<Locale>,
    /// Escalations the user has not looked at yet; the tray icon shows them.
    pub unread_escalations: std::sync::atomic::AtomicUsize,
    started: Instant,
    /// The same instant on the wall clock, to place the web view's own timestamps
    /// (`performance.timeOrigin`) on the start-up timeline.
    started_wall: std::time::SystemTime,
    background: Mutex<Option<rounds_app::background::Background>>,
    /// Told once the UI reports its first screen (`ui_ready`): the work that waits for it
    /// starts ([`after_first_screen`]).
    first_screen: Arc<tokio::sync::Notify>,
}

impl Shell {
    pub fn locale(&self) -> Locale {
        *self.locale.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn profile_dir<R: Runtime>(app: &tauri::AppHandle<R>, opts: &ShellOptions) -> PathBuf {
    match &opts.home {
        Some(h) => h.join("profile"),
        None => app
            .path()
            .app_data_dir()
            .unwrap_or_else(|_| PathBuf::from(".rounds"))
            .join("profile"),
    }
}

fn open_shell(dir: &Path, started: (Instant, std::time::SystemTime)) -> Result<Shell, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let app = App::open(dir).map_err(|e| format!("opening {}: {e}", dir.display()))?;
    tracing::info!(profile = %dir.display(), "profile open");
    Ok(Shell {
        app,
        locale: Mutex::new(Locale::default()),
        unread_escalations: Default::default(),
        started: started.0,
        started_wall: started.1,
        background: Mutex::new(None),
        first_screen: Arc::default(),
    })
}

/// Where log files go.
pub fn log_dir(home: Option<&Path>) -> PathBuf {
    match home {
        Some(h) => h.join("logs"),
        None => dirs_fallback().join("logs"),
    }
}

fn dirs_fallback() -> PathBuf {
    std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(|| PathBuf::from("."))
        .join("rounds")
}

/// Registers the commands, state and window behaviour on any runtime: the real one in
/// [`run`], the mock one in tests.
pub fn run_app<R: Runtime>(builder: tauri::Builder<R>, opts: ShellOptions) -> tauri::Builder<R> {
    let started = (Instant::now(), std::time::SystemTime::now());
    // With a known home the profile opens now, so the state exists before any window or
    // command does; otherwise it waits for the platform's data directory in `setup`.
    let early = opts
        .home
        .as_ref()
        .map(|h| open_shell(&h.join("profile"), started));
    let builder = match early {
        Some(Ok(shell)) => builder.manage(shell),
        Some(Err(e)) => {
            // Nothing can work without the profile; say why instead of showing an empty app.
            eprintln!("rounds-desktop: {e}");
            tracing::error!(error = %e, "cannot open the profile");
            std::process::exit(1);
        }
        None => builder,
    };
    builder
        .invoke_handler(commands::handler())
        .setup(move |app| {
            if app.try_state::<Shell>().is_none() {
                let dir = profile_dir(app.handle(), &opts);
                app.manage(open_shell(&dir, started)?);
            }
            let rounds = app.state::<Shell>().app.clone();
            if let Some(window) = app.get_webview_window("main") {
                rendering::adapt(&window);
            }
            if opts.tray {
                // The window still works without a tray (a desktop with no status area);
                // say so once rather than refuse to start.
                if let Err(e) = tray::create(app.handle()) {
                    tracing::warn!(error = %e, "no tray icon");
                }
            }
            notify::start(app.handle().clone(), opts.os_notifications);
            let handle = app.handle().clone();
            let first_screen = app.state::<Shell>().first_screen.clone();
            let background_sync = opts.background_sync;
            tauri::async_runtime::spawn(async move {
                after_first_screen(&first_screen, FIRST_SCREEN_WAIT).await;
                if background_sync {
                    let bg = rounds_app::background::start(rounds, Duration::from_secs(30));
                    if let Some(shell) = handle.try_state::<Shell>() {
                        *shell.background.lock().unwrap_or_else(|p| p.into_inner()) = Some(bg);
                    }
                }
                watch_status(handle);
            });
            Ok(())
        })
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                // Closing keeps the app in the tray: notifications must still arrive.
                api.prevent_close();
                let _ = window.hide();
            }
            if let tauri::WindowEvent::Focused(true) = event
                && let Some(shell) = window.try_state::<Shell>()
            {
                shell
                    .unread_escalations
                    .store(0, std::sync::atomic::Ordering::Relaxed);
            }
        })
}

/// How long sync and the status watch wait for the UI's first screen at most: a window
/// that never reports one (started hidden, or a UI that failed) must not keep them off.
const FIRST_SCREEN_WAIT: Duration = Duration::from_secs(3);

/// Returns once the UI has reported its first screen, or after `limit`. Sync and the status
/// watch start then, not with the shell: the first screen's reads queue on the same cache as
/// a sync's writes, and the background work (a keychain lookup, a connection attempt, the
/// status events it causes) takes CPU from the web view while it lays out its first screen
/// (docs/benchmarks.md). The first sync starts a few hundred milliseconds later for it.
async fn after_first_screen(first_screen: &tokio::sync::Notify, limit: Duration) {
    let _ = tokio::time::timeout(limit, first_screen.notified()).await;
}

/// Polls the local status once a second (a cheap read of the cache) and tells the UI and the
/// tray when it changes.
fn watch_status<R: Runtime>(handle: tauri::AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let mut last = None;
        let mut last_unread = usize::MAX;
        loop {
            let Some(shell) = handle.try_state::<Shell>() else {
                return;
            };
            let unread = shell
                .unread_escalations
                .load(std::sync::atomic::Ordering::Relaxed);
            if let Ok(status) = shell.app.status().await
                && (last.as_ref() != Some(&status) || unread != last_unread)
            {
                let _ = handle.emit(events::STATUS, &status);
                tray::update(&handle, &status, unread, shell.locale());
                last = Some(status);
                last_unread = unread;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

/// Shows the main window and brings it to the front.
pub fn show_main<R: Runtime>(handle: &tauri::AppHandle<R>) {
    if let Some(w) = handle.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

/// Starts the desktop app. Called by `main`.
pub fn run() {
    rendering::before_gtk();
    let opts = ShellOptions::from_env();
    let _logs = logs::init(&log_dir(opts.home.as_deref()));
    let builder =
        tauri::Builder::default().plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            show_main(app)
        }));
    if let Err(e) = run_app(builder, opts).run(tauri::generate_context!()) {
        tracing::error!(error = %e, "the desktop app failed");
        eprintln!("rounds-desktop: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn background_work_waits_for_the_first_screen_or_its_limit() {
        let limit = Duration::from_secs(3);
        let shown = Arc::new(tokio::sync::Notify::new());
        // Reported before anyone waits: the permit is kept, no wait at all.
        shown.notify_one();
        let t = tokio::time::Instant::now();
        after_first_screen(&shown, limit).await;
        assert_eq!(t.elapsed(), Duration::ZERO);

        // Reported while waiting: the wait ends then.
        let t = tokio::time::Instant::now();
        let report = {
            let shown = shown.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(400)).await;
                shown.notify_one();
            })
        };
        after_first_screen(&shown, limit).await;
        assert_eq!(t.elapsed(), Duration::from_millis(400));
        report.await.unwrap();

        // Never reported: the limit.
        let t = tokio::time::Instant::now();
        after_first_screen(&shown, limit).await;
        assert_eq!(t.elapsed(), limit);
    }
}
