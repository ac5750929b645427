//! Notices from the background sync become an in-app banner (always) and a native
//! notification (when the desktop has a notification service). Clicking the notification opens
//! the ticket. Without a service the app degrades to the banner and logs that once.

use std::sync::atomic::{AtomicBool, Ordering};

use rounds_app::notices::{Notice, NoticeKind};
use serde::Serialize;
use tauri::{Emitter, Manager, Runtime};
use ts_rs::TS;
use uuid::Uuid;

use crate::{Shell, events, i18n, show_main};

/// The banner the UI shows.
#[derive(Debug, Clone, Serialize, TS)]
pub struct UiNotice {
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    pub ticket_id: Uuid,
}

static WARNED: AtomicBool = AtomicBool::new(false);

pub fn start<R: Runtime>(handle: tauri::AppHandle<R>, os_notifications: bool) {
    let Some(shell) = handle.try_state::<Shell>() else {
        return;
    };
    let mut rx = shell.app.notices();
    tauri::async_runtime::spawn(async move {
        loop {
            let notice = match rx.recv().await {
                Ok(n) => n,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "notices came faster than they could be shown");
                    continue;
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            };
            deliver(&handle, notice, os_notifications);
        }
    });
}

fn deliver<R: Runtime>(handle: &tauri::AppHandle<R>, notice: Notice, os: bool) {
    let Some(shell) = handle.try_state::<Shell>() else {
        return;
    };
    if notice.kind == NoticeKind::Escalation {
        shell.unread_escalations.fetch_add(1, Ordering::Relaxed);
    }
    let (summary, body) = i18n::word(shell.locale(), &notice);
    tracing::info!(kind = ?notice.kind, ticket = %notice.ticket_id, "notice");
    let _ = handle.emit(
        events::NOTICE,
        UiNotice {
            kind: notice.kind,
            title: summary.clone(),
            body: body.clone(),
            ticket_id: notice.ticket_id,
        },
    );
    if !os {
        return;
    }
    let handle = handle.clone();
    let id = notice.ticket_id;
    // notify-rust blocks while it waits for a click, so each notification gets a thread.
    tauri::async_runtime::spawn_blocking(move || {
        let mut n = notify_rust::Notification::new();
        n.appname("Rounds").summary(&summary).body(&body);
        #[cfg(all(unix, not(target_os = "macos")))]
        n.action("default", "打开")
            .hint(notify_rust::Hint::Category("x-rounds.ticket".into()));
        match n.show() {
            Ok(_shown) => {
                #[cfg(all(unix, not(target_os = "macos")))]
                _shown.wait_for_action(|action| {
                    if action == "default" {
                        show_main(&handle);
                        let _ = handle.emit(events::OPEN_TICKET, serde_json::json!({ "id": id }));
                    }
                });
            }
            Err(e) => {
                if !WARNED.swap(true, Ordering::Relaxed) {
                    tracing::warn!(error = %e, "no notification service; notices show in the window only");
                }
            }
        }
    });
}
