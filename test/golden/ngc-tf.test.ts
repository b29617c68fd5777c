import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/pipeline/summarize.ts';

// NGC TensorFlow (#10): the numbers DLPerf's own scripts print on the same fixtures
// (commands and output in test/fixtures/ngc-tf/README.md, copied here, not computed).
const root = new URL('../fixtures/ngc-tf/', import.meta.url).pathname;
const perRun = (s: Awaited<ReturnType<typeof summarize>>) => Object.fromEntries(s.runs.map((r) => [r.source.replace(/^bz\d+\//, ''), r.throughput]));
const groups = (s: Awaited<ReturnType<typeof summarize>>) => s.groups.map((g) => [`${g.num_nodes}n${g.gpu_num_per_node}g`, g.median_throughput, g.mean_throughput, Number(g.speedup!.toFixed(2))]);

describe('NGC TF ResNet50: extract_tensorflow_logs.py by default (README), the time script with --method timestamps', async () => {
  const reported = await summarize([join(root, 'resnet50')]);
  const timed = await summarize([join(root, 'resnet50')], { method: 'timestamps' });
  it('default = mean of the logged imgs_per_sec lines [0:100] (each rounded to 2 decimals)', () => {
    expect(perRun(reported)).toEqual({
      '1n1g/r50_b128_fp32_1.log': 361.93, '1n1g/r50_b128_fp32_2.log': 362.04, '1n1g/r50_b128_fp32_3.log': 361.9,
      '1n8g/r50_b128_fp32_1.log': 2816.64, '1n8g/r50_b128_fp32_2.log': 2816.15, '1n8g/r50_b128_fp32_3.log': 2815.62,
    });
    expect(groups(reported)).toEqual([['1n1g', 361.93, 361.96, 1], ['1n8g', 2816.15, 2816.14, 7.78]]);
    expect(reported.runs.every((r) => r.throughput_method === 'reported' && r.window?.start_iter === 20 && r.window.end_iter === 119)).toBe(true);
  });
  it('--method timestamps = logged lines 1 → 100', () => {
    expect(perRun(timed)).toEqual({
      '1n1g/r50_b128_fp32_1.log': 361.96, '1n1g/r50_b128_fp32_2.log': 362.06, '1n1g/r50_b128_fp32_3.log': 361.84,
      '1n8g/r50_b128_fp32_1.log': 2816.6, '1n8g/r50_b128_fp32_2.log': 2816.04, '1n8g/r50_b128_fp32_3.log': 2815.77,
    });
    expect(groups(timed)).toEqual([['1n1g', 361.96, 361.95, 1], ['1n8g', 2816.04, 2816.14, 7.78]]);
  });
});

describe('NGC TF BERT: extract_tensorflow_logs_time.py by default (README), from the LAST Iteration: 20', async () => {
  const s = await summarize([join(root, 'bert')]);
  it('per-run values, medians and speedup of the time script', () => {
    expect(perRun(s)).toEqual({
      '1n1g/bert_b32_fp16_1.log': 190.05, '1n1g/bert_b32_fp16_2.log': 190.01, '1n1g/bert_b32_fp16_3.log': 189.97,
      '1n8g/bert_b32_fp16_1.log': 1439.05, '1n8g/bert_b32_fp16_2.log': 1440.28, '1n8g/bert_b32_fp16_3.log': 1440.17,
    });
    expect(s.groups.map((g) => [g.median_throughput, Number(g.speedup!.toFixed(2))])).toEqual([[190.01, 1], [1440.17, 7.58]]);
    expect(s.runs.every((r) => r.throughput_method === 'timestamps' && r.throughput_crosscheck !== null && !r.flags.some((f) => f.kind === 'method_disagreement'))).toBe(true);
  });
  it('the start is the LAST print of iteration 20, not the first (the fixture tells the two apart)', () => {
    const text = readFileSync(join(root, 'bert/bz32/1n1g/bert_b32_fp16_1.log'), 'utf8');
    const t = (l: string) => Date.parse(`${/DLL (\S+ \S+)/.exec(l)![1]!.slice(0, 23).replace(' ', 'T')}Z`) / 1000 + Number(/\.\d{3}(\d{3}) /.exec(l)![1]) / 1e6;
    const lines = text.split('\n');
    const twenty = lines.filter((l) => l.includes(' - Iteration: 20 '));
    const end = lines.find((l) => l.includes(' - Iteration: 120 '))!;
    expect(twenty).toHaveLength(3);
    const fig = (start: string) => Number((32 / ((t(end) - t(start)) / 100)).toFixed(2));
    expect(fig(twenty[2]!)).toBe(190.05);
    expect(fig(twenty[0]!)).not.toBe(190.05);
  });
});
