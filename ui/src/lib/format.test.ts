import { describe, expect, it } from 'vitest';
import { snippetParts } from './format';

describe('search snippets', () => {
  it('splits on the private-use markers without HTML', () => {
    expect(snippetParts('门诊\uE000打印机\uE001卡纸 <b>x</b>')).toEqual([
      { text: '门诊', mark: false },
      { text: '打印机', mark: true },
      { text: '卡纸 <b>x</b>', mark: false },
    ]);
  });
});
