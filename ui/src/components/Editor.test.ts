import { fireEvent, render, screen } from '@testing-library/svelte';
import { decode } from 'fast-png';
import { describe, expect, it, vi } from 'vitest';
import type { Shape } from '../lib/editor/shapes';
import Editor from './Editor.svelte';

function raster(w = 16, h = 12) {
  return { width: w, height: h, data: new Uint8ClampedArray(w * h * 4).fill(200) };
}

describe('annotation editor', () => {
  it('switches tools by button and by key, places text, undoes', async () => {
    const ondone = vi.fn();
    render(Editor, { raster: raster(), ondone, oncancel: vi.fn() });
    const canvas = screen.getByTestId('editor-canvas');
    await fireEvent.click(screen.getByTestId('tool-rect'));
    expect(screen.getByTestId('tool-rect')).toHaveAttribute('aria-pressed', 'true');
    await fireEvent.keyDown(screen.getByTestId('editor'), { key: 't' });
    expect(screen.getByTestId('tool-text')).toHaveAttribute('aria-pressed', 'true');
    await fireEvent.mouseDown(canvas, { clientX: 2, clientY: 3, button: 0 });
    await fireEvent.input(await screen.findByTestId('editor-text'), { target: { value: '这里' } });
    await fireEvent.submit(screen.getByTestId('editor-text').closest('form')!);
    expect(canvas).toHaveAttribute('data-shapes', '1');
    await fireEvent.click(screen.getByTestId('tool-arrow'));
    await fireEvent.mouseDown(canvas, { clientX: 1, clientY: 1, button: 0 });
    await fireEvent.mouseUp(canvas, { clientX: 9, clientY: 9 });
    expect(canvas).toHaveAttribute('data-shapes', '2');
    await fireEvent.keyDown(screen.getByTestId('editor'), { key: 'z', ctrlKey: true });
    expect(canvas).toHaveAttribute('data-shapes', '1');
    await fireEvent.click(screen.getByTestId('editor-done'));
    await vi.waitFor(() => expect(ondone).toHaveBeenCalled());
    const [png, shapes] = ondone.mock.calls[0] as [Uint8Array, Shape[]];
    expect(shapes).toEqual([{ tool: 'text', x1: 2, y1: 3, x2: 2, y2: 3, text: '这里' }]);
    expect(decode(png).width).toBe(16);
  });

  it('ignores a click without a drag (no empty redaction)', async () => {
    render(Editor, { raster: raster(), ondone: vi.fn(), oncancel: vi.fn() });
    const canvas = screen.getByTestId('editor-canvas');
    await fireEvent.mouseDown(canvas, { clientX: 5, clientY: 5, button: 0 });
    await fireEvent.mouseUp(canvas, { clientX: 5, clientY: 5 });
    expect(canvas).toHaveAttribute('data-shapes', '0');
  });
});
