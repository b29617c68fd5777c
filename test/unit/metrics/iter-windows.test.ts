import { describe, expect, it } from 'vitest';
import type { IterRecord } from '../../../src/formats/types.ts';
import { ITER_WINDOW_CAP, IterWindows, itersOf, timeAt, timesOf } from '../../../src/metrics/iter-windows.ts';
import { RollingWindow, SeriesRing, median } from '../../../src/metrics/rolling.ts';

const rec = (iter: number, time: number, computeS?: number): IterRecord => ({ kind: 'iter', iter, time, ...(computeS !== undefined ? { computeS } : {}) });

describe('IterWindows', () => {
  it('groups prints into aligned windows and keeps their iterations and times', () => {
    const w = new IterWindows(10);
    for (let i = 0; i < 35; i++) w.push(rec(i, 1000 + i * 0.5, 0.1 + (i === 13 ? 0.4 : 0)), `line ${i}`, i + 1, i * 50);
    const ws = w.windows();
    expect(ws.map((x) => x.firstIter)).toEqual([0, 10, 20]);
    expect(ws.map((x) => x.n)).toEqual([10, 10, 10]);
    expect([...itersOf(ws[1]!)]).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(timeAt(ws[1]!, 3)).toBe(1000 + 13 * 0.5);
    // Evidence: the print with the longest compute time.
    expect(ws[1]!.evidence?.text).toBe('line 13');
    expect(ws[1]!.compute).toBeCloseTo(0.1);
  });

  it('keeps every timed print of a window that holds more prints than its slots (repeated iteration numbers)', () => {
    const w = new IterWindows(10);
    // Each iteration printed three times (one line per rank in one file): 30 prints in window 0.
    for (let i = 0; i < 10; i++) for (let k = 0; k < 3; k++) w.push(rec(i, 2000 + i + k / 10), `i${i}k${k}`, i * 3 + k + 1, 0);
    w.push(rec(10, 2010), 'next', 31, 0);
    const [first] = w.windows();
    expect(first!.n).toBe(30);
    expect(first!.timed).toBe(30);
    expect([...itersOf(first!).subarray(0, 30)]).toEqual(Array.from({ length: 30 }, (_, j) => Math.floor(j / 3)));
    expect(timeAt(first!, 29)).toBeCloseTo(2009.2);
  });

  it('reuses window storage as the ring turns over without mixing windows up', () => {
    const w = new IterWindows(10);
    const windows = ITER_WINDOW_CAP * 3;
    for (let i = 0; i < windows * 10 + 1; i++) w.push(rec(i, i), `l${i}`, i + 1, 0);
    const ws = w.windows();
    expect(ws).toHaveLength(ITER_WINDOW_CAP - 1);
    for (const x of ws) {
      expect(x.timed).toBe(10);
      const iters = [...itersOf(x)];
      expect(iters).toEqual(Array.from({ length: 10 }, (_, j) => x.firstIter + j));
      expect([...timesOf(x)]).toEqual(iters);
    }
    expect(ws.at(-1)!.firstIter).toBe((windows - 1) * 10);
  });
});

describe('RollingWindow.median', () => {
  it('equals the median of its values after every push (cached between pushes)', () => {
    const r = new RollingWindow(7);
    let seed = 7;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 1000 - 200;
    for (let i = 0; i < 200; i++) {
      r.push(rnd());
      expect(r.median()).toBe(median(r.values()));
      expect(r.median()).toBe(median(r.values()));
    }
    r.push(Number.NaN); // ignored
    expect(r.median()).toBe(median(r.values()));
    r.clear();
    expect(r.median()).toBeNull();
  });
});

describe('SeriesRing', () => {
  it('keeps the newest points in order, warmup marks included', () => {
    const r = new SeriesRing(600);
    for (let i = 0; i < 1000; i++) r.push({ t: 1.7e12 + i * 50.5, v: 1000 + i / 3, warmup: i % 7 === 0 });
    const pts = r.toArray();
    expect(pts).toHaveLength(600);
    expect(pts[0]).toEqual({ t: 1.7e12 + 400 * 50.5, v: 1000 + 400 / 3, warmup: 400 % 7 === 0 });
    expect(pts.at(-1)).toEqual({ t: 1.7e12 + 999 * 50.5, v: 1000 + 999 / 3, warmup: 999 % 7 === 0 });
    expect(pts.every((p, k) => k === 0 || p.t > pts[k - 1]!.t)).toBe(true);
    r.clear();
    expect(r.toArray()).toEqual([]);
    r.push({ t: 1, v: 2, warmup: true });
    expect(r.toArray()).toEqual([{ t: 1, v: 2, warmup: true }]);
  });
});
