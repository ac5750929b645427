import { describe, expect, it } from 'vitest';
import { en } from './en';
import { zhCN } from './zh-CN';
import { i18n, setLocale, t } from './index.svelte';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('i18n catalogs', () => {
  it('have exactly the same keys', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zhCN).sort());
  });

  it('have no empty strings and the same placeholders per key', () => {
    for (const key of Object.keys(zhCN) as (keyof typeof zhCN)[]) {
      expect(zhCN[key].trim(), key).not.toBe('');
      expect(en[key].trim(), key).not.toBe('');
      expect(placeholders(en[key]), key).toEqual(placeholders(zhCN[key]));
    }
  });

  it('defaults to Chinese, switches and fills placeholders', () => {
    expect(i18n.locale).toBe('zh-CN');
    expect(t('list.count', { n: 5 })).toBe('共 5 个工单');
    setLocale('en');
    expect(t('list.count', { n: 5 })).toBe('5 tickets');
    setLocale('zh-CN');
  });
});
