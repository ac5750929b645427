// Locale state and the translation function. zh-CN is the default; the choice is remembered.
import { en } from './en';
import { zhCN, type MessageKey, type Messages } from './zh-CN';
import type { Locale } from '../types';

export const catalogs: Record<Locale, Messages> = { 'zh-CN': zhCN, en };
export type { MessageKey };

const stored = typeof localStorage !== 'undefined' ? localStorage.getItem('rounds.locale') : null;
export const i18n = $state<{ locale: Locale }>({ locale: stored === 'en' ? 'en' : 'zh-CN' });

export function setLocale(locale: Locale) {
  i18n.locale = locale;
  try {
    localStorage.setItem('rounds.locale', locale);
  } catch {
    /* private mode: keep the choice for this session only */
  }
  if (typeof document !== 'undefined') document.documentElement.lang = locale;
}

/** Looks up `key` in the current locale and fills `{name}` placeholders. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const text: string = catalogs[i18n.locale][key] ?? zhCN[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}
