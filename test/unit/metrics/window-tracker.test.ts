import { describe, expect, it } from 'vitest';
import type { IterRecord } from '../../../src/formats/types.ts';
import { pyRound } from '../../../src/metrics/round.ts';
import { isShortfall, WindowTracker } from '../../../src/metrics/window-tracker.ts';

const it_ = (iter: number, time?: number, extra: Partial<IterRecord> = {}): IterRecord => ({ kind: 'iter', iter, ...(time !== undefined ? { time } : {}), ...extra });

describe('WindowTracker', () => {
  it('iteration window: total batch × (120 − 20) / (t120 − t20), no rounding (OneFlow)', () => {
    const w = new WindowTracker({ unit: 'iter', start: 20, end: 120 });
    expect(w.push(it_(0, 100))).toBe('warmup');
    expect(w.push(it_(20, 110))).toBe('measuring');
    for (let i = 40; i < 120; i += 20) w.push(it_(i, 110 + (i - 20) * 0.3));
    expect(w.push(it_(120, 140))).toBe('done');
    const r = w.result(1024);
    expect(isShortfall(r)).toBe(false);
    if (!isShortfall(r)) {
      expect(r.throughput).toBeCloseTo((1024 * 100) / 30, 10);
      expect(r.method).toBe('timestamps');
      expect([r.startIter, r.endIter]).toEqual([20, 120]);
    }
  });
  it('counted-line window skips iterations ≤ 5 and rounds like DLPerf (NGC PyTorch)', () => {
    const w = new WindowTracker({ unit: 'line', start: 20, end: 120, skipIterAtMost: 5, itersPerLine: 1, roundTo: 2 });
    const base = 1_600_000_000_000_000;
    for (let i = 1; i <= 130; i++) w.push(it_(i, undefined, { timeUs: base + i * 333_333 }));
    const r = w.result(2048);
    if (isShortfall(r)) throw new Error(r.reason);
    // counted line 20 is iteration 25, counted line 120 is iteration 125
    expect([r.startIter, r.endIter]).toEqual([25, 125]);
    expect(r.throughput).toBe(pyRound(2048 / ((100 * 333_333) / 1e6 / 100), 2));
  });
  it('a log that ends before its window ends is too short, not a number', () => {
    const w = new WindowTracker({ unit: 'iter', start: 20, end: 120 });
    w.push(it_(20, 1));
    w.push(it_(40, 2));
    w.end();
    const r = w.result(8);
    expect(isShortfall(r) && r.reason).toMatch(/ends before its window ends/);
  });
  it('open-ended reported window: mean latency after the first interval, skipped intervals excluded', () => {
    const w = new WindowTracker({ unit: 'iter', start: 'first', end: null, preferReported: true });
    w.push(it_(10, undefined, { latencyS: 0.5, skipped: true }));
    w.push(it_(20, undefined, { latencyS: 0.45 }));
    w.push(it_(30, undefined, { latencyS: 0.4 }));
    w.push(it_(40, undefined, { latencyS: 0.42, skipped: true }));
    w.push(it_(50, undefined, { latencyS: 0.44 }));
    expect(w.phase).toBe('measuring');
    w.end();
    const r = w.result(16);
    if (isShortfall(r)) throw new Error(r.reason);
    expect(r.latencyMs).toBeCloseTo(420, 9);
    expect(r.throughput).toBeCloseTo(16 / 0.42, 9);
    expect(r.method).toBe('reported');
  });
  it('a window override replaces the format default', () => {
    const w = new WindowTracker({ unit: 'iter', start: 20, end: 120 }, { start: 40, end: 80 });
    for (let i = 20; i <= 120; i += 20) w.push(it_(i, i));
    const r = w.result(100);
    if (isShortfall(r)) throw new Error(r.reason);
    expect([r.startIter, r.endIter]).toEqual([40, 80]);
  });
});

describe('pyRound', () => {
  it('rounds half to even on exact binary ties, like Python', () => {
    expect(pyRound(0.125, 2)).toBe(0.12);
    expect(pyRound(0.375, 2)).toBe(0.38);
    expect(pyRound(2.675, 2)).toBe(2.67); // binary value is below the tie
    expect(pyRound(22978.134999, 2)).toBe(22978.13);
  });
});
