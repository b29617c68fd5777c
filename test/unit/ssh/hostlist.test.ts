import { describe, expect, it } from 'vitest';
import { expandHostlist, HostlistError, isHostlist } from '../../../src/sources/ssh/hostlist.ts';

describe('expandHostlist', () => {
  it('expands a zero-padded range', () => {
    expect(expandHostlist('node[01-16]')).toEqual(Array.from({ length: 16 }, (_, i) => `node${String(i + 1).padStart(2, '0')}`));
  });
  it('expands ranges and singles in one bracket', () => {
    expect(expandHostlist('gpu[1-3,7]')).toEqual(['gpu1', 'gpu2', 'gpu3', 'gpu7']);
  });
  it('expands several brackets as a product, in order', () => {
    expect(expandHostlist('a[1-2]b[3-4]')).toEqual(['a1b3', 'a1b4', 'a2b3', 'a2b4']);
  });
  it('splits comma lists outside brackets and keeps suffixes', () => {
    expect(expandHostlist('h1,h2')).toEqual(['h1', 'h2']);
    expect(expandHostlist('n[1-2]-ib, login')).toEqual(['n1-ib', 'n2-ib', 'login']);
  });
  it('keeps the width of the first bound, and no padding without a leading zero', () => {
    expect(expandHostlist('n[008-011]')).toEqual(['n008', 'n009', 'n010', 'n011']);
    expect(expandHostlist('n[8-11]')).toEqual(['n8', 'n9', 'n10', 'n11']);
  });
  it('leaves a plain host alone and drops duplicates', () => {
    expect(expandHostlist('10.0.0.5')).toEqual(['10.0.0.5']);
    expect(expandHostlist('a,a,b')).toEqual(['a', 'b']);
    expect(expandHostlist('10.0.0.[1-2]')).toEqual(['10.0.0.1', '10.0.0.2']);
  });
  it('rejects malformed lists with a clear error', () => {
    for (const bad of ['', 'n[1-', 'n]1[', 'n[3-1]', 'n[a-b]', 'n[[1]]', 'a,,b', 'h x', 'n[1-99999999]', 'x;rm']) {
      expect(() => expandHostlist(bad), bad).toThrow(HostlistError);
    }
    expect(() => expandHostlist('n[3-1]')).toThrow(/backwards/);
  });
  it('isHostlist', () => {
    expect(isHostlist('node[1-2]')).toBe(true);
    expect(isHostlist('a,b')).toBe(true);
    expect(isHostlist('node1')).toBe(false);
  });
});
