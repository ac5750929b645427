import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Conflict } from '../lib/bindings';
import { api } from '../lib/api';
import { session } from '../lib/session.svelte';
import { mockApi, nurse, status, ticket, type MockedApi } from '../test/fixtures';
import { setSession } from '../test/session-fixture';
import SyncBar from './SyncBar.svelte';

vi.mock('../lib/api', async () => {
  const { mockApi } = await import('../test/fixtures');
  return { api: mockApi(), inTauri: () => false };
});
const m = api as unknown as MockedApi;

const conflict: Conflict = {
  op: { op_id: 'op-7', at: '2026-11-27T08:00:00Z', type: 'ticket_transition', ticket_id: 't-3', to: 'closed', reason: null },
  code: 'invalid_transition',
  message: 'ticket is already closed',
  at: '2026-11-27T08:01:00Z',
  attachment: null,
};

beforeEach(() => {
  vi.clearAllMocks();
  setSession(nurse);
});

describe('sync bar', () => {
  it('shows offline and the pending count', () => {
    setSession(nurse, { online: false, pending_ops: 4 });
    render(SyncBar);
    expect(screen.getByTestId('sync-online')).toHaveAttribute('data-online', 'false');
    expect(screen.getByTestId('sync-online')).toHaveTextContent('离线');
    expect(screen.getByTestId('sync-pending')).toHaveTextContent('4');
    expect(screen.queryByTestId('conflicts-open')).toBeNull();
  });

  it('says why the last sync failed in the UI language, with the raw error on hover', () => {
    const raw = 'the server cannot be reached: error sending request for url (http://10.0.0.5:8600/api/v1/sync/pull)';
    setSession(nurse, { online: false, last_error: { code: 'offline', message: raw } });
    render(SyncBar);
    const why = screen.getByTestId('sync-error');
    expect(why).toHaveTextContent('无法连接服务器，请检查网络。');
    expect(why).not.toHaveTextContent('cannot be reached');
    expect(why).toHaveAttribute('title', raw);
  });

  it('leaves a refused session to its own alert', () => {
    setSession(nurse, { online: true, unauthorized: true, last_error: { code: 'unauthorized', message: 'not signed in: token expired' } });
    render(SyncBar);
    expect(screen.queryByTestId('sync-error')).toBeNull();
    expect(screen.getByTestId('sync-unauthorized')).toBeInTheDocument();
  });

  it('follows status updates and syncs on demand', async () => {
    render(SyncBar);
    expect(screen.getByTestId('sync-online')).toHaveAttribute('data-online', 'true');
    session.status = status({ user: nurse, online: false, pending_ops: 1 });
    await waitFor(() => expect(screen.getByTestId('sync-online')).toHaveAttribute('data-online', 'false'));
    m.syncNow.mockResolvedValue(status({ user: nurse, online: true, pending_ops: 0 }));
    await fireEvent.click(screen.getByTestId('sync-now'));
    await waitFor(() => expect(screen.getByTestId('sync-pending')).toHaveTextContent('0'));
    expect(m.syncNow).toHaveBeenCalledTimes(1);
  });

  it('says while the search index of a first sync is being built, and how much is left', async () => {
    render(SyncBar);
    expect(screen.queryByTestId('sync-indexing')).toBeNull();
    session.status = status({ user: nurse, search_backlog: 1234 });
    await waitFor(() => expect(screen.getByTestId('sync-indexing')).toHaveTextContent('正在建立搜索索引，剩余 1234 条'));
    session.status = status({ user: nurse, search_backlog: 0 });
    await waitFor(() => expect(screen.queryByTestId('sync-indexing')).toBeNull());
  });

  it('warns when the session was refused and offers to sign in again', async () => {
    setSession(nurse, { unauthorized: true });
    render(SyncBar);
    expect(screen.getByTestId('sync-unauthorized')).toBeInTheDocument();
    await fireEvent.click(screen.getByTestId('sync-relogin'));
    expect(session.relogin).toBe(true);
  });

  it('lists conflicts and retries or discards through the API', async () => {
    setSession(nurse, { conflicts: 2 });
    const other: Conflict = { ...conflict, op: { ...conflict.op, op_id: 'op-8' }, message: 'forbidden here' };
    m.conflicts.mockResolvedValueOnce([conflict, other]).mockResolvedValueOnce([other]).mockResolvedValueOnce([]);
    m.ticket.mockResolvedValue({ ticket: ticket(3, { number: 'R-2026-00003', title: '打印机卡纸' }), comments: [], pending_ops: 0, conflicts: [] });
    render(SyncBar);
    await fireEvent.click(screen.getByTestId('conflicts-open'));
    const panel = await screen.findByTestId('conflicts-panel');
    const items = await within(panel).findAllByTestId('conflict');
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent('变更状态');
    expect(items[0]).toHaveTextContent('ticket is already closed');
    expect(m.ticket).toHaveBeenCalledWith('t-3');
    await waitFor(() => expect(items[0]).toHaveTextContent('R-2026-00003 打印机卡纸'));
    await fireEvent.click(within(items[0]).getByTestId('conflict-retry'));
    await waitFor(() => expect(m.conflictRetry).toHaveBeenCalledWith('op-7'));
    await waitFor(() => expect(within(panel).getAllByTestId('conflict')).toHaveLength(1));
    await fireEvent.click(within(panel).getByTestId('conflict-discard'));
    await waitFor(() => expect(m.conflictDiscard).toHaveBeenCalledWith('op-8'));
    expect(m.conflictRetry).toHaveBeenCalledTimes(1);
    // A refused transition has no file to leave out.
    expect(within(panel).queryByTestId('conflict-retry-without-attachment')).toBeNull();
  });

  it('a report refused for its attachment can go again without the file', async () => {
    setSession(nurse, { conflicts: 1 });
    const refused: Conflict = {
      op: {
        op_id: 'op-9',
        at: '2026-11-27T08:00:00Z',
        type: 'ticket_create',
        ticket: { ...ticket(9, { title: '叫号屏花屏' }), id: 't-9', attachments: ['ab'.repeat(32)] },
      } as Conflict['op'],
      code: 'unsupported_media_type',
      message: 'the attachment 旧截图.gif was refused: GIF is not accepted',
      at: '2026-11-27T08:01:00Z',
      attachment: 'ab'.repeat(32),
    };
    m.conflicts.mockResolvedValueOnce([refused]).mockResolvedValueOnce([]);
    render(SyncBar);
    await fireEvent.click(screen.getByTestId('conflicts-open'));
    const item = await within(await screen.findByTestId('conflicts-panel')).findByTestId('conflict');
    expect(item).toHaveTextContent('旧截图.gif');
    await fireEvent.click(within(item).getByTestId('conflict-retry-without-attachment'));
    await waitFor(() => expect(m.conflictRetry).toHaveBeenCalledWith('op-9', { without_attachment: true }));
    expect(m.conflictDiscard).not.toHaveBeenCalled();
  });
});
