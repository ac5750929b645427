// In-memory backend for `npm run dev` in a plain browser (no Tauri). Demo data only; it
// mimics the command contract closely enough to look at every screen.
import type { CommentRow, Conflict, OnDuty, Shift, ShiftRequest, Status, SyncStatus, TicketDraft, TicketPatch, UserPublic } from './bindings';
import type { Directory, Ticket, TicketFilter, TicketRow } from './types';
import { setLocale } from './i18n/index.svelte';
import { emptyStatus } from './status';

const listeners = new Map<string, Set<(p: unknown) => void>>();
export function mockListen(event: string, h: (p: unknown) => void): () => void {
  if (!listeners.has(event)) listeners.set(event, new Set());
  listeners.get(event)!.add(h);
  return () => listeners.get(event)?.delete(h);
}
function emit(event: string, payload: unknown) {
  listeners.get(event)?.forEach((h) => h(payload));
}

const uid = () =>
  'xxxxxxxx-xxxx-7xxx-8xxx-xxxxxxxxxxxx'.replace(/x/g, () => ((Math.random() * 16) | 0).toString(16));

const dir: Directory = {
  campuses: [
    { code: 'main', name: '本部院区' },
    { code: 'east', name: '东院区' },
    { code: 'south', name: '南院区' },
  ],
  departments: [
    { code: 'main-ivf', name: '生殖医学中心', campus: 'main' },
    { code: 'main-lab', name: '检验科', campus: 'main' },
    { code: 'main-fin', name: '财务处', campus: 'main' },
    { code: 'east-op', name: '门诊部', campus: 'east' },
    { code: 'east-ward', name: '住院部', campus: 'east' },
    { code: 'south-it', name: '信息科', campus: 'south' },
  ],
  users: [
    { id: 'u-nurse', username: 'nurse.zhang', display_name: '张护士', role: 'reporter', campus: 'main', department: 'main-ivf' },
    { id: 'u-eng', username: 'eng.li', display_name: '李工', role: 'engineer', campus: null, department: null },
    { id: 'u-disp', username: 'disp.wang', display_name: '王调度', role: 'dispatcher', campus: null, department: null },
    { id: 'u-eng2', username: 'eng.zhao', display_name: '赵工', role: 'engineer', campus: 'east', department: null },
    { id: 'u-admin', username: 'admin', display_name: '管理员', role: 'admin', campus: null, department: null },
  ],
};

const titles = ['门诊3楼护士站打印机卡纸', 'HIS 登录失败', '资产模块导出报表很慢', '检验科条码打印机无法连接', '财务凭证无法保存', '工资条数据字典需要更新', 'VPN 无法连接', '住院部电脑蓝屏'];
const statuses: Status[] = ['new', 'new', 'acknowledged', 'in_progress', 'pending', 'resolved', 'closed'];
const now = Date.now();
const tickets: Ticket[] = [];
for (let i = 0; i < 2000; i++) {
  const d = dir.departments[i % dir.departments.length];
  const created = new Date(now - i * 37 * 60_000).toISOString();
  const status = statuses[i % statuses.length];
  const severity = (i % 4) + 1;
  tickets.push({
    id: `t-${i}`,
    number: i === 0 ? null : `R-2026-${String(2000 - i).padStart(5, '0')}`,
    title: titles[i % titles.length],
    description: '屏幕提示“连接超时”，已重启电脑仍然不行。',
    campus: d.campus,
    department: d.code,
    location: `${(i % 5) + 1}楼 ${(i % 30) + 1}室`,
    reporter: 'u-nurse',
    assignee: status === 'new' ? null : 'u-eng',
    severity,
    status,
    work_type: 'daily_ops',
    maintenance_type: 'corrective',
    channel: 'desktop',
    attachments: [],
    created_at: created,
    updated_at: created,
    acknowledged_at: status === 'new' ? null : created,
    resolved_at: status === 'resolved' || status === 'closed' ? created : null,
    closed_at: status === 'closed' ? created : null,
    sla:
      i % 3 === 0
        ? {
            response_due: new Date(now + (i % 7 - 3) * 3600_000).toISOString(),
            resolution_due: new Date(now + (i % 9) * 3600_000).toISOString(),
            response_breached: i % 7 < 3,
            resolution_breached: false,
            responded_at: null,
            response_met: null,
            resolution_met: null,
            paused: status === 'pending',
            business_seconds: 600,
            response_seconds: 600,
            escalations:
              severity <= 2
                ? [{ target: 'response', percent: 50, step: 1, at: created, due: created, notified: ['u-disp'] }]
                : [],
            checklist:
              severity <= 2
                ? [
                    { key: 'acknowledge', done_at: created, done_by: 'u-eng', due: created },
                    { key: 'assess_scope', done_at: null, done_by: null, due: created },
                    { key: 'inform_it', done_at: null, done_by: null, due: null },
                    { key: 'restore_service', done_at: null, done_by: null, due: null },
                    { key: 'root_cause_report', done_at: null, done_by: null, due: null },
                  ]
                : null,
          }
        : null,
  });
}
const comments = new Map<string, CommentRow[]>();
comments.set('t-1', [
  { id: 'c1', ticket_id: 't-1', author: 'u-nurse', body: '早上 8 点开始就登录不了。', internal: false, created_at: tickets[1].created_at, pending: false },
  { id: 'c2', ticket_id: 't-1', author: 'u-eng', body: '怀疑是 LDAP 证书过期，先不告诉科室。', internal: true, created_at: tickets[1].created_at, pending: false },
]);
const pendingIds = new Set(['t-0', 't-3']);
const conflictList: Conflict[] = [
  {
    op: { op_id: 'op-1', at: new Date().toISOString(), type: 'ticket_transition', ticket_id: 't-5', to: 'closed', reason: null },
    code: 'invalid_transition',
    message: 'ticket is already closed',
    at: new Date().toISOString(),
    attachment: null,
  },
];
const blobs = new Map<string, string>();
let user: UserPublic | null = null;
let signedIn = false;
let server: string | null = localStorage.getItem('rounds.mock.server');
const status = (): SyncStatus => ({
  ...emptyStatus(),
  server,
  user,
  signed_in: signedIn,
  online: true,
  pending_ops: pendingIds.size,
  conflicts: conflictList.length,
  last_sync: new Date(now - 90_000).toISOString(),
});
if (server) user = dir.users[Number(localStorage.getItem('rounds.mock.user') ?? 1)] ?? null;
signedIn = user !== null && localStorage.getItem('rounds.mock.signed_out') === null;

// Dev conveniences for looking at screens: ?as=nurse.zhang&view=triage&ticket=t-1&theme=dark
const params = new URLSearchParams(typeof location !== 'undefined' ? location.search : '');
if (params.get('lang') === 'en') setLocale('en');
if (params.get('as')) {
  user = dir.users.find((u) => u.username === params.get('as')) ?? null;
  signedIn = user !== null;
  server = 'http://127.0.0.1:8600';
}
setTimeout(() => {
  const view = params.get('view');
  if (view) emit('rounds://navigate', { view });
  const ticket = params.get('ticket');
  if (ticket) emit('rounds://open-ticket', { id: ticket });
  if (params.get('notice')) emit('rounds://notice', { kind: 'escalation', title: 'R-2026-01999 响应超时', body: '一级故障已超过响应时限的 50%，已通知调度。', ticket_id: 't-1' });
}, 400);

// ---- on-call roster (server only in the real app: `?offline=oncall` makes it unreachable) ----

const rosterOffline = params.get('offline') === 'oncall';
const shifts: Shift[] = [];
/** RFC 3339 UTC as chrono writes it (no milliseconds). */
const utc = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
{
  // This week and the next, from Monday 08:00 local: the main campus round the clock in two
  // 12-hour shifts, the east campus days only, the south campus not at all ("nobody on duty").
  const monday = new Date(now);
  monday.setHours(8, 0, 0, 0);
  monday.setDate(monday.getDate() - ((monday.getDay() + 6) % 7));
  const at = (day: number, hour: number) => {
    const d = new Date(monday);
    d.setDate(d.getDate() + day);
    d.setHours(hour);
    return utc(d.getTime());
  };
  for (let day = -7; day < 14; day++) {
    shifts.push({ id: uid(), campus: 'main', starts_at: at(day, 8), ends_at: at(day, 20), primary: day % 2 ? 'u-eng' : 'u-disp', backup: 'u-admin' });
    shifts.push({ id: uid(), campus: 'main', starts_at: at(day, 20), ends_at: at(day + 1, 8), primary: day % 2 ? 'u-disp' : 'u-eng', backup: null });
    if (((day % 7) + 7) % 7 < 5) shifts.push({ id: uid(), campus: 'east', starts_at: at(day, 8), ends_at: at(day, 20), primary: 'u-eng2', backup: day % 2 ? 'u-eng' : null });
  }
}

function rosterUser(ref: string | null | undefined, what: string): UserPublic {
  const u = dir.users.find((x) => x.id === ref || x.username === ref);
  if (!u) fail('validation', `${what}: unknown user ${JSON.stringify(ref)}`);
  if (u.role === 'reporter') fail('validation', `${what}: ${u.username} is not IT staff`);
  return u;
}

/** Checks a request like the server does; returns the shift it would store. */
function rosterShift(r: ShiftRequest, others: Shift[], where = ''): Shift {
  if (!dir.campuses.some((c) => c.code === r.campus)) fail('validation', `${where}unknown campus ${JSON.stringify(r.campus)}`);
  const s = Date.parse(r.starts_at);
  const e = Date.parse(r.ends_at);
  if (Number.isNaN(s) || Number.isNaN(e)) fail('validation', `${where}starts_at and ends_at must be RFC 3339`);
  if (e <= s) fail('validation', `${where}ends_at must be after starts_at`);
  const primary = rosterUser(r.primary, `${where}primary`);
  const backup = r.backup ? rosterUser(r.backup, `${where}backup`) : null;
  if (backup && backup.id === primary.id) fail('validation', `${where}backup must differ from primary`);
  const clash = others.find((o) => o.campus === r.campus && Date.parse(o.starts_at) < e && Date.parse(o.ends_at) > s);
  if (clash) fail('conflict', `${where}overlaps the shift ${clash.starts_at}–${clash.ends_at} on ${clash.campus}`);
  return { id: uid(), campus: r.campus, starts_at: utc(s), ends_at: utc(e), primary: primary.id, backup: backup?.id ?? null };
}

function rosterCommand(cmd: string, a: Record<string, any>): unknown {
  if (rosterOffline) fail('offline', 'error sending request: connection refused');
  if (!user) fail('not_signed_in', 'not signed in');
  if (user.role === 'reporter') fail('forbidden', 'staff only');
  const write = cmd !== 'oncall_shifts' && cmd !== 'oncall_now';
  if (write && user.role !== 'admin') fail('forbidden', 'admin only');
  const byCampusThenStart = (x: Shift, y: Shift) => x.campus.localeCompare(y.campus) || x.starts_at.localeCompare(y.starts_at);
  switch (cmd) {
    case 'oncall_shifts': {
      const from = a.from ? Date.parse(a.from) : -Infinity;
      const to = a.to ? Date.parse(a.to) : Infinity;
      return shifts
        .filter((s) => (!a.campus || s.campus === a.campus) && Date.parse(s.ends_at) > from && Date.parse(s.starts_at) < to)
        .sort(byCampusThenStart);
    }
    case 'oncall_add': {
      const s = rosterShift(a.shift, shifts);
      shifts.push(s);
      return s;
    }
    case 'oncall_delete': {
      const i = shifts.findIndex((s) => s.id === a.id);
      if (i < 0) fail('not_found', 'no such shift');
      shifts.splice(i, 1);
      return null;
    }
    case 'oncall_import': {
      const lines = String(a.csv ?? '').replace(/^\uFEFF/, '').split(/\r?\n/);
      const header = (lines[0] ?? '').split(',').map((h) => h.trim());
      if (header.join(',') !== 'campus,starts_at,ends_at,primary,backup') fail('validation', 'line 1: expected header campus,starts_at,ends_at,primary,backup');
      const added: Shift[] = [];
      lines.slice(1).forEach((line, k) => {
        if (!line.trim()) return;
        const where = `line ${k + 2}: `;
        const f = line.split(',').map((x) => x.trim());
        if (f.length < 4 || f.length > 5) fail('validation', `${where}expected 5 fields, found ${f.length}`);
        added.push(rosterShift({ campus: f[0], starts_at: f[1], ends_at: f[2], primary: f[3], backup: f[4] || null }, [...shifts, ...added], where));
      });
      shifts.push(...added);
      return { imported: added.length };
    }
    case 'oncall_now': {
      const at = new Date();
      const shift = shifts.find((s) => s.campus === a.campus && Date.parse(s.starts_at) <= at.getTime() && Date.parse(s.ends_at) > at.getTime()) ?? null;
      const find = (id: string | null | undefined) => dir.users.find((u) => u.id === id) ?? null;
      const duty: OnDuty = { campus: a.campus, at: utc(at.getTime()), shift, primary: find(shift?.primary), backup: find(shift?.backup) };
      return duty;
    }
  }
  return fail('local', `mock: unknown command ${cmd}`);
}

function matches(t: Ticket, f: TicketFilter, q: string): boolean {
  if (f.status?.length && !f.status.includes(t.status)) return false;
  if (f.severity?.length && !f.severity.includes(t.severity)) return false;
  if (f.campus && t.campus !== f.campus) return false;
  if (f.department && t.department !== f.department) return false;
  if (f.assignee && t.assignee !== f.assignee) return false;
  if (f.unassigned && t.assignee) return false;
  if (f.reporter && t.reporter !== f.reporter) return false;
  if (q && !t.title.toLowerCase().includes(q) && !t.description.toLowerCase().includes(q)) return false;
  return true;
}

function fail(code: string, message: string): never {
  throw { code, message };
}

function find(id: string): Ticket {
  return tickets.find((t) => t.id === id || t.number === id) ?? fail('not_found', 'no such ticket');
}

export async function mockInvoke(cmd: string, a: Record<string, any>): Promise<unknown> {
  await new Promise((r) => setTimeout(r, 60));
  switch (cmd) {
    case 'status':
      return status();
    case 'server_check':
      if (!/^https?:\/\/.+/.test(a.server)) fail('validation', 'not an http(s) URL');
      return { ok: true, server: a.server };
    case 'login': {
      const idx = dir.users.findIndex((u) => u.username === a.username);
      if (idx < 0 || !a.password) fail('unauthorized', 'wrong username or password');
      user = dir.users[idx];
      signedIn = true;
      localStorage.removeItem('rounds.mock.signed_out');
      server = a.server;
      localStorage.setItem('rounds.mock.server', a.server);
      localStorage.setItem('rounds.mock.user', String(idx));
      emit('rounds://status', status());
      return user;
    }
    case 'logout':
      signedIn = false;
      localStorage.setItem('rounds.mock.signed_out', '1');
      emit('rounds://status', status());
      return null;
    case 'directory':
      return dir;
    case 'ticket_page': {
      const f: TicketFilter = a.filter ?? {};
      const q = (f.q ?? '').trim().toLowerCase();
      let all = tickets.filter((t) => matches(t, f, q));
      if (f.sort === 'oldest') all = [...all].reverse();
      if (f.sort === 'triage') all = [...all].sort((x, y) => x.severity - y.severity);
      const off = f.offset ?? 0;
      const rows: TicketRow[] = all.slice(off, off + (f.limit ?? 100)).map((t) => ({
        ticket: t,
        pending: pendingIds.has(t.id),
        conflict: conflictList.some((c) => 'ticket_id' in c.op && c.op.ticket_id === t.id),
        snippet: q ? `${t.description} ${t.title}`.replace(q, `\uE000${q}\uE001`) : null,
      }));
      return { total: all.length, total_capped: false, rows };
    }
    case 'ticket': {
      const t = find(a.id);
      const visible = (comments.get(t.id) ?? []).filter((c) => user?.role !== 'reporter' || !c.internal);
      return { ticket: t, comments: visible, pending_ops: pendingIds.has(t.id) ? 1 : 0, conflicts: [] };
    }
    case 'ticket_actions': {
      const t = find(a.id);
      const staff = user?.role !== 'reporter';
      const table: Record<Status, [Status, boolean][]> = {
        new: [['acknowledged', false], ['in_progress', false], ['closed', true]],
        acknowledged: [['in_progress', false], ['pending', true], ['resolved', false]],
        in_progress: [['pending', true], ['resolved', false]],
        pending: [['in_progress', false], ['resolved', false]],
        resolved: [['closed', false], ['in_progress', true]],
        closed: [],
      };
      const transitions = table[t.status]
        .filter(([to]) => staff || to === 'closed')
        .map(([to, reason_required]) => ({ to, reason_required }));
      return { transitions, can_edit: staff, can_assign: staff, can_internal: staff };
    }
    case 'ticket_create': {
      const d: TicketDraft = a.draft;
      const at = new Date().toISOString();
      const t: Ticket = {
        id: d.id ?? uid(), number: null, title: d.title, description: d.description ?? '',
        campus: d.campus, department: d.department, location: d.location ?? null,
        reporter: user?.id ?? 'u-nurse', assignee: null, severity: d.severity, status: 'new',
        work_type: d.work_type ?? 'daily_ops', maintenance_type: d.maintenance_type ?? 'corrective',
        channel: 'desktop', attachments: d.attachments ?? [], created_at: at, updated_at: at,
        acknowledged_at: null, resolved_at: null, closed_at: null, sla: null,
      };
      tickets.unshift(t);
      pendingIds.add(t.id);
      emit('rounds://status', status());
      return t;
    }
    case 'ticket_update': {
      const t = find(a.id);
      const p: TicketPatch = a.patch;
      if (p.severity !== undefined && p.severity !== t.severity && !p.reason) fail('validation', 'reason required');
      Object.assign(t, { ...p, attachments_add: undefined, reason: undefined });
      if (p.attachments_add) t.attachments = [...new Set([...t.attachments, ...p.attachments_add])];
      t.updated_at = new Date().toISOString();
      return t;
    }
    case 'ticket_transition': {
      const t = find(a.id);
      t.status = a.to;
      if (a.to === 'acknowledged') t.acknowledged_at = new Date().toISOString();
      return t;
    }
    case 'comment_add': {
      const c: CommentRow = { id: uid(), ticket_id: a.id, author: user?.id ?? '', body: a.body, internal: a.internal, created_at: new Date().toISOString(), pending: true };
      comments.set(a.id, [...(comments.get(a.id) ?? []), c]);
      return c;
    }
    case 'attachment_add': {
      const sha = Array.from({ length: 64 }, () => ((Math.random() * 16) | 0).toString(16)).join('');
      blobs.set(sha, `data:${a.contentType};base64,${a.dataBase64}`);
      return sha;
    }
    case 'attachment_url':
      return blobs.get(a.sha256) ?? fail('offline', 'not cached');
    case 'sync_now':
      return status();
    case 'conflicts':
      return conflictList;
    case 'conflict_retry':
    case 'conflict_discard': {
      const i = conflictList.findIndex((c) => c.op.op_id === a.opId);
      if (i >= 0) conflictList.splice(i, 1);
      emit('rounds://status', status());
      return null;
    }
    case 'monitors':
      return [
        { index: 0, name: 'Built-in', width: 1280, height: 800, primary: true },
        { index: 1, name: 'HDMI', width: 1920, height: 1080, primary: false },
      ];
    case 'capture_screen': {
      const c = document.createElement('canvas');
      c.width = 800;
      c.height = 500;
      const g = c.getContext('2d');
      if (g) {
        g.fillStyle = '#e8eef7'; g.fillRect(0, 0, 800, 500);
        g.fillStyle = '#1f2937'; g.font = '28px sans-serif'; g.fillText('HIS 登录 — 连接超时 (mock)', 40, 80);
        g.fillText('患者: 李某某 身份证 3301**********1234', 40, 160);
      }
      return { data_url: c.toDataURL('image/png'), width: 800, height: 500 };
    }
    case 'oncall_shifts':
    case 'oncall_add':
    case 'oncall_delete':
    case 'oncall_import':
    case 'oncall_now':
      return rosterCommand(cmd, a);
    case 'set_locale':
    case 'ui_ready':
      return null;
    default:
      return fail('local', `mock: unknown command ${cmd}`);
  }
}
