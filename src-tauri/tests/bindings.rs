//! The UI's TypeScript types are generated from the Rust types and committed in
//! `ui/src/lib/bindings.ts`. This test fails when they are stale; regenerate with
//! `UPDATE_BINDINGS=1 cargo test -p rounds-desktop --test bindings`.

use ts_rs::TS;

fn generated() -> String {
    let mut out = String::from(
        "// Generated from the Rust types by `UPDATE_BINDINGS=1 cargo test -p rounds-desktop --test bindings`.\n// Do not edit by hand: the test fails when this file and the Rust types disagree.\n",
    );
    // Counts and sizes travel as JSON numbers, well inside 2^53.
    let cfg = ts_rs::Config::new().with_large_int("number");
    macro_rules! export {
        ($($ty:ty),+ $(,)?) => {$(
            out.push_str("\nexport ");
            out.push_str(&<$ty as TS>::decl(&cfg));
            out.push('\n');
        )+};
    }
    use rounds_app::notices::{Notice, NoticeKind};
    use rounds_app::{
        AppError, AppErrorCode, Directory, Retry, SyncStatus, TicketActions, TransitionOption,
    };
    use rounds_core::merge::TicketPatch;
    use rounds_core::model::{
        Campus, Channel, Comment, Department, MaintenanceType, Role, Severity, Status, Ticket,
        TicketDraft, UserPublic, WorkType,
    };
    use rounds_core::oncall::{OnDuty, RosterImport, Shift, ShiftRequest};
    use rounds_core::sla::{ChecklistKey, ChecklistStep, Escalation, SlaTargetKind, TicketSla};
    use rounds_core::wire::{Op, OpKind};
    use rounds_desktop::bench::{ScrollBench, ScrollReport, StartupMarks};
    use rounds_desktop::commands::ServerCheck;
    use rounds_desktop::{Capture, Locale, MonitorInfo, UiNotice};
    use rounds_store::{
        AttachmentInfo, CommentRow, Conflict, TicketFilter, TicketPage, TicketRow, TicketSort,
        TicketView,
    };
    export!(
        Severity,
        Status,
        Role,
        WorkType,
        MaintenanceType,
        Channel,
        Campus,
        Department,
        UserPublic,
        SlaTargetKind,
        Escalation,
        ChecklistKey,
        ChecklistStep,
        TicketSla,
        Ticket,
        Comment,
        TicketDraft,
        TicketPatch,
        Op,
        OpKind,
        CommentRow,
        TicketRow,
        TicketView,
        TicketSort,
        TicketFilter,
        TicketPage,
        Conflict,
        AttachmentInfo,
        AppErrorCode,
        AppError,
        SyncStatus,
        Directory,
        TransitionOption,
        TicketActions,
        Retry,
        NoticeKind,
        Notice,
        UiNotice,
        ServerCheck,
        StartupMarks,
        ScrollBench,
        ScrollReport,
        MonitorInfo,
        Capture,
        Locale,
        Shift,
        ShiftRequest,
        OnDuty,
        RosterImport,
    );
    out
}

#[test]
fn typescript_bindings_are_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts");
    let want = generated();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} is stale: run `UPDATE_BINDINGS=1 cargo test -p rounds-desktop --test bindings` and commit it",
        path.display()
    );
}
