// Test fixtures and a fully mocked `api` object (every command a vi.fn).
import { vi, type Mock } from 'vitest';
import type { Api } from '../lib/api';
import type { SyncStatus, UserPublic } from '../lib/bindings';
import type { Directory, Ticket, TicketRow } from '../lib/types';
import { emptyStatus } from '../lib/status';

export const nurse: UserPublic = { id: 'u-nurse', username: 'nurse.zhang', display_name: '张护士', role: 'reporter', campus: 'main', department: 'main-ivf' };
export const engineer: UserPublic = { id: 'u-eng', username: 'eng.li', display_name: '李工', role: 'engineer', campus: null, department: null };

export const directory: Directory = {
  campuses: [{ code: 'main', name: '本部院区' }, { code: 'east', name: '东院区' }],
  departments: [
    { code: 'main-ivf', name: '生殖医学中心', campus: 'main' },
    { code: 'main-lab', name: '检验科', campus: 'main' },
    { code: 'east-op', name: '门诊部', campus: 'east' },
  ],
  users: [nurse, engineer],
};

export function status(over: Partial<SyncStatus> = {}): SyncStatus {
  return { ...emptyStatus(), server: 'http://srv', user: nurse, signed_in: true, online: true, ...over };
}

export function ticket(i: number, over: Partial<Ticket> = {}): Ticket {
  return {
    id: `t-${i}`, number: `R-${i}`, title: `工单 ${i}`, description: '', campus: 'main', department: 'main-ivf',
    location: null, reporter: nurse.id, assignee: null, severity: 3, status: 'new', work_type: 'daily_ops',
    maintenance_type: 'corrective', channel: 'desktop', attachments: [], created_at: '2026-11-27T08:00:00Z',
    updated_at: '2026-11-27T08:00:00Z', acknowledged_at: null, resolved_at: null, closed_at: null, ...over,
  };
}

export function row(i: number, over: Partial<TicketRow> = {}): TicketRow {
  return { ticket: ticket(i), pending: false, conflict: false, ...over };
}

export type MockedApi = { [K in keyof Api]: Mock<Api[K]> };

export function mockApi(): MockedApi {
  const m = {
    status: vi.fn(async () => status()),
    serverCheck: vi.fn(),
    login: vi.fn(),
    logout: vi.fn(async () => null),
    directory: vi.fn(async () => directory),
    ticketPage: vi.fn(async () => ({ total: 0, total_capped: false, rows: [] })),
    ticket: vi.fn(),
    ticketActions: vi.fn(),
    ticketCreate: vi.fn(),
    ticketUpdate: vi.fn(),
    ticketTransition: vi.fn(),
    commentAdd: vi.fn(),
    attachmentAdd: vi.fn(),
    attachmentUrl: vi.fn(async () => 'data:image/png;base64,'),
    syncNow: vi.fn(async () => status()),
    conflicts: vi.fn(async () => []),
    conflictRetry: vi.fn(async () => null),
    conflictDiscard: vi.fn(async () => null),
    monitors: vi.fn(async () => [{ index: 0, name: 'A', width: 100, height: 100, primary: true }]),
    captureScreen: vi.fn(),
    setLocale: vi.fn(async () => null),
    oncallShifts: vi.fn(async () => []),
    oncallAdd: vi.fn(),
    oncallDelete: vi.fn(async () => null),
    oncallImport: vi.fn(),
    oncallNow: vi.fn(async (campus: string) => ({ campus, at: '2026-11-27T02:00:00Z', shift: null, primary: null, backup: null })),
    uiReady: vi.fn(async () => null),
    benchScrollReport: vi.fn(async () => null),
    onStatus: vi.fn(async () => () => {}),
    onNotice: vi.fn(async () => () => {}),
    onOpenTicket: vi.fn(async () => () => {}),
    onNavigate: vi.fn(async () => () => {}),
  };
  return m as unknown as MockedApi;
}
