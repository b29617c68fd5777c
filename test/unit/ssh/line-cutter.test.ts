import { describe, expect, it } from 'vitest';
import { LineCutter } from '../../../src/sources/ssh/line-cutter.ts';
import { globMatch, hasGlob } from '../../../src/sources/ssh/remote-glob.ts';
import { backoffDelay } from '../../../src/sources/ssh/backoff.ts';

describe('LineCutter', () => {
  it('holds partial lines, strips CR, tracks offsets and numbers', () => {
    const c = new LineCutter();
    expect(c.push(Buffer.from('ab'))).toEqual([]);
    expect(c.push(Buffer.from('c\r\nde\n\nf'))).toEqual([
      { offset: 0, lineNo: 1, text: 'abc' },
      { offset: 5, lineNo: 2, text: 'de' },
      { offset: 8, lineNo: 3, text: '' },
    ]);
    expect(c.position).toBe(10);
    expect(c.pending).toBe(1);
    expect(c.push(Buffer.from('g\n'))).toEqual([{ offset: 9, lineNo: 4, text: 'fg' }]);
  });
  it('does not split multi-byte characters across chunks', () => {
    const c = new LineCutter();
    const bytes = Buffer.from('é€\n');
    expect(c.push(bytes.subarray(0, 1))).toEqual([]);
    expect(c.push(bytes.subarray(1))).toEqual([{ offset: 0, lineNo: 1, text: 'é€' }]);
  });
  it('cuts over-long lines and skips to the next newline', () => {
    const c = new LineCutter(4);
    const out = [...c.push(Buffer.from('abcdefg')), ...c.push(Buffer.from('hij\nxy\n'))];
    expect(out).toEqual([
      { offset: 0, lineNo: 1, text: 'abcd', truncated: true },
      { offset: 11, lineNo: 2, text: 'xy' },
    ]);
    expect(c.position).toBe(14);
  });
  it('reset restarts numbering at 1', () => {
    const c = new LineCutter();
    c.push(Buffer.from('a\nb'));
    c.reset(0);
    expect(c.push(Buffer.from('z\n'))).toEqual([{ offset: 0, lineNo: 1, text: 'z' }]);
  });
});

describe('remote globs', () => {
  it('matches like a shell', () => {
    expect(hasGlob('/logs/*.log')).toBe(true);
    expect(hasGlob('/logs/a\\*.log')).toBe(false);
    expect(hasGlob('/logs/a;b c.log')).toBe(false);
    expect(globMatch('rank12.log', 'rank*.log')).toBe(true);
    expect(globMatch('rank1.log', 'rank?.log')).toBe(true);
    expect(globMatch('rank12.log', 'rank?.log')).toBe(false);
    expect(globMatch('rank3.log', 'rank[0-3].log')).toBe(true);
    expect(globMatch('rank4.log', 'rank[0-3].log')).toBe(false);
    expect(globMatch('rank4.log', 'rank[!0-3].log')).toBe(true);
    expect(globMatch('.hidden.log', '*.log')).toBe(false);
    expect(globMatch('.hidden.log', '.*.log')).toBe(true);
  });
});

describe('backoff', () => {
  it('grows exponentially to the cap, with bounded jitter', () => {
    const p = { initialMs: 500, maxMs: 10_000 };
    expect(backoffDelay(0, p, () => 0.5)).toBe(500);
    expect(backoffDelay(1, p, () => 0.5)).toBe(1000);
    expect(backoffDelay(10, p, () => 0.5)).toBe(10_000);
    expect(backoffDelay(10, p, () => 1)).toBe(10_000);
    expect(backoffDelay(0, p, () => 0)).toBe(375);
  });
});
