//! Helpers shared by the store's integration tests.

use chrono::{DateTime, Utc};
use rounds_core::model::{Channel, MaintenanceType, Severity, Status, Ticket, WorkType};
use uuid::Uuid;

/// A pulled ticket with this title, created at `at`, reported by user 1, plain elsewhere.
pub fn pulled(id: Uuid, title: &str, at: DateTime<Utc>) -> Ticket {
    Ticket {
        id,
        number: Some(format!("R-2026-9{:05}", id.as_u128())),
        title: title.into(),
        description: "现场检查".into(),
        campus: "main".into(),
        department: "main-ivf".into(),
        location: None,
        reporter: Uuid::from_u128(1),
        assignee: None,
        severity: Severity::new(3).unwrap(),
        status: Status::New,
        work_type: WorkType::DailyOps,
        maintenance_type: MaintenanceType::Corrective,
        channel: Channel::Desktop,
        attachments: vec![],
        created_at: at,
        updated_at: at,
        acknowledged_at: None,
        resolved_at: None,
        closed_at: None,
        sla: None,
    }
}
