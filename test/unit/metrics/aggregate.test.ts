import { describe, expect, it } from 'vitest';
import { aggregate } from '../../../src/metrics/aggregate.ts';
import type { RunReport } from '../../../src/metrics/run-report.ts';

function run(nodes: number, gpus: number, tp: number | null, repeat: number, extra: Partial<RunReport> = {}): RunReport {
  return {
    source: `logs/${nodes}n${gpus}g/r50_b128_fp32_${repeat}.log`, format: 'oneflow-cnn', framework: 'oneflow', model: 'resnet50', precision: 'fp32',
    num_nodes: nodes, gpu_num_per_node: gpus, batch_size_per_device: 128, repeat,
    throughput: tp, throughput_method: tp === null ? null : 'timestamps', window: null, latency_ms: null, memory_mib: null,
    status: tp === null ? 'too_short' : 'ok', flags: [], files: [], ...extra,
  } as RunReport;
}

const jitter = [1.0, 1.008, 0.994, 1.01, 0.991, 1.003, 0.997]; // ±1 %

describe('aggregate', () => {
  it('ordinary ±1 % jitter among 7 repeats raises no outlier', () => {
    const runs = jitter.map((j, i) => run(1, 8, 2969.5 * j, i));
    const [g] = aggregate(runs);
    expect(g!.flags.filter((f) => f.kind === 'outlier')).toEqual([]);
    expect(runs.every((r) => r.flags.length === 0)).toBe(true);
  });

  it('a repeat 10 % slower is an outlier, on the run and on its group', () => {
    const runs = jitter.map((j, i) => run(2, 8, 5906.6 * j * (i === 3 ? 0.9 : 1), i));
    const [g] = aggregate(runs);
    const out = g!.flags.filter((f) => f.kind === 'outlier');
    expect(out).toHaveLength(1);
    expect(out[0]!.file).toBe(runs[3]!.source);
    expect(out[0]!.detail).toMatch(/-[89]\.\d % from the median of 7 repeats/);
    expect(runs[3]!.flags.map((f) => f.kind)).toEqual(['outlier']);
  });

  it('the outlier thresholds are options', () => {
    const runs = jitter.map((j, i) => run(1, 8, 100 * j * (i === 0 ? 0.96 : 1), i));
    expect(aggregate(runs.map((r) => ({ ...r, flags: [] })))[0]!.flags.some((f) => f.kind === 'outlier')).toBe(true);
    expect(aggregate(runs.map((r) => ({ ...r, flags: [] })), { outlier: { minRelative: 0.05, madK: 3.5 } })[0]!.flags.some((f) => f.kind === 'outlier')).toBe(false);
  });

  it('speedup and efficiency against 1n1g of the same configuration; null, never 0 or 1, without it', () => {
    const withBase = aggregate([run(1, 1, 384.9, 0), run(1, 8, 2969.5, 0)]);
    expect(withBase[1]!.speedup).toBeCloseTo(2969.5 / 384.9, 12);
    expect(withBase[1]!.scaling_efficiency).toBeCloseTo(2969.5 / 384.9 / 8, 12);
    const noBase = aggregate([run(1, 8, 2969.5, 0), run(2, 8, 5906.6, 0)]);
    expect(noBase.map((g) => [g.speedup, g.scaling_efficiency])).toEqual([[null, null], [null, null]]);
    const otherBatch = aggregate([{ ...run(1, 1, 384.9, 0), batch_size_per_device: 64 }, run(1, 8, 2969.5, 0)]);
    expect(otherBatch.find((g) => g.gpu_num_per_node === 8)!.speedup).toBeNull();
  });

  it('median, mean and olympic aggregates; cv, min and max', () => {
    const vals = [100, 101, 102, 103, 130];
    const runs = vals.map((v, i) => run(1, 8, v, i));
    expect(aggregate(runs)[0]).toMatchObject({ throughput: 102, median_throughput: 102, min_throughput: 100, max_throughput: 130, aggregate: 'median' });
    expect(aggregate(runs, { aggregate: 'mean' })[0]!.throughput).toBeCloseTo(107.2, 10);
    expect(aggregate(runs, { aggregate: 'olympic' })[0]!.throughput).toBeCloseTo(102, 10);
    expect(aggregate(runs)[0]!.cv).toBeGreaterThan(0.1);
  });

  it('a repeat whose window never completed is counted as missing, never as 0', () => {
    const runs = [run(1, 8, 2969.5, 0), run(1, 8, 2970.1, 1), run(1, 8, null, 2)];
    const [g] = aggregate(runs);
    expect(g).toMatchObject({ runs: 2, runs_found: 3, runs_expected: 3, median_throughput: (2969.5 + 2970.1) / 2 });
    expect(g!.flags.map((f) => f.kind)).toEqual(['incomplete']);
  });

  it('a configuration with fewer repeats than its siblings is incomplete', () => {
    const runs = [...[0, 1, 2].map((i) => run(1, 8, 2969 + i, i)), ...[0, 1].map((i) => run(2, 8, 5900 + i, i))];
    const g = aggregate(runs).find((x) => x.num_nodes === 2)!;
    expect(g).toMatchObject({ runs: 2, runs_expected: 3 });
    expect(g.flags[0]!.detail).toMatch(/missing compared with sibling configurations/);
  });
});
