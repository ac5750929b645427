import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { api } from './lib/api';
import { pushNotice, session } from './lib/session.svelte';
import { engineer, nurse, status, type MockedApi } from './test/fixtures';
import { tick } from 'svelte';
import App from './App.svelte';

vi.mock('./lib/api', async () => {
  const { mockApi } = await import('./test/fixtures');
  return { api: mockApi(), inTauri: () => false };
});
const m = api as unknown as MockedApi;

/** Sends status events to the app once it listens, as the shell does. */
function statusEvents(): (s: ReturnType<typeof status>) => void {
  let send: (s: ReturnType<typeof status>) => void = () => {};
  m.onStatus.mockImplementation(async (cb) => {
    send = cb;
    return () => {};
  });
  return (s) => send(s);
}

beforeEach(() => {
  vi.clearAllMocks();
  session.status = null;
  session.relogin = false;
  session.route = { view: 'report' };
});

describe('app shell', () => {
  it('first run: checks the server, signs in, lands reporters on the report form', async () => {
    m.status.mockResolvedValueOnce(status({ server: null, user: null }));
    m.serverCheck.mockResolvedValue({ ok: true, server: 'http://10.0.0.5:8600' });
    m.login.mockResolvedValue(nurse);
    m.status.mockResolvedValue(status({ server: 'http://10.0.0.5:8600', user: nurse }));
    render(App);
    const input = await screen.findByTestId('server-input');
    await fireEvent.click(screen.getByTestId('server-next'));
    expect(await screen.findByText('请输入服务器地址。')).toBeInTheDocument();
    await fireEvent.input(input, { target: { value: '10.0.0.5:8600' } });
    await fireEvent.click(screen.getByTestId('server-next'));
    await waitFor(() => expect(m.serverCheck).toHaveBeenCalledWith('http://10.0.0.5:8600'));
    await fireEvent.input(await screen.findByTestId('username'), { target: { value: 'nurse.zhang' } });
    await fireEvent.input(screen.getByTestId('password'), { target: { value: 'pw' } });
    await fireEvent.click(screen.getByTestId('login-submit'));
    await waitFor(() => expect(m.login).toHaveBeenCalledWith('http://10.0.0.5:8600', 'nurse.zhang', 'pw'));
    expect(await screen.findByTestId('report-title')).toBeInTheDocument();
    // Reporters see report + my tickets + settings, no triage.
    expect(screen.getByTestId('nav-report')).toBeInTheDocument();
    expect(screen.getByTestId('nav-list')).toHaveTextContent('我的工单');
    expect(screen.queryByTestId('nav-triage')).toBeNull();
    expect(screen.queryByTestId('nav-oncall')).toBeNull();
    expect(screen.getByTestId('sync-bar')).toBeInTheDocument();
  });

  it('shows the server error inline when the check fails', async () => {
    m.status.mockResolvedValue(status({ server: null, user: null }));
    m.serverCheck.mockRejectedValue({ code: 'offline', message: 'connection refused' });
    render(App);
    await fireEvent.input(await screen.findByTestId('server-input'), { target: { value: 'http://x' } });
    await fireEvent.click(screen.getByTestId('server-next'));
    expect(await screen.findByRole('alert')).toHaveTextContent('无法连接服务器');
    expect(screen.queryByTestId('username')).toBeNull();
  });

  it('staff get the triage tab; shell events navigate and raise banners', async () => {
    m.status.mockResolvedValue(status({ user: engineer }));
    let onNotice: ((n: unknown) => void) | null = null;
    let onNavigate: ((p: { view: 'triage' }) => void) | null = null;
    m.onNotice.mockImplementation(async (h) => ((onNotice = h as never), () => {}));
    m.onNavigate.mockImplementation(async (h) => ((onNavigate = h as never), () => {}));
    render(App);
    expect(await screen.findByTestId('nav-triage')).toBeInTheDocument();
    expect(screen.getByTestId('nav-oncall')).toHaveTextContent('值班表');
    await fireEvent.click(screen.getByTestId('nav-oncall'));
    expect(await screen.findByTestId('oncall-week')).toBeInTheDocument();
    await waitFor(() => expect(m.oncallShifts).toHaveBeenCalled());
    expect(screen.getByTestId('nav-oncall')).toHaveAttribute('aria-current', 'page');
    await waitFor(() => expect(onNotice).not.toBeNull());
    onNotice!({ kind: 'escalation', title: 'R-12 响应超时', body: '一级故障', ticket_id: 't-12' });
    expect(await screen.findByTestId('notice-banner')).toHaveTextContent('R-12 响应超时');
    onNavigate!({ view: 'triage' });
    await waitFor(() => expect(session.route).toEqual({ view: 'triage' }));
  });

  it('the first list page is asked for before the navigation counts', async () => {
    session.shown = false;
    m.status.mockResolvedValue(status({ user: engineer }));
    render(App);
    await waitFor(() => expect(m.ticketPage).toHaveBeenCalledTimes(3));
    const limits = m.ticketPage.mock.calls.map((c) => (c as unknown as [{ limit: number }])[0].limit);
    expect(limits).toEqual([100, 1, 1]);
  });

  it('reads the directory once at start-up, and again only after a sync', async () => {
    session.shown = false;
    const push = statusEvents();
    const synced = status({ user: engineer, last_sync: '2026-11-28T08:00:00Z' });
    m.status.mockResolvedValue(synced);
    render(App);
    await waitFor(() => expect(m.ticketPage).toHaveBeenCalledTimes(3));
    expect(m.directory).toHaveBeenCalledTimes(1);
    // The same sync again (a status event for a pending count, say): no new read.
    push({ ...synced, pending_ops: 2 });
    await tick();
    expect(m.directory).toHaveBeenCalledTimes(1);
    push({ ...synced, last_sync: '2026-11-28T08:05:00Z' });
    await waitFor(() => expect(m.directory).toHaveBeenCalledTimes(2));
  });

  it('after a failed first status, a status event brings the shell and its counts', async () => {
    session.shown = false;
    const push = statusEvents();
    m.status.mockRejectedValueOnce({ code: 'local', message: 'cache busy' });
    render(App);
    expect(await screen.findByRole('alert')).toHaveTextContent('cache busy');
    push(status({ user: engineer }));
    expect(await screen.findByTestId('nav-triage')).toBeInTheDocument();
    await waitFor(() => expect(m.ticketPage).toHaveBeenCalledWith(expect.objectContaining({ unassigned: true, limit: 1 })));
  });

  it('an unauthorized session goes back to the login with the server kept', async () => {
    m.status.mockResolvedValue(status({ user: nurse }));
    render(App);
    await screen.findByTestId('sync-bar');
    session.relogin = true;
    expect(await screen.findByTestId('password')).toBeInTheDocument();
    expect(screen.getByTestId('username')).toHaveValue('nurse.zhang');
  });

  it('settings: change server signs out and asks for the address again', async () => {
    m.status.mockResolvedValue(status({ user: engineer }));
    render(App);
    await fireEvent.click(await screen.findByTestId('nav-settings'));
    expect(await screen.findByTestId('settings-user')).toHaveTextContent('李工');
    m.status.mockResolvedValue(status({ user: engineer, signed_in: false }));
    await fireEvent.click(screen.getByTestId('change-server-settings'));
    await waitFor(() => expect(m.logout).toHaveBeenCalled());
    expect(await screen.findByTestId('server-input')).toBeInTheDocument();
  });

  it('settings: sign out returns to the login, language switch reaches the tray', async () => {
    m.status.mockResolvedValue(status({ user: engineer }));
    render(App);
    await fireEvent.click(await screen.findByTestId('nav-settings'));
    await fireEvent.change(await screen.findByTestId('locale-select'), { target: { value: 'en' } });
    expect(m.setLocale).toHaveBeenLastCalledWith('en');
    expect(screen.getByTestId('nav-settings')).toHaveTextContent('Settings');
    await fireEvent.change(screen.getByTestId('locale-select'), { target: { value: 'zh-CN' } });
    m.status.mockResolvedValue(status({ user: engineer, signed_in: false }));
    await fireEvent.click(screen.getByTestId('sign-out'));
    expect(await screen.findByTestId('login-submit')).toBeInTheDocument();
    // Anyone may sign in next: the form does not offer the previous user's name.
    expect(screen.getByTestId('username')).toHaveValue('');
  });

  it('a status event after signing out keeps the login form (a sync that was running ends)', async () => {
    const push = statusEvents();
    m.status.mockResolvedValue(status({ user: engineer }));
    render(App);
    await fireEvent.click(await screen.findByTestId('nav-settings'));
    m.status.mockResolvedValue(status({ user: engineer, signed_in: false, syncing: true }));
    await fireEvent.click(screen.getByTestId('sign-out'));
    expect(await screen.findByTestId('login-submit')).toBeInTheDocument();
    push(status({ user: engineer, signed_in: false, syncing: false, last_sync: '2026-11-28T01:00:00Z' }));
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.getByTestId('login-submit')).toBeInTheDocument();
    expect(screen.queryByTestId('nav-settings')).toBeNull();
  });

  it('sign out drops the banners about the previous user', async () => {
    m.status.mockResolvedValue(status({ user: engineer }));
    render(App);
    await fireEvent.click(await screen.findByTestId('nav-settings'));
    pushNotice({ kind: 'escalation', title: '升级告警', body: 'R-7 响应超时', ticket_id: 't-7' });
    expect(await screen.findByTestId('notice-banner')).toHaveTextContent('R-7 响应超时');
    m.status.mockResolvedValue(status({ user: engineer, signed_in: false }));
    await fireEvent.click(screen.getByTestId('sign-out'));
    expect(await screen.findByTestId('login-submit')).toBeInTheDocument();
    expect(screen.queryByTestId('notice-banner')).toBeNull();
  });
});
