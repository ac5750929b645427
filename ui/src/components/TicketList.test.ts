import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { TicketFilter } from '../lib/types';
import { api } from '../lib/api';
import { engineer, mockApi, nurse, row, type MockedApi } from '../test/fixtures';
import { setSession } from '../test/session-fixture';
import TicketList, { OVERSCAN, PAGE_SIZE, ROW_HEIGHT } from './TicketList.svelte';

vi.mock('../lib/api', async () => {
  const { mockApi } = await import('../test/fixtures');
  return { api: mockApi(), inTauri: () => false };
});
const m = api as unknown as MockedApi;
const TOTAL = 100_000;

/** A backend with TOTAL tickets; row i has id t-i; every 3rd pending, every 5th in conflict. */
function bigBackend() {
  m.ticketPage.mockImplementation(async (f: TicketFilter) => {
    const off = f.offset ?? 0;
    const n = Math.min(f.limit ?? 100, TOTAL - off);
    return {
      total: TOTAL,
      total_capped: false,
      rows: Array.from({ length: n }, (_, k) => row(off + k, { pending: (off + k) % 3 === 0, conflict: (off + k) % 5 === 0 })),
    };
  });
}

const offsets = () => m.ticketPage.mock.calls.map((c) => (c[0] as TicketFilter).offset);

beforeEach(() => {
  vi.clearAllMocks();
  vi.useRealTimers();
  setSession(engineer);
  bigBackend();
});

describe('ticket list', () => {
  it('renders only a window of rows for 100,000 tickets', async () => {
    render(TicketList);
    await waitFor(() => expect(screen.getAllByTestId('ticket-row').length).toBeGreaterThan(0));
    const rows = screen.getAllByTestId('ticket-row');
    expect(rows.length).toBeLessThan(60);
    expect(rows[0]).toHaveAttribute('data-id', 't-0');
    // The scroll area is sized by total.
    const spacer = screen.getByTestId('ticket-scroller').firstElementChild as HTMLElement;
    expect(spacer.style.height).toBe(`${TOTAL * ROW_HEIGHT}px`);
    expect(offsets()).toEqual([0]);
    expect(m.ticketPage.mock.calls[0][0]).toMatchObject({ offset: 0, limit: PAGE_SIZE, sort: 'newest' });
  });

  it('requests the page for the scrolled-to offset and renders those rows', async () => {
    render(TicketList);
    await waitFor(() => expect(screen.getAllByTestId('ticket-row').length).toBeGreaterThan(0));
    const scroller = screen.getByTestId('ticket-scroller');
    const target = 50_000;
    scroller.scrollTop = target * ROW_HEIGHT;
    await fireEvent.scroll(scroller);
    const firstIndex = target - OVERSCAN;
    const expectedPage = Math.floor(firstIndex / PAGE_SIZE) * PAGE_SIZE;
    await waitFor(() => expect(offsets()).toContain(expectedPage));
    await waitFor(() => expect(screen.getAllByTestId('ticket-row').some((r) => r.dataset.id === `t-${target}`)).toBe(true));
    const rows = screen.getAllByTestId('ticket-row');
    expect(rows.length).toBeLessThan(60);
    expect(rows.some((r) => r.dataset.id === 't-0')).toBe(false);
    // Never fetched everything in between.
    expect(m.ticketPage.mock.calls.length).toBeLessThanOrEqual(3);
  });

  it('marks pending and conflicting rows', async () => {
    render(TicketList);
    await waitFor(() => expect(screen.getAllByTestId('ticket-row').length).toBeGreaterThan(5));
    const byId = (id: string) => screen.getAllByTestId('ticket-row').find((r) => r.dataset.id === id)!;
    expect(byId('t-3')).toHaveAttribute('data-pending', 'true');
    expect(byId('t-3').querySelector('[data-testid="row-pending"]')).not.toBeNull();
    expect(byId('t-1')).toHaveAttribute('data-pending', 'false');
    expect(byId('t-1').querySelector('[data-testid="row-pending"]')).toBeNull();
    expect(byId('t-5')).toHaveAttribute('data-conflict', 'true');
    expect(byId('t-5').querySelector('[data-testid="row-conflict"]')).not.toBeNull();
    expect(byId('t-1').querySelector('[data-testid="row-conflict"]')).toBeNull();
  });

  it('sends the search text as q (debounced) and starts again at offset 0', async () => {
    render(TicketList);
    await waitFor(() => expect(m.ticketPage).toHaveBeenCalledTimes(1));
    const input = screen.getByTestId('search-input');
    await fireEvent.input(input, { target: { value: '打' } });
    await fireEvent.input(input, { target: { value: '打印机' } });
    await waitFor(() => expect(m.ticketPage.mock.calls.some((c) => (c[0] as TicketFilter).q === '打印机')).toBe(true));
    const withQ = m.ticketPage.mock.calls.filter((c) => (c[0] as TicketFilter).q);
    expect(withQ.map((c) => (c[0] as TicketFilter).q)).toEqual(['打印机']);
    expect(withQ[0][0]).toMatchObject({ offset: 0, sort: 'relevance' });
  });

  it('renders the search snippet as <mark> without injecting HTML', async () => {
    m.ticketPage.mockResolvedValue({ total: 1, total_capped: false, rows: [row(1, { snippet: '<img src=x onerror=alert(1)>\uE000打印机\uE001卡纸' })] });
    render(TicketList);
    const r = await screen.findByTestId('ticket-row');
    expect(r.querySelector('mark')?.textContent).toBe('打印机');
    expect(r.querySelector('img')).toBeNull();
    expect(r.textContent).toContain('<img src=x onerror=alert(1)>');
  });

  it('"mine" means reporter=me for reporters, and assignee=me for staff', async () => {
    setSession(nurse);
    const a = render(TicketList);
    await waitFor(() => expect(m.ticketPage).toHaveBeenCalled());
    expect(m.ticketPage.mock.calls[0][0]).toMatchObject({ reporter: nurse.id, assignee: null });
    a.unmount();
    vi.clearAllMocks();
    bigBackend();
    setSession(engineer);
    render(TicketList);
    await waitFor(() => expect(m.ticketPage).toHaveBeenCalled());
    await fireEvent.click(screen.getByTestId('filter-mine'));
    await waitFor(() => expect(m.ticketPage.mock.calls.some((c) => (c[0] as TicketFilter).assignee === engineer.id)).toBe(true));
  });
});
