/**
 * Summary on a worker thread (pipeline/summary-thread.ts) against summary on one thread
 * (DLPERF_TOP_WORKER=0): the same stdout byte for byte, the same stderr (problem reports: file,
 * line, reason) and the same exit code, on every fixture, the real logs, the demo archives and
 * damaged inputs (a cut archive, a flipped header byte, a binary member, a half-written last line,
 * a name that is not a log, stdin). Through the binary (the bundle when it is fresh, else the
 * sources), from the sources explicitly (DLPERF_TOP_FROM_SOURCE=1: the worker's tsx bootstrap),
 * and in-process (vitest runs the sources: the same bootstrap).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { summarizeToText } from '../../src/pipeline/summary-thread.ts';
import { randomLog, rng } from '../helpers/dll-lines.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin/dlperf-top.mjs');
const FIX = join(ROOT, 'test/fixtures');
const REAL = '/work/shared/public-log-samples';
const tmp = mkdtempSync(join(tmpdir(), 'dlperf-worker-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[], worker: '0' | '1', extra: { input?: Buffer; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [BIN, 'summary', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    ...(extra.input ? { input: extra.input } : {}),
    env: { ...process.env, NO_COLOR: '1', DLPERF_TOP_WORKER: worker, ...extra.env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Damaged and odd inputs made once: logs in a DLPerf layout, then archives of them cut and flipped. */
function damagedInputs(): { dir: string; tgz: string; cutTgz: string; cutTar: string; flippedTar: string } {
  const r = rng(20261203);
  const dir = join(tmp, 'mixed');
  const d = join(dir, 'logs', 'pytorch', '1n8g');
  mkdirSync(d, { recursive: true });
  for (let i = 0; i < 6; i++) writeFileSync(join(d, `r50_b128_amp_${i}.log`), randomLog(r, i === 0 ? 9000 : 300 + i * 50, { mutate: 0.2 }));
  // A binary member (the worker stops reading it), a name that is not a log, a half-written last line.
  writeFileSync(join(d, 'r50_b128_amp_7.log'), Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 13) % 256)));
  writeFileSync(join(d, 'result.csv'), 'a,b\n1,2\n');
  writeFileSync(join(d, 'r50_b128_amp_8.log'), randomLog(r, 200) + 'DLL 2020-09-15 14:29:18.553769 - Epoch: 0 Iteration: 9  train.loss : 1.');
  const tgz = join(tmp, 'mixed.tgz');
  execFileSync('tar', ['czf', tgz, '-C', dir, 'logs']);
  const tar = join(tmp, 'mixed.tar');
  execFileSync('tar', ['cf', tar, '-C', dir, 'logs']);
  const all = readFileSync(tgz);
  const cutTgz = join(tmp, 'mixed-cut.tgz');
  writeFileSync(cutTgz, all.subarray(0, Math.floor(all.length * 0.55)));
  const tarBytes = readFileSync(tar);
  const cutTar = join(tmp, 'mixed-cut.tar');
  writeFileSync(cutTar, tarBytes.subarray(0, 512 * 40 + 100));
  const flipped = Buffer.from(tarBytes);
  flipped[512 * 30 + 3] = flipped[512 * 30 + 3]! ^ 0x20;
  const flippedTar = join(tmp, 'mixed-flipped.tar');
  writeFileSync(flippedTar, flipped);
  return { dir, tgz, cutTgz, cutTar, flippedTar };
}

describe('summary on a worker thread = summary on one thread', () => {
  const bad = damagedInputs();
  const cases: [string, string[]][] = [
    ['golden seeds', [join(FIX, 'seeds')]],
    ['public fixtures', [join(FIX, 'public')]],
    ['signal fixtures', [join(FIX, 'signals')]],
    ['damaged fixtures', [join(FIX, 'damaged')]],
    ['an archive holding a path twice', [join(FIX, 'damaged/duplicate-member/logs.tar')]],
    ['demo archives', ['bert-scaling-demo.tgz', 'gpt-scaling-demo.tgz', 'resnet50-scaling-demo.tgz'].map((f) => join(ROOT, 'replays', f))],
    ['a directory with a binary log, a CSV and a half-written line', [bad.dir]],
    ['its .tgz', [bad.tgz]],
    ['its .tgz cut short', [bad.cutTgz]],
    ['its .tar cut inside a member', [bad.cutTar]],
    ['its .tar with a flipped header byte', [bad.flippedTar]],
    ['several inputs, one missing', [bad.tgz, join(tmp, 'no-such.log'), join(FIX, 'signals')]],
  ];
  if (existsSync(REAL)) cases.push(['the real logs', [REAL]]);
  for (const [name, args] of cases) {
    it(`${name}: json`, () => {
      const one = cli(['--format', 'json', ...args], '0');
      const two = cli(['--format', 'json', ...args], '1');
      expect(one.out.length).toBeGreaterThan(100);
      expect(two.out).toBe(one.out);
      expect(two.err).toBe(one.err);
      expect(two.code).toBe(one.code);
    });
  }

  it('markdown and csv, and problems printed while reading', () => {
    for (const f of ['md', 'csv']) {
      const one = cli(['--format', f, bad.cutTgz, join(FIX, 'seeds')], '0');
      const two = cli(['--format', f, bad.cutTgz, join(FIX, 'seeds')], '1');
      expect(one.err).toMatch(/truncated|cut short|binary/);
      expect(two).toStrictEqual(one);
    }
  });

  it('stdin (a .tgz piped in) and a --fail-on verdict', () => {
    const input = readFileSync(bad.tgz);
    const one = cli(['--format', 'json', '--fail-on', 'too_short,incomplete', '-'], '0', { input });
    const two = cli(['--format', 'json', '--fail-on', 'too_short,incomplete', '-'], '1', { input });
    expect(one.out.length).toBeGreaterThan(100);
    expect(two).toStrictEqual(one);
  });

  it('-o FILE, and the TypeScript sources (the worker bootstrapped through tsx)', () => {
    const a = join(tmp, 'one.json');
    const b = join(tmp, 'two.json');
    const one = cli(['--format', 'json', '-o', a, bad.tgz], '0');
    const two = cli(['--format', 'json', '-o', b, bad.tgz], '1', { env: { DLPERF_TOP_FROM_SOURCE: '1' } });
    expect(two.code).toBe(one.code);
    expect(two.err).toBe(one.err);
    expect(readFileSync(b, 'utf8')).toBe(readFileSync(a, 'utf8'));
  });

  it('in-process: the worker from the sources, the same text and verdict as this thread', async () => {
    const text = async (worker: boolean) => {
      const problems: string[] = [];
      const files: string[] = [];
      const s = await summarizeToText([bad.cutTgz, join(FIX, 'seeds')], { format: 'json', chart: undefined, failOn: ['binary'] }, { worker, onProblem: (p) => problems.push(JSON.stringify(p)), onFile: (f) => files.push(f) });
      let out = '';
      for await (const p of s.text) out += p;
      const v = await s.verdict();
      await s.close();
      return { out, v, problems, files };
    };
    const [one, two] = [await text(false), await text(true)];
    expect(one.problems.length).toBeGreaterThan(0);
    expect(one.files.length).toBeGreaterThan(3);
    expect(two).toStrictEqual(one);
  });
});
