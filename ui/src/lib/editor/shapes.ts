// Annotation shapes in image pixels, and how they are drawn on a 2D context.
import type { Rect } from './burn';
import { normaliseRect } from './burn';

export type Tool = 'rect' | 'arrow' | 'text' | 'highlight' | 'redact';
export type Shape = { tool: Tool; x1: number; y1: number; x2: number; y2: number; text?: string };

export const ANNOTATION_RED = '#e5383b';

export function redactRects(shapes: Shape[], width: number, height: number): Rect[] {
  return shapes
    .filter((s) => s.tool === 'redact')
    .map((s) => normaliseRect(s.x1, s.y1, s.x2, s.y2, width, height))
    .filter((r) => r.w > 0 && r.h > 0);
}

/** Draws the shapes; redactions as opaque boxes (the export burns them again into the pixels). */
export function drawShapes(g: CanvasRenderingContext2D, shapes: Shape[], scale = 1) {
  const lw = Math.max(2, 3 * scale);
  for (const s of shapes) {
    const x = Math.min(s.x1, s.x2);
    const y = Math.min(s.y1, s.y2);
    const w = Math.abs(s.x2 - s.x1);
    const h = Math.abs(s.y2 - s.y1);
    g.save();
    switch (s.tool) {
      case 'rect':
        g.strokeStyle = ANNOTATION_RED;
        g.lineWidth = lw;
        g.strokeRect(x, y, w, h);
        break;
      case 'highlight':
        g.fillStyle = 'rgba(255, 214, 0, 0.38)';
        g.fillRect(x, y, w, h);
        break;
      case 'redact':
        g.fillStyle = '#000';
        g.fillRect(x, y, w, h);
        break;
      case 'arrow': {
        const ang = Math.atan2(s.y2 - s.y1, s.x2 - s.x1);
        const head = Math.max(12, 6 * lw);
        g.strokeStyle = ANNOTATION_RED;
        g.fillStyle = ANNOTATION_RED;
        g.lineWidth = lw;
        g.lineCap = 'round';
        g.beginPath();
        g.moveTo(s.x1, s.y1);
        g.lineTo(s.x2 - Math.cos(ang) * head * 0.6, s.y2 - Math.sin(ang) * head * 0.6);
        g.stroke();
        g.beginPath();
        g.moveTo(s.x2, s.y2);
        g.lineTo(s.x2 - head * Math.cos(ang - 0.45), s.y2 - head * Math.sin(ang - 0.45));
        g.lineTo(s.x2 - head * Math.cos(ang + 0.45), s.y2 - head * Math.sin(ang + 0.45));
        g.closePath();
        g.fill();
        break;
      }
      case 'text': {
        const size = Math.max(16, 20 * scale);
        g.font = `600 ${size}px system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif`;
        g.textBaseline = 'top';
        const text = s.text ?? '';
        const m = g.measureText(text);
        g.fillStyle = 'rgba(255,255,255,0.85)';
        g.fillRect(s.x1 - 4, s.y1 - 4, m.width + 8, size + 8);
        g.fillStyle = ANNOTATION_RED;
        g.fillText(text, s.x1, s.y1);
        break;
      }
    }
    g.restore();
  }
}
