//! Carrying out a sync: upload attachments, push the outbox in batches, then pull until the
//! server has nothing more, applying every page to the local store.
//!
//! Invariants:
//! - An op leaves the outbox only after the server answered for it: applied ops are
//!   acknowledged, refused ones become conflicts with the server's reason. If a push fails as a
//!   whole (offline, server error, unauthorized), every op of it stays queued; pushing it again
//!   is safe because the server applies an op at most once.
//! - An attachment the server refuses (its type, content or size) turns the ops that reference
//!   it into conflicts with the server's reason; the rest of the outbox still goes. Otherwise
//!   the same refusal would stop every later sync.
//! - A pulled page is applied in one local transaction together with its cursor, so a crash
//!   between pages loses nothing and repeats nothing.
//! - A new server epoch (the server was restored from a backup) drops the cached server state,
//!   keeps the user's pending work, and pulls from the beginning.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use rounds_core::notices::Notice;
use rounds_core::wire::{OpKind, OpStatus};
use rounds_store::{News, Store, StoreError};
use uuid::Uuid;

use crate::client::{Client, SyncError};
use crate::plan::{SyncPlan, plan};

/// Ops per push.
pub const PUSH_BATCH: usize = 500;
/// Bytes of encoded ops per push: half the server's 2 MiB body limit (`docs/sync.md`), so a
/// batch of long comments or descriptions is split rather than refused at every sync.
pub const PUSH_MAX_BYTES: usize = 1024 * 1024;
/// Changes per pull page.
pub const PULL_LIMIT: u32 = 2000;

/// The local store, shared between the UI or CLI and the sync task. Every call runs on the
/// blocking pool, never on the async executor.
#[derive(Clone)]
pub struct Local(Arc<Mutex<Store>>);

impl std::fmt::Debug for Local {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Local")
    }
}

impl Local {
    pub fn new(store: Store) -> Self {
        Local(Arc::new(Mutex::new(store)))
    }

    /// Runs `f` with the store on the blocking pool.
    pub async fn call<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = self.0.clone();
        tokio::task::spawn_blocking(move || {
            let mut store = inner.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut store)
        })
        .await
        .map_err(|e| StoreError::Io(format!("local store task failed: {e}")))?
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a sync run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub uploaded: usize,
    pub applied: usize,
    pub rejected: usize,
    pub held: usize,
    pub pulled: usize,
    /// What the pulled changes mean to the signed-in user, in the order they were pulled (see
    /// [`Store::apply_pull`]).
    pub notices: Vec<Notice>,
}

/// Builds the plan from the store's outbox, conflicts and attachments.
pub fn plan_from_store(store: &Store) -> Result<SyncPlan, StoreError> {
    let outbox: Vec<_> = store.outbox()?.into_iter().map(|e| e.op).collect();
    let refused: HashSet<Uuid> = store
        .conflicts()?
        .into_iter()
        .filter_map(|c| match c.op.kind {
            OpKind::TicketCreate { ticket } => ticket.id,
            _ => None,
        })
        .collect();
    let mut uploaded = std::collections::HashMap::new();
    for op in &outbox {
        for sha in op.kind.attachments() {
            let done = store.attachment(sha)?.is_none_or(|a| a.uploaded);
            uploaded.insert(sha.clone(), done);
        }
    }
    Ok(plan(
        &outbox,
        |s| uploaded.get(s).copied().unwrap_or(true),
        &refused,
        PUSH_BATCH,
        PUSH_MAX_BYTES,
    ))
}

/// One full sync: push everything pushable, then pull until the server has nothing more.
/// The caller records the outcome in the profile (rounds-app: when a sync last succeeded, and
/// why the last one failed, with its error code).
pub async fn run(local: &Local, client: &Client) -> Result<SyncReport, RunError> {
    let mut report = SyncReport::default();
    let plan = loop {
        let plan = local.call(|s| plan_from_store(s)).await?;
        match upload_all(local, client, &plan, &mut report).await? {
            Uploads::Done => break plan,
            // The ops that needed a refused file are conflicts now: plan again without them
            // (and with what depends on them held). Each round removes at least one op.
            Uploads::Refused => continue,
        }
    };
    report.held = plan.held.len();

    for batch in plan.batches {
        let ids: Vec<Uuid> = batch.iter().map(|o| o.op_id).collect();
        let answer = match client.push(&batch).await {
            Ok(a) => a,
            Err(e) => {
                let ids = ids.clone();
                local.call(move |s| s.outbox_attempted(&ids)).await?;
                return Err(e.into());
            }
        };
        let results = answer.results;
        let (applied, rejected) = local
            .call(move |s| {
                let mut applied = Vec::new();
                let mut rejected = 0;
                for (op_id, r) in ids.iter().zip(&results) {
                    match r.status {
                        OpStatus::Applied => applied.push(*op_id),
                        OpStatus::Rejected => {
                            let code = r.code.as_deref().unwrap_or("rejected");
                            let message = r
                                .message
                                .as_deref()
                                .unwrap_or("the server refused this change");
                            s.outbox_rejected(*op_id, code, message, Utc::now())?;
                            rejected += 1;
                        }
                    }
                }
                s.outbox_applied(&applied)?;
                Ok((applied.len(), rejected))
            })
            .await?;
        report.applied += applied;
        report.rejected += rejected;
    }

    (report.pulled, report.notices) = pull_all(local, client).await?;
    Ok(report)
}

/// How the uploads of a plan went.
enum Uploads {
    Done,
    /// The server refused a file for good; the ops that reference it became conflicts.
    Refused,
}

/// Uploads the plan's attachments. A file the server refuses (`4xx`: its type, content or
/// size) would be refused at every sync and hold every later op back, so the ops that
/// reference it become conflicts carrying the server's reason, and the sync goes on.
async fn upload_all(
    local: &Local,
    client: &Client,
    plan: &SyncPlan,
    report: &mut SyncReport,
) -> Result<Uploads, RunError> {
    for sha in &plan.uploads {
        let sha = sha.clone();
        let (bytes, info) = local
            .call({
                let sha = sha.clone();
                move |s| {
                    let info = s
                        .attachment(&sha)?
                        .ok_or_else(|| StoreError::Io(format!("attachment {sha} is gone")))?;
                    let bytes = std::fs::read(s.attachment_path(&sha))
                        .map_err(|e| StoreError::Io(format!("reading attachment {sha}: {e}")))?;
                    Ok((bytes, info))
                }
            })
            .await?;
        let answer = match client
            .upload_attachment(bytes, &info.content_type, info.filename.as_deref())
            .await
        {
            Ok(a) => a,
            Err(SyncError::Rejected { code, message, .. }) => {
                let what = info.filename.unwrap_or_else(|| sha[..12].to_owned());
                let message = format!("the attachment {what} was refused: {message}");
                tracing::warn!(%sha, %code, %message, "attachment refused by the server");
                report.rejected += local
                    .call(move |s| s.attachment_refused(&sha, &code, &message, Utc::now()))
                    .await?;
                return Ok(Uploads::Refused);
            }
            Err(e) => return Err(e.into()),
        };
        if answer.sha256 != sha {
            return Err(StoreError::Corrupt(format!(
                "attachment {sha} uploaded as {}",
                answer.sha256
            ))
            .into());
        }
        local.call(move |s| s.attachment_uploaded(&sha)).await?;
        report.uploaded += 1;
    }
    Ok(Uploads::Done)
}

/// Pulls until `has_more` is false; returns the number of changes applied and the notices
/// they make.
///
/// The next page is requested while the current one is being stored, so the server's work
/// and the client's overlap (on a laptop with two cores, that is most of the difference).
///
/// Which changes are news is fixed when the pull starts: those after the cursor, or on a
/// first sync those after the sign-in ([`Store::news_after`]). Later pages of a first sync
/// move the cursor but are history all the same.
///
/// A pull of more than one page (an initial sync) runs in the store's bulk mode
/// ([`Store::bulk_pull`]: a large page cache, and its tickets left in the search backlog for
/// [`Store::index_backlog`]), left when it ends, however it ends.
pub async fn pull_all(local: &Local, client: &Client) -> Result<(usize, Vec<Notice>), RunError> {
    let mut bulk = false;
    let result = pull_pages(local, client, &mut bulk).await;
    if bulk {
        local.call(|s| s.bulk_pull(false)).await?;
    }
    result
}

async fn pull_pages(
    local: &Local,
    client: &Client,
    bulk: &mut bool,
) -> Result<(usize, Vec<Notice>), RunError> {
    let mut pulled = 0;
    let mut notices = Vec::new();
    let mut restarted = false;
    'restart: loop {
        let (known, after) = local.call(|s| Ok((s.cursor()?, s.news_after()?))).await?;
        let news = after.map(|after| News {
            after,
            now: Utc::now(),
        });
        let mut next = Some(tokio::spawn(pull_page(client.clone(), known.cursor)));
        while let Some(request) = next.take() {
            let page = request.await.map_err(|e| SyncError::Server {
                status: 0,
                message: format!("pull task failed: {e}"),
            })??;
            if known.epoch.as_deref().is_some_and(|e| e != page.epoch) {
                if restarted {
                    return Err(SyncError::Server {
                        status: 0,
                        message: "the server's epoch changed twice during one sync".into(),
                    }
                    .into());
                }
                // The server was restored from a backup: what we cached may no longer exist
                // there.
                tracing::warn!(
                    "the server's epoch changed: dropping the cached server state and pulling again"
                );
                local.call(|s| s.reset_server_state()).await?;
                restarted = true;
                continue 'restart;
            }
            if page.has_more {
                next = Some(tokio::spawn(pull_page(client.clone(), page.cursor)));
                if !*bulk {
                    local.call(|s| s.bulk_pull(true)).await?;
                    *bulk = true;
                }
            }
            pulled += page.changes.len();
            notices.extend(
                local
                    .call(move |s| s.apply_pull(&page.epoch, &page.changes, page.cursor, news))
                    .await?,
            );
        }
        return Ok((pulled, notices));
    }
}

async fn pull_page(
    client: Client,
    cursor: i64,
) -> Result<rounds_core::wire::PullResponse, SyncError> {
    client.pull(cursor, PULL_LIMIT).await
}
