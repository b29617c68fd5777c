import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { summarize } from '../../../src/pipeline/summarize.ts';

// OneFlow GPT windows (#10): the default is the second half of the run (prints after train_iters / 2);
// `--window 300:400` is DLPerf's later extract_gpt_result.py (log_interval 1, prints 300 ≤ i < 400).
const tmp = mkdtempSync(join(tmpdir(), 'dlperf-gpt-window-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const arg = (k: string, v: string | number) => `  ${k} ${'.'.repeat(48 - k.length)} ${v}`;
/** A table-mode log at log_interval 1: latency of step i = 0.9 + i / 1e5 s (printed at 5 decimals). */
function gptLog(iters: number): string {
  const lines = ['------------------------ arguments ------------------------', arg('global_batch_size', 32), arg('micro_batch_size', 32), arg('num_nodes', 1), arg('num_gpus_per_node', 8), arg('log_interval', 1), arg('train_iters', iters), '-------------------- end of arguments ---------------------', 'Training...', '| step     | micro_batches   | samples         | throughput | latency    | loss       |', '| -------- | --------------- | --------------- | ---------- | ---------- | ---------- |'];
  for (let i = 1; i <= iters; i++) {
    const lat = 0.9 + i / 1e5;
    lines.push(`| ${String(i).padEnd(8)} | ${String(i).padEnd(15)} | ${String(32 * i).padEnd(15)} | ${(32 / lat).toFixed(5).padEnd(10)} | ${lat.toFixed(5).padEnd(10)} | ${'11.00000'.padEnd(10)} |`);
  }
  return lines.join('\n') + '\n';
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const lat = (i: number) => Number((0.9 + i / 1e5).toFixed(5)) * 1000;

describe('OneFlow GPT windows', () => {
  const dir = join(tmp, 'logs/1n8g');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'pretrain_gpt_1n8d_dp1_mp8_pp1_mbz32_gbz32_s2048_l16_h2304_nh16.log'), gptLog(420));

  it('default: the mean latency of the prints after train_iters / 2 (iterations 211–420)', async () => {
    const s = await summarize([tmp]);
    const r = s.runs[0]!;
    expect(r.throughput_method).toBe('reported');
    expect(r.window).toEqual({ start_iter: 210, end_iter: 420 });
    const want = mean(Array.from({ length: 210 }, (_, k) => lat(211 + k)));
    expect(r.latency_ms).toBeCloseTo(want, 9);
    expect(r.throughput).toBeCloseTo(32 / (want / 1000), 9);
  });

  it('--window 300:400: the prints 300 ≤ i < 400, as extract_gpt_result.py first did', async () => {
    const s = await summarize([tmp], { windows: [{ format: 'oneflow-gpt', start: 300, end: 400 }] });
    const want = mean(Array.from({ length: 100 }, (_, k) => lat(300 + k)));
    expect(s.runs[0]!.latency_ms).toBeCloseTo(want, 9);
    // Its Sept 2021 revision sums 300..400 (101 prints) and divides by 100: one print too many.
    const bug = Array.from({ length: 101 }, (_, k) => lat(300 + k)).reduce((a, b) => a + b, 0) / 100;
    expect(Math.abs(s.runs[0]!.latency_ms! - bug) / bug).toBeGreaterThan(0.009);
  });
});
