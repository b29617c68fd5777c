/**
 * `replay --speed max` reads progress lines through the byte path (pipeline/replay-bytes.ts) and
 * ends exactly as with it off (DLPERF_TOP_BYTE_PATH=0: every line through the string path, as the
 * replay read before): the same NDJSON stream, byte for byte, the same final snapshot, the same log
 * tail of every file. On the demo archives, the golden seeds and fixtures, and random mixes of
 * progress lines, noise and damage (a .tgz and a directory). headless-max.test.ts checks the
 * figures against summary.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { snapshotLine } from '../../../src/report/ndjson.ts';
import { createReplay } from '../../../src/pipeline/replay.ts';
import { replayHeadless } from '../../../src/pipeline/replay-headless.ts';
import { SessionStore } from '../../../src/session/store.ts';
import { randomLog, rng } from '../../helpers/dll-lines.ts';
import { ROOT, sink } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'dlperf-replay-bytes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

async function play(inputs: string[], bytePath: boolean) {
  vi.stubEnv('DLPERF_TOP_BYTE_PATH', bytePath ? '1' : '0');
  const spy = vi.spyOn(SessionStore.prototype, 'progressLines');
  const { out, text } = sink();
  await replayHeadless({ inputs, speed: 'max', out });
  const r = createReplay({ inputs, speed: 'max' });
  await r.run();
  const snap = snapshotLine(r.store.flush());
  const tails = [...r.store.tracks.keys()].sort().map((f) => [f, r.store.tail(f)]);
  r.stop();
  r.store.dispose();
  const byteLines = spy.mock.calls.reduce((a, c) => a + (c[5] as number), 0);
  spy.mockRestore();
  vi.unstubAllEnvs();
  return { ndjson: text(), snap, tails, byteLines };
}

function randomInputs(): string {
  const r = rng(20261203);
  const dir = join(tmp, 'random');
  for (let i = 0; i < 24; i++) {
    const g = [1, 2, 4, 8][i % 4]!;
    const d = join(dir, 'logs', 'pytorch', `1n${g}g`);
    mkdirSync(d, { recursive: true });
    // Long ones too, so that lines straddle read chunks and window strings and tails fill up.
    const n = i % 8 === 0 ? 8000 : 50 + Math.floor(r() * 400);
    writeFileSync(join(d, `r50_b128_amp_${i}.log`), randomLog(r, n, { mutate: i % 3 === 0 ? 0.5 : 0.1 }));
  }
  const bad = join(dir, 'logs', 'pytorch', '1n1g', 'r50_b128_amp_99.log');
  writeFileSync(bad, randomLog(r, 300) + 'DLL 2020-09-15 14:29:18.553769 - Epoch: 0 Iteration: 9\u0000  train.loss : 1  train.total_ips : 2 img/s\n' + 'x'.repeat(70000) + '\n' + randomLog(r, 50) + 'no newline at the end');
  return dir;
}

describe('replay at max speed: byte path on and off end the same', () => {
  const cases: [string, string[]][] = [
    ['demo replays', ['bert-scaling-demo.tgz', 'gpt-scaling-demo.tgz', 'resnet50-scaling-demo.tgz'].map((f) => join(ROOT, 'replays', f))],
    ['golden seeds', [join(ROOT, 'test/fixtures/seeds')]],
    ['signal fixtures', [join(ROOT, 'test/fixtures/signals')]],
  ];
  for (const [name, inputs] of cases) {
    it(name, async () => {
      if (!inputs.every((p) => existsSync(p))) return;
      const fast = await play(inputs, true);
      const slow = await play(inputs, false);
      expect(slow.byteLines).toBe(0);
      expect(fast.byteLines).toBeGreaterThan(0);
      expect(fast.ndjson).toBe(slow.ndjson);
      expect(fast.snap).toBe(slow.snap);
      expect(fast.tails).toStrictEqual(slow.tails);
    });
  }

  it('random mixes of progress lines, noise and damage, as a directory and as a .tgz', async () => {
    const dir = randomInputs();
    const tgz = join(tmp, 'random.tgz');
    execFileSync('tar', ['czf', tgz, '-C', dir, 'logs']);
    for (const inputs of [[dir], [tgz]]) {
      const fast = await play(inputs, true);
      const slow = await play(inputs, false);
      expect(fast.byteLines).toBeGreaterThan(10000);
      expect(fast.ndjson).toBe(slow.ndjson);
      expect(fast.snap).toBe(slow.snap);
      expect(fast.tails).toStrictEqual(slow.tails);
      // A full tail (its character bound reached): lines were pushed out of it.
      expect(fast.tails.some(([, t]) => (t as unknown[]).length >= 1000)).toBe(true);
    }
  });
});
