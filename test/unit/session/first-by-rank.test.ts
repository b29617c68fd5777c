import { describe, expect, it } from 'vitest';
import { FirstByRank } from '../../../src/session/first-by-rank.ts';

/** The scan FirstByRank replaces: first-added key whose rank is strictly lowest. */
function scan(order: string[], rank: Map<string, number>): { key: string; rank: number } | null {
  let best: { key: string; rank: number } | null = null;
  for (const k of order) {
    const r = rank.get(k)!;
    if (!best || r < best.rank) best = { key: k, rank: r };
  }
  return best;
}

describe('FirstByRank', () => {
  it('is empty until a key is set', () => {
    expect(new FirstByRank(3).first()).toBeNull();
  });

  it('answers the earliest-added key of the lowest rank, after rank changes', () => {
    const f = new FirstByRank(3);
    f.set('a', 2);
    f.set('b', 1);
    f.set('c', 1);
    expect(f.first()).toEqual({ key: 'b', rank: 1 });
    f.set('b', 2);
    expect(f.first()).toEqual({ key: 'c', rank: 1 });
    f.set('a', 1); // keeps its first-added place: ahead of c
    expect(f.first()).toEqual({ key: 'a', rank: 1 });
    f.set('a', 0);
    expect(f.first()).toEqual({ key: 'a', rank: 0 });
  });

  it('agrees with a scan over random changes (including keys flapping between ranks)', () => {
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const f = new FirstByRank(8);
    const order: string[] = [];
    const rank = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const k = `f${rnd(300)}`;
      const r = rnd(8);
      if (!rank.has(k)) order.push(k);
      rank.set(k, r);
      f.set(k, r);
      expect(f.first()).toEqual(scan(order, rank));
    }
    expect(f.size).toBe(order.length);
  });
});
