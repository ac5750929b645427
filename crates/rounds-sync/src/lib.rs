//! `rounds-sync`: the network half of the Rounds offline client.
//!
//! The desktop app and the CLI keep working while the hospital network is down; this crate
//! is how they talk to the server when it is up. It holds:
//!
//! - [`Client`]: typed calls for every endpoint the offline client needs (sign-in, push,
//!   pull, attachments, directory, health), each failing with one [`SyncError`];
//! - [`events`]: the live event stream (`GET /api/v1/events`) as a
//!   `Stream` of [`ServerEvent`]s, over a pure, byte-fed [`SseParser`];
//! - [`Backoff`]: exponential backoff with full jitter for reconnects and retries.
//!
//! - [`plan`]: the pure sync plan (which ops to push, in which batches, which attachments to
//!   upload first), table-tested;
//! - [`run`]: carrying the plan out against the local store (`rounds-store`) and the server.
//!
//! The wire types are those of `rounds_core::wire`, shared with the server, so a request the
//! client builds is exactly what the server parses.
//!
//! Invariants:
//! - **No IO outside [`client`], [`events`] and [`run`].** [`backoff`] and the SSE parser are pure and
//!   clock-free: randomness and time are passed in, so they are table-tested.
//! - **The bearer token is never logged** and never appears in `Debug` output: [`Client`]'s
//!   `Debug` redacts it and the `Authorization` header is marked sensitive. Passwords and
//!   request bodies are not logged either.
//! - **Errors say what to do next**: [`SyncError::is_retryable`] is true exactly when trying
//!   the same request again later may succeed (the server was unreachable or failed); every
//!   other error needs the user (sign in again, wait out a lock) or is a refusal that a retry
//!   would only repeat.

pub mod backoff;
pub mod client;
pub mod events;
pub mod plan;
pub mod run;

pub use backoff::Backoff;
pub use client::{Client, ClientConfigError, ClientOptions, SyncError};
pub use events::{EventStream, ServerEvent, SseEvent, SseParser, subscribe};
