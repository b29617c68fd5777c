import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { summarize } from '../../src/pipeline/summarize.ts';

// Golden tests: the seed reports' tables (copied into expected.json from the reports, not computed)
// must come out of `summary` on the fixture logs, to the precision the reports print.
const root = new URL('../fixtures/seeds/', import.meta.url).pathname;
const expected = JSON.parse(readFileSync(join(root, 'expected.json'), 'utf8'));
const round = (x: number | null, d: number) => (x === null ? null : Number(x.toFixed(d)));
const tmp = mkdtempSync(join(tmpdir(), 'dlperf-golden-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('seed 001: OneFlow ResNet50 (28 runs, medians, speedups)', async () => {
  const e = expected['oneflow-rn50'];
  const s = await summarize([join(root, 'oneflow-rn50')]);
  it('reproduces every per-run value in order', () => {
    const got = s.runs.map((r) => ({ path: r.source.replace(/^logs\/oneflow\//, ''), throughput: round(r.throughput, e.runDecimals) }));
    expect(got).toEqual(e.runs.map((r: { path: string; throughput: number }) => ({ path: r.path, throughput: r.throughput })));
    expect(s.runs.every((r) => r.format === 'oneflow-cnn' && r.throughput_method === 'timestamps' && r.model === 'resnet50')).toBe(true);
  });
  it('reproduces the median table and speedups', () => {
    const got = s.groups.map((g) => ({ nodes: g.num_nodes, gpusPerNode: g.gpu_num_per_node, batchSizePerDevice: g.batch_size_per_device, median: round(g.median_throughput, e.groupDecimals), speedup: round(g.speedup, 2) }));
    expect(got).toEqual(e.groups);
  });
  it("flags DLPerf's bert_base_ names on ResNet50 logs as name_mismatch (content wins)", () => {
    expect(s.runs.every((r) => r.flags.some((f) => f.kind === 'name_mismatch' && /model/.test(f.detail ?? '')))).toBe(true);
  });
});

describe('seed 004: NGC PyTorch ResNet50 AMP (per-run, averages, medians, speedups)', async () => {
  const e = expected['ngc-pytorch-rn50-amp'];
  const s = await summarize([join(root, 'ngc-pytorch-rn50-amp')]);
  it('reproduces every per-run value exactly (2 decimals, as DLPerf rounds)', () => {
    const got = new Map(s.runs.map((r) => [r.source.replace(/^pytorch\//, ''), r.throughput]));
    for (const r of e.runs) expect(got.get(r.path), r.path).toBe(r.throughput);
  });
  it('reproduces averages, medians and speedups; fp16 and amp are one AMP test', () => {
    const got = s.groups.map((g) => ({ nodes: g.num_nodes, gpusPerNode: g.gpu_num_per_node, batchSizePerDevice: g.batch_size_per_device, average: g.mean_throughput, median: g.median_throughput, speedup: round(g.speedup, 2) }));
    expect(got).toEqual(e.groups);
    expect(new Set(s.groups.map((g) => g.precision))).toEqual(new Set(['amp']));
  });
});

describe('seed 003: OneFlow GPT latency, memory, throughput', async () => {
  const e = expected['oneflow-gpt'];
  const s = await summarize([join(root, 'oneflow-gpt')]);
  it('reproduces each case', () => {
    for (const c of e.cases) {
      const r = s.runs.find((x) => x.source.endsWith(c.path));
      expect(r, c.path).toBeDefined();
      expect(round(r!.latency_ms, 3), c.case).toBe(c.latencyMs);
      expect(r!.memory_mib, c.case).toBe(c.memoryMiB);
      expect(round(r!.throughput, 2), c.case).toBe(c.throughput);
      expect([r!.data_parallel_size, r!.tensor_model_parallel_size, r!.pipeline_model_parallel_size, r!.global_batch_size]).toEqual([c.dataParallel, c.tensorParallel, c.pipelineParallel, c.globalBatch]);
    }
  });
});

describe("DLPerf's real TF2 archive (30 logs) and its published result JSON", async () => {
  const dir = new URL('../fixtures/public/dlperf-tf2-rn50-archive/', import.meta.url).pathname;
  const published = JSON.parse(readFileSync(join(dir, 'result/resnet50_result.json'), 'utf8')).rn50;
  const s = await summarize([dir]);
  it('prints the published medians, averages and speedups (4n8g 9415.85, 29.27)', () => {
    for (const g of s.groups) {
      const p = published[`${g.num_nodes}n${g.gpu_num_per_node}g`];
      expect(g.median_throughput).toBe(p.median_speed);
      expect(g.mean_throughput).toBe(p.average_speed);
      expect(round(g.speedup, 2)).toBe(p.speedup);
    }
    expect(s.groups).toHaveLength(6);
    expect(s.skipped.map((x) => x.file)).toEqual(['result/resnet50_result.json']);
  });
});

describe('a directory and a .tgz of the same logs give identical numbers', () => {
  for (const name of ['oneflow-rn50', 'ngc-pytorch-rn50-amp', 'oneflow-gpt']) {
    it(name, async () => {
      const tgz = join(tmp, `${name}.tgz`);
      execFileSync('tar', ['-czf', tgz, '-C', join(root, name), '.']);
      const a = await summarize([join(root, name)]);
      const b = await summarize([tgz]);
      const strip = (x: typeof a) => ({ runs: x.runs.map((r) => ({ ...r, files: undefined })), groups: x.groups });
      expect(strip(b)).toEqual(strip(a));
      expect(b.problems).toEqual([]);
    });
  }
});
