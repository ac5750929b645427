// UI-side types for IPC payloads that are not (yet) generated from Rust.
import type { Campus, Department, Status, SyncStatus, UserPublic } from './bindings';

export type Directory = { campuses: Campus[]; departments: Department[]; users: UserPublic[] };

export type TransitionOffer = { to: Status; reason_required: boolean };
export type TicketActions = {
  transitions: TransitionOffer[];
  can_edit: boolean;
  can_assign: boolean;
  can_internal: boolean;
};

export type MonitorInfo = { index: number; name: string; width: number; height: number; primary: boolean };
export type Capture = { data_url: string; width: number; height: number };

export type NoticeKind = 'assigned' | 'comment' | 'status' | 'escalation';
export type Notice = { kind: NoticeKind; title: string; body: string; ticket_id: string | null };

export type View = 'report' | 'list' | 'triage' | 'settings';
export type Locale = 'zh-CN' | 'en';
export type Theme = 'system' | 'light' | 'dark';

export type ServerCheck = { ok: true; server: string };
export type StatusEvent = SyncStatus;
