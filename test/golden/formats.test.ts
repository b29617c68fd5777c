import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/metrics/run-report.ts';
import { summarize } from '../../src/pipeline/summarize.ts';

/**
 * Golden tests of the formats of issue #14 (fixtures: test/fixtures/formats/README.md): throughput,
 * unit, window, identity and world size of every format and variant.
 * - DLPerf formats: the figure DLPerf's own extract script printed for the same fixture
 *   (recorded in <fixture>/dlperf-output.md by run-dlperf.sh), to the last digit.
 * - The others: an independent Python implementation of the rules (expected.py → expected.json).
 */
const root = join(import.meta.dirname, '..', 'fixtures', 'formats');
const ref = JSON.parse(readFileSync(join(root, 'expected.json'), 'utf8')) as Record<string, { throughput: number; window: [number, number]; steady?: number; steady_window?: [number, number]; tflops_per_gpu?: number }>;

/** The first figure DLPerf's first recorded script printed for the fixture (`{1: 1327.8}` or `'latency(ms)': 2.18…`). */
function dlperf(fixture: string): number {
  const text = readFileSync(join(root, fixture, 'dlperf-output.md'), 'utf8');
  const m = /\.log \{1: (?:np\.float64\()?([\d.]+)\)?\}/.exec(text) ?? /'latency\(ms\)': ([\d.]+)/.exec(text);
  if (!m) throw new Error(`no DLPerf figure in ${fixture}/dlperf-output.md`);
  return Number(m[1]);
}

async function run(fixture: string): Promise<RunReport> {
  const s = await summarize([join(root, fixture)]);
  const runs = s.runs.filter((r) => r.format !== null);
  expect(runs, `${fixture}: one recognised run`).toHaveLength(1);
  expect(s.runs.filter((r) => r.format === null).map((r) => r.source)).toEqual([]);
  return runs[0]!;
}

interface Case {
  fixture: string;
  format: string;
  unit: string;
  method: 'timestamps' | 'reported';
  /** Substring of window_rule. */
  rule: string;
  identity: Partial<RunReport>;
  world?: [number, 'log' | 'path' | 'log+path'];
  latencyFromDlperf?: boolean;
}

const DLPERF: Case[] = [
  { fixture: 'mxnet-ngc', format: 'mxnet-ngc', unit: 'samples/s', method: 'timestamps', rule: 'counted report 20 → counted report 120', identity: { model: 'resnet50', precision: 'amp', num_nodes: 1, gpu_num_per_node: 2, batch_size_per_device: 128, repeat: 1 } },
  { fixture: 'gluoncv', format: 'gluoncv', unit: 'samples/s', method: 'reported', rule: 'counted report 20 → counted report 120', identity: { model: 'resnet50', precision: 'fp32', num_nodes: 1, gpu_num_per_node: 8, batch_size_per_device: 128 } },
  { fixture: 'gluonnlp', format: 'gluonnlp', unit: 'sequences/s', method: 'reported', rule: 'counted report 100 → counted report 200', identity: { model: 'bert_base', num_nodes: 1, gpu_num_per_node: 2, batch_size_per_device: 32 } },
  { fixture: 'paddle18-cv', format: 'paddle18-cv', unit: 'samples/s', method: 'reported', rule: 'counted report 20 → counted report 120', identity: { model: 'resnet50', num_nodes: 1, gpu_num_per_node: 8, batch_size_per_device: 128 } },
  { fixture: 'paddle18-bert', format: 'paddle18-bert', unit: 'sequences/s', method: 'reported', rule: 'counted report 20 → counted report 120', identity: { model: 'bert_base', num_nodes: 1, gpu_num_per_node: 8, batch_size_per_device: 32 } },
  { fixture: 'tf2-bert', format: 'tf2-bert', unit: 'sequences/s', method: 'timestamps', rule: 'counted report 20 → counted report 120', identity: { model: 'bert_base', num_nodes: 1, gpu_num_per_node: 8, batch_size_per_device: 32 } },
  { fixture: 'pytorch-examples', format: 'pytorch-examples', unit: 'samples/s', method: 'reported', rule: 'iterations ≤ 5 not counted', identity: { model: 'resnet50', num_nodes: 1, gpu_num_per_node: 2, batch_size_per_device: 128 } },
  { fixture: 'mindspore', format: 'mindspore', unit: 'samples/s', method: 'reported', rule: 'iteration 20 → iteration 120', identity: { model: 'resnet50', num_nodes: 1, gpu_num_per_node: 2, batch_size_per_device: 128 } },
  { fixture: 'oneflow-insightface', format: 'oneflow-insightface', unit: 'samples/s', method: 'reported', rule: 'counted report 19 → counted report 120', identity: { num_nodes: 1, gpu_num_per_node: 8, batch_size_per_device: 128 }, world: [8, 'log'] },
  { fixture: 'mxnet-arcface', format: 'mxnet-arcface', unit: 'samples/s', method: 'reported', rule: 'counted report 1 → counted report 6', identity: { num_nodes: 2, gpu_num_per_node: 8, batch_size_per_device: 64 } },
  { fixture: 'mxnet-partialfc', format: 'mxnet-partialfc', unit: 'samples/s', method: 'reported', rule: 'counted report 19 → the last report', identity: { num_nodes: 1, gpu_num_per_node: 8, batch_size_per_device: 64 } },
  { fixture: 'hugectr', format: 'hugectr', unit: 'samples/s', method: 'reported', rule: 'the first report → the last report', identity: { model: 'wdl', num_nodes: 1, gpu_num_per_node: 8, global_batch_size: 16384 }, latencyFromDlperf: true },
  { fixture: 'oneflow-wdl', format: 'oneflow-wdl', unit: 'samples/s', method: 'timestamps', rule: 'counted report 1 → counted report 11', identity: { model: 'wdl', num_nodes: 1, gpu_num_per_node: 8, global_batch_size: 16384 }, latencyFromDlperf: true },
];

describe('DLPerf formats: the same figure as DLPerf\'s own script on the same fixture', () => {
  it.each(DLPERF.map((c) => [c.fixture, c] as const))('%s', async (_f, c) => {
    const r = await run(c.fixture);
    expect(r.format).toBe(c.format);
    if (c.latencyFromDlperf) {
      expect(r.latency_ms).toBeCloseTo(dlperf(c.fixture), 9);
      expect(r.throughput).toBeCloseTo(r.global_batch_size! / (r.latency_ms! / 1000), 6);
    } else expect(r.throughput).toBe(dlperf(c.fixture));
    expect(r.throughput_unit).toBe(c.unit);
    expect(r.throughput_method).toBe(c.method);
    expect(r.window_rule).toContain(c.rule);
    expect(r.window).not.toBeNull();
    expect(r).toMatchObject(c.identity);
    if (c.world) expect([r.world_size, r.world_size_source]).toEqual(c.world);
    expect(r.status).toBe('ok');
  });
});

const OTHERS: (Case & { perDevice?: boolean })[] = [
  { fixture: 'deepspeed', format: 'deepspeed', unit: 'samples/s', method: 'reported', rule: 'auto: the first 4 of 40 reports', identity: { precision: 'amp', num_nodes: 1, gpu_num_per_node: 8, global_batch_size: 256 }, world: [8, 'log'] },
  { fixture: 'deepspeed-old', format: 'deepspeed', unit: 'samples/s', method: 'reported', rule: 'auto: the first 3 of 30 reports', identity: { num_nodes: 1, gpu_num_per_node: 4, global_batch_size: 64 }, world: [4, 'log'] },
  { fixture: 'torchtitan', format: 'torchtitan', unit: 'tokens/s', method: 'reported', rule: 'auto: the first 3 of 25 reports', identity: { batch_size_per_device: 1, global_batch_size: 8, seq_length: 8192 }, world: [8, 'log'], perDevice: true },
  { fixture: 'torchtitan-untagged', format: 'torchtitan', unit: 'tokens/s', method: 'reported', rule: 'auto: the first 3 of 20 reports', identity: { num_nodes: 1, gpu_num_per_node: 4 }, world: [4, 'path'], perDevice: true },
  { fixture: 'maxtext', format: 'maxtext', unit: 'tokens/s', method: 'reported', rule: 'auto: the first 3 of 30 reports', identity: { num_nodes: 2, gpu_num_per_node: 8 }, world: [16, 'path'], perDevice: true },
  { fixture: 'maxtext-plain', format: 'maxtext', unit: 'tokens/s', method: 'reported', rule: 'auto: the first 3 of 20 reports', identity: { num_nodes: 1, gpu_num_per_node: 4 }, world: [4, 'path'], perDevice: true },
  { fixture: 'paddleclas', format: 'paddleclas', unit: 'samples/s', method: 'reported', rule: 'auto: the first 3 of 12 reports', identity: { framework: 'paddle', model: 'resnet50', num_nodes: 4, gpu_num_per_node: 8, batch_size_per_device: 256 }, world: [32, 'log'], perDevice: true },
  { fixture: 'paddlenlp', format: 'paddlenlp', unit: 'sequences/s', method: 'reported', rule: 'auto: the first 5 of 50 reports', identity: { model: 'bert_base', precision: 'amp', num_nodes: 1, gpu_num_per_node: 8, batch_size_per_device: 96 }, world: [8, 'log+path'], perDevice: true },
  { fixture: 'paddlenlp-trainer', format: 'paddlenlp-trainer', unit: 'samples/s', method: 'reported', rule: 'auto: the first 4 of 40 reports', identity: { num_nodes: 1, gpu_num_per_node: 8 } },
  { fixture: 'composer', format: 'composer', unit: 'samples/s', method: 'reported', rule: 'auto: the first 3 of 20 reports', identity: { num_nodes: 2, gpu_num_per_node: 8, batch_size_per_device: 8 } },
  { fixture: 'nemo1', format: 'lightning', unit: 'samples/s', method: 'timestamps', rule: 'auto: the first 12 of 120 reports', identity: { num_nodes: 1, gpu_num_per_node: 8, global_batch_size: 256 } },
  { fixture: 'megatron-core', format: 'megatron', unit: 'samples/s', method: 'reported', rule: 'the first report → the last report', identity: { num_nodes: 2, gpu_num_per_node: 8, global_batch_size: 128, micro_batch_size: 1, seq_length: 4096, tensor_model_parallel_size: 2 } },
  { fixture: 'gpt-neox', format: 'megatron', unit: 'samples/s', method: 'reported', rule: 'the first report → the last report', identity: { num_nodes: 1, gpu_num_per_node: 8, global_batch_size: 32 } },
];

describe('formats without a DLPerf method: the figure of an independent implementation of the rules', () => {
  it.each(OTHERS.map((c) => [c.fixture, c] as const))('%s', async (_f, c) => {
    const r = await run(c.fixture);
    const want = ref[c.fixture]!;
    expect(r.format).toBe(c.format);
    expect(r.throughput).toBeCloseTo(want.throughput, 6);
    expect([r.window?.start_iter, r.window?.end_iter]).toEqual(want.window);
    if (want.tflops_per_gpu !== undefined) expect(r.tflops_per_gpu).toBeCloseTo(want.tflops_per_gpu, 9);
    expect(r.throughput_unit).toBe(c.unit);
    expect(r.throughput_method).toBe(c.method);
    expect(r.window_rule).toContain(c.rule);
    expect(r).toMatchObject(c.identity);
    if (c.world) expect([r.world_size, r.world_size_source]).toEqual(c.world);
    expect(r.throughput_scope).toContain(c.perDevice ? 'per-device figure × world size' : 'global figure');
    expect(r.status).toBe('ok');
  });

  it.each(['hf-trainer', 'hf-trainer-quoted'])('%s: the framework\'s whole-run figure, said to include warmup, and the steady state beside it', async (fixture) => {
    const r = await run(fixture);
    const want = ref[fixture]!;
    expect(r.format).toBe('hf-trainer');
    expect(r.throughput).toBe(want.throughput);
    expect(r.throughput_steady_state).toBeCloseTo(want.steady!, 9);
    expect([r.window?.start_iter, r.window?.end_iter]).toEqual(want.window);
    expect(r.notes?.join(' ')).toMatch(/whole run, warmup and start-up included/);
    expect(r.notes?.join(' ')).toContain(`iterations ${want.steady_window![0]} → ${want.steady_window![1]}`);
    expect(r.throughput_unit).toBe('samples/s');
    expect(r).toMatchObject({ num_nodes: 1, gpu_num_per_node: 8, batch_size_per_device: 8, global_batch_size: 64, world_size: 8, world_size_source: 'log' });
    expect(r.status).toBe('ok');
  });

  it('torchtitan: tflops_per_gpu and peak memory from the lines', async () => {
    const r = await run('torchtitan');
    expect(r.tflops_per_gpu).toBeGreaterThan(300);
    expect(r.memory_mib).toBe(Math.round(49.66 * 1024));
  });

  it('torchtitan: a 20-minute pause (GC, profiler dump) between two prints keeps the reported figure, flagged, without its timestamps cross-check', async () => {
    const r = await run('torchtitan');
    expect(r.status).toBe('ok');
    expect(r.throughput_crosscheck).toBeNull();
    const f = r.flags.find((x: { kind: string }) => x.kind === 'clock_jump');
    expect(f?.line).toBe(23);
    expect(f?.detail).toContain('the timestamps cross-check is withheld');
  });
});

describe('--window overrides the automatic window, and the run says so', () => {
  it('paddleclas with --window 20:60', async () => {
    const s = await summarize([join(root, 'paddleclas')], { windows: [{ format: null, start: 20, end: 60 }] });
    const r = s.runs.find((x) => x.format === 'paddleclas')!;
    expect(r.window_rule).toMatch(/^--window: iteration 20 → iteration 60/);
    expect([r.window?.start_iter, r.window?.end_iter]).toEqual([20, 60]);
    // ips of steps 30..60 of epoch 0, × 32 cards.
    const ips = [342.50265, 342.84956, 342.26014, 343.37038];
    expect(r.throughput).toBeCloseTo((ips.reduce((a, b) => a + b) / ips.length) * 32, 6);
  });
});
