import { describe, expect, it } from 'vitest';
import { suggestLevel } from './level';

const a = (campus: boolean | null, department: boolean | null = null, workaround: boolean | null = null, question: boolean | null = null) =>
  suggestLevel({ campus, department, workaround, question });

describe('fault-level helper rule', () => {
  it('maps the answers onto the four levels', () => {
    expect(a(true)).toBe(1);
    expect(a(false, true, false)).toBe(2);
    expect(a(false, true, true)).toBe(3);
    expect(a(false, false, null, false)).toBe(3);
    expect(a(false, false, null, true)).toBe(4);
  });
  it('suggests nothing until enough is answered', () => {
    expect(a(null)).toBeNull();
    expect(a(false)).toBeNull();
    expect(a(false, true)).toBeNull();
  });
});
