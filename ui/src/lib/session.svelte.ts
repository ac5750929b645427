// App-wide reactive state: sync status, the signed-in user, the directory, the current view,
// notices. Components read it; only this module and the screens that own an action write it.
import type { StartupMarks, SyncStatus, UserPublic } from './bindings';
import type { Directory, UiNotice, Theme, View } from './types';
import { api } from './api';

export type Route = { view: View } | { view: 'detail'; id: string; from: View };

export const session = $state<{
  status: SyncStatus | null;
  directory: Directory;
  route: Route;
  notices: (UiNotice & { key: number })[];
  relogin: boolean;
  theme: Theme;
  /** The first screen has its data: work that can wait (the navigation's counts) starts. */
  shown: boolean;
}>({
  status: null,
  directory: { campuses: [], departments: [], users: [] },
  route: { view: 'report' },
  notices: [],
  relogin: false,
  theme: readTheme(),
  shown: false,
});

function readTheme(): Theme {
  const v = typeof localStorage !== 'undefined' ? localStorage.getItem('rounds.theme') : null;
  return v === 'light' || v === 'dark' ? v : 'system';
}

export function setTheme(theme: Theme) {
  session.theme = theme;
  try {
    localStorage.setItem('rounds.theme', theme);
  } catch {
    /* ignore */
  }
  applyTheme();
}

export function applyTheme() {
  if (typeof document === 'undefined') return;
  const root = document.documentElement;
  if (session.theme === 'system') root.removeAttribute('data-theme');
  else root.setAttribute('data-theme', session.theme);
}

export function me(): UserPublic | null {
  return session.status?.user ?? null;
}

export function isStaff(u: UserPublic | null = me()): boolean {
  return !!u && u.role !== 'reporter';
}

export function userName(id: string | null | undefined): string {
  if (!id) return '';
  return session.directory.users.find((u) => u.id === id)?.display_name ?? id.slice(0, 8);
}
export function campusName(code: string | null | undefined): string {
  if (!code) return '';
  return session.directory.campuses.find((c) => c.code === code)?.name ?? code;
}
export function departmentName(code: string | null | undefined): string {
  if (!code) return '';
  return session.directory.departments.find((d) => d.code === code)?.name ?? code;
}

export function navigate(route: Route) {
  session.route = route;
}

export function openTicket(id: string) {
  const from = session.route.view === 'detail' ? (session.route as { from: View }).from : (session.route.view as View);
  session.route = { view: 'detail', id, from };
}

let noticeKey = 0;
export function pushNotice(n: UiNotice) {
  const key = ++noticeKey;
  // A newer notice of the same kind about the same ticket (the next escalation step, the
  // next reply) replaces the older one rather than stacking under it.
  const same = (o: UiNotice) => !!n.ticket_id && o.ticket_id === n.ticket_id && o.kind === n.kind;
  session.notices = [...session.notices.filter((o) => !same(o)), { ...n, key }];
  if (n.kind !== 'escalation') setTimeout(() => dismissNotice(key), 8000);
}
export function dismissNotice(key: number) {
  session.notices = session.notices.filter((n) => n.key !== key);
}
export function dismissAllNotices() {
  session.notices = [];
}

export async function loadDirectory() {
  try {
    session.directory = await api.directory();
  } catch {
    /* offline before first sync: the forms fall back to codes */
  }
}

// When this bundle began to run, the status answered and the first list page answered, for
// the shell's start-up breakdown.
const scriptAt = performance.now();
const startup: Pick<StartupMarks, 'status' | 'list'> = { status: null, list: null };
export function markStartup(what: 'status' | 'list') {
  startup[what] ??= performance.now();
}
/** Runs `f` once the next frame is painted: a frame callback runs just before the paint, a
 * task it queues runs after it. */
function afterPaint(f: () => void) {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => setTimeout(f));
  else setTimeout(f);
}

/** The first screen has its data (once per run): deferred work may start, and once that
 * frame is painted the shell is told (cold-start benchmark). When the benchmark asks for it,
 * the shell answers with how many frames to scroll the ticket list for, and how far, and the
 * UI reports how smooth that was. */
export function markReady(rows: number) {
  if (session.shown) return;
  session.shown = true;
  afterPaint(() => reportReady(rows));
}

function reportReady(rows: number) {
  api
    .uiReady(rows, { timeOrigin: performance.timeOrigin, script: scriptAt, ...startup })
    .then(async (bench) => {
      if (!bench) return;
      const { scrollBench } = await import('./bench');
      const { ROW_HEIGHT } = await import('../components/TicketList.svelte');
      await api.benchScrollReport(await scrollBench(bench.frames, bench.rows_per_frame * ROW_HEIGHT, ROW_HEIGHT));
    })
    .catch(() => {
      /* an older shell without the command: nothing to measure */
    });
}
