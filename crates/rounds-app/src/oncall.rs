//! The on-call roster, read and edited on the server.
//!
//! Unlike tickets, the roster is not cached: it is an administrator's planning tool, and
//! "who is on duty now" is only worth asking the server, which pages that person. Every call
//! here needs the network and fails with `offline` without it; nothing is queued.

use chrono::{DateTime, Utc};
use rounds_core::oncall::{OnDuty, RosterImport, Shift, ShiftRequest};
use uuid::Uuid;

use crate::{App, AppResult};

impl App {
    /// Shifts of `campus` (every campus the user sees when `None`) overlapping `[from, to)`.
    pub async fn oncall_shifts(
        &self,
        campus: Option<&str>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> AppResult<Vec<Shift>> {
        Ok(self.client().await?.oncall_shifts(campus, from, to).await?)
    }

    /// Adds a shift (administrators). Overlapping another shift of the campus is `conflict`.
    pub async fn oncall_add(&self, shift: &ShiftRequest) -> AppResult<Shift> {
        Ok(self.client().await?.oncall_add(shift).await?)
    }

    /// Removes a shift (administrators).
    pub async fn oncall_delete(&self, id: Uuid) -> AppResult<()> {
        Ok(self.client().await?.oncall_delete(id).await?)
    }

    /// Imports a CSV roster (`campus,starts_at,ends_at,primary,backup`), all or nothing.
    pub async fn oncall_import(&self, csv: &str) -> AppResult<RosterImport> {
        Ok(self.client().await?.oncall_import(csv).await?)
    }

    /// Who is on duty for `campus` now.
    pub async fn oncall_now(&self, campus: &str) -> AppResult<OnDuty> {
        Ok(self.client().await?.oncall_now(campus).await?)
    }
}
