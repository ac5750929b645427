//! The live event stream: `GET /api/v1/events`, server-sent events of visible changes.
//!
//! Writers publish a [`ChangeEvent`] after each commit, in sequence order. Each subscriber
//! filters by its own visibility. A client that reconnects with `Last-Event-ID: N` first gets
//! every visible change above N from the change log (the latest state of each entity), then
//! the live stream; the subscription is opened before the replay so nothing falls in between.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use rounds_core::perm::Actor;
use rounds_core::wire::{Change, EventKind};
use tokio::sync::broadcast;

use crate::AppState;
use crate::auth::Authed;
use crate::error::ApiError;
use crate::store::{self, ChangeScope};

/// One committed change, shared by every subscriber and serialised at most once, when the
/// first subscriber sends it (a write with no listener pays nothing for the stream).
#[derive(Debug)]
pub struct ChangeEvent {
    pub seq: i64,
    pub event: EventKind,
    pub scope: ChangeScope,
    pub change: Change,
    json: std::sync::OnceLock<String>,
}

impl ChangeEvent {
    pub fn new(event: EventKind, scope: ChangeScope, change: Change) -> Self {
        ChangeEvent {
            seq: change.seq,
            event,
            scope,
            change,
            json: std::sync::OnceLock::new(),
        }
    }

    /// The `Change` JSON: `{"seq","kind","data"}`.
    pub fn json(&self) -> &str {
        self.json
            .get_or_init(|| serde_json::to_string(&self.change).unwrap_or_default())
    }

    pub fn visible_to(&self, actor: &Actor) -> bool {
        let ChangeScope {
            campus,
            department,
            internal,
        } = &self.scope;
        let (Some(campus), Some(department)) = (campus, department) else {
            return true; // directory entries
        };
        actor.sees(campus, department) && (!internal || actor.role.is_staff())
    }
}

/// Fan-out of committed changes to the open event streams.
#[derive(Clone)]
pub struct EventBus {
    tx: broadcast::Sender<Arc<ChangeEvent>>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus {
            tx: broadcast::channel(4096).0,
        }
    }
}

impl EventBus {
    pub fn publish(&self, e: ChangeEvent) {
        // No subscriber is not an error.
        if self.tx.receiver_count() > 0 {
            let _ = self.tx.send(Arc::new(e));
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<ChangeEvent>> {
        self.tx.subscribe()
    }
}

const REPLAY_PAGE: u32 = 500;

/// Server-sent events of the changes the caller may see.
#[utoipa::path(get, path = "/api/v1/events", tag = "sync",
    params(("Last-Event-ID" = Option<i64>, Header, description = "resume after this sequence")),
    responses((status = 200, description = "text/event-stream; each event's id is its sequence, its name an EventKind, its data a Change"),
              (status = 401, body = rounds_core::ErrorBody)))]
pub async fn events(
    State(state): State<AppState>,
    Authed(user): Authed,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let actor = store::actor_of(&user);
    let last_id = headers
        .get("last-event-id")
        .map(|v| {
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<i64>().ok())
                .ok_or_else(|| ApiError::validation("Last-Event-ID must be an integer sequence"))
        })
        .transpose()?;
    // Subscribe before reading the log, so that no change can fall between replay and live.
    let live = state.bus.subscribe();
    let cursor = match last_id {
        Some(id) => id,
        None => state.db.read(|tx| store::log_head(tx)).await?,
    };
    let (out, rx) = tokio::sync::mpsc::channel::<Event>(256);
    tokio::spawn(forward(
        state.clone(),
        actor,
        cursor,
        last_id.is_some(),
        live,
        out,
    ));
    let stream = tokio_stream::wrappers::ReceiverStream::new(rx).map(Ok);
    Ok(Sse::new(stream).keep_alive(
        KeepAlive::new()
            .interval(state.config.keep_alive)
            .text("keep-alive"),
    ))
}

fn sse_event(seq: i64, kind: &str, json: &str) -> Event {
    Event::default().id(seq.to_string()).event(kind).data(json)
}

/// Sends the visible changes above `cursor` from the log; returns the new cursor, or `None`
/// when the client has gone.
async fn replay(
    state: &AppState,
    actor: &Actor,
    mut cursor: i64,
    out: &tokio::sync::mpsc::Sender<Event>,
) -> Option<i64> {
    loop {
        let a = actor.clone();
        let page = state
            .db
            .read(move |tx| store::changes_page(tx, &a, cursor, REPLAY_PAGE))
            .await
            .ok()?;
        for (event, change) in &page.changes {
            let json = serde_json::to_string(change).ok()?;
            out.send(sse_event(change.seq, event, &json)).await.ok()?;
        }
        cursor = page.cursor;
        if !page.has_more {
            return Some(cursor);
        }
    }
}

async fn forward(
    state: AppState,
    actor: Actor,
    mut cursor: i64,
    resume: bool,
    mut live: broadcast::Receiver<Arc<ChangeEvent>>,
    out: tokio::sync::mpsc::Sender<Event>,
) {
    let mut closing = state.closing();
    if resume {
        match replay(&state, &actor, cursor, &out).await {
            Some(c) => cursor = c,
            None => return,
        }
    }
    loop {
        let next = tokio::select! {
            next = live.recv() => next,
            _ = closing.wait_for(|c| *c) => return,
        };
        match next {
            Ok(e) => {
                if e.seq <= cursor || !e.visible_to(&actor) {
                    continue;
                }
                cursor = e.seq;
                if out
                    .send(sse_event(e.seq, e.event.as_str(), e.json()))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            // This subscriber fell behind the live stream: catch up from the log instead.
            Err(broadcast::error::RecvError::Lagged(_)) => {
                match replay(&state, &actor, cursor, &out).await {
                    Some(c) => cursor = c,
                    None => return,
                }
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}
