// The redaction pipeline, pure: RGBA buffer in, PNG bytes out. No canvas, so it runs the same
// in jsdom and in the webview, and a redaction cannot be undone by a canvas quirk (colour
// management, anti-aliasing, alpha). The unredacted original never leaves this module except
// through the caller's own variable.
import { decode, encode } from 'fast-png';

export type Raster = { width: number; height: number; data: Uint8ClampedArray };
export type Rect = { x: number; y: number; w: number; h: number };

/** A rectangle from two corners, in whole pixels, clamped to the image. Empty when it misses. */
export function normaliseRect(x1: number, y1: number, x2: number, y2: number, width: number, height: number): Rect {
  const left = Math.max(0, Math.floor(Math.min(x1, x2)));
  const top = Math.max(0, Math.floor(Math.min(y1, y2)));
  const right = Math.min(width, Math.ceil(Math.max(x1, x2)));
  const bottom = Math.min(height, Math.ceil(Math.max(y1, y2)));
  return { x: left, y: top, w: Math.max(0, right - left), h: Math.max(0, bottom - top) };
}

/** Paints every redact rectangle opaque black (0,0,0,255) into `data`, in place. */
export function applyRedactions(r: Raster, rects: Rect[]): Raster {
  const { width, height, data } = r;
  for (const rect of rects) {
    const n = normaliseRect(rect.x, rect.y, rect.x + rect.w, rect.y + rect.h, width, height);
    for (let y = n.y; y < n.y + n.h; y++) {
      let i = (y * width + n.x) * 4;
      for (let x = 0; x < n.w; x++, i += 4) {
        data[i] = 0;
        data[i + 1] = 0;
        data[i + 2] = 0;
        data[i + 3] = 255;
      }
    }
  }
  return r;
}

export function encodePng(r: Raster): Uint8Array {
  return encode({ width: r.width, height: r.height, data: r.data, channels: 4, depth: 8 });
}

/** Decodes a PNG into 8-bit RGBA, or null when it is a kind this decoder does not map. */
export function decodePng(bytes: Uint8Array): Raster | null {
  let img;
  try {
    img = decode(bytes);
  } catch {
    return null;
  }
  const { width, height } = img;
  const src = img.data;
  const out = new Uint8ClampedArray(width * height * 4);
  const px = width * height;
  if (img.palette) {
    const pal = img.palette;
    for (let p = 0; p < px; p++) {
      const c = pal[src[p]] ?? [0, 0, 0];
      out[p * 4] = c[0];
      out[p * 4 + 1] = c[1];
      out[p * 4 + 2] = c[2];
      out[p * 4 + 3] = c.length > 3 ? (c as number[])[3] : 255;
    }
    return { width, height, data: out };
  }
  const ch = img.channels;
  const shift = img.depth === 16 ? 8 : 0;
  if (img.depth !== 8 && img.depth !== 16) return null;
  for (let p = 0; p < px; p++) {
    const s = p * ch;
    const v = (k: number) => (src[s + k] as number) >> shift;
    if (ch === 4) {
      out[p * 4] = v(0); out[p * 4 + 1] = v(1); out[p * 4 + 2] = v(2); out[p * 4 + 3] = v(3);
    } else if (ch === 3) {
      out[p * 4] = v(0); out[p * 4 + 1] = v(1); out[p * 4 + 2] = v(2); out[p * 4 + 3] = 255;
    } else if (ch === 2) {
      out[p * 4] = out[p * 4 + 1] = out[p * 4 + 2] = v(0); out[p * 4 + 3] = v(1);
    } else {
      out[p * 4] = out[p * 4 + 1] = out[p * 4 + 2] = v(0); out[p * 4 + 3] = 255;
    }
  }
  return { width, height, data: out };
}

/** Copies the pixels, then burns the redactions in and encodes: the export of the editor. */
export function burnAndEncode(composited: Raster, redactions: Rect[]): Uint8Array {
  const copy: Raster = { width: composited.width, height: composited.height, data: new Uint8ClampedArray(composited.data) };
  return encodePng(applyRedactions(copy, redactions));
}

export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    s += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(s);
}

export function base64ToBytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Splits a `data:` URL into its content type and bytes. */
export function dataUrlToBytes(url: string): { type: string; bytes: Uint8Array } {
  const m = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(url);
  if (!m) throw new Error('not a data URL');
  const bytes = m[2] ? base64ToBytes(m[3]) : new TextEncoder().encode(decodeURIComponent(m[3]));
  return { type: m[1] || 'application/octet-stream', bytes };
}
