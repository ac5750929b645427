import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { api } from '../lib/api';
import { session } from '../lib/session.svelte';
import { engineer, mockApi, row, type MockedApi } from '../test/fixtures';
import { setSession } from '../test/session-fixture';
import TriageQueue from './TriageQueue.svelte';

vi.mock('../lib/api', async () => {
  const { mockApi } = await import('../test/fixtures');
  return { api: mockApi(), inTauri: () => false };
});
const m = api as unknown as MockedApi;

beforeEach(() => {
  vi.clearAllMocks();
  setSession(engineer);
  session.route = { view: 'triage' };
  m.ticketPage.mockResolvedValue({ total: 3, total_capped: false, rows: [row(1), row(2), row(3)] });
  m.ticketTransition.mockResolvedValue(row(1).ticket);
  m.ticketUpdate.mockResolvedValue(row(1).ticket);
});

const key = (k: string) => fireEvent.keyDown(window, { key: k });

describe('triage queue', () => {
  it('asks for new unassigned tickets in triage order and shows the shortcuts', async () => {
    render(TriageQueue);
    await screen.findAllByTestId('triage-row');
    expect(m.ticketPage.mock.calls[0][0]).toMatchObject({ status: ['new'], unassigned: true, sort: 'triage' });
    expect(screen.getByTestId('triage-shortcuts')).toHaveTextContent('分配给我');
  });

  it('j/k move, a acknowledges, m assigns to me, Enter opens', async () => {
    render(TriageQueue);
    await screen.findAllByTestId('triage-row');
    await key('j');
    await key('j');
    await key('k');
    const rows = screen.getAllByTestId('triage-row');
    expect(rows[1]).toHaveAttribute('aria-selected', 'true');
    await key('a');
    await waitFor(() => expect(m.ticketTransition).toHaveBeenCalledWith('t-2', 'acknowledged', null));
    await key('m');
    await waitFor(() => expect(m.ticketUpdate).toHaveBeenCalledWith('t-2', { assignee: engineer.id }));
    await key('Enter');
    expect(session.route).toMatchObject({ view: 'detail', id: 't-2' });
  });

  it('1-4 set the level only with a reason', async () => {
    render(TriageQueue);
    await screen.findAllByTestId('triage-row');
    await key('1');
    const dialog = await screen.findByTestId('reason-dialog');
    // Keys typed into the dialog do not trigger shortcuts.
    await fireEvent.input(within(dialog).getByTestId('reason-input'), { target: { value: '全院 HIS 无法登录' } });
    await fireEvent.keyDown(within(dialog).getByTestId('reason-input'), { key: 'a' });
    expect(m.ticketTransition).not.toHaveBeenCalled();
    await fireEvent.click(within(dialog).getByTestId('reason-submit'));
    await waitFor(() => expect(m.ticketUpdate).toHaveBeenCalledWith('t-1', { severity: 1, reason: '全院 HIS 无法登录' }));
  });
});
