//! `rounds-server demo`: loads Chinese demo data (campuses, departments, users of each role and
//! a few hundred realistic tickets with comments) from `rounds-fixtures`. Idempotent: a second
//! run changes nothing and prints the accounts again.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Datelike, Duration, Utc};
use rounds_core::model::{Campus, Comment, Department, Role, Severity, Status, Ticket, UserPublic};
use rounds_core::wire::{CreateUserRequest, Entity, EventKind};
use rusqlite::OptionalExtension;
use uuid::Uuid;

use crate::db::{self, Tx};
use crate::directory;
use crate::error::ApiError;
use crate::store::{self, ChangeScope};

pub const DEMO_TICKETS: usize = 300;
const DEMO_SEED: u64 = 2026;

/// What was loaded, for the command to print.
#[derive(Debug)]
pub struct DemoReport {
    pub already_loaded: bool,
    pub tickets: usize,
    pub users: Vec<(String, String, String)>,
}

fn parse<T: std::str::FromStr>(s: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    s.parse::<T>()
        .map_err(|e| ApiError::internal(format!("fixture value {s}: {e}")))
}

/// Loads the demo data into the database in `data_dir`, at `now`.
pub fn load(data_dir: &Path, now: DateTime<Utc>) -> Result<DemoReport, ApiError> {
    let mut conn = db::open_and_migrate(data_dir).map_err(ApiError::internal)?;
    let users: Vec<(String, String, String)> = rounds_fixtures::demo_users()
        .iter()
        .map(|u| {
            (
                u.username.to_owned(),
                u.role.to_owned(),
                u.password.to_owned(),
            )
        })
        .collect();
    let loaded: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'demo_loaded'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if loaded.is_some() {
        return Ok(DemoReport {
            already_loaded: true,
            tickets: 0,
            users,
        });
    }
    // Hash the passwords before taking the write lock: Argon2 is slow on purpose.
    let prepared = rounds_fixtures::demo_users()
        .iter()
        .map(|u| {
            directory::prepare_user(CreateUserRequest {
                username: u.username.into(),
                password: u.password.into(),
                role: parse(u.role)?,
                campus: u.campus.map(Into::into),
                department: u.department.map(Into::into),
                display_name: Some(u.display_name.into()),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;

    let mut tx = Tx::new(conn.transaction()?);
    for c in rounds_fixtures::campuses() {
        directory::campus_upsert(
            &mut tx,
            None,
            Campus {
                code: c.code.into(),
                name: c.name.into(),
            },
        )?;
    }
    for d in rounds_fixtures::departments() {
        directory::department_upsert(
            &mut tx,
            None,
            Department {
                code: d.code.into(),
                name: d.name.into(),
                campus: d.campus.into(),
            },
        )?;
    }
    let mut accounts: Vec<UserPublic> = Vec::new();
    for (req, hash) in prepared {
        let existing = tx
            .query_row(
                &format!(
                    "SELECT {} FROM users u WHERE u.username = ?1",
                    store::USER_COLS
                ),
                [&req.username],
                store::user_from_row,
            )
            .optional()?;
        let user = match existing {
            Some(u) => u,
            None => directory::user_insert(&mut tx, None, req, hash)?,
        };
        accounts.push(user);
    }
    let tickets = load_tickets(&mut tx, &accounts, now)?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('demo_loaded', ?1)",
        [store::ts(now)],
    )?;
    tx.commit()?;
    Ok(DemoReport {
        already_loaded: false,
        tickets,
        users,
    })
}

fn load_tickets(
    tx: &mut Tx<'_>,
    accounts: &[UserPublic],
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let by_role = |role: Role| accounts.iter().filter(move |u| u.role == role);
    let dispatcher = by_role(Role::Dispatcher)
        .next()
        .ok_or_else(|| ApiError::internal("no demo dispatcher"))?
        .id;
    let reporters: HashMap<&str, Uuid> = by_role(Role::Reporter)
        .filter_map(|u| u.department.as_deref().map(|d| (d, u.id)))
        .collect();
    let mut n = 0;
    for (i, g) in rounds_fixtures::tickets(DEMO_SEED, DEMO_TICKETS)
        .into_iter()
        .enumerate()
    {
        let engineers: Vec<Uuid> = by_role(Role::Engineer)
            .filter(|u| u.campus.as_deref().is_none_or(|c| c == g.campus))
            .map(|u| u.id)
            .collect();
        let engineer = engineers[i % engineers.len().max(1)];
        // Departments without a demo account phoned their problem in to the dispatcher.
        let reporter = reporters.get(g.department).copied().unwrap_or(dispatcher);
        let created_at = now - Duration::minutes(i64::from(g.opened_minutes_ago));
        let status: Status = parse(g.status)?;
        let age = now - created_at;
        let step = |frac: i32| created_at + age * frac / 8;
        let started = status != Status::New;
        let mut t = Ticket {
            id: Uuid::now_v7(),
            number: Some(store::next_number(tx, created_at.year())?),
            title: g.title,
            description: g.description,
            campus: g.campus.into(),
            department: g.department.into(),
            location: g.location,
            reporter,
            assignee: started.then_some(engineer),
            severity: Severity::new(g.severity)
                .ok_or_else(|| ApiError::internal("fixture severity"))?,
            status,
            work_type: parse(g.work_type)?,
            maintenance_type: parse(g.maintenance_type)?,
            channel: parse(g.channel)?,
            attachments: vec![],
            created_at,
            updated_at: created_at,
            acknowledged_at: started.then(|| step(1)),
            resolved_at: matches!(status, Status::Resolved | Status::Closed).then(|| step(5)),
            closed_at: (status == Status::Closed).then(|| step(7)),
            sla: None,
        };
        t.updated_at = t
            .closed_at
            .or(t.resolved_at)
            .or(t.acknowledged_at)
            .unwrap_or(created_at);
        store::ticket_insert(tx, &t)?;
        store::audit(
            tx,
            now,
            None,
            "demo.ticket",
            "ticket",
            &t.id.to_string(),
            None::<&()>,
            Some(&t),
        )?;
        let scope = ChangeScope {
            campus: Some(t.campus.clone()),
            department: Some(t.department.clone()),
            internal: false,
        };
        store::record_change(
            tx,
            EventKind::TicketCreated,
            Entity::Ticket(t.clone()),
            scope.clone(),
        )?;
        for gc in g.comments {
            let author = match gc.author_role {
                "reporter" => reporter,
                "dispatcher" => dispatcher,
                _ => engineer,
            };
            let c = Comment {
                id: Uuid::now_v7(),
                ticket_id: t.id,
                author,
                body: gc.body,
                internal: gc.internal,
                created_at: (created_at + Duration::minutes(i64::from(gc.minutes_after_open)))
                    .min(now),
            };
            store::comment_insert(tx, &c)?;
            let cs = ChangeScope {
                internal: c.internal,
                ..scope.clone()
            };
            store::record_change(tx, EventKind::CommentAdded, Entity::Comment(c), cs)?;
        }
        n += 1;
    }
    Ok(n)
}
