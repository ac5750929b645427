//! `rounds`: the command-line client. Every command but `login`, `logout` and `sync` works on
//! the local cache only, so scripts and monitoring hooks can raise tickets with the network
//! down; `rounds sync` pushes and pulls.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use rounds_app::credentials::TokenStoreKind;
use rounds_app::{App, AppError, AppErrorCode};
use rounds_core::model::{Channel, MaintenanceType, Severity, Status, TicketDraft, WorkType};
use rounds_core::query::{MARK_END, MARK_START};
use rounds_store::{TicketFilter, TicketRow, TicketSort, TicketView};
use uuid::Uuid;

#[derive(Parser)]
#[command(
    name = "rounds",
    version,
    about = "Rounds helpdesk client (works offline; `rounds sync` syncs)"
)]
struct Cli {
    /// Profile directory (local cache and settings). Default: the platform data directory.
    #[arg(long, global = true, env = "ROUNDS_PROFILE")]
    profile: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign in (online, once); the password is read from standard input.
    Login {
        #[arg(long)]
        server: String,
        #[arg(long)]
        username: String,
        /// Where to keep the session token: the OS keychain, or a private file.
        #[arg(long, default_value = "keychain")]
        token_store: TokenStoreKind,
    },
    /// Sign out and forget the session token (pending work is kept).
    Logout,
    /// Raise a ticket (offline); prints its id.
    New {
        #[arg(long)]
        title: String,
        #[arg(long)]
        severity: u8,
        #[arg(long)]
        campus: String,
        #[arg(long)]
        department: String,
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long)]
        location: Option<String>,
        #[arg(long, default_value = "daily_ops")]
        work_type: WorkType,
        #[arg(long, default_value = "corrective")]
        maintenance_type: MaintenanceType,
        #[arg(long, default_value = "desktop")]
        channel: Channel,
        /// A file to attach (PNG, JPEG, WebP, PDF or text); repeatable.
        #[arg(long)]
        attach: Vec<PathBuf>,
    },
    /// List tickets in the local cache, newest first.
    List {
        #[arg(long)]
        json: bool,
        /// Comma-separated statuses.
        #[arg(long)]
        status: Option<String>,
        /// Only tickets assigned to me.
        #[arg(long)]
        mine: bool,
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Search the local cache (works offline): terms are ANDed, "quoted phrases" kept whole,
    /// Chinese matched by substring, English case-insensitively. Newest first.
    Search {
        /// The query, e.g. `打印 门诊` or `"printer offline" HIS`.
        query: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Order by best match instead of newest.
        #[arg(long)]
        relevance: bool,
        /// JSON: `{"total": N, "total_capped": false, "rows": [...]}` (total at most 10,000 with a query), snippets with matches in « ».
        #[arg(long)]
        json: bool,
    },
    /// Rebuild the local search index (repair; the index is kept current on every change).
    SearchRebuild,
    /// Show a ticket by id or number, with its comments.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Comment on a ticket.
    Comment {
        id: String,
        #[arg(long)]
        body: String,
        /// An internal note, for staff only.
        #[arg(long)]
        internal: bool,
    },
    /// Move a ticket to another status.
    Transition {
        id: String,
        #[arg(long)]
        to: Status,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Push pending changes and pull the server's; exits non-zero unless both sides agree.
    Sync,
    /// Pending changes, conflicts, last sync and server.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Changes the server refused, with its reasons.
    Conflicts {
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        action: Option<ConflictAction>,
    },
    /// The on-call roster (online: the roster lives on the server).
    Oncall {
        #[command(subcommand)]
        action: OncallAction,
    },
}

#[derive(Subcommand)]
enum OncallAction {
    /// Who is on duty now for a campus.
    Now {
        #[arg(long)]
        campus: String,
        #[arg(long)]
        json: bool,
    },
    /// Shifts overlapping the next `--days` days (from now), all campuses or one.
    List {
        #[arg(long)]
        campus: Option<String>,
        #[arg(long, default_value_t = 7)]
        days: i64,
        #[arg(long)]
        json: bool,
    },
    /// Add one shift (administrators). Times are RFC 3339, e.g. 2026-12-01T08:00:00+08:00.
    Add {
        #[arg(long)]
        campus: String,
        #[arg(long)]
        from: chrono::DateTime<chrono::FixedOffset>,
        #[arg(long)]
        to: chrono::DateTime<chrono::FixedOffset>,
        /// Username or user id.
        #[arg(long)]
        primary: String,
        #[arg(long)]
        backup: Option<String>,
    },
    /// Delete a shift by id (administrators).
    Delete { id: Uuid },
    /// Import a CSV roster (`campus,starts_at,ends_at,primary,backup`), all or nothing
    /// (administrators). `-` reads standard input.
    Import { file: PathBuf },
}

#[derive(Subcommand)]
enum ConflictAction {
    /// Queue the refused change again (optionally to another status, or without the
    /// attachment the server refused).
    Retry {
        op_id: Uuid,
        #[arg(long)]
        to: Option<Status>,
        /// Leave out the attachment the server refused (its type, content or size).
        #[arg(long)]
        without_attachment: bool,
    },
    /// Drop the refused change.
    Discard { op_id: Uuid },
}

fn default_profile() -> Result<PathBuf, AppError> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .or_else(|| std::env::var_os("APPDATA").map(PathBuf::from))
        .ok_or_else(|| {
            AppError::new(
                AppErrorCode::Local,
                "no data directory: pass --profile DIR or set ROUNDS_PROFILE",
            )
        })?;
    Ok(base.join("rounds").join("default"))
}

fn content_type(path: &std::path::Path, bytes: &[u8]) -> Result<&'static str, AppError> {
    rounds_core::attachment::detect(bytes).ok_or_else(|| {
        AppError::new(
            AppErrorCode::Validation,
            format!(
                "{}: only PNG, JPEG, WebP, PDF and text files can be attached",
                path.display()
            ),
        )
    })
}

/// Replaces the snippet's highlight markers (U+E000, U+E001) for a terminal or a script.
fn render_marks(s: &str, open: &str, close: &str) -> String {
    s.replace(MARK_START, open).replace(MARK_END, close)
}

fn print_row(r: &TicketRow) {
    let t = &r.ticket;
    let number = t
        .number
        .clone()
        .unwrap_or_else(|| "(待同步 pending)".into());
    let mark = if r.conflict {
        " !conflict"
    } else if r.pending {
        " *pending"
    } else {
        ""
    };
    println!(
        "{number:<20} L{} {:<12} {}{mark}",
        t.severity.get(),
        t.status.as_str(),
        t.title
    );
}

fn print_view(v: &TicketView) {
    let t = &v.ticket;
    println!(
        "{}  {}",
        t.number.as_deref().unwrap_or("(待同步 pending)"),
        t.title
    );
    println!("id:        {}", t.id);
    println!(
        "status:    {}   level: {}   {}/{}",
        t.status,
        t.severity.get(),
        t.campus,
        t.department
    );
    if let Some(l) = &t.location {
        println!("location:  {l}");
    }
    if !t.description.is_empty() {
        println!("\n{}\n", t.description);
    }
    for c in &v.comments {
        let kind = if c.comment.internal {
            "internal"
        } else {
            "reply"
        };
        let pending = if c.pending { " (pending)" } else { "" };
        println!(
            "- [{kind}{pending}] {}: {}",
            c.comment.created_at.format("%Y-%m-%d %H:%M"),
            c.comment.body
        );
    }
    if v.pending_ops > 0 {
        println!("{} change(s) waiting to sync", v.pending_ops);
    }
    for c in &v.conflicts {
        println!(
            "refused by the server ({}): {}  [op {}]",
            c.code, c.message, c.op.op_id
        );
    }
}

fn json<T: serde::Serialize>(v: &T) -> Result<(), AppError> {
    let s = serde_json::to_string_pretty(v)
        .map_err(|e| AppError::new(AppErrorCode::Local, e.to_string()))?;
    println!("{s}");
    Ok(())
}

async fn resolve(app: &App, id: &str) -> Result<Uuid, AppError> {
    Ok(app.ticket(id).await?.ticket.id)
}

async fn run(cli: Cli) -> Result<(), AppError> {
    let profile = match cli.profile {
        Some(p) => p,
        None => default_profile()?,
    };
    let app = App::open(&profile)?;
    match cli.command {
        Command::Login {
            server,
            username,
            token_store,
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .map_err(|e| {
                    AppError::new(
                        AppErrorCode::Local,
                        format!("reading the password from stdin: {e}"),
                    )
                })?;
            let password = password.trim_end_matches(['\r', '\n']);
            if token_store == TokenStoreKind::File {
                eprintln!(
                    "warning: the session token is stored in a file ({}), readable only by you, not in the OS keychain",
                    profile.join("session-token").display()
                );
            }
            let user = app.login(&server, &username, password, token_store).await?;
            println!("signed in as {} ({}) on {server}", user.username, user.role);
        }
        Command::Logout => {
            app.logout().await?;
            println!("signed out");
        }
        Command::New {
            title,
            severity,
            campus,
            department,
            description,
            location,
            work_type,
            maintenance_type,
            channel,
            attach,
        } => {
            let severity = Severity::new(severity).ok_or_else(|| {
                AppError::new(
                    AppErrorCode::Validation,
                    "--severity must be 1 (critical) to 4 (minor)",
                )
            })?;
            let mut attachments = Vec::new();
            for path in attach {
                let bytes = std::fs::read(&path).map_err(|e| {
                    AppError::new(AppErrorCode::Validation, format!("{}: {e}", path.display()))
                })?;
                let ct = content_type(&path, &bytes)?.to_owned();
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                attachments.push(app.attachment_add(bytes, ct, name).await?);
            }
            let draft = TicketDraft {
                id: None,
                title,
                description,
                campus,
                department,
                location,
                severity,
                assignee: None,
                work_type,
                maintenance_type,
                channel,
                attachments,
            };
            let t = app.ticket_create(draft).await?;
            println!("{}", t.id);
        }
        Command::List {
            json: as_json,
            status,
            mine,
            limit,
        } => {
            let status = status
                .map(|s| rounds_core::wire::parse_status_list(&s))
                .transpose()
                .map_err(|e| AppError::new(AppErrorCode::Validation, e.message))?;
            let assignee = if mine {
                app.me().await?.map(|u| u.id)
            } else {
                None
            };
            let rows = app
                .tickets(TicketFilter {
                    status,
                    assignee,
                    limit,
                    ..Default::default()
                })
                .await?;
            if as_json {
                json(&rows)?;
            } else {
                rows.iter().for_each(print_row);
            }
        }
        Command::Search {
            query,
            limit,
            relevance,
            json: as_json,
        } => {
            let mut page = app
                .ticket_page(TicketFilter {
                    q: Some(query),
                    limit: Some(limit),
                    sort: if relevance {
                        TicketSort::Relevance
                    } else {
                        TicketSort::Newest
                    },
                    ..Default::default()
                })
                .await?;
            if as_json {
                for r in &mut page.rows {
                    r.snippet = r.snippet.as_deref().map(|s| render_marks(s, "«", "»"));
                }
                json(&page)?;
            } else {
                let (open, close) = if std::io::stdout().is_terminal() {
                    ("\x1b[1m", "\x1b[0m")
                } else {
                    ("[", "]")
                };
                for r in &page.rows {
                    print_row(r);
                    if let Some(s) = &r.snippet {
                        println!("    {}", render_marks(s, open, close));
                    }
                }
                let plus = if page.total_capped { "+" } else { "" };
                println!(
                    "{} of {}{plus} matching ticket(s)",
                    page.rows.len(),
                    page.total
                );
            }
        }
        Command::SearchRebuild => {
            let n = app.search_rebuild().await?;
            println!("indexed {n} ticket(s)");
        }
        Command::Show { id, json: as_json } => {
            let v = app.ticket(&id).await?;
            if as_json { json(&v)? } else { print_view(&v) }
        }
        Command::Comment { id, body, internal } => {
            let id = resolve(&app, &id).await?;
            let c = app.comment_add(id, body, internal).await?;
            println!("{}", c.id);
        }
        Command::Transition { id, to, reason } => {
            let id = resolve(&app, &id).await?;
            let t = app.ticket_transition(id, to, reason).await?;
            println!(
                "{} is now {}",
                t.number.as_deref().unwrap_or(&t.id.to_string()),
                t.status
            );
        }
        Command::Sync => {
            let report = app.sync_now().await?;
            let status = app.status().await?;
            println!(
                "pushed {} change(s), {} refused, pulled {} change(s); {} pending, {} conflict(s)",
                report.applied,
                report.rejected,
                report.pulled,
                status.pending_ops,
                status.conflicts
            );
            // No background task here to do it later: a first sync is searchable when the
            // command ends.
            let indexed = app.index_backlog().await?;
            if indexed > 0 {
                println!("indexed {indexed} ticket(s) for search");
            }
            if status.pending_ops > 0 || report.rejected > 0 {
                return Err(AppError::new(
                    AppErrorCode::Conflict,
                    format!(
                        "not in agreement with the server: {} refused, {} still pending; see `rounds conflicts`",
                        report.rejected, status.pending_ops
                    ),
                ));
            }
        }
        Command::Status { json: as_json } => {
            let s = app.status().await?;
            if as_json {
                json(&s)?;
            } else {
                println!(
                    "server:      {}",
                    s.server.as_deref().unwrap_or("(not signed in)")
                );
                if let Some(u) = &s.user {
                    let out = if s.signed_in { "" } else { ", signed out" };
                    println!("user:        {} ({}){out}", u.username, u.role);
                }
                println!("pending ops: {}", s.pending_ops);
                println!("conflicts:   {}", s.conflicts);
                println!(
                    "last sync:   {}",
                    s.last_sync
                        .map(|t| t.to_rfc3339())
                        .unwrap_or_else(|| "never".into())
                );
                if let Some(e) = &s.last_error {
                    println!("last error:  {e}");
                }
                if s.search_backlog > 0 {
                    println!(
                        "search:      {} ticket(s) not indexed yet (the next search indexes them first)",
                        s.search_backlog
                    );
                }
            }
        }
        Command::Conflicts {
            json: as_json,
            action,
        } => match action {
            None => {
                let list = app.conflicts().await?;
                if as_json {
                    json(&list)?;
                } else if list.is_empty() {
                    println!("no conflicts");
                } else {
                    for c in list {
                        println!("{}  {}: {}", c.op.op_id, c.code, c.message);
                    }
                }
            }
            Some(ConflictAction::Retry {
                op_id,
                to,
                without_attachment,
            }) => {
                let retry = rounds_app::Retry {
                    to,
                    without_attachment,
                    ..Default::default()
                };
                app.conflict_retry(op_id, retry).await?;
                println!("queued again; run `rounds sync`");
            }
            Some(ConflictAction::Discard { op_id }) => {
                app.conflict_discard(op_id).await?;
                println!("discarded");
            }
        },
        Command::Oncall { action } => oncall(&app, action).await?,
    }
    Ok(())
}

fn print_shift(s: &rounds_core::oncall::Shift, names: &std::collections::HashMap<Uuid, String>) {
    let name = |id: &Uuid| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    println!(
        "{}  {}  {} – {}  primary {}{}",
        s.id,
        s.campus,
        s.starts_at.to_rfc3339(),
        s.ends_at.to_rfc3339(),
        name(&s.primary),
        s.backup
            .map(|b| format!(", backup {}", name(&b)))
            .unwrap_or_default()
    );
}

async fn oncall(app: &App, action: OncallAction) -> Result<(), AppError> {
    match action {
        OncallAction::Now {
            campus,
            json: as_json,
        } => {
            let duty = app.oncall_now(&campus).await?;
            if as_json {
                return json(&duty);
            }
            let who = |u: &Option<rounds_core::model::UserPublic>| {
                u.as_ref()
                    .map(|u| format!("{} ({})", u.display_name, u.username))
            };
            match (&duty.shift, who(&duty.primary)) {
                (Some(shift), Some(primary)) => {
                    println!("primary: {primary}");
                    println!(
                        "backup:  {}",
                        who(&duty.backup).unwrap_or_else(|| "(none)".into())
                    );
                    println!("until:   {}", shift.ends_at.to_rfc3339());
                }
                _ => println!("nobody is on duty for {campus} now"),
            }
        }
        OncallAction::List {
            campus,
            days,
            json: as_json,
        } => {
            let now = chrono::Utc::now();
            let shifts = app
                .oncall_shifts(
                    campus.as_deref(),
                    Some(now),
                    Some(now + chrono::Duration::days(days.max(1))),
                )
                .await?;
            if as_json {
                return json(&shifts);
            }
            let names = app
                .directory()
                .await?
                .users
                .into_iter()
                .map(|u| (u.id, u.username))
                .collect();
            if shifts.is_empty() {
                println!("no shifts");
            }
            for s in &shifts {
                print_shift(s, &names);
            }
        }
        OncallAction::Add {
            campus,
            from,
            to,
            primary,
            backup,
        } => {
            let shift = app
                .oncall_add(&rounds_core::oncall::ShiftRequest {
                    campus,
                    starts_at: from.to_utc(),
                    ends_at: to.to_utc(),
                    primary,
                    backup,
                })
                .await?;
            println!("{}", shift.id);
        }
        OncallAction::Delete { id } => {
            app.oncall_delete(id).await?;
            println!("deleted");
        }
        OncallAction::Import { file } => {
            let csv = if file.as_os_str() == "-" {
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text).map(|_| text)
            } else {
                std::fs::read_to_string(&file)
            }
            .map_err(|e| {
                AppError::new(
                    AppErrorCode::Local,
                    format!("reading {}: {e}", file.display()),
                )
            })?;
            let done = app.oncall_import(&csv).await?;
            println!("imported {} shifts", done.imported);
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ROUNDS_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "error ({}): {}",
                serde_json::to_value(e.code)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                e.message
            );
            ExitCode::from(match e.code {
                AppErrorCode::Offline => 3,
                AppErrorCode::Unauthorized | AppErrorCode::NotSignedIn => 4,
                AppErrorCode::Conflict => 5,
                _ => 1,
            })
        }
    }
}
