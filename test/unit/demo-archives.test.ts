import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ARCHIVES, generateDemoArchives, GPT_BAD, RN50_BAD } from '../../scripts/generate-demo-archives.ts';

const REPLAYS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'replays');
const MAX_BYTES = 1.5 * 1024 * 1024;

let tmp: string;
let first: string;
let second: string;
let extracted: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'demo-archives-'));
  first = path.join(tmp, 'a');
  second = path.join(tmp, 'b');
  await generateDemoArchives(first);
  await generateDemoArchives(second);
  extracted = path.join(tmp, 'x');
  for (const name of DEMO_ARCHIVES) {
    const dir = path.join(extracted, name.replace(/\.tgz$/, ''));
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['-xzf', path.join(first, name), '-C', dir]);
  }
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const read = (archive: string, rel: string) => readFileSync(path.join(extracted, archive, rel), 'utf8');
const listFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)).map((f) => `${e.name}/${f}`) : [e.name]));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** DLL timestamps in µs since the epoch, and the line's fields. */
function dllIterations(text: string) {
  const out: { iter: number; us: number; compute?: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^DLL (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{6}) - Epoch: 0 Iteration: (\d+)  train\.loss : .*?(?:train\.compute_time : ([\d.]+) s)?$/.exec(line);
    if (!m) continue;
    const [y, mo, d, h, mi, s, us, it, ct] = m.slice(1);
    const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
    out.push({ iter: Number(it), us: ms * 1000 + Number(us), compute: ct === undefined ? undefined : Number(ct) });
  }
  return out;
}

/** DLPerf extract_pytorch_logs_time.py: skip iterations ≤ 5, counted lines 20 → 120. */
function dlperfNgc(text: string, totalBatch: number): number {
  const counted = dllIterations(text).filter((r) => r.iter > 5);
  const a = counted[19];
  const b = counted[119];
  if (!a || !b) return 0;
  return Math.round((totalBatch / ((b.us - a.us) / 1e6 / 100)) * 100) / 100;
}

describe('demo archives', () => {
  it('regenerate byte-identically to the committed replays/*.tgz', () => {
    for (const name of DEMO_ARCHIVES) {
      const fresh = readFileSync(path.join(first, name));
      const again = readFileSync(path.join(second, name));
      expect(again.equals(fresh), `${name}: two generations differ`).toBe(true);
      const committed = readFileSync(path.join(REPLAYS, name));
      if (!committed.equals(fresh)) {
        const sameTar = gunzipSync(committed).equals(gunzipSync(fresh));
        throw new Error(
          sameTar
            ? `${name}: same tar content but different gzip bytes (a different zlib?)`
            : `${name}: replays/${name} is out of date — run \`npm run demo:generate\` and commit it`,
        );
      }
    }
  });

  it('are small and labelled SYNTHETIC DEMO DATA', () => {
    for (const name of DEMO_ARCHIVES) {
      expect(statSync(path.join(first, name)).size).toBeLessThan(MAX_BYTES);
      const members = execFileSync('tar', ['-tzf', path.join(first, name)], { encoding: 'utf8' }).split('\n').filter(Boolean);
      expect(members[0]).toBe('README.txt');
      const readme = read(name.replace(/\.tgz$/, ''), 'README.txt');
      expect(readme.split('\n')[0]).toContain('SYNTHETIC DEMO DATA');
      for (const m of members.slice(1)) expect(readme, m).toContain(m);
    }
    expect(readFileSync(path.join(REPLAYS, 'README.md'), 'utf8')).toContain('SYNTHETIC DEMO DATA');
  });

  describe('resnet50-scaling-demo', () => {
    const A = 'resnet50-scaling-demo';
    const runs = () => {
      const base = path.join(extracted, A, 'logs/ngc/pytorch');
      const out: { cfg: string; repeat: number; files: string[] }[] = [];
      for (const cfg of ['1n1g', '1n8g', '2n8g', '4n8g']) {
        const nodes = Number(cfg[0]);
        for (let r = 1; r <= 5; r++) {
          const files = nodes === 1 ? [`logs/ngc/pytorch/${cfg}/r50_b256_amp_${r}.log`] : Array.from({ length: nodes }, (_, k) => `logs/ngc/pytorch/${cfg}/node${k + 1}/r50_b256_amp_${r}.log`);
          out.push({ cfg, repeat: r, files });
        }
      }
      expect(listFiles(base)).toHaveLength(40);
      return out;
    };

    it('has the layout, 130 iterations per node log, and runs one after another', () => {
      let prevEnd = 0;
      for (const run of runs()) {
        let start = Infinity;
        let end = 0;
        for (const f of run.files) {
          const its = dllIterations(read(A, f));
          expect(its.map((r) => r.iter), f).toEqual(Array.from({ length: 130 }, (_, i) => i + 1));
          expect(its.every((r) => r.compute !== undefined), f).toBe(true);
          start = Math.min(start, its[0]!.us);
          end = Math.max(end, its[its.length - 1]!.us);
        }
        expect(start, `${run.cfg} r${run.repeat} starts after the previous run`).toBeGreaterThan(prevEnd);
        expect((end - start) / 1e6).toBeGreaterThan(20);
        expect((end - start) / 1e6).toBeLessThan(120);
        prevEnd = end;
      }
    });

    it('plants IB fallback, a straggler and an outlier in exactly one 2n8g repeat', () => {
      const byCfg = new Map<string, number[]>();
      for (const run of runs()) {
        const bad = run.cfg === RN50_BAD.config && run.repeat === RN50_BAD.repeat;
        const texts = run.files.map((f) => read(A, f));
        const nodes = run.files.length;
        for (const t of texts) {
          if (nodes === 1) {
            expect(t).not.toMatch(/via NET\//);
            continue;
          }
          expect(/NET\/IB : No device found\./.test(t), `${run.cfg} r${run.repeat}`).toBe(bad);
          expect(/NCCL INFO Using network Socket$/m.test(t)).toBe(bad);
          expect(/\[receive\] via NET\/Socket\/0$/m.test(t)).toBe(bad);
          expect((t.match(/^libibverbs: Warning: no userspace device-specific driver found/gm) ?? []).length).toBe(bad ? 8 : 0);
          expect(/NCCL INFO NET\/IB : Using \[0\]mlx5_0:1\/IB ; OOB ib0:10\.0\.0\.\d<0>$/m.test(t)).toBe(!bad);
          expect(/NCCL INFO Using network IB$/m.test(t)).toBe(!bad);
          expect(/\[receive\] via NET\/IB\/0\/GDRDMA$/m.test(t)).toBe(!bad);
        }
        if (nodes > 1) {
          const c1 = mean(dllIterations(texts[0]!).slice(5).map((r) => r.compute!));
          const c2 = mean(dllIterations(texts[1]!).slice(5).map((r) => r.compute!));
          if (bad) {
            expect(c1 / c2).toBeGreaterThan(1.09);
            expect(c1 / c2).toBeLessThan(1.15);
          } else {
            expect(Math.abs(c1 / c2 - 1)).toBeLessThan(0.02);
          }
        }
        const v = dlperfNgc(texts[0]!, 256 * Number(run.cfg[0]) * Number(run.cfg[2]));
        expect(v).toBeGreaterThan(0);
        byCfg.set(run.cfg, [...(byCfg.get(run.cfg) ?? []), v]);
      }
      for (const [cfg, values] of byCfg) {
        const others = values.filter((_, i) => !(cfg === RN50_BAD.config && i + 1 === RN50_BAD.repeat));
        const med = median(others);
        for (const v of others) expect(Math.abs(v / med - 1), `${cfg} ${v}`).toBeLessThan(0.012);
        if (cfg === RN50_BAD.config) {
          const ratio = values[RN50_BAD.repeat - 1]! / med;
          expect(ratio).toBeGreaterThan(0.87);
          expect(ratio).toBeLessThan(0.93);
        }
      }
      // ~800 img/s per GPU, ~0.93 scaling across nodes
      expect(median(byCfg.get('1n1g')!) / 800).toBeCloseTo(1, 1);
      expect(median(byCfg.get('2n8g')!) / (16 * 800)).toBeGreaterThan(0.9);
      expect(median(byCfg.get('2n8g')!) / (16 * 800)).toBeLessThan(0.96);
    });
  });

  describe('bert-scaling-demo', () => {
    const A = 'bert-scaling-demo';
    it('has OneFlow BERT logs whose DLPerf medians are near the published ones', () => {
      const targets: Record<string, number> = { '1n1g': 149.8, '1n8g': 1158.5, '2n8g': 2257.7, '4n8g': 4456.0 };
      for (const [cfg, target] of Object.entries(targets)) {
        const values: number[] = [];
        for (let r = 0; r < 5; r++) {
          const text = read(A, `logs/oneflow/${cfg}/bert_base_b96_fp32_${r}.log`);
          expect(text).toContain(`num_nodes = ${cfg[0]}\n`);
          expect(text).toContain('batch_size_per_device = 96\n');
          const steps = [...text.matchAll(/^step: (\d+), total_loss: [\d.]+, mlm_loss: [\d.]+, nsp_loss: [\d.]+, throughput: [\d.]+ (\d+\.\d{7})$/gm)];
          expect(steps.map((m) => Number(m[1]))).toEqual([19, 39, 59, 79, 99, 119, 139]);
          const t = new Map(steps.map((m) => [Number(m[1]), Number(m[2])]));
          values.push((96 * Number(cfg[0]) * Number(cfg[2]) * 100) / (t.get(119)! - t.get(19)!));
        }
        expect(Math.abs(median(values) / target - 1), cfg).toBeLessThan(0.006);
      }
    });
  });

  describe('gpt-scaling-demo', () => {
    const A = 'gpt-scaling-demo';
    it('puts iteration lines in the last node log only and plants one slow rank in 4n8g r2', () => {
      const elapsed = new Map<string, number>();
      for (const cfg of ['1n1g', '1n8g', '2n8g', '4n8g']) {
        const nodes = Number(cfg[0]);
        const world = nodes * Number(cfg[2]);
        for (let r = 1; r <= 3; r++) {
          const dir = `logs/megatron-lm/${cfg}/r${r}`;
          const files = listFiles(path.join(extracted, A, dir)).sort();
          expect(files).toEqual(Array.from({ length: nodes }, (_, k) => `megatron_lm_perf_${cfg}_dp${world}_mp1_pp1_mbs2_gbs${2 * world}_l16_hsz1536_ahs16_pretrain_${k}.log`));
          const texts = files.map((f) => read(A, `${dir}/${f}`));
          texts.forEach((t, k) => {
            const its = [...t.matchAll(/^ iteration +(\d+)\/ +200 \| consumed samples: +(\d+) \| elapsed time per iteration \(ms\): ([\d.]+) \|.*\| global batch size: +(\d+) \|/gm)];
            if (k < nodes - 1) {
              expect(its, `${dir} node ${k}`).toHaveLength(0);
              return;
            }
            expect(its.map((m) => Number(m[1]))).toEqual(Array.from({ length: 20 }, (_, i) => 10 * (i + 1)));
            expect(its.every((m) => Number(m[4]) === 2 * world)).toBe(true);
            expect(t).toMatch(/loss scale: 4194304\.0 \| number of skipped iterations: +10 \| number of nan iterations: +0 \|/);
            expect(its[0]![0]).not.toContain('lm loss');
            elapsed.set(`${cfg}/r${r}`, mean(its.slice(1).map((m) => Number(m[3]))));
          });
          expect(texts[0]).toMatch(/^\[before the start of training step\] datetime: 2024-\d\d-\d\d \d\d:\d\d:\d\d $/m);
          const reports = [...texts[0]!.matchAll(/MnRtt\/Rnk: [\d.]+ms\/(\d+) \| MxRtt\/Rnk: [\d.]+ms\/(\d+) \|.*MnEtpt\/Rnk: [\d.]+TF\/(\d+) \|/g)];
          if (cfg !== '4n8g') {
            expect(reports).toHaveLength(0);
            continue;
          }
          expect(reports).toHaveLength(20);
          const bad = r === GPT_BAD.repeat;
          for (const m of reports) {
            expect(Number(m[2]) === GPT_BAD.rank, `${dir} MxRtt rank`).toBe(bad);
            expect(Number(m[3]) === GPT_BAD.rank, `${dir} MnEtpt rank`).toBe(bad);
          }
          expect(texts[0]!.includes(`/${GPT_BAD.rank} |`)).toBe(bad);
        }
      }
      const bad = elapsed.get(`${GPT_BAD.config}/r${GPT_BAD.repeat}`)!;
      for (const r of [1, 2, 3].filter((x) => x !== GPT_BAD.repeat)) {
        const ratio = bad / elapsed.get(`${GPT_BAD.config}/r${r}`)!;
        expect(ratio).toBeGreaterThan(1.07);
        expect(ratio).toBeLessThan(1.14);
      }
      expect(elapsed.get('1n1g/r1')! / 406.2).toBeCloseTo(1, 1);
    });
  });
});
