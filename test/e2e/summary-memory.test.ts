/**
 * Issue #12, the real binary: the streamed JSON is the whole document on stdout and in `-o`, a
 * reader that goes away mid-document is a normal end, and file names that are not UTF-8 are read
 * and shown (sanitised) instead of failing to open.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin/dlperf-top.mjs');
const LOG = join(ROOT, 'test/fixtures/public/ngc-mxnet-rn50-dll-1n8g.log');
const tmp = mkdtempSync(join(tmpdir(), 'dlperf-mem-e2e-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** 400 tiny logs (each its own run, in one group): a JSON document of well over one write batch. */
function tinyTree(): string {
  const root = join(tmp, 'tiny');
  for (let i = 0; i < 400; i++) {
    const d = join(root, `d${Math.floor(i / 100)}`);
    mkdirSync(d, { recursive: true });
    const rate = (1000 + (i % 97)).toFixed(1);
    writeFileSync(
      join(d, `resnet50_b128_fp32_${i}.log`),
      ['Running resnet50: num_gpu_per_node = 1, num_nodes = 1.', 'batch_size_per_device = 128', `train: epoch 0, iter 20, loss: 7.08, top_1: 0.0, top_k: 0.0, samples/s: ${rate} 1597977161.2`, `train: epoch 0, iter 40, loss: 7.08, top_1: 0.0, top_k: 0.0, samples/s: ${rate} 1597977163.8`, ''].join('\n'),
    );
  }
  return root;
}

describe('summary --format json, streamed', () => {
  const tree = tinyTree();

  it('stdout and -o hold the same complete document', () => {
    const a = run(['summary', '--format', 'json', '-q', tree]);
    expect(a.code).toBe(0);
    expect(a.out.length).toBeGreaterThan(256 * 1024);
    const doc = JSON.parse(a.out);
    expect(doc.runs).toHaveLength(400);
    expect(a.out).toBe(JSON.stringify(doc, null, 2) + '\n');
    const out = join(tmp, 'report.json');
    const b = run(['summary', '--format', 'json', '-q', tree, '-o', out]);
    expect(b).toMatchObject({ code: 0, out: '' });
    expect(readFileSync(out, 'utf8')).toBe(a.out);
    // No temporary file left beside it.
    expect(readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a reader that reads 10 bytes and goes away: exit 0, no error', async () => {
    const child = spawn('bash', ['-c', `'${process.execPath}' '${BIN}' summary --format json -q '${tree}' | head -c 10; echo " rc=\${PIPESTATUS[0]}"`], { cwd: ROOT });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    await new Promise((res) => child.on('close', res));
    expect(out).toBe('{\n  "schem rc=0\n');
    expect(err).toBe('');
  });
});

describe('file names that are not UTF-8', () => {
  it('are opened and shown with \\xNN, in every format', () => {
    const dir = join(tmp, 'bytes');
    mkdirSync(dir, { recursive: true });
    const name = Buffer.concat([Buffer.from('r50'), Buffer.from([0xff, 0xfe]), Buffer.from('_1n8g.log')]);
    copyFileSync(LOG, Buffer.concat([Buffer.from(dir + '/'), name]));
    const md = run(['summary', dir]);
    expect(md.err).toBe('');
    expect(md.code).toBe(0);
    expect(md.out).toContain('| r50\\xff\\xfe_1n8g.log | 1 | 8 |');
    const json = JSON.parse(run(['summary', '--format', 'json', dir]).out);
    expect(json.runs.map((r: { source: string }) => r.source)).toEqual(['r50\\xff\\xfe_1n8g.log']);
    expect(json.runs[0].status).toBe('ok');
    expect(run(['summary', '--format', 'csv', dir]).out).toContain('r50\\xff\\xfe_1n8g.log');
  });
});
