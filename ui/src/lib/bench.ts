// The list-scrolling benchmark, run only when the shell asks for it (`rounds-bench` starts
// the app with ROUNDS_BENCH_SCROLL): scrolls the ticket list for a number of animation frames,
// as a fast fling would, and reports the intervals between frames.

import type { ScrollReport } from './bindings';

const nextFrame = () => new Promise<number>((resolve) => requestAnimationFrame(resolve));

export async function scrollBench(frames: number, stepPx: number, rowHeight: number): Promise<ScrollReport> {
  const el = document.querySelector<HTMLElement>("[data-testid='ticket-scroller']");
  if (!el) throw new Error('no ticket list on screen');
  const gaps: number[] = [];
  let travelled = 0;
  let last = await nextFrame();
  for (let i = 0; i < frames; i++) {
    const before = el.scrollTop;
    if (stepPx > 0) el.scrollTop = before + stepPx >= el.scrollHeight - el.clientHeight ? 0 : before + stepPx;
    travelled += Math.abs(el.scrollTop - before);
    const now = await nextFrame();
    gaps.push(now - last);
    last = now;
  }
  const sorted = [...gaps].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  return {
    frames,
    p50_ms: at(0.5),
    p95_ms: at(0.95),
    max_ms: sorted[sorted.length - 1] ?? 0,
    long_frames: gaps.filter((g) => g > 50).length,
    rows: Math.round(travelled / rowHeight),
  };
}
