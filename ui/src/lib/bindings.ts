// Hand-written stand-in for the ts-rs output; the lead's generated file replaces it.
// Shapes follow the Rust serde JSON exactly (snake_case, Option<T> -> T | null,
// times RFC3339 strings, Uuid -> string).

export type Status = 'new' | 'acknowledged' | 'in_progress' | 'pending' | 'resolved' | 'closed';
export type Role = 'reporter' | 'engineer' | 'dispatcher' | 'admin';
export type WorkType = 'daily_ops' | 'bug_fix' | 'integration' | 'localization';
export type MaintenanceType = 'corrective' | 'adaptive' | 'perfective' | 'preventive';
export type Channel = 'desktop' | 'phone' | 'onsite' | 'wechat' | 'email' | 'remote';
/** Fault level, 1 (critical) to 4 (minor). */
export type Severity = number;

export type Campus = { code: string; name: string };
export type Department = { code: string; name: string; campus: string };

export type UserPublic = {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  campus: string | null;
  department: string | null;
};

export type EscalationTarget = 'response' | 'resolution';
export type Escalation = {
  target: EscalationTarget;
  percent: number;
  step: number;
  at: string;
  notified: string[];
};

export type ChecklistKey =
  | 'acknowledge'
  | 'assess_scope'
  | 'inform_it'
  | 'restore_service'
  | 'root_cause_report';
export type ChecklistStep = {
  key: ChecklistKey;
  done_at: string | null;
  done_by: string | null;
  due: string | null;
};

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

export type Ticket = {
  id: string;
  number: string | null;
  title: string;
  description: string;
  campus: string;
  department: string;
  location: string | null;
  reporter: string;
  assignee: string | null;
  severity: Severity;
  status: Status;
  work_type: WorkType;
  maintenance_type: MaintenanceType;
  channel: Channel;
  attachments: string[];
  created_at: string;
  updated_at: string;
  acknowledged_at: string | null;
  resolved_at: string | null;
  closed_at: string | null;
  sla?: TicketSla | null;
};

export type Comment = {
  id: string;
  ticket_id: string;
  author: string;
  body: string;
  internal: boolean;
  created_at: string;
};

export type TicketDraft = {
  id?: string | null;
  title: string;
  description?: string;
  campus: string;
  department: string;
  location?: string | null;
  severity: Severity;
  assignee?: string | null;
  work_type?: WorkType;
  maintenance_type?: MaintenanceType;
  channel?: Channel;
  attachments?: string[];
};

export type TicketPatch = {
  title?: string;
  description?: string;
  location?: string | null;
  severity?: Severity;
  assignee?: string | null;
  work_type?: WorkType;
  maintenance_type?: MaintenanceType;
  channel?: Channel;
  attachments_add?: string[];
  /** Required when the fault level changes. */
  reason?: string;
};

export type OpKind =
  | { type: 'ticket_create'; ticket: TicketDraft }
  | { type: 'ticket_update'; ticket_id: string; patch: TicketPatch }
  | { type: 'ticket_transition'; ticket_id: string; to: Status; reason: string | null }
  | { type: 'comment_add'; comment_id: string; ticket_id: string; body: string; internal: boolean };

export type Op = { op_id: string; at: string } & OpKind;

export type TicketRow = {
  ticket: Ticket;
  pending: boolean;
  conflict: boolean;
  snippet?: string | null;
};

export type CommentRow = Comment & { pending: boolean };

export type Conflict = { op: Op; code: string; message: string; at: string };

export type TicketView = {
  ticket: Ticket;
  comments: CommentRow[];
  pending_ops: number;
  conflicts: Conflict[];
};

export type AttachmentInfo = {
  sha256: string;
  content_type: string;
  filename: string | null;
  size: number;
  uploaded: boolean;
};

export type TicketSort = 'newest' | 'oldest' | 'updated' | 'relevance' | 'triage';

export type TicketFilter = {
  status?: Status[] | null;
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

export type SyncStatus = {
  server: string | null;
  user: UserPublic | null;
  online: boolean | null;
  syncing: boolean;
  unauthorized: boolean;
  pending_ops: number;
  conflicts: number;
  last_sync: string | null;
  last_error: string | null;
};

export type AppErrorCode =
  | 'offline'
  | 'unauthorized'
  | 'not_signed_in'
  | 'no_keychain'
  | 'validation'
  | 'forbidden'
  | 'not_found'
  | 'invalid_transition'
  | 'conflict'
  | 'locked'
  | 'server'
  | 'local';

export type AppError = { code: AppErrorCode; message: string };
