//! Deterministic, seeded generator of realistic Rounds data, for demos, tests and benchmarks.
//!
//! Rounds is the IT maintenance helpdesk of a provincial reproductive-medicine hospital with
//! three campuses. This crate gives:
//!
//! - fixed reference data: [`campuses`] (3), [`departments`] (23, among them 信息科
//!   `main-it`) and [`demo_users`] (one `admin`, dispatchers, engineers, reporters, with
//!   public demo passwords such as [`DEMO_PASSWORD`]);
//! - generated tickets: [`Generator`] (an endless iterator), [`tickets`] and [`stream`];
//!   with the `pulled` feature, as the changes a client pulls (`pulled::Pulled`).
//!   Tickets read like real reports (HIS, PACS, LIS, 电子病历, 物资, 资产, 财务, 人事,
//!   统一身份认证, printers, network, VPN, 叫号, 自助机, 医保接口, 数据字典, 权限, 密码,
//!   备份恢复 ...), about 80 % Chinese and 20 % English or mixed, composed from fixed lists
//!   (scenario × department × place × numbers × detail sentences), so a million of them are
//!   varied while every word comes from this crate.
//!
//! # Invariants
//!
//! - **Same seed, same data, forever, on every platform.** The output depends only on the
//!   seed and this crate's lists. The random stream is ChaCha8 keyed by SplitMix64 from the
//!   seed; all draws use this crate's own 32-bit integer arithmetic (no `usize`, no floats,
//!   no `rand` distribution whose algorithm could change). The golden test pins the output:
//!   editing a list changes every seed's data and must be a deliberate, reviewed change.
//! - **Pure.** No IO, no clock, no global state. Times are relative:
//!   [`GenTicket::opened_minutes_ago`] and [`GenComment::minutes_after_open`]; the caller
//!   anchors them to its own "now".
//! - **Consistent.** A ticket's department exists and sits on the ticket's campus. Users'
//!   campuses and departments exist and agree. Codes and usernames are unique.
//! - **Valid for the server.** Titles are 1..=200 characters with no surrounding
//!   whitespace, descriptions and comment bodies are non-empty and far below 20,000
//!   characters, locations at most 200 characters; every enum field holds one of the
//!   snake_case values documented on it.
//! - **Plausible.** Severity 1 is rare (about 1 %), most tickets are level 3 or 4. Older
//!   tickets are mostly resolved or closed; fresh ones new, acknowledged or in progress.
//!   0 to 5 comments per ticket, in time order, never after the ticket's "now"; internal
//!   notes are always written by an engineer.
//! - **Cheap.** About 1.3 µs per ticket in release builds, a handful of small
//!   allocations each; [`stream`] holds one ticket at a time.
//!
//! ```
//! let a = rounds_fixtures::tickets(7, 3);
//! let b: Vec<_> = rounds_fixtures::Generator::new(7).take(3).collect();
//! assert_eq!(a, b);
//! assert!(rounds_fixtures::department(a[0].department).unwrap().campus == a[0].campus);
//! ```

mod catalog;
mod generator;
#[cfg(feature = "pulled")]
pub mod pulled;
mod specs;

pub use generator::{GenComment, GenTicket, Generator, stream, tickets};
pub use specs::{
    CampusSpec, DEMO_ADMIN_PASSWORD, DEMO_PASSWORD, DepartmentSpec, UserSpec, campus, campuses,
    demo_users, department, departments,
};

#[cfg(test)]
mod tests;
