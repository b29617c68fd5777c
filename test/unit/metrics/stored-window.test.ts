import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mxnetNgc } from '../../../src/formats/mxnet-ngc.ts';
import { paddle18Cv } from '../../../src/formats/paddle18.ts';
import { toArray, type IterRecord, type LogFormat, type WindowSpec } from '../../../src/formats/types.ts';
import { autoWarmup, makeTracker, StoredWindow } from '../../../src/metrics/stored-window.ts';
import { isShortfall, WindowTracker } from '../../../src/metrics/window-tracker.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'formats');
const rec = (iter: number, throughput: number, time?: number): IterRecord => ({ kind: 'iter', iter, throughput, ...(time !== undefined ? { time } : {}) });
const AUTO: WindowSpec = { unit: 'iter', start: 'auto', end: null, preferReported: true };

describe('auto window: the first 10 % of the reports (never fewer than 3) are warmup, then to the last', () => {
  it('warmup report counts', () => {
    expect([1, 3, 10, 30, 31, 40, 41, 100, 1000].map(autoWarmup)).toEqual([3, 3, 3, 3, 4, 4, 5, 10, 100]);
  });

  it('needs one report after the warmup; says why before', () => {
    const t = new StoredWindow(AUTO);
    for (let i = 1; i <= 3; i++) t.push(rec(i * 10, 100));
    t.end();
    const r = t.result(null);
    expect(isShortfall(r) && r.reason).toMatch(/3 reports; the first 3 are warmup/);
    t.push(rec(40, 200));
    expect(t.result(null)).toMatchObject({ throughput: 200, startIter: 30, endIter: 40, method: 'reported' });
  });

  it('phase: warmup until the window starts, measuring, done at the end of the input', () => {
    const t = new StoredWindow(AUTO);
    const phases = [1, 2, 3, 4].map((i) => t.push(rec(i, 1)));
    expect(phases).toEqual(['warmup', 'warmup', 'warmup', 'measuring']);
    t.end();
    expect(t.phase).toBe('done');
  });

  it('a step printed again (every rank, micro steps) counts once', () => {
    const t = new StoredWindow(AUTO);
    for (let i = 1; i <= 5; i++) for (let k = 0; k < 4; k++) t.push(rec(i, i === 5 ? 50 + k : 10));
    t.end();
    // Reports 4 and 5 are in the window; report 5's figure is its first line's.
    expect(t.result(null)).toMatchObject({ throughput: 30, startIter: 3, endIter: 5 });
    expect(t.rule()).toContain('the first 3 of 5 reports');
  });

  it('per-device figures need the world size and are multiplied by it', () => {
    const t = new StoredWindow({ ...AUTO, perDevice: true });
    for (let i = 1; i <= 4; i++) t.push(rec(i, 100));
    t.end();
    expect(isShortfall(t.result(null, null)) && (t.result(null, null) as { reason: string }).reason).toMatch(/world size unknown/);
    expect(t.result(null, 32)).toMatchObject({ throughput: 3200 });
  });

  it('the streaming tracker is kept for plain specs (one implementation of the arithmetic)', () => {
    expect(makeTracker({ unit: 'line', start: 20, end: 120 })).not.toBeInstanceOf(StoredWindow);
    expect(makeTracker({ unit: 'line', start: 20, end: 120 })).toBeInstanceOf(WindowTracker);
    expect(makeTracker(AUTO)).toBeInstanceOf(StoredWindow);
  });
});

/** Feed a fixture's lines through a format's parser into a tracker with `spec`. */
function feed(format: LogFormat, rel: string, spec: WindowSpec): WindowTracker {
  const t = makeTracker(spec);
  const p = format.createParser();
  for (const line of readFileSync(join(fixtures, rel), 'utf8').split('\n')) for (const r of toArray(p.parse(line))) if (r.kind === 'iter') t.push(r);
  t.end();
  return t;
}

describe("DLPerf's other script for the same format (the --method alternative)", () => {
  it("NGC MXNet 20.03: per batch the median of the ranks' Speeds, mean over [20:120] = extract_mxnet_logs.py's 1339.77", () => {
    const t = feed(mxnetNgc, 'mxnet-ngc/logs/1n2g/r50_b128_fp16_1.log', { ...mxnetNgc.window, preferReported: true });
    expect(t.result(256)).toMatchObject({ throughput: 1339.77, method: 'reported' });
    expect(readFileSync(join(fixtures, 'mxnet-ngc/dlperf-output.md'), 'utf8')).toContain('{1: np.float64(1339.77)}');
  });

  it("Paddle 1.8: timestamps of batch 19 → 119 = extract_paddle_logs_time.py's 2595.56", () => {
    const { preferReported: _p, meanOfRates: _m, roundLineTo: _r, ...spec } = paddle18Cv.window;
    const t = feed(paddle18Cv, 'paddle18-cv/logs/1n8g/r50_b128_fp32_1.log', spec);
    expect(t.result(1024)).toMatchObject({ throughput: 2595.56, method: 'timestamps', startIter: 19, endIter: 119 });
    expect(readFileSync(join(fixtures, 'paddle18-cv/dlperf-output.md'), 'utf8')).toContain('{1: 2595.56}');
  });
});
