import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { summarize, type SummaryResult } from '../../../src/pipeline/summarize.ts';
import { randomLog, rng } from '../../helpers/dll-lines.ts';

// Summary gives the same result to the last bit with the byte-level progress path on and off:
// on the golden seeds, the fixtures, the real logs, the demo archives, damaged inputs, and
// random mixes of well-formed and mangled lines (the property test).

const fixtures = new URL('../../fixtures/', import.meta.url).pathname;
const repo = new URL('../../../', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'dlperf-bytepath-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function both(inputs: string[]): Promise<[SummaryResult, SummaryResult]> {
  const fast = await summarize(inputs, { bytePath: true });
  const slow = await summarize(inputs, { bytePath: false });
  return [fast, slow];
}

describe('byte path on and off: the same summary', () => {
  const inputs: [string, string[]][] = [
    ['golden seeds', [join(fixtures, 'seeds')]],
    ['public fixture archive', [join(fixtures, 'public')]],
    ['signal fixtures', [join(fixtures, 'signals')]],
    ['demo replays', ['bert-scaling-demo.tgz', 'gpt-scaling-demo.tgz', 'resnet50-scaling-demo.tgz'].map((f) => join(repo, 'replays', f))],
  ];
  if (existsSync('/work/shared/public-log-samples')) inputs.push(['real logs', ['/work/shared/public-log-samples']]);
  for (const [name, args] of inputs) {
    it(name, async () => {
      const [fast, slow] = await both(args);
      expect(fast.runs.length).toBeGreaterThan(0);
      expect(fast).toStrictEqual(slow);
    });
  }

  it('random mixes of progress lines, noise and damage (property test: 60 logs, 3 layouts)', async () => {
    const r = rng(20260313);
    const dir = join(tmp, 'random');
    for (let i = 0; i < 60; i++) {
      const g = [1, 2, 4, 8][i % 4]!;
      const d = join(dir, 'logs', 'pytorch', `1n${g}g`);
      mkdirSync(d, { recursive: true });
      // A few long ones, so that lines straddle read chunks (256 KiB) and window strings (32 KiB).
      const n = i % 10 === 0 ? 6000 : 50 + Math.floor(r() * 400);
      writeFileSync(join(d, `r50_b128_amp_${i}.log`), randomLog(r, n, { mutate: i % 3 === 0 ? 0.5 : 0.1 }));
    }
    // NUL bytes and an over-long line in one file, a binary file, a truncated archive of the lot.
    const bad = join(dir, 'logs', 'pytorch', '1n1g', 'r50_b128_amp_99.log');
    writeFileSync(bad, randomLog(r, 300) + 'DLL 2020-09-15 14:29:18.553769 - Epoch: 0 Iteration: 9\u0000  train.loss : 1  train.total_ips : 2 img/s\n' + 'x'.repeat(70000) + '\n' + randomLog(r, 50));
    writeFileSync(join(dir, 'logs', 'pytorch', '1n1g', 'r50_b128_amp_98.log'), Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) % 256)));
    const [fast, slow] = await both([dir]);
    expect(fast.lines).toBeGreaterThan(20000);
    expect(fast).toStrictEqual(slow);

    const tgz = join(tmp, 'random.tgz');
    execFileSync('tar', ['czf', tgz, '-C', dir, 'logs']);
    const cut = join(tmp, 'random-cut.tgz');
    const all = readFileSync(tgz);
    writeFileSync(cut, all.subarray(0, Math.floor(all.length * 0.6)));
    for (const a of [tgz, cut]) {
      const [f2, s2] = await both([a]);
      expect(f2.runs.length).toBeGreaterThan(0);
      expect(f2).toStrictEqual(s2);
    }
  });
});
