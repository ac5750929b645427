import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { decode } from 'fast-png';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { encodePng, type Raster } from '../lib/editor/burn';
import type { TicketDraft } from '../lib/bindings';
import type { Ticket } from '../lib/types';
import { api } from '../lib/api';
import { engineer, mockApi, nurse, ticket, type MockedApi } from '../test/fixtures';
import { setSession } from '../test/session-fixture';
import ReportForm from './ReportForm.svelte';

vi.mock('../lib/api', async () => {
  const { mockApi } = await import('../test/fixtures');
  return { api: mockApi(), inTauri: () => false };
});
const m = api as unknown as MockedApi;
const SHA = 'ab'.repeat(32);

function image(): Raster {
  const width = 30;
  const height = 20;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([200, (i * 5) % 256, 40, 255], i * 4);
  return { width, height, data };
}

async function fill(title = '打印机卡纸', level = 3) {
  await fireEvent.input(screen.getByTestId('report-title'), { target: { value: title } });
  await fireEvent.click(screen.getByTestId(`report-level-${level}`));
}

async function addImage(r: Raster) {
  const file = new File([encodePng(r) as BlobPart], 'shot.png', { type: 'image/png' });
  const input = screen.getByTestId('report-file') as HTMLInputElement;
  Object.defineProperty(input, 'files', { value: [file], configurable: true });
  await fireEvent.change(input);
  return screen.findByTestId('editor');
}

beforeEach(() => {
  vi.clearAllMocks();
  localStorage.clear();
  setSession(nurse);
  m.attachmentAdd.mockResolvedValue(SHA);
  m.ticketCreate.mockImplementation(async (d: TicketDraft) => ticket(1, { title: d.title, number: null }));
});

describe('report form', () => {
  it('refuses to submit without the required fields and says what is missing', async () => {
    render(ReportForm);
    await fireEvent.input(screen.getByTestId('report-title'), { target: { value: '   ' } });
    await fireEvent.click(screen.getByTestId('report-submit'));
    expect(await screen.findByText('请填写问题标题。')).toBeInTheDocument();
    expect(screen.getByText('请选择故障等级。')).toBeInTheDocument();
    expect(screen.getByTestId('report-title')).toHaveAttribute('aria-invalid', 'true');
    expect(m.ticketCreate).not.toHaveBeenCalled();
  });

  it('asks for campus and department when neither is known', async () => {
    setSession({ ...engineer });
    render(ReportForm);
    await fill();
    await fireEvent.click(screen.getByTestId('report-submit'));
    expect(await screen.findByText('请选择院区。')).toBeInTheDocument();
    expect(screen.getByText('请选择科室。')).toBeInTheDocument();
    expect(m.ticketCreate).not.toHaveBeenCalled();
  });

  it('level helper picks the level from plain-language answers', async () => {
    render(ReportForm);
    await fireEvent.click(screen.getByTestId('level-helper-toggle'));
    await fireEvent.click(screen.getByTestId('helper-campus-no'));
    await fireEvent.click(screen.getByTestId('helper-department-yes'));
    await fireEvent.click(screen.getByTestId('helper-workaround-no'));
    expect(screen.getByTestId('report-level-2')).toHaveAttribute('aria-checked', 'true');
    await fireEvent.click(screen.getByTestId('helper-workaround-yes'));
    expect(screen.getByTestId('report-level-3')).toHaveAttribute('aria-checked', 'true');
    await fireEvent.click(screen.getByTestId('helper-campus-yes'));
    expect(screen.getByTestId('report-level-1')).toHaveAttribute('aria-checked', 'true');
    // The user can still override.
    await fireEvent.click(screen.getByTestId('report-level-4'));
    expect(screen.getByTestId('report-level-4')).toHaveAttribute('aria-checked', 'true');
    expect(screen.getByTestId('report-level-1')).toHaveAttribute('aria-checked', 'false');
  });

  it("defaults campus and department to the user's own", () => {
    render(ReportForm);
    expect(screen.getByTestId('report-campus')).toHaveValue('main');
    expect(screen.getByTestId('report-department')).toHaveValue('main-ivf');
  });

  it('remembers the campus and department last used', async () => {
    localStorage.setItem('rounds.report.campus', 'east');
    localStorage.setItem('rounds.report.department', 'east-op');
    const first = render(ReportForm);
    expect(screen.getByTestId('report-campus')).toHaveValue('east');
    expect(screen.getByTestId('report-department')).toHaveValue('east-op');
    await fireEvent.change(screen.getByTestId('report-campus'), { target: { value: 'main' } });
    await fireEvent.change(screen.getByTestId('report-department'), { target: { value: 'main-lab' } });
    await fill();
    await fireEvent.click(screen.getByTestId('report-submit'));
    await screen.findByTestId('report-saved');
    expect(localStorage.getItem('rounds.report.department')).toBe('main-lab');
    first.unmount();
    render(ReportForm);
    expect(screen.getByTestId('report-campus')).toHaveValue('main');
    expect(screen.getByTestId('report-department')).toHaveValue('main-lab');
  });

  it('submits offline and says it will sync later', async () => {
    setSession(nurse, { online: false, pending_ops: 2 });
    m.ticketCreate.mockResolvedValue(ticket(9, { number: 'R-9' }));
    render(ReportForm);
    await fill('HIS 登录失败', 2);
    await fireEvent.click(screen.getByTestId('report-submit'));
    const saved = await screen.findByTestId('report-saved');
    expect(saved).toHaveTextContent('已保存，将在联网后同步');
    const draft = m.ticketCreate.mock.calls[0][0] as TicketDraft;
    expect(draft).toMatchObject({ title: 'HIS 登录失败', severity: 2, campus: 'main', department: 'main-ivf', work_type: 'daily_ops' });
  });

  it('online, the confirmation turns into the ticket number once the sync numbers it', async () => {
    setSession(nurse, { online: true, pending_ops: 0, last_sync: '2026-11-28T08:00:00Z' });
    m.ticketCreate.mockResolvedValue(ticket(8, { number: null } as Partial<Ticket>));
    const view = (number: string | null) => ({ ticket: ticket(8, { number } as Partial<Ticket>), comments: [], pending_ops: 0, conflicts: [] });
    // Read again at once: not synced yet; after the next sync: numbered.
    m.ticket.mockResolvedValueOnce(view(null)).mockResolvedValue(view('R-2026-00008'));
    render(ReportForm);
    await fill();
    await fireEvent.click(screen.getByTestId('report-submit'));
    const saved = await screen.findByTestId('report-saved');
    expect(saved).toHaveTextContent('已保存，正在同步…');
    expect(saved).not.toHaveTextContent('联网后');
    setSession(nurse, { online: true, pending_ops: 0, last_sync: '2026-11-28T08:00:05Z' });
    await waitFor(() => expect(saved).toHaveTextContent('已提交，工单号 R-2026-00008'));
  });

  it('shows the ticket number when the server gave one', async () => {
    m.ticketCreate.mockResolvedValue(ticket(7, { number: 'R-2026-00007' } as Partial<Ticket>));
    render(ReportForm);
    await fill();
    await fireEvent.click(screen.getByTestId('report-submit'));
    expect(await screen.findByTestId('report-saved')).toHaveTextContent('R-2026-00007');
  });

  it('uploads only the redacted PNG and puts its sha in the draft', async () => {
    const original = image();
    const before = new Uint8ClampedArray(original.data);
    render(ReportForm);
    await addImage(original);
    const canvas = screen.getByTestId('editor-canvas');
    expect(screen.getByTestId('tool-redact')).toHaveAttribute('aria-pressed', 'true');
    // jsdom lays nothing out, so displayed size == image size (scale 1).
    await fireEvent.mouseDown(canvas, { clientX: 4, clientY: 3, button: 0 });
    await fireEvent.mouseMove(canvas, { clientX: 10, clientY: 8 });
    await fireEvent.mouseUp(canvas, { clientX: 14, clientY: 11 });
    expect(canvas).toHaveAttribute('data-shapes', '1');
    await fireEvent.click(screen.getByTestId('editor-done'));
    await waitFor(() => expect(screen.queryByTestId('editor')).not.toBeInTheDocument());
    await fill();
    await fireEvent.click(screen.getByTestId('report-submit'));
    await screen.findByTestId('report-saved');

    expect(m.attachmentAdd).toHaveBeenCalledTimes(1);
    const [b64, type] = m.attachmentAdd.mock.calls[0];
    expect(type).toBe('image/png');
    const bin = atob(b64);
    const sent = decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
    expect([sent.width, sent.height]).toEqual([30, 20]);
    for (let y = 0; y < 20; y++) {
      for (let x = 0; x < 30; x++) {
        const i = (y * 30 + x) * 4;
        const px = Array.from(sent.data.slice(i, i + 4));
        if (x >= 4 && x < 14 && y >= 3 && y < 11) expect(px, `(${x},${y})`).toEqual([0, 0, 0, 255]);
        else expect(px, `(${x},${y})`).toEqual(Array.from(before.slice(i, i + 4)));
      }
    }
    const draft = m.ticketCreate.mock.calls[0][0] as TicketDraft;
    expect(draft.attachments).toEqual([SHA]);
  });

  it('asks which monitor to capture when there are several, then opens the editor', async () => {
    const shot = encodePng(image());
    m.monitors.mockResolvedValue([
      { index: 0, name: 'Built-in', width: 1280, height: 800, primary: true },
      { index: 1, name: 'HDMI', width: 1920, height: 1080, primary: false },
    ]);
    m.captureScreen.mockResolvedValue({ data_url: 'data:image/png;base64,' + btoa(String.fromCharCode(...shot)), width: 30, height: 20 });
    render(ReportForm);
    await fireEvent.click(screen.getByTestId('capture-screen'));
    await fireEvent.click(await screen.findByTestId('monitor-1'));
    expect(m.captureScreen).toHaveBeenCalledWith(1);
    expect(await screen.findByTestId('editor')).toBeInTheDocument();
  });

  it('takes images pasted from the clipboard and dropped on the zone', async () => {
    render(ReportForm);
    const file = () => new File([encodePng(image()) as BlobPart], 'p.png', { type: 'image/png' });
    await fireEvent.paste(window, { clipboardData: { files: [], items: [{ kind: 'file', type: 'image/png', getAsFile: file }] } });
    expect(await screen.findByTestId('editor')).toBeInTheDocument();
    await fireEvent.click(screen.getByTestId('editor-done'));
    await waitFor(() => expect(screen.queryByTestId('editor')).not.toBeInTheDocument());
    await fireEvent.drop(screen.getByTestId('report-drop'), { dataTransfer: { files: [file()] } });
    expect(await screen.findByTestId('editor')).toBeInTheDocument();
    await fireEvent.click(screen.getByTestId('editor-done'));
    await waitFor(() => expect(screen.getAllByRole('img')).toHaveLength(2));
  });
});
