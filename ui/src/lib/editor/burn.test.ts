import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { burnAndEncode, decodePng, encodePng, normaliseRect, type Raster } from './burn';
import { exportPng } from './raster';

/** A 40x30 image with a distinct, semi-transparent colour per pixel. */
export function sample(width = 40, height = 30): Raster {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data[i * 4] = (i * 7) % 256;
    data[i * 4 + 1] = (i * 13 + 50) % 256;
    data[i * 4 + 2] = 200;
    data[i * 4 + 3] = 120 + (i % 100);
  }
  return { width, height, data };
}

function inside(x: number, y: number, r: { x: number; y: number; w: number; h: number }) {
  return x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h;
}

describe('redaction burn-in', () => {
  it('makes every redacted pixel opaque black and leaves the rest unchanged', () => {
    const src = sample();
    const original = new Uint8ClampedArray(src.data);
    const rects = [{ x: 5, y: 4, w: 10, h: 8 }, { x: 30, y: 20, w: 20, h: 20 }]; // the second runs off the edge
    const png = burnAndEncode(src, rects);
    const out = decode(png);
    expect(out.width).toBe(40);
    expect(out.height).toBe(30);
    expect(out.channels).toBe(4);
    const clamped = rects.map((r) => normaliseRect(r.x, r.y, r.x + r.w, r.y + r.h, 40, 30));
    let redacted = 0;
    for (let y = 0; y < 30; y++) {
      for (let x = 0; x < 40; x++) {
        const i = (y * 40 + x) * 4;
        const px = Array.from(out.data.slice(i, i + 4));
        if (clamped.some((r) => inside(x, y, r))) {
          expect(px, `(${x},${y})`).toEqual([0, 0, 0, 255]);
          redacted++;
        } else {
          expect(px, `(${x},${y})`).toEqual(Array.from(original.slice(i, i + 4)));
        }
      }
    }
    expect(redacted).toBe(10 * 8 + 10 * 10);
    // The caller's buffer (the original) is not modified.
    expect(src.data).toEqual(original);
  });

  it('exportPng burns redact shapes drawn in any direction (no canvas needed)', () => {
    const src = sample();
    const png = exportPng(src, [{ tool: 'redact', x1: 20, y1: 15, x2: 10, y2: 5 }, { tool: 'rect', x1: 0, y1: 0, x2: 3, y2: 3 }]);
    const out = decodePng(png)!;
    for (let y = 5; y < 15; y++) for (let x = 10; x < 20; x++) {
      const i = (y * 40 + x) * 4;
      expect(Array.from(out.data.slice(i, i + 4))).toEqual([0, 0, 0, 255]);
    }
    expect(out.data[(25 * 40 + 35) * 4 + 3]).toBe(src.data[(25 * 40 + 35) * 4 + 3]);
  });

  it('round-trips PNG through the pure codec', () => {
    const src = sample(7, 5);
    expect(decodePng(encodePng(src))!.data).toEqual(src.data);
  });
});
