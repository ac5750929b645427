//! The background sync task: syncs after every local change, when the server announces a
//! change on its event stream, and every `interval` otherwise; backs off with jitter while the
//! server is unreachable, and waits for a new sign-in after the session was refused. After a
//! sync that left tickets for the search index (a first sync), a third task indexes them.
//!
//! The event stream only wakes the sync: what a change means to the user (a notice) is
//! decided when the sync applies it, so nothing depends on which events arrived.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use rounds_sync::Backoff;

use crate::{App, AppErrorCode};

/// A running background task; dropping it stops the task.
#[derive(Debug)]
pub struct Background {
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Background {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Starts syncing `app` in the background, and indexing what its syncs leave for the search
/// index.
pub fn start(app: Arc<App>, interval: Duration) -> Background {
    let sync = tokio::spawn(sync_loop(app.clone(), interval));
    let events = tokio::spawn(event_loop(app.clone()));
    let index = tokio::spawn(index_loop(app));
    Background {
        tasks: vec![sync, events, index],
    }
}

/// Works off the search backlog after every sync attempt, and at start (a backlog left when
/// the app was closed during the work), beside the sync rather than in its way.
async fn index_loop(app: Arc<App>) {
    loop {
        match app.index_backlog().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(tickets = n, "search index caught up"),
            Err(e) => tracing::warn!(error = %e, "indexing the search backlog failed"),
        }
        app.synced().await;
    }
}

async fn sync_loop(app: Arc<App>, interval: Duration) {
    let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(60));
    loop {
        match app.sync_now().await {
            Ok(_) => {
                backoff.reset();
                tokio::select! {
                    _ = app.kicked() => {}
                    _ = tokio::time::sleep(interval) => {}
                }
            }
            Err(e)
                if matches!(
                    e.code,
                    AppErrorCode::Unauthorized | AppErrorCode::NotSignedIn
                ) =>
            {
                // Nothing to do until someone signs in again.
                app.kicked().await;
            }
            Err(e) => {
                let delay = backoff.next_random_delay();
                tracing::debug!(error = %e, ?delay, "sync failed; retrying later");
                tokio::select! {
                    _ = app.kicked() => {}
                    _ = tokio::time::sleep(delay) => {}
                }
            }
        }
    }
}

async fn event_loop(app: Arc<App>) {
    let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(60));
    let mut last_id = None;
    let mut session = app.session_changes();
    loop {
        session.borrow_and_update();
        if let Ok(client) = app.client().await
            && let Ok(mut stream) = rounds_sync::subscribe(&client, last_id).await
        {
            backoff.reset();
            loop {
                tokio::select! {
                    item = stream.next() => match item {
                        Some(Ok(ev)) => {
                            last_id = Some(ev.id);
                            app.kick();
                        }
                        _ => break,
                    },
                    // Another sign-in or a sign-out: the stream belongs to the old session
                    // and sees what that user may see, so it must not go on.
                    _ = session.changed() => {
                        last_id = None;
                        backoff.reset();
                        break;
                    }
                }
            }
            if session.has_changed().unwrap_or(false) {
                continue;
            }
        }
        let delay = backoff.next_random_delay();
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = session.changed() => {
                last_id = None;
                backoff.reset();
            }
        }
    }
}
