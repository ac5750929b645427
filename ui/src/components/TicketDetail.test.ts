import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { decode } from 'fast-png';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { encodePng } from '../lib/editor/burn';

import { api } from '../lib/api';
import type { TicketActions, TicketView } from '../lib/types';
import { engineer, mockApi, nurse, ticket, type MockedApi } from '../test/fixtures';
import { setSession } from '../test/session-fixture';
import TicketDetail from './TicketDetail.svelte';

vi.mock('../lib/api', async () => {
  const { mockApi } = await import('../test/fixtures');
  return { api: mockApi(), inTauri: () => false };
});
const m = api as unknown as MockedApi;

function view(over: Partial<TicketView> = {}): TicketView {
  return {
    ticket: ticket(1, { status: 'acknowledged', acknowledged_at: '2026-11-27T08:10:00Z', severity: 2, assignee: engineer.id }),
    comments: [
      { id: 'c1', ticket_id: 't-1', author: nurse.id, body: '早上开始就不行', internal: false, created_at: '2026-11-27T08:05:00Z', pending: false },
      { id: 'c2', ticket_id: 't-1', author: engineer.id, body: '怀疑证书过期', internal: true, created_at: '2026-11-27T08:20:00Z', pending: false },
    ],
    pending_ops: 0,
    conflicts: [],
    ...over,
  };
}
const staffActions: TicketActions = {
  transitions: [
    { to: 'in_progress', reason_required: false },
    { to: 'pending', reason_required: true },
  ],
  can_edit: true,
  can_assign: true,
  can_internal: true,
};

beforeEach(() => {
  vi.clearAllMocks();
  setSession(engineer);
  m.ticket.mockResolvedValue(view());
  m.ticketActions.mockResolvedValue(staffActions);
  m.ticketTransition.mockResolvedValue(ticket(1));
  m.commentAdd.mockResolvedValue({ ...view().comments[0], pending: undefined } as never);
});

describe('ticket detail', () => {
  it('shows the status code and a localized label', async () => {
    render(TicketDetail, { id: 't-1' });
    const st = await screen.findByTestId('ticket-status');
    expect(st).toHaveAttribute('data-status', 'acknowledged');
    expect(st.textContent).toContain('acknowledged');
    expect(st.querySelector('.label')?.textContent).toBe('已响应');
  });

  it('styles and labels internal notes, and only those', async () => {
    render(TicketDetail, { id: 't-1' });
    await screen.findByTestId('ticket-detail');
    const comments = await screen.findAllByTestId('timeline-comment');
    expect(comments).toHaveLength(2);
    const [pub, internal] = comments;
    expect(pub).toHaveAttribute('data-internal', 'false');
    expect(pub).not.toHaveClass('internal');
    expect(within(pub).queryByText('内部备注')).toBeNull();
    expect(internal).toHaveAttribute('data-internal', 'true');
    expect(internal).toHaveClass('internal');
    expect(within(internal).getByTestId('internal-label')).toHaveTextContent('内部备注');
  });

  it('shows "待同步" when the ticket has no number yet', async () => {
    m.ticket.mockResolvedValue(view({ ticket: ticket(1, { number: null }) }));
    render(TicketDetail, { id: 't-1' });
    expect(await screen.findByTestId('ticket-number')).toHaveTextContent('待同步');
  });

  it('offers exactly the transitions ticket_actions allows', async () => {
    render(TicketDetail, { id: 't-1' });
    const box = await screen.findByTestId('ticket-actions');
    expect(within(box).getByTestId('action-in_progress')).toBeInTheDocument();
    expect(within(box).getByTestId('action-pending')).toBeInTheDocument();
    for (const s of ['acknowledged', 'resolved', 'closed', 'new']) expect(within(box).queryByTestId(`action-${s}`)).toBeNull();
    await fireEvent.click(within(box).getByTestId('action-in_progress'));
    await waitFor(() => expect(m.ticketTransition).toHaveBeenCalledWith('t-1', 'in_progress', null));
  });

  it('shows no actions and no internal toggle to a reporter without them', async () => {
    setSession(nurse);
    m.ticket.mockResolvedValue(view({ comments: [view().comments[0]] }));
    m.ticketActions.mockResolvedValue({ transitions: [], can_edit: false, can_assign: false, can_internal: false });
    render(TicketDetail, { id: 't-1' });
    await screen.findAllByTestId('timeline-comment');
    expect(screen.queryByTestId('ticket-actions')).toBeNull();
    expect(screen.queryByTestId('comment-internal')).toBeNull();
  });

  it('asks for a reason when the transition requires one, and sends it', async () => {
    render(TicketDetail, { id: 't-1' });
    await fireEvent.click(await screen.findByTestId('action-pending'));
    const dialog = await screen.findByTestId('reason-dialog');
    expect(m.ticketTransition).not.toHaveBeenCalled();
    await fireEvent.click(within(dialog).getByTestId('reason-submit'));
    expect(await within(dialog).findByText('请填写原因。')).toBeInTheDocument();
    expect(m.ticketTransition).not.toHaveBeenCalled();
    await fireEvent.input(within(dialog).getByTestId('reason-input'), { target: { value: '等待厂商备件' } });
    await fireEvent.click(within(dialog).getByTestId('reason-submit'));
    await waitFor(() => expect(m.ticketTransition).toHaveBeenCalledWith('t-1', 'pending', '等待厂商备件'));
  });

  it('sends an internal note when staff tick the toggle', async () => {
    render(TicketDetail, { id: 't-1' });
    await fireEvent.input(await screen.findByTestId('comment-body'), { target: { value: '已远程查看' } });
    await fireEvent.click(screen.getByTestId('comment-internal'));
    await fireEvent.click(screen.getByTestId('comment-send'));
    await waitFor(() => expect(m.commentAdd).toHaveBeenCalledWith('t-1', '已远程查看', true));
  });

  it('shows SLA countdowns, paused state, escalations and the emergency checklist', async () => {
    const due = new Date(Date.now() - 5 * 60_000).toISOString();
    m.ticket.mockResolvedValue(
      view({
        ticket: ticket(1, {
          severity: 1,
          sla: {
            response_due: due, resolution_due: new Date(Date.now() + 3600_000).toISOString(), response_breached: true,
            resolution_breached: false, response_met: null, resolution_met: null, responded_at: null, paused: false,
            business_seconds: 0, response_seconds: 0,
            escalations: [{ target: 'response', percent: 50, step: 1, at: '2026-11-27T08:07:00Z', due: '2026-11-27T08:07:00Z', notified: [engineer.id] }],
            checklist: [
              { key: 'acknowledge', done_at: '2026-11-27T08:10:00Z', done_by: engineer.id, due: null },
              { key: 'inform_it', done_at: null, done_by: null, due: null },
            ],
          },
        }),
      }),
    );
    render(TicketDetail, { id: 't-1' });
    const panel = await screen.findByTestId('sla-panel');
    expect(panel.querySelector('.overdue')).not.toBeNull();
    expect(panel).toHaveTextContent('已超时');
    expect(screen.getByTestId('checklist')).toHaveTextContent('通知信息科');
    expect(screen.getAllByTestId('timeline-event').some((e) => e.textContent?.includes('升级通知'))).toBe(true);
  });

  it('staff annotate an attachment: the burned PNG is uploaded and attached', async () => {
    const w = 20, h = 10;
    const data = new Uint8ClampedArray(w * h * 4).fill(255);
    const png = encodePng({ width: w, height: h, data });
    const url = 'data:image/png;base64,' + btoa(String.fromCharCode(...png));
    m.ticket.mockResolvedValue(view({ ticket: ticket(1, { attachments: ['ab'.repeat(32)] }) }));
    m.attachmentUrl.mockResolvedValue(url);
    m.attachmentAdd.mockResolvedValue('cd'.repeat(32));
    m.ticketUpdate.mockResolvedValue(ticket(1));
    render(TicketDetail, { id: 't-1' });
    await fireEvent.click(await screen.findByTestId('annotate-attachment'));
    const canvas = await screen.findByTestId('editor-canvas');
    await fireEvent.mouseDown(canvas, { clientX: 0, clientY: 0, button: 0 });
    await fireEvent.mouseUp(canvas, { clientX: 5, clientY: 5 });
    await fireEvent.click(screen.getByTestId('editor-done'));
    await waitFor(() => expect(m.ticketUpdate).toHaveBeenCalledWith('t-1', { attachments_add: ['cd'.repeat(32)] }));
    const sent = decode(Uint8Array.from(atob(m.attachmentAdd.mock.calls[0][0]), (c) => c.charCodeAt(0)));
    expect(Array.from(sent.data.slice(0, 4))).toEqual([0, 0, 0, 255]);
    expect(Array.from(sent.data.slice((9 * w + 19) * 4, (9 * w + 19) * 4 + 4))).toEqual([255, 255, 255, 255]);
  });

  it('reporters get no annotate button', async () => {
    setSession(nurse);
    m.ticket.mockResolvedValue(view({ ticket: ticket(1, { attachments: ['ab'.repeat(32)] }), comments: [] }));
    m.ticketActions.mockResolvedValue({ transitions: [], can_edit: false, can_assign: false, can_internal: false });
    m.attachmentUrl.mockResolvedValue('data:image/png;base64,AAAA');
    render(TicketDetail, { id: 't-1' });
    await screen.findByRole('button', { name: '查看附件 1' });
    expect(screen.queryByTestId('annotate-attachment')).toBeNull();
  });

  it('dispatchers reassign from the assignee picker', async () => {
    m.ticketUpdate.mockResolvedValue(ticket(1));
    render(TicketDetail, { id: 't-1' });
    const sel = await screen.findByTestId('assignee-change');
    await fireEvent.change(sel, { target: { value: '' } });
    await waitFor(() => expect(m.ticketUpdate).toHaveBeenCalledWith('t-1', { assignee: null }));
  });

  it('opened by number, writes still address the ticket by its id', async () => {
    render(TicketDetail, { id: 'R-1' });
    await fireEvent.click(await screen.findByTestId('action-in_progress'));
    await waitFor(() => expect(m.ticketTransition).toHaveBeenCalledWith('t-1', 'in_progress', null));
    expect(m.ticket).toHaveBeenCalledWith('R-1');
  });
});
