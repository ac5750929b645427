// Getting pixels in and out. PNG goes through the pure decoder (screenshots are PNG), other
// formats through the webview's image decoder. Compositing the vector shapes needs a canvas;
// where none exists (jsdom) the shapes are skipped but redactions still burn in (burn.ts).
import { burnAndEncode, dataUrlToBytes, decodePng, type Raster } from './burn';
import { drawShapes, redactRects, type Shape } from './shapes';

export async function rasterFromBytes(bytes: Uint8Array, type: string): Promise<Raster> {
  if (type === 'image/png' || (bytes[0] === 0x89 && bytes[1] === 0x50)) {
    const r = decodePng(bytes);
    if (r) return r;
  }
  const blob = new Blob([bytes as BlobPart], { type });
  const bitmap = await createImageBitmap(blob);
  const c = document.createElement('canvas');
  c.width = bitmap.width;
  c.height = bitmap.height;
  const g = c.getContext('2d');
  if (!g) throw new Error('no canvas');
  g.drawImage(bitmap, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height);
  return { width: d.width, height: d.height, data: new Uint8ClampedArray(d.data) };
}

export async function rasterFromDataUrl(url: string): Promise<Raster> {
  const { type, bytes } = dataUrlToBytes(url);
  return rasterFromBytes(bytes, type);
}

export function readFileBytes(file: Blob): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const fr = new FileReader();
    fr.onload = () => resolve(new Uint8Array(fr.result as ArrayBuffer));
    fr.onerror = () => reject(fr.error);
    fr.readAsArrayBuffer(file);
  });
}

/** A canvas holding the raster, or null without canvas support. */
export function rasterCanvas(r: Raster): HTMLCanvasElement | null {
  const c = document.createElement('canvas');
  c.width = r.width;
  c.height = r.height;
  const g = c.getContext('2d');
  if (!g) return null;
  g.putImageData(new ImageData(new Uint8ClampedArray(r.data), r.width, r.height), 0, 0);
  return c;
}

/** The editor's export: image + shapes composited, then redactions burned into the RGBA. */
export function exportPng(r: Raster, shapes: Shape[]): Uint8Array {
  let composited: Raster = r;
  const c = rasterCanvas(r);
  const g = c?.getContext('2d');
  if (c && g) {
    drawShapes(g, shapes.filter((s) => s.tool !== 'redact'), Math.max(1, r.width / 1200));
    const d = g.getImageData(0, 0, r.width, r.height);
    composited = { width: r.width, height: r.height, data: new Uint8ClampedArray(d.data) };
  }
  return burnAndEncode(composited, redactRects(shapes, r.width, r.height));
}

/** A data URL of PNG bytes, for thumbnails. */
export function pngDataUrl(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return `data:image/png;base64,${btoa(s)}`;
}
