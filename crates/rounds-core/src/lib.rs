//! Rounds domain core: the vocabulary every other crate speaks.
//!
//! This crate holds the ticket model, the status machine, the permission matrix, the
//! per-field merge rule used by sync, the SLA clock and the JSON wire types shared by the
//! server and the clients. It is pure: no IO, no database, no network, and no rule reads the
//! wall clock — callers pass `now` in, so every rule is deterministic and table-testable.
//!
//! Invariants kept here and relied on elsewhere:
//! - a [`model::Ticket`] that passed [`model::TicketDraft::validate`] has a trimmed title of
//!   1..=200 characters and a description of at most 20,000 characters;
//! - [`perm::decide`] is the only place that answers "may this actor do this to this ticket";
//! - [`merge::apply_patch`] is order-independent for a set of patches (a per-field
//!   last-writer-wins register keyed by the op id, a UUIDv7).

pub mod attachment;
pub mod error;
pub mod merge;
pub mod model;
pub mod notices;
pub mod oncall;
pub mod perm;
pub mod query;
pub mod sla;
pub mod status;
pub mod wire;

pub use error::{ErrorBody, ErrorCode};
pub use model::{
    Campus, Channel, Comment, Department, MaintenanceType, Role, Severity, Status, Ticket,
    UserPublic, WorkType,
};
