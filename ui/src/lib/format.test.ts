import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addDays, localInputToUtc, rfc3339, snippetParts, toLocalInput, weekStart } from './format';
import { setTimeZone } from '../test/timezone';

describe('search snippets', () => {
  it('splits on the private-use markers without HTML', () => {
    expect(snippetParts('门诊\uE000打印机\uE001卡纸 <b>x</b>')).toEqual([
      { text: '门诊', mark: false },
      { text: '打印机', mark: true },
      { text: '卡纸 <b>x</b>', mark: false },
    ]);
  });
});

describe('roster times', () => {
  let previous: string | undefined;
  beforeEach(() => {
    previous = setTimeZone('Asia/Shanghai');
  });
  afterEach(() => {
    setTimeZone(previous);
  });

  it('datetime-local values are local wall-clock, sent as RFC 3339 UTC', () => {
    expect(localInputToUtc('2026-12-01T08:00')).toBe('2026-12-01T00:00:00Z');
    expect(localInputToUtc('2026-12-01T00:30')).toBe('2026-11-30T16:30:00Z');
    expect(localInputToUtc('')).toBeNull();
    expect(localInputToUtc('2026-13-01T08:00')).toBeNull();
    expect(localInputToUtc('2026-12-01')).toBeNull();
    expect(toLocalInput('2026-12-01T12:00:00Z')).toBe('2026-12-01T20:00');
    expect(rfc3339(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe('2026-01-02T03:04:05Z');
  });

  it('weeks start on Monday at local midnight and stay on midnight across a DST change', () => {
    const mon = weekStart(Date.parse('2026-11-29T15:59:00Z')); // Sunday 23:59 local
    expect(rfc3339(mon)).toBe('2026-11-22T16:00:00Z');
    expect(rfc3339(weekStart(Date.parse('2026-11-29T16:00:00Z')))).toBe('2026-11-29T16:00:00Z'); // Monday 00:00
    setTimeZone('Europe/Berlin');
    const w = weekStart(Date.parse('2026-10-21T12:00:00Z'));
    expect(rfc3339(w)).toBe('2026-10-18T22:00:00Z'); // Mon 19 Oct 00:00 CEST
    expect(rfc3339(addDays(w, 7))).toBe('2026-10-25T23:00:00Z'); // Mon 26 Oct 00:00 CET: 7 days + 1 hour
  });
});
