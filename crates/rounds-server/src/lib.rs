//! `rounds-server`: the backend one hospital runs on one small machine.
//!
//! An axum HTTP API over an embedded SQLite database in one data directory. The crate is a
//! library — [`router`] builds the app, [`serve`] runs it on any listener with graceful
//! shutdown — so tests start the real server on `127.0.0.1:0`; `main.rs` is the command line.
//!
//! Invariants: every mutation runs in one transaction with its audit row and change-log row;
//! every error is `{"error":{"code","message"}}` with a 4xx for a client's mistake; visibility
//! (campus, department, internal notes) is enforced on every read path: REST, pull and events.

pub mod alerts;
#[allow(unsafe_code)]
pub mod allocator;
pub mod attachments;
pub mod auth;
pub mod backup;
pub mod db;
pub mod demo;
pub mod directory;
pub mod error;
pub mod events;
pub mod oncall;
pub mod openapi;
pub mod ops;
pub mod sla;
pub mod store;
pub mod sync;
pub mod tickets;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use tokio::net::TcpListener;

pub use db::Db;
pub use events::EventBus;

/// What the server reads the time from. Tests inject a controllable clock.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    /// A token unused for this long expires; each use slides it forward.
    pub token_ttl: chrono::Duration,
    pub max_attachment_bytes: usize,
    pub max_json_bytes: usize,
    /// Interval of SSE keep-alive comments.
    pub keep_alive: Duration,
    pub reader_connections: usize,
    /// Longest sleep of the escalation and alert workers between looks at their queues.
    pub worker_poll: Duration,
}

impl Config {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Config {
            data_dir: data_dir.into(),
            token_ttl: chrono::Duration::days(14),
            max_attachment_bytes: rounds_core::attachment::DEFAULT_MAX_BYTES,
            max_json_bytes: 2 * 1024 * 1024,
            keep_alive: Duration::from_secs(15),
            reader_connections: 4,
            worker_poll: Duration::from_secs(1),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub bus: EventBus,
    /// SLA targets, business calendar and escalation settings from the data directory.
    pub sla: Arc<sla::SlaSettings>,
    clock: Clock,
    /// Flips to `true` when shutdown starts, ending the endless event streams.
    closing: Arc<tokio::sync::watch::Sender<bool>>,
}

impl AppState {
    /// Opens the database in `config.data_dir` (migrating it) with the system clock.
    pub fn open(config: Config) -> Result<Self, db::DbOpenError> {
        Self::open_with_clock(config, Arc::new(Utc::now))
    }

    pub fn open_with_clock(config: Config, clock: Clock) -> Result<Self, db::DbOpenError> {
        let bus = EventBus::default();
        let sla =
            Arc::new(sla::SlaSettings::load(&config.data_dir).map_err(db::DbOpenError::Settings)?);
        let db = Db::open(
            &config.data_dir,
            config.reader_connections,
            bus.clone(),
            sla.clone(),
        )?;
        let closing = Arc::new(tokio::sync::watch::channel(false).0);
        Ok(AppState {
            config: Arc::new(config),
            db,
            bus,
            sla,
            clock,
            closing,
        })
    }

    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// The current time, truncated to the microseconds the database stores, so that what a
    /// handler answers equals what a later read returns.
    pub fn now(&self) -> DateTime<Utc> {
        store::micros((self.clock)())
    }
}

async fn healthz() -> &'static str {
    "ok"
}

/// The whole HTTP API.
pub fn router(state: AppState) -> Router {
    let json_limit = DefaultBodyLimit::max(state.config.max_json_bytes);
    let attachment_limit = DefaultBodyLimit::max(state.config.max_attachment_bytes);
    let api = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route(
            "/campuses",
            get(directory::campuses).post(directory::campus_create),
        )
        .route(
            "/departments",
            get(directory::departments).post(directory::department_create),
        )
        .route("/users", get(directory::users).post(directory::user_create))
        .route("/tickets", get(tickets::list).post(tickets::create))
        .route("/tickets/{id}", get(tickets::get).patch(tickets::patch))
        .route("/tickets/{id}/transitions", post(tickets::transition))
        .route("/tickets/{id}/checklist/{step}", post(sla::checklist_step))
        .route(
            "/oncall/shifts",
            get(oncall::shifts).post(oncall::shift_create),
        )
        .route(
            "/oncall/shifts/{id}",
            axum::routing::delete(oncall::shift_delete),
        )
        .route("/oncall/import", post(oncall::import))
        .route("/oncall/now", get(oncall::now))
        .route(
            "/alerts/endpoints",
            get(alerts::endpoints).post(alerts::endpoint_create),
        )
        .route(
            "/alerts/endpoints/{id}",
            axum::routing::delete(alerts::endpoint_delete),
        )
        .route("/alerts/deliveries", get(alerts::deliveries))
        .route(
            "/tickets/{id}/comments",
            get(tickets::comments).post(tickets::comment_create),
        )
        .route("/sync/push", post(sync::push))
        .route("/sync/pull", get(sync::pull))
        .route("/events", get(events::events))
        .layer(json_limit)
        .route(
            "/attachments",
            post(attachments::upload).layer(attachment_limit),
        )
        .route("/attachments/{sha256}", get(attachments::download));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/openapi.json", get(openapi::serve_spec))
        .nest("/api/v1", api)
        .fallback(|| async { error::ApiError::not_found("no such endpoint") })
        .layer(axum::middleware::from_fn(error::json_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::refuse_oversize,
        ))
        .layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(
                |req: &axum::extract::Request| {
                    let route = req
                        .extensions()
                        .get::<axum::extract::MatchedPath>()
                        .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
                    tracing::info_span!("request", method = %req.method(), route)
                },
            ),
        )
        .with_state(state)
}

/// Serves the API on `listener` until `shutdown` resolves, then finishes the requests in
/// flight. Event streams are endless, so they are cut when shutdown starts.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let closing = state.closing.clone();
    let poll = state.config.worker_poll;
    let escalations = tokio::spawn(sla::run_worker(state.clone(), poll));
    let deliveries = tokio::spawn(alerts::run_worker(state.clone(), poll));
    let app = router(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        closing.send_replace(true);
    })
    .await?;
    let _ = escalations.await;
    let _ = deliveries.await;
    Ok(())
}
