/// Every command the shell exposes to the UI, for the build script's app manifest.
fn rounds_desktop_commands() -> &'static [&'static str] {
    &[
        "status",
        "server_check",
        "login",
        "logout",
        "directory",
        "ticket_page",
        "ticket",
        "ticket_actions",
        "ticket_create",
        "ticket_update",
        "ticket_transition",
        "comment_add",
        "attachment_add",
        "attachment_url",
        "sync_now",
        "conflicts",
        "conflict_retry",
        "conflict_discard",
        "monitors",
        "capture_screen",
        "set_locale",
        "ui_ready",
    ]
}
