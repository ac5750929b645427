//! The `rounds-server` command line: serve, manage users, load demo data, back up, restore.

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use rounds_core::model::Role;
use rounds_core::wire::CreateUserRequest;
use rounds_server::backup::{self, DataDirLock};
use rounds_server::db::{self, Tx};
use rounds_server::{AppState, Config, demo, directory};

/// mimalloc instead of the system allocator: glibc's per-thread arenas fragmented under large
/// pull answers until the server's RSS passed 130 MiB with 100k tickets; with mimalloc it
/// holds 57 MiB after the server benchmarks (see docs/benchmarks.md). On Linux it replaces
/// malloc for SQLite too (see Cargo.toml), and `allocator::tune` shortens its purge delay.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "rounds-server",
    version,
    about = "Rounds helpdesk backend (HTTP API + embedded SQLite)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct DataArg {
    /// Data directory (database, attachments). Default: the platform data directory.
    #[arg(long, env = "ROUNDS_DATA")]
    data: Option<PathBuf>,
}

impl DataArg {
    fn dir(&self) -> Result<PathBuf> {
        match &self.data {
            Some(d) => Ok(d.clone()),
            None => default_data_dir(),
        }
    }
}

fn default_data_dir() -> Result<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(x).join("rounds-server"));
    }
    if cfg!(windows)
        && let Some(p) = std::env::var_os("PROGRAMDATA")
    {
        return Ok(PathBuf::from(p).join("Rounds").join("server"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        let base = if cfg!(target_os = "macos") {
            "Library/Application Support"
        } else {
            ".local/share"
        };
        return Ok(PathBuf::from(home).join(base).join("rounds-server"));
    }
    bail!("no data directory: pass --data DIR or set ROUNDS_DATA")
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API.
    Serve {
        #[command(flatten)]
        data: DataArg,
        /// Address to listen on; port 0 picks a free port and prints it.
        #[arg(long, env = "ROUNDS_LISTEN", default_value = "127.0.0.1:8600")]
        listen: SocketAddr,
        /// Hours a session token stays valid without use.
        #[arg(long, env = "ROUNDS_TOKEN_TTL_HOURS", default_value_t = 336)]
        token_ttl_hours: i64,
        /// Largest attachment accepted, in megabytes.
        #[arg(long, env = "ROUNDS_MAX_ATTACHMENT_MB", default_value_t = 20)]
        max_attachment_mb: usize,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Load Chinese demo data (idempotent) and print the demo accounts.
    Demo {
        #[command(flatten)]
        data: DataArg,
    },
    /// Copy the live database to FILE with SQLite's online backup, and write FILE.sha256.
    Backup {
        #[command(flatten)]
        data: DataArg,
        #[arg(long)]
        out: PathBuf,
    },
    /// SLA tools.
    Sla {
        #[command(subcommand)]
        command: SlaCommand,
    },
    /// Replace the database with a verified backup (checksum and integrity check first).
    Restore {
        #[command(flatten)]
        data: DataArg,
        #[arg(long)]
        from: PathBuf,
    },
}

#[derive(Subcommand)]
enum SlaCommand {
    /// Print the response and resolution due times of a ticket, and the business time used.
    Explain {
        /// The business calendar (TOML). Default: the data directory's calendar.toml with
        /// --data, otherwise the built-in Mon-Fri 08:00-12:00, 14:00-17:30 Asia/Shanghai one.
        #[arg(long)]
        calendar: Option<PathBuf>,
        /// Fault level, 1 to 4.
        #[arg(long)]
        level: u8,
        /// When the ticket was opened, RFC 3339.
        #[arg(long)]
        opened: String,
        /// A stretch in `pending`, FROM/TO in RFC 3339; repeatable.
        #[arg(long = "pause", value_name = "FROM/TO")]
        pauses: Vec<String>,
        /// Business time used up to this instant (RFC 3339); default: the resolution due time.
        #[arg(long)]
        at: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Use the targets (and calendar) configured in this server data directory instead of
        /// the defaults.
        #[arg(long)]
        data: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from standard input.
    Add {
        #[command(flatten)]
        data: DataArg,
        #[arg(long)]
        username: String,
        #[arg(long)]
        role: Role,
        #[arg(long)]
        campus: Option<String>,
        #[arg(long)]
        department: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
    },
}

fn main() -> Result<()> {
    rounds_server::allocator::tune();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ROUNDS_LOG")
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            data,
            listen,
            token_ttl_hours,
            max_attachment_mb,
        } => {
            let dir = data.dir()?;
            let _lock = DataDirLock::acquire(&dir)?;
            let mut config = Config::new(&dir);
            config.token_ttl = chrono::Duration::hours(token_ttl_hours.max(1));
            config.max_attachment_bytes = max_attachment_mb.max(1) * 1024 * 1024;
            let state = AppState::open(config)?;
            // Database work runs on the blocking pool; a few threads are enough for one writer and
            // four readers, and fewer threads means fewer malloc arenas, so a smaller RSS.
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .max_blocking_threads(8)
                .build()?;
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind(listen)
                    .await
                    .with_context(|| format!("binding {listen}"))?;
                let addr = listener.local_addr()?;
                println!("listening on http://{addr}");
                tracing::info!(data = %dir.display(), "serving");
                rounds_server::serve(listener, state, shutdown_signal()).await?;
                tracing::info!("stopped");
                anyhow::Ok(())
            })?;
        }
        Command::User {
            command:
                UserCommand::Add {
                    data,
                    username,
                    role,
                    campus,
                    department,
                    display_name,
                },
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("reading the password from stdin")?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let req = CreateUserRequest {
                username,
                password,
                role,
                campus,
                department,
                display_name,
            };
            let (req, hash) =
                directory::prepare_user(req).map_err(|e| anyhow::anyhow!(e.message))?;
            let mut conn = db::open_and_migrate(&data.dir()?)?;
            let mut tx = Tx::new(conn.transaction()?);
            let user = directory::user_insert(&mut tx, None, req, hash)
                .map_err(|e| anyhow::anyhow!(e.message))?;
            tx.commit()?;
            println!("added {} ({}) id {}", user.username, user.role, user.id);
        }
        Command::Demo { data } => {
            let report = demo::load(&data.dir()?, chrono::Utc::now())
                .map_err(|e| anyhow::anyhow!(e.message))?;
            if report.already_loaded {
                println!("demo data already loaded; nothing changed");
            } else {
                println!("loaded demo data: {} tickets", report.tickets);
            }
            println!("demo accounts (username / role / password):");
            for (u, r, p) in report.users {
                println!("  {u:<20} {r:<11} {p}");
            }
        }
        Command::Backup { data, out } => {
            let hash = backup::backup(&data.dir()?, &out)?;
            println!("backed up to {} (sha256 {hash})", out.display());
        }
        Command::Sla {
            command:
                SlaCommand::Explain {
                    calendar,
                    level,
                    opened,
                    pauses,
                    at,
                    json,
                    data,
                },
        } => {
            let out = sla_explain(
                calendar.as_deref(),
                level,
                &opened,
                &pauses,
                at.as_deref(),
                data.as_deref(),
            )?;
            if json {
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                println!("level            {}", out.level);
                println!("response due     {}", out.response_due.to_rfc3339());
                println!("resolution due   {}", out.resolution_due.to_rfc3339());
                println!(
                    "business time    {} s ({:.2} h) up to {}",
                    out.business_seconds,
                    out.business_seconds as f64 / 3600.0,
                    out.until.to_rfc3339()
                );
            }
        }
        Command::Restore { data, from } => {
            let kept = backup::restore(&data.dir()?, &from)?;
            println!("restored from {}", from.display());
            if let Some(k) = kept {
                println!("the replaced database was kept in {}", k.display());
            }
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

#[derive(serde::Serialize)]
struct Explained {
    level: u8,
    response_due: chrono::DateTime<chrono::Utc>,
    resolution_due: chrono::DateTime<chrono::Utc>,
    /// Business seconds (on the business calendar) from the opening to `until`, pauses excluded.
    business_seconds: i64,
    until: chrono::DateTime<chrono::Utc>,
}

fn sla_explain(
    calendar: Option<&std::path::Path>,
    level: u8,
    opened: &str,
    pauses: &[String],
    at: Option<&str>,
    data: Option<&std::path::Path>,
) -> Result<Explained> {
    use rounds_core::sla::{BusinessCalendar, Clock, ClockKind, Interval, due, elapsed};
    let time = |s: &str| -> Result<chrono::DateTime<chrono::Utc>> {
        Ok(chrono::DateTime::parse_from_rfc3339(s.trim())
            .with_context(|| {
                format!("`{s}` is not an RFC 3339 time such as 2026-10-08T09:00:00+08:00")
            })?
            .with_timezone(&chrono::Utc))
    };
    let settings = match data {
        Some(d) => rounds_server::sla::SlaSettings::load(d).map_err(|e| anyhow::anyhow!(e))?,
        None => rounds_server::sla::SlaSettings::default(),
    };
    let calendar = match calendar {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            BusinessCalendar::from_toml_str(&text).with_context(|| format!("{}", path.display()))?
        }
        None => settings.calendar.clone(),
    };
    let targets = settings
        .policy
        .level(level)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let opened = time(opened)?;
    let pauses = pauses
        .iter()
        .map(|p| {
            let (from, to) = p
                .split_once('/')
                .with_context(|| format!("--pause `{p}` must be FROM/TO"))?;
            let (from, to) = (time(from)?, time(to)?);
            if to < from {
                bail!("--pause `{p}` ends before it starts");
            }
            Ok(Interval::new(from, to))
        })
        .collect::<Result<Vec<_>>>()?;
    let due_of = |t: rounds_core::sla::ClockTarget| {
        due(&Clock::new(t.clock, &calendar), opened, t.target, &pauses)
            .map_err(|e| anyhow::anyhow!("{e}"))
    };
    let response_due = due_of(targets.respond)?;
    let resolution_due = due_of(targets.resolve)?;
    let until = match at {
        Some(a) => time(a)?,
        None => resolution_due,
    };
    let business_seconds = elapsed(
        &Clock::new(ClockKind::Business, &calendar),
        opened,
        until,
        &pauses,
    );
    Ok(Explained {
        level,
        response_due,
        resolution_due,
        business_seconds,
        until,
    })
}
