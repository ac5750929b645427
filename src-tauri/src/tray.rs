//! The tray icon: always present, with the counts a dispatcher glances at, and an icon that
//! turns grey offline and shows a red dot for unread escalations.

use rounds_app::SyncStatus;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{Emitter, Manager, Runtime};

use crate::i18n::{Locale, strings};
use crate::{Shell, events, show_main};

const TRAY_ID: &str = "main";
const ICON: &[u8] = include_bytes!("../../icons/tray.png");
const ICON_OFFLINE: &[u8] = include_bytes!("../../icons/tray-offline.png");
const ICON_ALERT: &[u8] = include_bytes!("../../icons/tray-alert.png");

struct Items<R: Runtime> {
    open: MenuItem<R>,
    report: MenuItem<R>,
    sync: MenuItem<R>,
    pending: MenuItem<R>,
    conflicts: MenuItem<R>,
    quit: MenuItem<R>,
}

pub fn create<R: Runtime>(app: &tauri::AppHandle<R>) -> tauri::Result<()> {
    let s = strings(Locale::default());
    let items = Items {
        open: MenuItem::with_id(app, "open", s.open, true, None::<&str>)?,
        report: MenuItem::with_id(app, "report", s.report, true, None::<&str>)?,
        sync: MenuItem::with_id(app, "sync", s.sync_now, true, None::<&str>)?,
        pending: MenuItem::with_id(
            app,
            "pending",
            format!("{}: 0", s.pending),
            false,
            None::<&str>,
        )?,
        conflicts: MenuItem::with_id(
            app,
            "conflicts",
            format!("{}: 0", s.conflicts),
            false,
            None::<&str>,
        )?,
        quit: MenuItem::with_id(app, "quit", s.quit, true, None::<&str>)?,
    };
    let menu = Menu::with_items(
        app,
        &[
            &items.open,
            &items.report,
            &items.sync,
            &PredefinedMenuItem::separator(app)?,
            &items.pending,
            &items.conflicts,
            &PredefinedMenuItem::separator(app)?,
            &items.quit,
        ],
    )?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(Image::from_bytes(ICON)?)
        .tooltip("Rounds")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => show_main(app),
            "report" => {
                show_main(app);
                let _ = app.emit(events::NAVIGATE, serde_json::json!({ "view": "report" }));
            }
            "sync" => {
                if let Some(shell) = app.try_state::<Shell>() {
                    shell.app.kick();
                }
            }
            "quit" => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                show_main(tray.app_handle());
            }
        })
        .build(app)?;
    app.manage(items);
    Ok(())
}

/// The tooltip for a status: what a dispatcher needs without opening the window.
pub fn tooltip(status: &SyncStatus, unread: usize, locale: Locale) -> String {
    let s = strings(locale);
    let online = if status.online == Some(false) {
        s.offline
    } else {
        s.online
    };
    let mut t = format!("Rounds · {online} · {} {}", s.pending, status.pending_ops);
    if status.conflicts > 0 {
        t.push_str(&format!(" · {} {}", s.conflicts, status.conflicts));
    }
    if unread > 0 {
        t.push_str(&format!(" · {unread} {}", s.escalations));
    }
    t
}

pub fn update<R: Runtime>(
    app: &tauri::AppHandle<R>,
    status: &SyncStatus,
    unread: usize,
    locale: Locale,
) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let icon = if unread > 0 {
        ICON_ALERT
    } else if status.online == Some(false) {
        ICON_OFFLINE
    } else {
        ICON
    };
    if let Ok(img) = Image::from_bytes(icon) {
        let _ = tray.set_icon(Some(img));
    }
    let _ = tray.set_tooltip(Some(tooltip(status, unread, locale)));
    if let Some(items) = app.try_state::<Items<R>>() {
        let s = strings(locale);
        let _ = items.open.set_text(s.open);
        let _ = items.report.set_text(s.report);
        let _ = items.sync.set_text(s.sync_now);
        let _ = items
            .pending
            .set_text(format!("{}: {}", s.pending, status.pending_ops));
        let _ = items
            .conflicts
            .set_text(format!("{}: {}", s.conflicts, status.conflicts));
        let _ = items.quit.set_text(s.quit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(online: Option<bool>, pending: usize, conflicts: usize) -> SyncStatus {
        SyncStatus {
            server: None,
            user: None,
            signed_in: false,
            online,
            syncing: false,
            unauthorized: false,
            pending_ops: pending,
            conflicts,
            last_sync: None,
            last_error: None,
            search_backlog: 0,
        }
    }

    #[test]
    fn the_tooltip_says_offline_pending_conflicts_and_escalations() {
        assert_eq!(
            tooltip(&status(Some(false), 3, 0), 0, Locale::ZhCn),
            "Rounds · 离线 · 待同步 3"
        );
        assert_eq!(
            tooltip(&status(Some(true), 0, 2), 1, Locale::En),
            "Rounds · Online · Pending 0 · Conflicts 2 · 1 unread escalations"
        );
    }
}
