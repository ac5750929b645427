// The roster screen against a mocked api, in a fixed time zone and at a fixed "now" so the
// week bounds and the RFC 3339 instants can be asserted exactly.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api } from '../lib/api';
import type { OnDuty, Shift, UserPublic } from '../lib/bindings';
import { clock } from '../lib/clock.svelte';
import { session } from '../lib/session.svelte';
import { directory, engineer, nurse, type MockedApi } from '../test/fixtures';
import { setSession } from '../test/session-fixture';
import { setTimeZone } from '../test/timezone';
import OnCall from './OnCall.svelte';

vi.mock('../lib/api', async () => {
  const { mockApi } = await import('../test/fixtures');
  return { api: mockApi(), inTauri: () => false };
});
const m = api as unknown as MockedApi;
const previousTz = setTimeZone('Asia/Shanghai');

const disp: UserPublic = { id: 'u-disp', username: 'disp.wang', display_name: '王调度', role: 'dispatcher', campus: null, department: null };
const admin: UserPublic = { id: 'u-admin', username: 'admin', display_name: '管理员', role: 'admin', campus: null, department: null };

// Friday 2026-11-27 10:00 in Shanghai; that week runs Monday 11-23 00:00 to Monday 11-30 00:00 (+08:00).
const NOW = '2026-11-27T02:00:00Z';
const WEEK_FROM = '2026-11-22T16:00:00Z';
const WEEK_TO = '2026-11-29T16:00:00Z';
const NEXT_FROM = WEEK_TO;
const NEXT_TO = '2026-12-06T16:00:00Z';

// 11-27 08:00–20:00 local, on now.
const s1: Shift = { id: 's-1', campus: 'main', starts_at: '2026-11-27T00:00:00Z', ends_at: '2026-11-27T12:00:00Z', primary: engineer.id, backup: disp.id };
// 11-28 08:00–20:00 local; a primary the directory does not know.
const s2: Shift = { id: 's-2', campus: 'east', starts_at: '2026-11-28T00:00:00Z', ends_at: '2026-11-28T12:00:00Z', primary: 'u-gone', backup: null };

const onDuty = (campus: string): OnDuty =>
  campus === 'main'
    ? { campus, at: NOW, shift: s1, primary: engineer, backup: disp }
    : { campus, at: NOW, shift: null, primary: null, backup: null };

function signIn(user: UserPublic) {
  setSession(user);
  session.directory = { ...directory, users: [...directory.users, disp, admin] };
  session.route = { view: 'oncall' };
}

const rows = () => screen.queryAllByTestId('oncall-row');
const rowById = (id: string) => rows().find((r) => r.dataset.id === id)!;
const card = (campus: string) => screen.getAllByTestId('oncall-now').find((c) => c.dataset.campus === campus)!;

async function ready() {
  await waitFor(() => expect(rows()).toHaveLength(2));
  await waitFor(() => expect(card('main')).toHaveAttribute('data-state', 'on'));
}

beforeEach(() => {
  vi.clearAllMocks();
  vi.useFakeTimers({ toFake: ['Date'], now: new Date(NOW) });
  clock.now = Date.now();
  signIn(engineer);
  m.oncallShifts.mockReset().mockResolvedValue([s1, s2]);
  m.oncallNow.mockReset().mockImplementation(async (campus: string) => onDuty(campus));
  m.oncallAdd.mockReset();
  m.oncallDelete.mockReset().mockResolvedValue(null);
  m.oncallImport.mockReset();
});

afterEach(() => {
  vi.useRealTimers();
});

afterAll(() => {
  setTimeZone(previousTz);
});

describe('on-call roster: reading', () => {
  it('loads this week, Monday to Monday in local time, and shows names for user ids', async () => {
    render(OnCall);
    await ready();
    expect(m.oncallShifts).toHaveBeenCalledTimes(1);
    expect(m.oncallShifts).toHaveBeenCalledWith(null, WEEK_FROM, WEEK_TO);
    expect(screen.getByTestId('oncall-week')).toHaveTextContent('2026/11/23 – 2026/11/29');

    const r1 = rowById('s-1');
    expect(r1).toHaveTextContent('本部院区');
    expect(within(r1).getByTestId('oncall-row-time')).toHaveTextContent('11/27周五 08:00 – 20:00');
    expect(within(r1).getByTestId('oncall-row-primary')).toHaveTextContent('李工');
    expect(within(r1).getByTestId('oncall-row-backup')).toHaveTextContent('王调度');
    expect(within(r1).getByTestId('oncall-row-time')).toHaveTextContent('值班中');

    const r2 = rowById('s-2');
    expect(r2).toHaveTextContent('东院区');
    // Unknown to the directory: the id itself.
    expect(within(r2).getByTestId('oncall-row-primary')).toHaveTextContent('u-gone');
    expect(within(r2).getByTestId('oncall-row-backup')).toHaveTextContent('—');
    expect(within(r2).getByTestId('oncall-row-time')).not.toHaveTextContent('值班中');
  });

  it('cards: primary, backup and end time per campus, and "nobody on duty" as a warning', async () => {
    render(OnCall);
    await ready();
    expect(m.oncallNow.mock.calls.map((c) => c[0]).sort()).toEqual(['east', 'main']);

    const main = card('main');
    expect(main).toHaveTextContent('本部院区');
    expect(within(main).getByTestId('oncall-now-primary')).toHaveTextContent('李工');
    expect(within(main).getByTestId('oncall-now-backup')).toHaveTextContent('王调度');
    expect(within(main).getByTestId('oncall-now-until')).toHaveTextContent('至 20:00');
    expect(within(main).queryByTestId('oncall-nobody')).toBeNull();

    const east = card('east');
    expect(east).toHaveAttribute('data-state', 'nobody');
    expect(east).toHaveClass('nobody');
    expect(within(east).getByTestId('oncall-nobody')).toHaveTextContent('当前无人值班');
    expect(within(east).queryByTestId('oncall-now-primary')).toBeNull();
  });

  it('a shift ending on another day shows the day, and no backup says so', async () => {
    const night: Shift = { ...s1, id: 's-n', starts_at: '2026-11-27T01:00:00Z', ends_at: '2026-11-28T00:00:00Z', backup: null };
    m.oncallNow.mockImplementation(async (campus: string) =>
      campus === 'main' ? { campus, at: NOW, shift: night, primary: engineer, backup: null } : onDuty(campus),
    );
    render(OnCall);
    await waitFor(() => expect(card('main')).toHaveAttribute('data-state', 'on'));
    expect(within(card('main')).getByTestId('oncall-now-until')).toHaveTextContent('至 11/28周六 08:00');
    expect(within(card('main')).getByTestId('oncall-now-backup')).toHaveTextContent('无备班');
  });

  it('previous/next week and the campus filter ask for the right range', async () => {
    render(OnCall);
    await ready();
    await fireEvent.click(screen.getByTestId('oncall-next'));
    await waitFor(() => expect(m.oncallShifts).toHaveBeenLastCalledWith(null, NEXT_FROM, NEXT_TO));
    expect(screen.getByTestId('oncall-week')).toHaveTextContent('2026/11/30 – 2026/12/06');
    await fireEvent.click(screen.getByTestId('oncall-prev'));
    await fireEvent.click(screen.getByTestId('oncall-prev'));
    await waitFor(() => expect(m.oncallShifts).toHaveBeenLastCalledWith(null, '2026-11-15T16:00:00Z', WEEK_FROM));
    await fireEvent.click(screen.getByTestId('oncall-this-week'));
    await waitFor(() => expect(m.oncallShifts).toHaveBeenLastCalledWith(null, WEEK_FROM, WEEK_TO));
    await fireEvent.change(screen.getByTestId('oncall-campus'), { target: { value: 'east' } });
    await waitFor(() => expect(m.oncallShifts).toHaveBeenLastCalledWith('east', WEEK_FROM, WEEK_TO));
  });

  it('a non-admin sees the roster read-only: no add, delete or import controls', async () => {
    signIn(disp);
    render(OnCall);
    await ready();
    expect(screen.queryByTestId('oncall-add-form')).toBeNull();
    expect(screen.queryByTestId('oncall-add-submit')).toBeNull();
    expect(screen.queryAllByTestId('oncall-delete')).toHaveLength(0);
    expect(screen.queryByTestId('oncall-import')).toBeNull();
    expect(screen.queryByTestId('oncall-import-file')).toBeNull();
    expect(screen.queryByTestId('oncall-import-text')).toBeNull();
    expect(screen.getByTestId('oncall-read-only')).toHaveTextContent('只有管理员');
    expect(document.querySelector('input, textarea')).toBeNull();
  });
});

describe('on-call roster: offline', () => {
  it("an 'offline' error says the roster needs the server and keeps the rows shown before", async () => {
    render(OnCall);
    await ready();
    m.oncallShifts.mockRejectedValue({ code: 'offline', message: 'error sending request: connection refused' });
    await fireEvent.click(screen.getByTestId('oncall-next'));
    await waitFor(() => expect(m.oncallShifts).toHaveBeenLastCalledWith(null, NEXT_FROM, NEXT_TO));
    const banner = await screen.findByTestId('oncall-offline');
    expect(banner).toHaveTextContent('值班表保存在服务器上，需要连接服务器');
    expect(banner).not.toHaveTextContent('connection refused');
    expect(screen.queryByTestId('oncall-error')).toBeNull();
    // The previous rows stay, marked as the week they belong to.
    expect(rows().map((r) => r.dataset.id)).toEqual(['s-1', 's-2']);
    expect(within(rowById('s-1')).getByTestId('oncall-row-primary')).toHaveTextContent('李工');
    expect(screen.getByTestId('oncall-stale')).toHaveTextContent('2026/11/23 – 2026/11/29');

    // The cards keep their last answer too.
    m.oncallNow.mockRejectedValue({ code: 'offline', message: 'connection refused' });
    await fireEvent.click(screen.getByTestId('oncall-retry'));
    await waitFor(() => expect(m.oncallNow).toHaveBeenCalledTimes(4));
    expect(within(card('main')).getByTestId('oncall-now-primary')).toHaveTextContent('李工');
    expect(card('east')).toHaveAttribute('data-state', 'nobody');
    expect(screen.getByTestId('oncall-offline')).toBeInTheDocument();

    // Back: retry loads the week asked for and the banner goes.
    m.oncallShifts.mockResolvedValue([]);
    m.oncallNow.mockImplementation(async (campus: string) => onDuty(campus));
    await fireEvent.click(screen.getByTestId('oncall-retry'));
    await waitFor(() => expect(screen.queryByTestId('oncall-offline')).toBeNull());
    expect(m.oncallShifts).toHaveBeenLastCalledWith(null, NEXT_FROM, NEXT_TO);
    expect(rows()).toHaveLength(0);
    expect(screen.getByTestId('oncall-empty')).toBeInTheDocument();
    expect(screen.queryByTestId('oncall-stale')).toBeNull();
  });

  it('offline from the start: cards say "no data", never "nobody on duty"', async () => {
    m.oncallNow.mockRejectedValue({ code: 'offline', message: 'x' });
    m.oncallShifts.mockRejectedValue({ code: 'offline', message: 'x' });
    render(OnCall);
    expect(await screen.findByTestId('oncall-offline')).toBeInTheDocument();
    await waitFor(() => expect(m.oncallNow).toHaveBeenCalledTimes(2));
    expect(card('main')).toHaveAttribute('data-state', 'unknown');
    expect(card('east')).toHaveAttribute('data-state', 'unknown');
    expect(screen.queryByTestId('oncall-nobody')).toBeNull();
    expect(screen.queryByTestId('oncall-empty')).toBeNull();
  });
});

describe('on-call roster: admin edits', () => {
  beforeEach(() => signIn(admin));

  async function fill(v: { campus?: string; start?: string; end?: string; primary?: string; backup?: string }) {
    if (v.campus !== undefined) await fireEvent.change(screen.getByTestId('oncall-add-campus'), { target: { value: v.campus } });
    if (v.start !== undefined) await fireEvent.input(screen.getByTestId('oncall-add-start'), { target: { value: v.start } });
    if (v.end !== undefined) await fireEvent.input(screen.getByTestId('oncall-add-end'), { target: { value: v.end } });
    if (v.primary !== undefined) await fireEvent.change(screen.getByTestId('oncall-add-primary'), { target: { value: v.primary } });
    if (v.backup !== undefined) await fireEvent.change(screen.getByTestId('oncall-add-backup'), { target: { value: v.backup } });
  }

  it('adding a shift sends RFC 3339 UTC instants and user ids, then reloads list and cards', async () => {
    const added: Shift = { id: 's-9', campus: 'main', starts_at: '2026-11-28T00:00:00Z', ends_at: '2026-11-28T12:00:00Z', primary: engineer.id, backup: disp.id };
    m.oncallShifts.mockResolvedValueOnce([s1, s2]).mockResolvedValueOnce([s1, added, s2]);
    render(OnCall);
    await ready();
    // Only IT staff can be on the roster.
    const options = [...(screen.getByTestId('oncall-add-primary') as HTMLSelectElement).options].map((o) => o.value);
    expect(options).toEqual(['', engineer.id, disp.id, admin.id]);
    expect(options).not.toContain(nurse.id);

    m.oncallAdd.mockResolvedValue(added);
    await fill({ campus: 'main', start: '2026-11-28T08:00', end: '2026-11-28T20:00', primary: engineer.id, backup: disp.id });
    await fireEvent.click(screen.getByTestId('oncall-add-submit'));
    await waitFor(() => expect(m.oncallAdd).toHaveBeenCalledTimes(1));
    expect(m.oncallAdd).toHaveBeenCalledWith({
      campus: 'main',
      starts_at: '2026-11-28T00:00:00Z',
      ends_at: '2026-11-28T12:00:00Z',
      primary: engineer.id,
      backup: disp.id,
    });
    await waitFor(() => expect(m.oncallShifts).toHaveBeenCalledTimes(2));
    expect(m.oncallShifts).toHaveBeenLastCalledWith(null, WEEK_FROM, WEEK_TO);
    await waitFor(() => expect(m.oncallNow).toHaveBeenCalledTimes(4));
    await waitFor(() => expect(rows().map((r) => r.dataset.id)).toEqual(['s-1', 's-9', 's-2']));
    expect(screen.getByTestId('oncall-done')).toHaveTextContent('已添加 本部院区 11/28周六 08:00 – 20:00 的班次');
    // Ready for the next shift: it starts where this one ended, people chosen again.
    expect(screen.getByTestId('oncall-add-start')).toHaveValue('2026-11-28T20:00');
    expect(screen.getByTestId('oncall-add-end')).toHaveValue('');
  });

  it('without a backup sends backup null', async () => {
    m.oncallAdd.mockResolvedValue({ ...s1, id: 's-10', backup: null });
    render(OnCall);
    await ready();
    await fill({ campus: 'east', start: '2026-11-29T20:00', end: '2026-11-30T08:00', primary: admin.id });
    await fireEvent.click(screen.getByTestId('oncall-add-submit'));
    await waitFor(() =>
      expect(m.oncallAdd).toHaveBeenCalledWith({ campus: 'east', starts_at: '2026-11-29T12:00:00Z', ends_at: '2026-11-30T00:00:00Z', primary: admin.id, backup: null }),
    );
  });

  it('end before start, and backup = primary, are rejected without calling the api', async () => {
    render(OnCall);
    await ready();
    await fill({ campus: 'main', start: '2026-11-28T20:00', end: '2026-11-28T08:00', primary: engineer.id });
    await fireEvent.click(screen.getByTestId('oncall-add-submit'));
    expect(await screen.findByTestId('oncall-add-error-end')).toHaveTextContent('结束时间必须晚于开始时间。');
    expect(screen.getByTestId('oncall-add-end')).toHaveAttribute('aria-invalid', 'true');
    await fill({ end: '2026-11-28T20:00' }); // equal is not "after" either
    await fireEvent.click(screen.getByTestId('oncall-add-submit'));
    expect(await screen.findByTestId('oncall-add-error-end')).toHaveTextContent('结束时间必须晚于开始时间。');

    await fill({ end: '2026-11-29T08:00', backup: engineer.id });
    await fireEvent.click(screen.getByTestId('oncall-add-submit'));
    expect(await screen.findByTestId('oncall-add-error-backup')).toHaveTextContent('备班不能与主班是同一人。');
    expect(screen.queryByTestId('oncall-add-error-end')).toBeNull();

    await fill({ campus: '', primary: '', backup: '' });
    await fireEvent.click(screen.getByTestId('oncall-add-submit'));
    expect(await screen.findByTestId('oncall-add-error-campus')).toHaveTextContent('请选择院区。');
    expect(screen.getByTestId('oncall-add-error-primary')).toHaveTextContent('请选择主班工程师。');

    expect(m.oncallAdd).not.toHaveBeenCalled();
    expect(m.oncallShifts).toHaveBeenCalledTimes(1);
  });

  it('an overlap (409 conflict) or offline while adding keeps the form and does not reload', async () => {
    render(OnCall);
    await ready();
    m.oncallAdd.mockRejectedValue({ code: 'conflict', message: 'overlaps shift s-1' });
    await fill({ campus: 'main', start: '2026-11-27T10:00', end: '2026-11-27T22:00', primary: engineer.id });
    await fireEvent.click(screen.getByTestId('oncall-add-submit'));
    expect(await screen.findByTestId('oncall-add-error')).toHaveTextContent('与该院区已有的班次时间重叠');
    expect(screen.getByTestId('oncall-add-start')).toHaveValue('2026-11-27T10:00');

    m.oncallAdd.mockRejectedValue({ code: 'offline', message: 'connection refused' });
    await fireEvent.click(screen.getByTestId('oncall-add-submit'));
    await waitFor(() => expect(screen.getByTestId('oncall-add-error')).toHaveTextContent('需要连接服务器'));
    expect(screen.getByTestId('oncall-add-error')).not.toHaveTextContent('connection refused');
    expect(m.oncallShifts).toHaveBeenCalledTimes(1);
    expect(rows()).toHaveLength(2);
  });

  it('delete asks for confirmation, then calls oncall_delete with the id and reloads', async () => {
    render(OnCall);
    await ready();
    await fireEvent.click(within(rowById('s-2')).getByTestId('oncall-delete'));
    const dialog = await screen.findByTestId('oncall-delete-dialog');
    expect(dialog).toHaveTextContent('东院区');
    expect(dialog).toHaveTextContent('11/28周六 08:00 – 20:00');
    expect(m.oncallDelete).not.toHaveBeenCalled();
    await fireEvent.click(within(dialog).getByTestId('oncall-delete-cancel'));
    expect(screen.queryByTestId('oncall-delete-dialog')).toBeNull();
    expect(m.oncallDelete).not.toHaveBeenCalled();

    m.oncallShifts.mockResolvedValue([s1]);
    await fireEvent.click(within(rowById('s-2')).getByTestId('oncall-delete'));
    await fireEvent.click(within(await screen.findByTestId('oncall-delete-dialog')).getByTestId('oncall-delete-confirm'));
    await waitFor(() => expect(m.oncallDelete).toHaveBeenCalledWith('s-2'));
    expect(m.oncallDelete).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(screen.queryByTestId('oncall-delete-dialog')).toBeNull());
    await waitFor(() => expect(rows().map((r) => r.dataset.id)).toEqual(['s-1']));
    expect(m.oncallShifts).toHaveBeenCalledTimes(2);
    expect(m.oncallNow).toHaveBeenCalledTimes(4);
  });

  it('import passes the pasted CSV as is, shows the count and reloads', async () => {
    render(OnCall);
    await ready();
    const csv = 'campus,starts_at,ends_at,primary,backup\nmain,2026-12-01T08:00:00+08:00,2026-12-01T20:00:00+08:00,eng.li,disp.wang\neast,2026-12-01T08:00:00+08:00,2026-12-01T20:00:00+08:00,eng.li,\n';
    m.oncallImport.mockResolvedValue({ imported: 2 });
    await fireEvent.input(screen.getByTestId('oncall-import-text'), { target: { value: csv } });
    await fireEvent.click(screen.getByTestId('oncall-import-submit'));
    await waitFor(() => expect(m.oncallImport).toHaveBeenCalledWith(csv));
    expect(await screen.findByTestId('oncall-import-result')).toHaveTextContent('已导入 2 个班次');
    await waitFor(() => expect(m.oncallShifts).toHaveBeenCalledTimes(2));
    await waitFor(() => expect(m.oncallNow).toHaveBeenCalledTimes(4));
    expect(screen.getByTestId('oncall-import-text')).toHaveValue('');
  });

  it('import reads a chosen .csv file (without a byte-order mark)', async () => {
    render(OnCall);
    await ready();
    const text = 'campus,starts_at,ends_at,primary,backup\nsouth,2026-12-02T08:00:00+08:00,2026-12-02T20:00:00+08:00,admin,\n';
    const file = new File(['\uFEFF' + text], 'roster.csv', { type: 'text/csv' });
    await fireEvent.change(screen.getByTestId('oncall-import-file'), { target: { files: [file] } });
    await waitFor(() => expect(screen.getByTestId('oncall-import-text')).toHaveValue(text));
    expect(screen.getByTestId('oncall-import-filename')).toHaveTextContent('roster.csv');
    m.oncallImport.mockResolvedValue({ imported: 1 });
    await fireEvent.click(screen.getByTestId('oncall-import-submit'));
    await waitFor(() => expect(m.oncallImport).toHaveBeenCalledWith(text));
    expect(await screen.findByTestId('oncall-import-result')).toHaveTextContent('已导入 1 个班次');
  });

  it("a 'validation' error from import shows the server's message and changes nothing", async () => {
    render(OnCall);
    await ready();
    m.oncallImport.mockRejectedValue({ code: 'validation', message: 'line 3: unknown user "eng.nobody"' });
    await fireEvent.click(screen.getByTestId('oncall-import-submit'));
    expect(await screen.findByTestId('oncall-import-error')).toHaveTextContent('请选择 CSV 文件或粘贴 CSV 内容。');
    expect(m.oncallImport).not.toHaveBeenCalled();

    const csv = 'campus,starts_at,ends_at,primary,backup\nmain,2026-12-01T08:00:00+08:00,2026-12-01T20:00:00+08:00,eng.li,\nmain,2026-12-02T08:00:00+08:00,2026-12-02T20:00:00+08:00,eng.nobody,\n';
    await fireEvent.input(screen.getByTestId('oncall-import-text'), { target: { value: csv } });
    await fireEvent.click(screen.getByTestId('oncall-import-submit'));
    await waitFor(() => expect(m.oncallImport).toHaveBeenCalledWith(csv));
    const err = await screen.findByTestId('oncall-import-error');
    expect(err).toHaveTextContent('line 3: unknown user "eng.nobody"');
    expect(err).toHaveTextContent('没有导入任何班次');
    expect(screen.queryByTestId('oncall-import-result')).toBeNull();
    // Kept for fixing and trying again; nothing reloaded.
    expect(screen.getByTestId('oncall-import-text')).toHaveValue(csv);
    expect(m.oncallShifts).toHaveBeenCalledTimes(1);
  });
});
