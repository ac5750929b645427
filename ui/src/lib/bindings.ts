// Generated from the Rust types by `UPDATE_BINDINGS=1 cargo test -p rounds-desktop --test bindings`.
// Do not edit by hand: the test fails when this file and the Rust types disagree.

export type Severity = number;

export type Status = "new" | "acknowledged" | "in_progress" | "pending" | "resolved" | "closed";

export type Role = "reporter" | "engineer" | "dispatcher" | "admin";

export type WorkType = "daily_ops" | "bug_fix" | "integration" | "localization";

export type MaintenanceType = "corrective" | "adaptive" | "perfective" | "preventive";

export type Channel = "desktop" | "phone" | "onsite" | "wechat" | "email" | "remote";

export type Campus = { code: string, name: string, };

export type Department = { 
/**
 * Unique across the hospital, not only within its campus.
 */
code: string, name: string, campus: string, };

export type UserPublic = { id: string, username: string, display_name: string, role: Role, 
/**
 * For staff: the one campus they are limited to, or none for all campuses.
 * For reporters: the campus of their department.
 */
campus: string | null, department: string | null, };

export type SlaTargetKind = "response" | "resolution";

export type Escalation = { target: SlaTargetKind, percent: number, step: number, 
/**
 * When it was carried out (after a server stop, later than `due`).
 */
at: string, 
/**
 * When it was due.
 */
due: string, 
/**
 * The users notified.
 */
notified: Array<string>, };

export type ChecklistKey = "acknowledge" | "assess_scope" | "inform_it" | "restore_service" | "root_cause_report";

export type ChecklistStep = { key: ChecklistKey, done_at: string | null, done_by: string | null, due: string | null, };

export type TicketSla = { 
/**
 * `None` only while the clock is paused and the due time is not known yet.
 */
response_due: string | null, resolution_due: string | null, response_breached: boolean, resolution_breached: boolean, 
/**
 * `Some(true/false)` once the response clock stopped; `None` while it runs.
 */
response_met: boolean | null, resolution_met: boolean | null, responded_at: string | null, 
/**
 * In `pending`: the clocks do not run.
 */
paused: boolean, 
/**
 * Counted seconds of the resolution target so far (business seconds on the business
 * clock, real seconds on 24x7), pauses excluded.
 */
business_seconds: number, 
/**
 * Counted seconds of the response target so far.
 */
response_seconds: number, 
/**
 * Every escalation so far, oldest first. Each (target, percent) appears at most once.
 */
escalations: Array<Escalation>, 
/**
 * The emergency checklist, for levels 1 and 2.
 */
checklist: Array<ChecklistStep> | null, };

export type Ticket = { 
/**
 * UUIDv7 made by whoever created the ticket, possibly offline.
 */
id: string, 
/**
 * Human number such as `R-2026-000123`, assigned by the server on first sight;
 * `None` while the ticket exists only in a client's cache.
 */
number: string | null, title: string, description: string, campus: string, department: string, location: string | null, reporter: string, assignee: string | null, severity: Severity, status: Status, work_type: WorkType, maintenance_type: MaintenanceType, channel: Channel, 
/**
 * SHA-256 hex digests of attached files, sorted (a grow-only set; see [`crate::merge`]).
 */
attachments: Array<string>, created_at: string, updated_at: string, acknowledged_at: string | null, resolved_at: string | null, closed_at: string | null, 
/**
 * The SLA clocks, escalations and emergency checklist, computed by the server on every
 * write; clients keep it as received and never compute it (and no patch can set it).
 */
sla?: TicketSla | null, };

export type Comment = { id: string, ticket_id: string, author: string, body: string, 
/**
 * Internal notes are for staff only and never reach a reporter, on any path.
 */
internal: boolean, created_at: string, };

export type TicketDraft = { 
/**
 * Client-made UUIDv7; the server makes one when absent.
 */
id?: string | null, title: string, description: string, campus: string, department: string, location?: string | null, severity: Severity, assignee?: string | null, work_type: WorkType, maintenance_type: MaintenanceType, channel: Channel, attachments: Array<string>, };

export type TicketPatch = { title?: string, description?: string, location?: string | null, severity?: Severity, assignee?: string | null, work_type?: WorkType, maintenance_type?: MaintenanceType, channel?: Channel, 
/**
 * Attachments to add (the set only grows).
 */
attachments_add?: Array<string>, 
/**
 * Why: required when the fault level changes, recorded in the audit log.
 */
reason?: string, };

export type Op = { 
/**
 * Client-made UUIDv7; the server applies an op id at most once.
 */
op_id: string, 
/**
 * When the user made the change, by the client's clock. The server clamps it to the
 * present and uses it for the timestamps the SLA clock reads.
 */
at: string, } & ({ "type": "ticket_create", ticket: TicketDraft, } | { "type": "ticket_update", ticket_id: string, patch: TicketPatch, } | { "type": "ticket_transition", ticket_id: string, to: Status, reason: string | null, } | { "type": "comment_add", comment_id: string, ticket_id: string, body: string, internal: boolean, });

export type OpKind = { "type": "ticket_create", ticket: TicketDraft, } | { "type": "ticket_update", ticket_id: string, patch: TicketPatch, } | { "type": "ticket_transition", ticket_id: string, to: Status, reason: string | null, } | { "type": "comment_add", comment_id: string, ticket_id: string, body: string, internal: boolean, };

export type CommentRow = { pending: boolean, id: string, ticket_id: string, author: string, body: string, 
/**
 * Internal notes are for staff only and never reach a reporter, on any path.
 */
internal: boolean, created_at: string, };

export type TicketRow = { ticket: Ticket, 
/**
 * Changes to it wait in the outbox.
 */
pending: boolean, 
/**
 * Changes to it were refused by the server.
 */
conflict: boolean, 
/**
 * With a search query: an excerpt of the best matching field, every match wrapped in
 * [`rounds_core::query::MARK_START`] and [`rounds_core::query::MARK_END`]
 * (U+E000, U+E001), so a UI can highlight without parsing HTML. Plain text otherwise.
 */
snippet?: string | null, };

export type TicketView = { ticket: Ticket, comments: Array<CommentRow>, pending_ops: number, conflicts: Array<Conflict>, };

export type TicketSort = "newest" | "oldest" | "updated" | "relevance" | "triage";

export type TicketFilter = { status: Array<Status> | null, severity: Array<number> | null, campus: string | null, department: string | null, assignee: string | null, 
/**
 * Only tickets nobody is assigned to.
 */
unassigned: boolean, 
/**
 * Only tickets this user reported.
 */
reporter: string | null, 
/**
 * A search query, as [`rounds_core::query`] defines it.
 */
q: string | null, sort: TicketSort, 
/**
 * Rows to skip (for a virtualised list).
 */
offset: number, limit: number | null, };

export type TicketPage = { 
/**
 * Tickets matching the filter, ignoring `offset` and `limit`. With a search query,
 * at most [`SEARCH_TOTAL_CAP`]: when more match, `total` is the cap and
 * `total_capped` is set (show "10,000+"; the list can still page past it).
 */
total: number, 
/**
 * `total` is a lower bound: more tickets match than were counted.
 */
total_capped: boolean, rows: Array<TicketRow>, };

export type Conflict = { op: Op, code: string, message: string, at: string, 
/**
 * The attachment (SHA-256) the server refused, when that is why the op was refused: the
 * op can be retried without it.
 */
attachment: string | null, };

export type AttachmentInfo = { sha256: string, content_type: string, filename: string | null, size: number, uploaded: boolean, };

export type AppErrorCode = "offline" | "unauthorized" | "not_signed_in" | "no_keychain" | "validation" | "forbidden" | "not_found" | "invalid_transition" | "conflict" | "locked" | "server" | "local" | "disk_full";

export type AppError = { code: AppErrorCode, message: string, };

export type SyncStatus = { server: string | null, 
/**
 * The last user signed in to this profile; kept after signing out, because the cache
 * and any pending work are theirs.
 */
user: UserPublic | null, 
/**
 * A session is held: false after signing out, until the next sign-in. A refused session
 * is still held (see `unauthorized`).
 */
signed_in: boolean, 
/**
 * `None` until the first attempt to reach the server.
 */
online: boolean | null, syncing: boolean, 
/**
 * The session was refused: sign in again (pending work is kept).
 */
unauthorized: boolean, pending_ops: number, conflicts: number, last_sync: string | null, 
/**
 * Why the last sync failed, until one succeeds: the UI words it by its code.
 */
last_error: AppError | null, 
/**
 * Tickets a first sync stored that the search index has not reached yet
 * ([`App::index_backlog`]); a search made meanwhile waits for them.
 */
search_backlog: number, };

export type Directory = { campuses: Array<Campus>, departments: Array<Department>, users: Array<UserPublic>, };

export type TransitionOption = { to: Status, reason_required: boolean, };

export type TicketActions = { transitions: Array<TransitionOption>, 
/**
 * Edit title, description, location and the type fields.
 */
can_edit: boolean, 
/**
 * Set the assignee and the fault level.
 */
can_assign: boolean, 
/**
 * Write and read internal notes.
 */
can_internal: boolean, };

export type Retry = { 
/**
 * A new target status, for a transition.
 */
to: Status | null, 
/**
 * A new body, for a comment.
 */
body: string | null, 
/**
 * Leave out the attachment the server refused ([`Conflict::attachment`]).
 */
without_attachment: boolean, };

export type NoticeKind = "assigned" | "comment" | "status" | "escalation";

export type Notice = { kind: NoticeKind, ticket_id: string, number: string | null, 
/**
 * The ticket's title.
 */
title: string, 
/**
 * The new status, for [`NoticeKind::Status`].
 */
status: Status | null, 
/**
 * The comment's text, or what the escalation says.
 */
detail: string | null, };

export type UiNotice = { kind: NoticeKind, title: string, body: string, ticket_id: string, };

export type ServerCheck = { ok: boolean, 
/**
 * The address as it will be used (normalised).
 */
server: string, };

export type StartupMarks = { 
/**
 * `performance.timeOrigin`: when the page started loading, on the Unix epoch.
 */
timeOrigin: number, 
/**
 * When the bundle began to run, relative to `time_origin`.
 */
script: number, 
/**
 * When the session's status answered, relative to `time_origin`.
 */
status: number | null, 
/**
 * When the first page of the ticket list answered, relative to `time_origin` (not on a
 * reporter's first screen).
 */
list: number | null, };

export type ScrollBench = { frames: number, rows_per_frame: number, };

export type ScrollReport = { frames: number, p50_ms: number, p95_ms: number, max_ms: number, 
/**
 * Frames that took longer than 50 ms (a "long frame", visible as a stutter).
 */
long_frames: number, 
/**
 * How far the list went, in rows.
 */
rows: number, };

export type MonitorInfo = { index: number, name: string, width: number, height: number, primary: boolean, };

export type Capture = { 
/**
 * `data:image/png;base64,...`
 */
data_url: string, width: number, height: number, };

export type Locale = "zh-CN" | "en";

export type Shift = { id: string, campus: string, starts_at: string, ends_at: string, primary: string, backup: string | null, };

export type ShiftRequest = { campus: string, starts_at: string, ends_at: string, primary: string, backup: string | null, };

export type OnDuty = { campus: string, at: string, 
/**
 * `None` when no shift covers the instant.
 */
shift: Shift | null, primary: UserPublic | null, backup: UserPublic | null, };

export type RosterImport = { imported: number, };
