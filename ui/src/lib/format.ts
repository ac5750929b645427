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
