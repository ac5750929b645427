// UI-side types. Everything the backend sends comes from `bindings.ts` (generated from Rust);
// this file re-exports it and adds UI state types and the all-optional list filter.
import type * as B from './bindings';

export type {
  Campus,
  Capture,
  Directory,
  Locale,
  MonitorInfo,
  OnDuty,
  RosterImport,
  ServerCheck,
  Shift,
  ShiftRequest,
  TicketActions,
  TransitionOption,
  UiNotice,
} from './bindings';

export type View = 'report' | 'list' | 'triage' | 'oncall' | 'settings';
export type Theme = 'system' | 'light' | 'dark';

// ---- wire types of the SLA record and the ticket list (generated) ----------------------

export type {
  ChecklistKey,
  ChecklistStep,
  Escalation,
  SlaTargetKind as EscalationTarget,
  Ticket,
  TicketPage,
  TicketRow,
  TicketSla,
  TicketSort,
  TicketView,
} from './bindings';

/** The list filter; every field optional on the wire (`#[serde(default)]`). */
export type TicketFilter = Partial<B.TicketFilter>;
