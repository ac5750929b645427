//! The commands the UI calls. Each is an adapter over one `rounds_app::App` call; every
//! failure reaches the UI as `AppError` (`{code, message}`).

use std::time::Duration;

use base64::Engine;
use rounds_app::credentials::TokenStoreKind;
use rounds_app::{AppError, AppErrorCode, Directory, Retry, SyncStatus, TicketActions};
use rounds_core::merge::TicketPatch;
use rounds_core::model::{Comment, Status, Ticket, TicketDraft, UserPublic};
use rounds_core::oncall::{OnDuty, RosterImport, Shift, ShiftRequest};
use rounds_store::{Conflict, TicketFilter, TicketPage, TicketView};
use serde::Serialize;
use tauri::{Runtime, State};
use ts_rs::TS;
use uuid::Uuid;

use crate::bench::{ScrollBench, ScrollReport, StartupMarks, Switches};
use crate::capture::{self, Capture, MonitorInfo};
use crate::{Locale, Shell};

type Res<T> = Result<T, AppError>;

/// The handler with every command, for any runtime.
pub fn handler<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        status,
        server_check,
        login,
        logout,
        directory,
        ticket_page,
        ticket,
        ticket_actions,
        ticket_create,
        ticket_update,
        ticket_transition,
        comment_add,
        attachment_add,
        attachment_url,
        sync_now,
        conflicts,
        conflict_retry,
        conflict_discard,
        monitors,
        capture_screen,
        set_locale,
        ui_ready,
        bench_scroll_report,
        oncall_shifts,
        oncall_add,
        oncall_delete,
        oncall_import,
        oncall_now,
    ]
}

fn local(e: impl std::fmt::Display) -> AppError {
    AppError::new(AppErrorCode::Local, e.to_string())
}

#[tauri::command]
async fn status(shell: State<'_, Shell>) -> Res<SyncStatus> {
    shell.app.status().await
}

/// The answer of `server_check`.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ServerCheck {
    pub ok: bool,
    /// The address as it will be used (normalised).
    pub server: String,
}

#[tauri::command]
async fn server_check(server: String) -> Res<ServerCheck> {
    let client = rounds_app::server_client(&server)?;
    client.health().await?;
    Ok(ServerCheck {
        ok: true,
        server: client.base_url().to_owned(),
    })
}

#[tauri::command]
async fn login(
    shell: State<'_, Shell>,
    server: String,
    username: String,
    password: String,
) -> Res<UserPublic> {
    shell
        .app
        .login(&server, &username, &password, TokenStoreKind::Keychain)
        .await
}

#[tauri::command]
async fn logout(shell: State<'_, Shell>) -> Res<()> {
    shell.app.logout().await
}

#[tauri::command]
async fn directory(shell: State<'_, Shell>) -> Res<Directory> {
    shell.app.directory().await
}

#[tauri::command]
async fn ticket_page(shell: State<'_, Shell>, filter: TicketFilter) -> Res<TicketPage> {
    shell.app.ticket_page(filter).await
}

#[tauri::command]
async fn ticket(shell: State<'_, Shell>, id: String) -> Res<TicketView> {
    shell.app.ticket(&id).await
}

#[tauri::command]
async fn ticket_actions(shell: State<'_, Shell>, id: String) -> Res<TicketActions> {
    shell.app.ticket_actions(&id).await
}

#[tauri::command]
async fn ticket_create(shell: State<'_, Shell>, draft: TicketDraft) -> Res<Ticket> {
    shell.app.ticket_create(draft).await
}

#[tauri::command]
async fn ticket_update(shell: State<'_, Shell>, id: Uuid, patch: TicketPatch) -> Res<Ticket> {
    shell.app.ticket_update(id, patch).await
}

#[tauri::command]
async fn ticket_transition(
    shell: State<'_, Shell>,
    id: Uuid,
    to: Status,
    reason: Option<String>,
) -> Res<Ticket> {
    shell.app.ticket_transition(id, to, reason).await
}

#[tauri::command]
async fn comment_add(
    shell: State<'_, Shell>,
    id: Uuid,
    body: String,
    internal: bool,
) -> Res<Comment> {
    shell.app.comment_add(id, body, internal).await
}

#[tauri::command]
async fn attachment_add(
    shell: State<'_, Shell>,
    data_base64: String,
    content_type: String,
    filename: Option<String>,
) -> Res<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data_base64.as_bytes())
        .map_err(|e| AppError::new(AppErrorCode::Validation, format!("not base64: {e}")))?;
    shell
        .app
        .attachment_add(bytes, content_type, filename)
        .await
}

#[tauri::command]
async fn attachment_url(shell: State<'_, Shell>, sha256: String) -> Res<String> {
    let (bytes, ct) = shell.app.attachment_bytes(&sha256).await?;
    Ok(format!(
        "data:{ct};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

/// Syncs now. Being offline is not an error here: the status says so.
#[tauri::command]
async fn sync_now(shell: State<'_, Shell>) -> Res<SyncStatus> {
    match shell.app.sync_now().await {
        Ok(_) => {}
        Err(e) if e.code == AppErrorCode::Offline => {}
        Err(e) => return Err(e),
    }
    shell.app.status().await
}

#[tauri::command]
async fn conflicts(shell: State<'_, Shell>) -> Res<Vec<Conflict>> {
    shell.app.conflicts().await
}

#[tauri::command]
async fn conflict_retry(shell: State<'_, Shell>, op_id: Uuid, retry: Option<Retry>) -> Res<()> {
    shell
        .app
        .conflict_retry(op_id, retry.unwrap_or_default())
        .await
}

#[tauri::command]
async fn conflict_discard(shell: State<'_, Shell>, op_id: Uuid) -> Res<()> {
    shell.app.conflict_discard(op_id).await
}

#[tauri::command]
async fn monitors() -> Res<Vec<MonitorInfo>> {
    tauri::async_runtime::spawn_blocking(capture::monitors)
        .await
        .map_err(local)?
        .map_err(local)
}

#[tauri::command]
async fn capture_screen<R: Runtime>(
    window: tauri::WebviewWindow<R>,
    monitor: Option<usize>,
) -> Res<Capture> {
    window.hide().map_err(local)?;
    // Give the compositor time to repaint what was under the window.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let shot = tauri::async_runtime::spawn_blocking(move || capture::capture(monitor)).await;
    // The window comes back whatever happened.
    let _ = window.show();
    let _ = window.set_focus();
    shot.map_err(local)?.map_err(local)
}

#[tauri::command]
async fn set_locale<R: Runtime>(
    app: tauri::AppHandle<R>,
    shell: State<'_, Shell>,
    locale: Locale,
) -> Res<()> {
    *shell.locale.lock().unwrap_or_else(|p| p.into_inner()) = locale;
    let status = shell.app.status().await?;
    let unread = shell
        .unread_escalations
        .load(std::sync::atomic::Ordering::Relaxed);
    crate::tray::update(&app, &status, unread, locale);
    Ok(())
}

/// The UI calls this once its first ticket list is on screen. With `ROUNDS_EXIT_WHEN_READY`
/// set, the app prints the time since start and exits: the cold-start benchmark. With
/// `ROUNDS_BENCH_SCROLL`, the answer tells the UI to run the scrolling benchmark.
#[tauri::command]
async fn ui_ready<R: Runtime>(
    app: tauri::AppHandle<R>,
    shell: State<'_, Shell>,
    rows: usize,
    marks: Option<StartupMarks>,
) -> Res<Option<ScrollBench>> {
    shell.first_screen.notify_one();
    let ms = shell.started.elapsed().as_secs_f64() * 1000.0;
    let b = crate::bench::startup_breakdown(shell.started_wall, marks);
    tracing::info!(
        ms,
        rows,
        page_ms = b.page,
        script_ms = b.script,
        status_ms = b.status,
        list_ms = b.list,
        "first screen rendered"
    );
    let bench = Switches::from_env();
    bench.print_ready(ms, &b, rows);
    if bench.exit_when_ready {
        app.exit(0);
    }
    Ok(bench.scroll)
}

/// The UI's report of the list-scrolling benchmark: printed as one JSON line for
/// `rounds-bench`, then the app exits.
#[tauri::command]
async fn bench_scroll_report<R: Runtime>(
    app: tauri::AppHandle<R>,
    report: ScrollReport,
) -> Res<()> {
    if ScrollBench::from_env().is_none() {
        return Err(AppError::new(
            AppErrorCode::Validation,
            "no scroll benchmark was asked for",
        ));
    }
    let line = serde_json::to_string(&report)
        .map_err(|e| AppError::new(AppErrorCode::Local, e.to_string()))?;
    println!("scroll {line}");
    app.exit(0);
    Ok(())
}

// The on-call roster lives on the server: these need the network (`offline` without it).

#[tauri::command]
async fn oncall_shifts(
    shell: State<'_, Shell>,
    campus: Option<String>,
    from: Option<chrono::DateTime<chrono::Utc>>,
    to: Option<chrono::DateTime<chrono::Utc>>,
) -> Res<Vec<Shift>> {
    shell.app.oncall_shifts(campus.as_deref(), from, to).await
}

#[tauri::command]
async fn oncall_add(shell: State<'_, Shell>, shift: ShiftRequest) -> Res<Shift> {
    shell.app.oncall_add(&shift).await
}

#[tauri::command]
async fn oncall_delete(shell: State<'_, Shell>, id: Uuid) -> Res<()> {
    shell.app.oncall_delete(id).await
}

#[tauri::command]
async fn oncall_import(shell: State<'_, Shell>, csv: String) -> Res<RosterImport> {
    shell.app.oncall_import(&csv).await
}

#[tauri::command]
async fn oncall_now(shell: State<'_, Shell>, campus: String) -> Res<OnDuty> {
    shell.app.oncall_now(&campus).await
}
