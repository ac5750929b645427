// UI-side types. Everything the backend sends comes from `bindings.ts` (generated from Rust);
// this file only adds (1) UI state types and (2) the upcoming wire fields the brief announced
// but the generated file does not have yet (SLA, search rows, list filter/page). When ts-rs
// emits them, replace the local definitions below with re-exports from `bindings.ts`.
import type * as B from './bindings';

export type {
  Campus,
  Capture,
  Directory,
  Locale,
  MonitorInfo,
  ServerCheck,
  TicketActions,
  TransitionOption,
  UiNotice,
} from './bindings';

export type View = 'report' | 'list' | 'triage' | 'settings';
export type Theme = 'system' | 'light' | 'dark';

// ---- upcoming wire types (not generated yet) ------------------------------------------

export type EscalationTarget = 'response' | 'resolution';
export type Escalation = { target: EscalationTarget; percent: number; step: number; at: string; notified: string[] };

export type ChecklistKey = 'acknowledge' | 'assess_scope' | 'inform_it' | 'restore_service' | 'root_cause_report';
export type ChecklistStep = { key: ChecklistKey; done_at: string | null; done_by: string | null; due: string | null };

export type TicketSla = {
  response_due: string | null;
  resolution_due: string | null;
  response_breached: boolean;
  resolution_breached: boolean;
  responded_at: string | null;
  paused: boolean;
  business_seconds: number;
  escalations: Escalation[];
  checklist: ChecklistStep[] | null;
};

/** A ticket as the UI reads it: `sla` may be absent (older backend) or null. */
export type Ticket = B.Ticket & { sla?: TicketSla | null };
/** A list row; `snippet` (search excerpt, matches between U+E000/U+E001) may be absent. */
export type TicketRow = Omit<B.TicketRow, 'ticket'> & { ticket: Ticket; snippet?: string | null };
export type TicketView = Omit<B.TicketView, 'ticket'> & { ticket: Ticket };

export type TicketSort = 'newest' | 'oldest' | 'updated' | 'relevance' | 'triage';
/** The list filter; every field optional on the wire (`#[serde(default)]`). */
export type TicketFilter = {
  status?: B.Status[] | null;
  severity?: number[] | null;
  campus?: string | null;
  department?: string | null;
  assignee?: string | null;
  unassigned?: boolean;
  reporter?: string | null;
  q?: string | null;
  sort?: TicketSort;
  offset?: number;
  limit?: number | null;
};
export type TicketPage = { total: number; rows: TicketRow[] };
