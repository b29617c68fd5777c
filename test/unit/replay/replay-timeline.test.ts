import { describe, expect, it } from 'vitest';
import type { LineEvent } from '../../../src/core/types.ts';
import { FileTimeline, fileTimeline, mergeTimelines, runPacing, UNANCHORED, type TimedLine } from '../../../src/pipeline/replay-timeline.ts';

const T0 = Date.UTC(2020, 8, 15, 14, 29, 0);

/** A dllogger PyTorch ResNet iteration line at T0 + `s` seconds (the format's own clock). */
const dll = (s: number, iter: number) => {
  const d = new Date(T0 + s * 1000);
  const hms = d.toISOString().slice(11, 19);
  const us = String(Math.round((s % 1) * 1e6)).padStart(6, '0');
  return `DLL 2020-09-15 ${hms}.${us} - Epoch: 0 Iteration: ${iter}  train.loss : 6.50000  train.total_ips : 1000.00 img/s`;
};

function events(texts: string[], file = 'a.log', node = 'node0'): LineEvent[] {
  return texts.map((text, i) => ({ node, file, offset: i * 100, lineNo: i + 1, text, time: 0 }));
}

const megatronIter = (iter: number, ms: number) =>
  ` iteration ${String(iter).padStart(8)}/     100 | consumed samples:         ${iter * 16} | elapsed time per iteration (ms): ${ms.toFixed(1)} | learning rate: 1.000E-04 | global batch size:    16 | lm loss: 9.500000E+00 | loss scale: 1.0 | number of skipped iterations:   0 | number of nan iterations:   0 |`;

describe('FileTimeline', () => {
  it('takes times from the format clock and spreads lines between two clocked lines evenly', () => {
    const { lines, pacing, stats } = fileTimeline(events([dll(0, 1), 'a', 'b', 'c', 'd', dll(10, 2)]));
    expect(lines.map((l) => l.time - T0)).toEqual([0, 2000, 4000, 6000, 8000, 10_000]);
    expect(lines.map((l) => l.lineNo)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(pacing).toBe('clock');
    expect(stats.first).toBe(T0);
    expect(stats.last).toBe(T0 + 10_000);
    expect(stats.format).toBe('dllogger-pytorch');
  });

  it('gives header lines before the first clock the first clock time (format detected late)', () => {
    const { lines } = fileTimeline(events(['+ python main.py', 'RUNNING EPOCHS', dll(5, 1), 'x', dll(6, 2)]));
    expect(lines.map((l) => l.time - T0)).toEqual([5000, 5000, 5000, 5500, 6000]);
  });

  it('lines before the detection line are parsed once the format is known (their clocks count)', () => {
    // A DLL epoch-summary line carries a clock but does not prove the format; the iteration line does.
    const param = 'DLL 2020-09-15 14:28:50.000000 - Epoch: 0  train.loss : 6.67479  train.total_ips : 1000.00 img/s';
    const { lines } = fileTimeline(events([param, 'between', dll(0, 1)]));
    expect(lines.map((l) => l.time - T0)).toEqual([-10_000, -5000, 0]);
  });

  it('bounded lookahead: after N waiting lines, they take the last known time', () => {
    const tl = new FileTimeline({ lookahead: 3 });
    const out: TimedLine[] = [];
    for (const ev of events([dll(0, 1), 'p1', 'p2', 'p3', 'p4', 'p5', dll(9, 2)])) tl.push(ev, out);
    tl.end(out);
    expect(out.map((l) => l.time - T0)).toEqual([0, 0, 0, 0, 3000, 6000, 9000]);
  });

  it('releases waiting lines as soon as the lookahead is full (bounded memory)', () => {
    const tl = new FileTimeline({ lookahead: 4 });
    const out: TimedLine[] = [];
    const evs = events([dll(0, 1), ...Array.from({ length: 20 }, (_, i) => `noise ${i}`)]);
    for (const ev of evs) tl.push(ev, out);
    // never more than `lookahead` lines held back
    expect(evs.length - out.length).toBeLessThan(4);
    tl.end(out);
    expect(out).toHaveLength(21);
    expect(out.every((l) => l.time === T0)).toBe(true);
  });

  it('never goes back in time (a clock going backwards is clamped)', () => {
    const { lines } = fileTimeline(events([dll(10, 1), 'x', dll(5, 2), dll(12, 3)]));
    expect(lines.map((l) => l.time - T0)).toEqual([10_000, 10_000, 10_000, 12_000]);
  });

  it('a file without any recognised line stays unanchored (played at the run start)', () => {
    const { lines, pacing, stats } = fileTimeline(events(['hello', 'world']));
    expect(lines.map((l) => l.time)).toEqual([UNANCHORED, UNANCHORED]);
    expect(pacing).toBe('line-order');
    expect(stats.first).toBeNull();
  });

  it('paces a Megatron log without datetime lines from its step times (latency × iterations)', () => {
    const text = [
      'using world size: 8',
      '  log_interval .................................... 10',
      '  micro_batch_size ................................ 2',
      megatronIter(10, 400),
      ' time (ms) | forward-compute: 100.0 | backward-compute: 200.0',
      megatronIter(20, 500),
      megatronIter(30, 600),
      ' time (ms) | forward-compute: 100.0',
    ];
    const { lines, pacing, stats } = fileTimeline(events(text));
    expect(stats.format).toBe('megatron');
    expect(pacing).toBe('step-times');
    expect(stats.base).toBe('synthetic');
    // iteration 10 at 10 × 0.4 s, 20 at +10 × 0.5 s, 30 at +10 × 0.6 s; the line between 10 and 20 halfway
    expect(lines.map((l) => l.time)).toEqual([4000, 4000, 4000, 4000, 6500, 9000, 15_000, 15_000]);
  });

  it('without log_interval the first record counts one iteration; repeated iterations add nothing', () => {
    const { lines } = fileTimeline(events([megatronIter(10, 400), megatronIter(10, 400), megatronIter(12, 400)]));
    expect(lines.map((l) => l.time)).toEqual([400, 400, 1200]);
  });

  it('a clocked Megatron log (datetime lines) places later iterations by step time after the clock', () => {
    const text = ['[before the start of training step] datetime: 2022-10-31 08:35:51 ', megatronIter(10, 400), megatronIter(20, 400)];
    const t = Date.UTC(2022, 9, 31, 8, 35, 51);
    const { lines, pacing } = fileTimeline(events(text));
    expect(lines.map((l) => l.time - t)).toEqual([0, 400, 4400]);
    expect(pacing).toBe('step-times');
  });

  it('falls back to a nominal gap per progress record when there is no clock and no step time', () => {
    const cnn = (i: number) => `train: epoch 0, iter ${i}, loss: 7.0, top_1: 0.0, top_k: 0.0, samples/s: 3988.891`;
    const { lines, pacing } = fileTimeline(events([cnn(1), 'x', cnn(2), cnn(3)]), { nominalGapMs: 250 });
    expect(pacing).toBe('line-order');
    expect(lines.map((l) => l.time)).toEqual([250, 375, 500, 750]);
  });

  it('applies an offset to anchored lines only', () => {
    const { lines } = fileTimeline(events(['x', dll(1, 1)]), { offsetMs: 1000 });
    expect(lines.map((l) => l.time - T0)).toEqual([2000, 2000]);
  });
});

describe('mergeTimelines', () => {
  const tl = (file: string, times: number[]): TimedLine[] =>
    times.map((time, i) => ({ type: 'line', node: file, file, offset: 0, lineNo: i + 1, text: `${file}${i + 1}`, time }));

  it('orders by time; ties by file order, then line order', () => {
    const a = tl('a', [0, 10, 10, 30]);
    const b = tl('b', [5, 10, 20, 20]);
    const c = tl('c', [-Infinity, 10]);
    const m = mergeTimelines([a, b, c]);
    expect(m.map((l) => l.text)).toEqual(['c1', 'a1', 'b1', 'a2', 'a3', 'b2', 'c2', 'b3', 'b4', 'a4']);
  });

  it('keeps every file in its own line order and loses nothing', () => {
    const files = Array.from({ length: 7 }, (_, k) => tl(`f${k}`, Array.from({ length: 50 }, (_, i) => Math.floor((i * (k + 3)) / 4))));
    const m = mergeTimelines(files);
    expect(m).toHaveLength(350);
    for (let i = 1; i < m.length; i++) expect(m[i]!.time).toBeGreaterThanOrEqual(m[i - 1]!.time);
    for (const f of files) {
      const mine = m.filter((l) => l.file === f[0]!.file).map((l) => l.lineNo);
      expect(mine).toEqual(f.map((l) => l.lineNo));
    }
  });

  it('merges the per-node logs of a run so a straggler shows late', () => {
    const n1 = fileTimeline(events([dll(0, 1), dll(1, 2), dll(2, 3)], 'node1/x.log', 'node1')).lines;
    const n2 = fileTimeline(events([dll(0.5, 1), dll(1.5, 2), dll(4, 3)], 'node2/x.log', 'node2')).lines;
    const m = mergeTimelines([n1, n2]);
    expect(m.map((l) => `${l.node}:${l.lineNo}`)).toEqual(['node1:1', 'node2:1', 'node1:2', 'node2:2', 'node1:3', 'node2:3']);
  });
});

describe('runPacing', () => {
  it('is the pacing of the file with the most anchors', () => {
    expect(runPacing([{ pacing: 'clock', anchors: 3 }, { pacing: 'step-times', anchors: 20 }])).toBe('step-times');
    expect(runPacing([{ pacing: 'clock', anchors: 30 }, { pacing: 'line-order', anchors: 0 }])).toBe('clock');
    expect(runPacing([])).toBe('line-order');
  });
});
