/** The real binary, headless: exit codes, the JSON contract, problems on stderr, stdin. */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin/dlperf-top.mjs');
const SEEDS = join(ROOT, 'test/fixtures/seeds');
const tmp = mkdtempSync(join(tmpdir(), 'dlperf-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('dlperf-top CLI', () => {
  it('--version and --help', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(run(['--version'])).toMatchObject({ code: 0, out: `${pkg.version}\n` });
    const h = run(['--help']);
    expect(h.code).toBe(0);
    for (const c of ['live', 'replay', 'summary', 'launch']) expect(h.out).toContain(c);
    expect(run(['summary', '--help']).out).toContain('--fail-on');
  });

  it('summary --format json follows the contract (schema 1) and exits 0', () => {
    const r = run(['summary', '--format', 'json', join(SEEDS, 'ngc-pytorch-rn50-amp')]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ schema: 1, tool: 'dlperf-top', inputs: [join(SEEDS, 'ngc-pytorch-rn50-amp')] });
    const run0 = doc.runs[0];
    for (const k of ['source', 'format', 'framework', 'model', 'precision', 'num_nodes', 'gpu_num_per_node', 'batch_size_per_device', 'throughput', 'throughput_method', 'window', 'latency_ms', 'memory_mib', 'status', 'flags']) expect(run0).toHaveProperty(k);
    const g = doc.groups.find((x: { num_nodes: number; gpu_num_per_node: number }) => x.num_nodes === 4 && x.gpu_num_per_node === 8);
    expect(g).toMatchObject({ runs: 5, median_throughput: 22551.16 });
    expect(Number(g.speedup.toFixed(2))).toBe(28.09);
    for (const k of ['mean_throughput', 'min_throughput', 'max_throughput', 'cv', 'scaling_efficiency', 'latency_ms', 'memory_mib', 'flags']) expect(g).toHaveProperty(k);
  });

  it('csv and markdown carry the same medians', () => {
    const csv = run(['summary', '--format', 'csv', join(SEEDS, 'oneflow-rn50')]);
    expect(csv.code).toBe(0);
    expect(csv.out).toMatch(/,2969\.(5|49999)\d*,/); // full precision in CSV
    const md = run(['summary', join(SEEDS, 'oneflow-rn50')]);
    expect(md.out).toContain('## All Results');
    expect(md.out).toContain('| oneflow | resnet50 | fp32 | 4 | 8 | 128 | 11711.20 | 30.43 |');
  });

  it('--fail-on gates on flags (exit 4) and passes when none match', () => {
    const ib = run(['summary', '--fail-on', 'ib_fallback', join(SEEDS, 'ngc-pytorch-rn50-amp')]);
    expect(ib.code).toBe(4);
    expect(ib.err).toMatch(/--fail-on matched .*ib_fallback/);
    expect(run(['summary', '--fail-on', 'oom,nan_loss', join(SEEDS, 'ngc-pytorch-rn50-amp')]).code).toBe(0);
    expect(run(['summary', '--fail-on', 'name_mismatch', join(SEEDS, 'oneflow-rn50')]).code).toBe(4);
  });

  it('no run recognised: exit 3; bad arguments: exit 2', () => {
    writeFileSync(join(tmp, 'notes.log'), 'just some text\nno metrics here\n');
    expect(run(['summary', join(tmp, 'notes.log')]).code).toBe(3);
    expect(run(['summary', '--format', 'xml', join(tmp, 'notes.log')]).code).toBe(2);
    expect(run(['summary', '--window', 'abc', join(tmp, 'notes.log')]).code).toBe(2);
    expect(run(['summary']).code).toBe(2);
  });

  it('a corrupt archive, a binary file and a missing file are named on stderr; the rest is summarised (exit 5)', () => {
    const demo = join(ROOT, 'replays/resnet50-scaling-demo.tgz');
    const cut = join(tmp, 'cut.tgz');
    writeFileSync(cut, readFileSync(demo).subarray(0, 6000));
    writeFileSync(join(tmp, 'bin.log'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    const r = run(['summary', '--format', 'json', cut, join(tmp, 'bin.log'), join(tmp, 'missing.log'), join(SEEDS, 'oneflow-rn50')]);
    expect(r.code).toBe(5);
    expect(r.err).toMatch(/cut\.tgz: .*gzip data ends unexpectedly/);
    expect(r.err).toMatch(/bin\.log: binary data/);
    expect(r.err).toMatch(/missing\.log: cannot open/);
    const doc = JSON.parse(r.out);
    expect(doc.groups.some((g: { model: string; median_throughput: number }) => g.model === 'resnet50' && g.median_throughput.toFixed(1) === '11711.2')).toBe(true);
    expect(doc.problems.map((p: { kind: string }) => p.kind)).toEqual(expect.arrayContaining(['truncated_archive', 'binary', 'unreadable']));
  });

  it('reads stdin with -', () => {
    const log = readFileSync(join(SEEDS, 'oneflow-rn50/logs/oneflow/1n8g/bert_base_b128_fp32_0.log'), 'utf8');
    const r = run(['summary', '--format', 'json', '-'], log);
    expect(r.code).toBe(0);
    expect(Number(JSON.parse(r.out).runs[0].throughput.toFixed(1))).toBe(2961.6);
  });

  it('replay --headless --speed max ends with the numbers summary prints', () => {
    const demo = join(ROOT, 'replays/bert-scaling-demo.tgz');
    const rep = run(['replay', '--headless', '--speed', 'max', demo]);
    expect(rep.code).toBe(0);
    const lines = rep.out.trim().split('\n').map((l) => JSON.parse(l));
    const last = lines.filter((l) => l.type === 'snapshot').pop();
    const sum = JSON.parse(run(['summary', '--format', 'json', demo]).out);
    const bySource = (rs: { source: string; throughput: number | null }[]) => Object.fromEntries(rs.map((x) => [x.source, x.throughput]));
    expect(bySource(last.runs)).toEqual(bySource(sum.runs));
    expect(last).toMatchObject({ type: 'snapshot', schema: 1, clock: 'replay' });
  });

  it('formats lists every parser', () => {
    const r = run(['formats']);
    expect(r.code).toBe(0);
    for (const id of ['oneflow-cnn', 'oneflow-bert', 'oneflow-gpt', 'dllogger-pytorch', 'megatron', 'tf2-timehistory', 'mlperf']) expect(r.out).toContain(id);
  });

  it('summary on a recorded-by-copy directory equals summary on the archive', () => {
    copyFileSync(join(ROOT, 'replays/gpt-scaling-demo.tgz'), join(tmp, 'gpt.tgz'));
    const a = JSON.parse(run(['summary', '--format', 'json', join(tmp, 'gpt.tgz')]).out);
    expect(a.groups.length).toBeGreaterThan(0);
    expect(a.groups.every((g: { median_throughput: number | null }) => g.median_throughput !== null)).toBe(true);
  });
});
