/**
 * Guards the synthetic seed fixtures (test/fixtures/seeds/): they are what the generator writes, and
 * DLPerf's arithmetic, re-done here independently of dlperf-top's parsers, gives the numbers that
 * expected.json copies from the seed reports.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATED_DIRS, writeSeedLogs, type GeneratedFile } from '../fixtures/generate-seed-logs.ts';

const SEEDS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'seeds');
const expected = JSON.parse(readFileSync(path.join(SEEDS, 'expected.json'), 'utf8'));

let tmp: string;
let generated: GeneratedFile[];
beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'seed-fixtures-'));
  generated = writeSeedLogs(tmp);
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const listFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)).map((f) => `${e.name}/${f}`) : [e.name]));
const read = (rel: string) => readFileSync(path.join(SEEDS, rel), 'utf8');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

describe('seed fixtures', () => {
  it('are exactly what test/fixtures/generate-seed-logs.ts writes', () => {
    const committed = GENERATED_DIRS.flatMap((d) => listFiles(path.join(SEEDS, d)).map((f) => `${d}/${f}`)).sort();
    expect(committed).toEqual(generated.map((f) => f.path).sort());
    for (const f of generated) expect(read(f.path) === f.text, `${f.path} is out of date: rerun the generator`).toBe(true);
  });

  it('OneFlow ResNet50: total_batch × 100 / (t120 − t20) gives seed 001 per run, median and speedup', () => {
    const e = expected['oneflow-rn50'];
    const byGroup = new Map<string, number[]>();
    for (const run of e.runs) {
      const text = read(`${e.logDir}/${run.path}`);
      const header = (k: string) => Number(new RegExp(`^${k} = (\\d+)$`, 'm').exec(text)?.[1]);
      expect(text).toMatch(/^model = resnet50$/m);
      const total = header('batch_size_per_device') * header('gpu_num_per_node') * header('num_nodes');
      expect(total).toBe(run.batchSizePerDevice * run.gpusPerNode * run.nodes);
      const t = new Map([...text.matchAll(/^train: epoch 0, iter (\d+), .* samples\/s: [\d.]+ (\d+\.\d{7})$/gm)].map((m) => [Number(m[1]), m[2]!]));
      expect([...t.keys()]).toEqual([20, 40, 60, 80, 100, 120, 140]);
      const v = (total * 100) / (Number(t.get(120)) - Number(t.get(20)));
      expect(round(v, 4), run.path).toBe(run.throughput); // exact to 4 decimals, not just to the seed's 1
      const key = `${run.nodes}n${run.gpusPerNode}g`;
      byGroup.set(key, [...(byGroup.get(key) ?? []), v]);
    }
    const base = median(byGroup.get('1n1g')!);
    for (const g of e.groups) {
      const vals = byGroup.get(`${g.nodes}n${g.gpusPerNode}g`)!;
      expect(vals).toHaveLength(7);
      expect(round(median(vals), 1)).toBe(g.median);
      expect(round(median(vals) / base, 2)).toBe(g.speedup);
    }
  });

  it('NGC PyTorch ResNet50 AMP: counted lines 20 → 120 after iteration 5 give seed 004', () => {
    const e = expected['ngc-pytorch-rn50-amp'];
    const byGroup = new Map<string, number[]>();
    for (const run of e.runs) {
      const text = read(`${e.logDir}/${run.path}`);
      expect(text).toMatch(/ batch_size : 256 .* amp : True .* world_size : (\d+) $/m);
      const lines = [...text.matchAll(/^DLL (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{6}) - Epoch: 0 Iteration: (\d+)  train\.loss : /gm)];
      expect(lines.map((m) => Number(m[8]))).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
      const us = (m: RegExpMatchArray) => Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) * 1000 + Number(m[7]);
      const counted = lines.filter((m) => Number(m[8]) > 5);
      const total = 256 * run.nodes * run.gpusPerNode;
      const v = round(total / ((us(counted[119]!) - us(counted[19]!)) / 1e6 / 100), 2);
      expect(v, run.path).toBe(run.throughput);
      const key = `${run.nodes}n${run.gpusPerNode}g`;
      byGroup.set(key, [...(byGroup.get(key) ?? []), v]);
      if (run.nodes > 1) expect((text.match(/^libibverbs: Warning/gm) ?? []).length).toBe(8);
    }
    const base = median(byGroup.get('1n1g')!);
    for (const g of e.groups) {
      const vals = byGroup.get(`${g.nodes}n${g.gpusPerNode}g`)!;
      expect(round(median(vals), 2)).toBe(g.median);
      expect(round(vals.reduce((s, x) => s + x, 0) / vals.length, 2)).toBe(g.average);
      expect(round(median(vals) / base, 2)).toBe(g.speedup);
    }
  });

  it('OneFlow GPT: mean latency of the last 5 intervals (iterations 51–100), max nvidia-smi memory and gbs/latency give seed 003', () => {
    const e = expected['oneflow-gpt'];
    const shapes = { normal: 0, readme: 0, step: 0 };
    for (const c of e.cases) {
      const text = read(`${e.logDir}/${c.path}`);
      const lat = [
        ...[...text.matchAll(/^step=\d+,micro_batches=\d+,samples=\d+,throughput=[\d.]+,latency=([\d.]+),loss=[\d.]+,$/gm)].map((m) => Number(m[1])),
        ...[...text.matchAll(/^\| (\d+) +\| \d+ +\| \d+ +\| [\d.]+ +\| ([\d.]+) +\| [\d.]+ +\|$/gm)].map((m) => Number(m[2])),
      ];
      if (text.includes('step=10,')) shapes.normal++;
      else if (text.includes('| batches  |')) {
        shapes.readme++;
        // The README's shape: the nvidia-smi block, then the title once.
        expect(text.indexOf('utilization.gpu')).toBeLessThan(text.indexOf('| batches  |'));
        expect(text.split('| batches  |').length - 1).toBe(1);
      } else {
        shapes.step++;
        // The current trainer's: the title, step 10, nvidia-smi, the title again.
        expect(text.split('| step     |').length - 1).toBe(2);
        expect(text.indexOf('| 10       |')).toBeLessThan(text.indexOf('utilization.gpu'));
      }
      expect(lat, c.path).toHaveLength(10);
      expect(lat[0]!).toBeGreaterThan(Math.max(...lat.slice(1)));
      const ms = (lat.slice(5).reduce((s, x) => s + x, 0) / 5) * 1000;
      const decimals = String(c.latencyMs).split('.')[1]?.length ?? 0;
      expect(round(ms, decimals), c.case).toBe(c.latencyMs);
      // The older method (every interval after the first) misses it: the fixtures can tell the two apart.
      const all9 = (lat.slice(1).reduce((s, x) => s + x, 0) / 9) * 1000;
      expect(Math.abs(all9 - c.latencyMs) / c.latencyMs, c.case).toBeGreaterThan(0.004);
      const mem = Math.max(...[...text.matchAll(/^\d+ %, (\d+) MiB$/gm)].map((m) => Number(m[1])));
      expect(mem).toBe(c.memoryMiB);
      expect(round(c.globalBatch / (ms / 1000), 2)).toBe(c.throughput);
      expect(text).toContain(`  global_batch_size ${'.'.repeat(48 - 'global_batch_size'.length)} ${c.globalBatch}\n`);
      expect(text).toContain(`  train_iters ${'.'.repeat(48 - 'train_iters'.length)} 100\n`);
    }
    expect(shapes).toEqual({ normal: 6, readme: 6, step: 6 });
  });
});
