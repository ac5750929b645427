import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { pushNotice, session } from '../lib/session.svelte';
import NoticeBanner from './NoticeBanner.svelte';

beforeEach(() => {
  session.notices = [];
  session.route = { view: 'triage' };
});

const rows = () => screen.getAllByTestId('notice-banner').map((r) => r.getAttribute('data-kind') + ' ' + within(r).getByRole('strong', { hidden: true }).textContent);

describe('notices strip', () => {
  it('puts escalations first, then the newest, and counts what does not fit', async () => {
    render(NoticeBanner);
    pushNotice({ kind: 'comment', title: 'R-1 有新回复', body: '', ticket_id: 't-1' });
    pushNotice({ kind: 'escalation', title: '工单升级：R-2', body: '响应时限已用 80%', ticket_id: 't-2' });
    pushNotice({ kind: 'assigned', title: '工单已分派给你：R-3', body: '', ticket_id: 't-3' });
    pushNotice({ kind: 'status', title: 'R-4 状态：已响应', body: '', ticket_id: 't-4' });
    expect(await screen.findAllByTestId('notice-banner')).toHaveLength(3);
    expect(rows()).toEqual(['escalation 工单升级：R-2', 'status R-4 状态：已响应', 'assigned 工单已分派给你：R-3']);
    expect(screen.getByTestId('notices-more')).toHaveTextContent('还有 1 条通知');
    await fireEvent.click(screen.getByTestId('notices-dismiss-all'));
    expect(screen.queryByTestId('notices')).toBeNull();
    expect(session.notices).toEqual([]);
  });

  it('a newer notice of the same kind about the same ticket replaces the older one', async () => {
    render(NoticeBanner);
    pushNotice({ kind: 'escalation', title: '工单升级：R-2', body: '响应时限已用 50%', ticket_id: 't-2' });
    pushNotice({ kind: 'comment', title: 'R-2 有新回复', body: '', ticket_id: 't-2' });
    pushNotice({ kind: 'escalation', title: '工单升级：R-2', body: '响应时限已用 80%', ticket_id: 't-2' });
    const shown = await screen.findAllByTestId('notice-banner');
    expect(shown).toHaveLength(2);
    expect(shown[0]).toHaveTextContent('响应时限已用 80%');
    expect(screen.queryByText('响应时限已用 50%')).toBeNull();
    // Both fit: no count, no extra row.
    expect(screen.queryByTestId('notices-more')).toBeNull();
    expect(screen.queryByTestId('notices-dismiss-all')).toBeNull();
  });

  it('open dismisses the notice and opens its ticket', async () => {
    render(NoticeBanner);
    pushNotice({ kind: 'assigned', title: '工单已分派给你：R-3', body: '', ticket_id: 't-3' });
    await fireEvent.click(await screen.findByRole('button', { name: '打开' }));
    expect(session.route).toEqual({ view: 'detail', id: 't-3', from: 'triage' });
    expect(screen.queryByTestId('notice-banner')).toBeNull();
  });
});
