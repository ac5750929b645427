// The one door to the Rust side. Every Tauri command and event goes through here so tests can
// mock this module, and a plain browser (`npm run dev`) falls back to an in-memory backend.
import type {
  AppError,
  Comment,
  Conflict,
  Retry,
  ScrollBench,
  ScrollReport,
  StartupMarks,
  Status,
  SyncStatus,
  TicketDraft,
  TicketPatch,
  UserPublic,
} from './bindings';
import type {
  Capture,
  Directory,
  Locale,
  MonitorInfo,
  OnDuty,
  RosterImport,
  ServerCheck,
  Shift,
  ShiftRequest,
  Ticket,
  TicketActions,
  TicketFilter,
  TicketPage,
  TicketView,
  UiNotice,
  View,
} from './types';

import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';

type Unlisten = () => void;

export function inTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

/** Turns anything a command rejects with into `{code, message}`. */
export function toAppError(e: unknown): AppError {
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    return { code: (e as AppError).code, message: String((e as AppError).message) };
  }
  if (typeof e === 'string') return { code: 'local', message: e };
  return { code: 'local', message: e instanceof Error ? e.message : String(e) };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    // Imported with the bundle, not on the first call: a second module to fetch would hold
    // the first screen's first request back.
    if (inTauri()) return await invoke<T>(cmd, args);
    const { mockInvoke } = await import('./mock');
    return (await mockInvoke(cmd, args ?? {})) as T;
  } catch (e) {
    throw toAppError(e);
  }
}

async function on<T>(event: string, handler: (payload: T) => void): Promise<Unlisten> {
  if (inTauri()) return listen<T>(event, (e) => handler(e.payload));
  const { mockListen } = await import('./mock');
  return mockListen(event, handler as (p: unknown) => void);
}

export const api = {
  status: () => call<SyncStatus>('status'),
  serverCheck: (server: string) => call<ServerCheck>('server_check', { server }),
  login: (server: string, username: string, password: string) =>
    call<UserPublic>('login', { server, username, password }),
  logout: () => call<null>('logout'),
  directory: () => call<Directory>('directory'),
  ticketPage: (filter: Partial<TicketFilter>) => call<TicketPage>('ticket_page', { filter }),
  ticket: (id: string) => call<TicketView>('ticket', { id }),
  ticketActions: (id: string) => call<TicketActions>('ticket_actions', { id }),
  ticketCreate: (draft: TicketDraft) => call<Ticket>('ticket_create', { draft }),
  ticketUpdate: (id: string, patch: Partial<TicketPatch>) => call<Ticket>('ticket_update', { id, patch }),
  ticketTransition: (id: string, to: Status, reason: string | null) =>
    call<Ticket>('ticket_transition', { id, to, reason }),
  commentAdd: (id: string, body: string, internal: boolean) =>
    call<Comment>('comment_add', { id, body, internal }),
  attachmentAdd: (dataBase64: string, contentType: string, filename: string | null) =>
    call<string>('attachment_add', { dataBase64, contentType, filename }),
  attachmentUrl: (sha256: string) => call<string>('attachment_url', { sha256 }),
  syncNow: () => call<SyncStatus>('sync_now'),
  conflicts: () => call<Conflict[]>('conflicts'),
  // Fields left out take their defaults on the Rust side (`Retry` is `serde(default)`).
  conflictRetry: (opId: string, retry?: Partial<Retry>) => call<null>('conflict_retry', { opId, retry: retry ?? null }),
  conflictDiscard: (opId: string) => call<null>('conflict_discard', { opId }),
  monitors: () => call<MonitorInfo[]>('monitors'),
  captureScreen: (monitor: number) => call<Capture>('capture_screen', { monitor }),
  setLocale: (locale: Locale) => call<null>('set_locale', { locale }),
  // On-call roster: server only (not cached), so every call needs the network.
  /** Shifts ending after `from` and starting before `to` (RFC 3339), by campus then start. */
  oncallShifts: (campus: string | null, from: string | null, to: string | null) =>
    call<Shift[]>('oncall_shifts', { campus, from, to }),
  /** Admin only; 409 `conflict` when it overlaps a shift of the same campus. */
  oncallAdd: (shift: ShiftRequest) => call<Shift>('oncall_add', { shift }),
  oncallDelete: (id: string) => call<null>('oncall_delete', { id }),
  /** CSV `campus,starts_at,ends_at,primary,backup`, all or nothing. */
  oncallImport: (csv: string) => call<RosterImport>('oncall_import', { csv }),
  oncallNow: (campus: string) => call<OnDuty>('oncall_now', { campus }),
  /** Once per run, when the first screen with data is up (the shell's cold-start mark). */
  uiReady: (rows: number, marks: StartupMarks) => call<ScrollBench | null>('ui_ready', { rows, marks }),
  benchScrollReport: (report: ScrollReport) => call<null>('bench_scroll_report', { report }),

  onStatus: (h: (s: SyncStatus) => void) => on<SyncStatus>('rounds://status', h),
  onNotice: (h: (n: UiNotice) => void) => on<UiNotice>('rounds://notice', h),
  onOpenTicket: (h: (p: { id: string }) => void) => on<{ id: string }>('rounds://open-ticket', h),
  onNavigate: (h: (p: { view: View }) => void) => on<{ view: View }>('rounds://navigate', h),
};

export type Api = typeof api;
