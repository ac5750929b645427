// Dates in local time, durations and error texts, all through the current locale.
import type { AppError } from './bindings';
import { i18n, t, type MessageKey } from './i18n/index.svelte';

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(i18n.locale, {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
  }).format(d);
}

// ---- roster times: local wall-clock for display, RFC 3339 UTC on the wire ----------------

const DAY = { weekday: 'short', month: '2-digit', day: '2-digit' } as const;
const TIME = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } as const;

/** `2026/11/23` (local date). */
export function formatDate(at: string | number | Date): string {
  return new Intl.DateTimeFormat(i18n.locale, { year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(at));
}

/** `08:00` (local time, 24-hour). */
export function formatTime(at: string | number | Date): string {
  return new Intl.DateTimeFormat(i18n.locale, TIME).format(new Date(at));
}

/** `11/23周一 08:00` / `Mon, 11/23 08:00`. */
export function formatDayTime(at: string | number | Date): string {
  const d = new Date(at);
  return `${new Intl.DateTimeFormat(i18n.locale, DAY).format(d)} ${formatTime(d)}`;
}

export function sameLocalDay(a: string | number | Date, b: string | number | Date): boolean {
  const x = new Date(a);
  const y = new Date(b);
  return x.getFullYear() === y.getFullYear() && x.getMonth() === y.getMonth() && x.getDate() === y.getDate();
}

/** A shift in local time: `11/23周一 08:00 – 20:00`, or with the end day when it crosses midnight. */
export function formatShiftRange(start: string, end: string): string {
  return `${formatDayTime(start)} – ${sameLocalDay(start, end) ? formatTime(end) : formatDayTime(end)}`;
}

/** An instant as RFC 3339 UTC without milliseconds: `2026-11-23T00:00:00Z`. */
export function rfc3339(at: number | Date): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A `datetime-local` input value (local wall-clock) as RFC 3339 UTC; null when empty or invalid. */
export function localInputToUtc(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return null;
  const d = new Date(value); // no offset in the string: ECMAScript reads it as local time
  return Number.isNaN(d.getTime()) ? null : rfc3339(d);
}

/** An instant as a `datetime-local` value (local wall-clock, minutes): `2026-12-01T08:00`. */
export function toLocalInput(at: string | number | Date): string {
  const d = new Date(at);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Local midnight of the Monday of the week containing `at`, in epoch ms. */
export function weekStart(at: number | Date): number {
  const d = new Date(at);
  d.setHours(0, 0, 0, 0);
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return d.getTime();
}

/** `at` moved by whole local days (calendar days, so a DST change keeps midnight at midnight). */
export function addDays(at: number, days: number): number {
  const d = new Date(at);
  d.setDate(d.getDate() + days);
  return d.getTime();
}

export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '';
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  if (s < 60) return t('time.just_now');
  if (s < 3600) return t('time.minutes_ago', { n: Math.floor(s / 60) });
  if (s < 86400) return t('time.hours_ago', { n: Math.floor(s / 3600) });
  return t('time.days_ago', { n: Math.floor(s / 86400) });
}

export function formatDuration(ms: number): string {
  const m = Math.floor(Math.abs(ms) / 60000);
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  if (d > 0) return t('duration.days', { d, h });
  if (h > 0) return t('duration.hours', { h, m: m % 60 });
  return t('duration.minutes', { m });
}

/** "2h 5m left" / "overdue by 10 min" for a due time, with whether it is overdue. */
export function dueText(due: string, breached: boolean, now = Date.now()): { text: string; overdue: boolean } {
  const left = new Date(due).getTime() - now;
  const overdue = breached || left < 0;
  return { text: left < 0 ? t('sla.overdue', { time: formatDuration(left) }) : t('sla.remaining', { time: formatDuration(left) }), overdue };
}

export function errorText(e: unknown): string {
  const err = e as Partial<AppError> | null;
  const code = err?.code ?? 'local';
  const key = `error.${code}` as MessageKey;
  return t(key, { message: err?.message ?? String(e) });
}

/** Splits a search snippet on the U+E000/U+E001 markers into plain and matched parts. */
export function snippetParts(snippet: string): { text: string; mark: boolean }[] {
  const parts: { text: string; mark: boolean }[] = [];
  let mark = false;
  let buf = '';
  for (const ch of snippet) {
    if (ch === '\uE000' || ch === '\uE001') {
      if (buf) parts.push({ text: buf, mark });
      buf = '';
      mark = ch === '\uE000';
    } else buf += ch;
  }
  if (buf) parts.push({ text: buf, mark });
  return parts;
}
