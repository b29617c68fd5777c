import { describe, expect, it, vi } from 'vitest';
import { Run } from '../../../src/metrics/run.ts';
import { RunSet } from '../../../src/metrics/run-set.ts';
import type { FileTrack } from '../../../src/metrics/file-track.ts';

const param = (bs: number, ws?: number): string =>
  `DLL 2026-11-23 10:00:00.000000 - PARAMETER arch : resnet50  batch_size : ${bs}  amp : True${ws ? `  world_size : ${ws}` : ''} `;
const progress = (i: number): string => {
  const d = new Date(Date.UTC(2026, 10, 23, 10, 0, 0) + i * 50);
  const ts = d.toISOString().slice(0, 10) + ' ' + d.toISOString().slice(11, 23) + '000';
  return `DLL ${ts} - Epoch: 0 Iteration: ${i}  train.loss : 6.5  train.total_ips : 1000.00 img/s`;
};

function feeder(set: RunSet) {
  const lineNos = new Map<FileTrack, number>();
  return (t: FileTrack, text: string): void => {
    const n = (lineNos.get(t) ?? 0) + 1;
    lineNos.set(t, n);
    set.line(t, { lineNo: n, offset: 0, text, time: n * 50, file: t.file, node: t.node });
  };
}

const runOf = (set: RunSet): Run => [...set.runs.values()][0]!;

describe("a run's identity follows its files' content and its primary file, and is not re-made at every file's first line", () => {
  it('the primary file changes (a lower node starts printing): the merged content puts its fields first', () => {
    const set = new RunSet();
    const feed = feeder(set);
    const b = set.openFile('sweep/node2/train_rank0.log')!;
    const a = set.openFile('sweep/node1/train_rank0.log')!;
    feed(b, param(128));
    for (let i = 1; i <= 3; i++) feed(b, progress(i));
    expect(runOf(set).identity().batch_size_per_device).toBe(128);
    feed(a, param(256));
    // node1 has no progress yet: node2 is still the primary, its fields first.
    expect(runOf(set).identity().batch_size_per_device).toBe(128);
    feed(a, progress(1));
    expect(runOf(set).primary()).toBe(a);
    expect(runOf(set).identity().batch_size_per_device).toBe(256);
  });

  it('content that comes after the progress lines (a late PARAMETER line) reaches the identity and the total batch', () => {
    const set = new RunSet();
    const feed = feeder(set);
    const a = set.openFile('late/node1/train_rank0.log')!;
    feed(a, param(64));
    for (let i = 1; i <= 3; i++) feed(a, progress(i));
    const run = runOf(set);
    const before = run.totalBatch();
    feed(a, param(64, 16));
    expect(run.totalBatch()).toBe(64 * 16);
    expect(before).not.toBe(64 * 16);
  });

  it('a file restarted (replaced by a new one of the same name): its old content is gone from the merge', () => {
    const set = new RunSet();
    const feed = feeder(set);
    const a = set.openFile('restart/node1/train_rank0.log')!;
    feed(a, param(32));
    feed(a, progress(1));
    expect(runOf(set).identity().batch_size_per_device).toBe(32);
    const fresh = set.restartFile(a);
    expect(runOf(set).identity().batch_size_per_device).toBeNull();
    feed(fresh, param(48));
    feed(fresh, progress(1));
    expect(runOf(set).identity().batch_size_per_device).toBe(48);
  });

  it("1,000 files' first progress lines merge the content a few times, not once per file (quadratic: 4,096 files took 9.7 s of summary, 4.7 s after)", () => {
    const merge = vi.spyOn(Run.prototype as unknown as { mergeContent: () => unknown }, 'mergeContent');
    try {
      const set = new RunSet();
      const feed = feeder(set);
      const files = Array.from({ length: 1000 }, (_, i) => set.openFile(`big/node${String(i + 1).padStart(4, '0')}/train_rank0.log`)!);
      for (const f of files) feed(f, param(256, 1000));
      const afterHeaders = merge.mock.calls.length;
      for (const f of files) feed(f, progress(1));
      for (const f of files) feed(f, progress(2));
      expect(merge.mock.calls.length - afterHeaders).toBeLessThan(20);
      expect(runOf(set).totalBatch()).toBe(256 * 1000);
    } finally {
      merge.mockRestore();
    }
  });

  it("random headers and first lines over 40 files, in any order: the merged content is always the primary's fields first, then each file's in file order", () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 20; round++) {
      const set = new RunSet();
      const feed = feeder(set);
      const files = Array.from({ length: 40 }, (_, i) => set.openFile(`rand${round}/node${String(rnd(60)).padStart(2, '0')}/train_rank${i}.log`)!);
      const iters = new Map<FileTrack, number>();
      for (let step = 0; step < 300; step++) {
        const f = files[rnd(files.length)]!;
        const k = rnd(4);
        if (k === 0) feed(f, param(2 ** rnd(9), rnd(2) ? 8 * (1 + rnd(8)) : undefined));
        else {
          const i = (iters.get(f) ?? 0) + 1;
          iters.set(f, i);
          feed(f, progress(i));
        }
        const run = runOf(set);
        const got = (run as unknown as { contentFields(): Record<string, unknown> }).contentFields();
        const p = run.primary();
        const want: Record<string, unknown> = {};
        for (const g of p ? [p, ...run.files.filter((x) => x !== p)] : run.files) {
          for (const [key, v] of Object.entries(g.content)) if (want[key] === undefined && v !== undefined) want[key] = v;
        }
        expect(got).toEqual(want);
      }
    }
  });
});
