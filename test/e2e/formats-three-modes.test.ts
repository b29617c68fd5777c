/**
 * One implementation, across every format of test/fixtures/formats/ (#14) with the trust checks of
 * #10: `summary --format json`, `replay --headless --speed max` and `live --headless
 * --exit-when-done` (the real binary) on the same bytes give each run the same throughput (to the
 * last bit), the same method, unit, status and flag kinds.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { liveHeadless, logsUnder } from '../helpers/live-headless.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin/dlperf-top.mjs');
const FORMATS = join(ROOT, 'test/fixtures/formats');

interface RunOut {
  source: string;
  format: string | null;
  throughput: number | null;
  throughput_method: string | null;
  throughput_unit: string | null;
  status: string;
  flags: { kind: string }[];
}

/** What must agree between the modes. */
function essence(r: RunOut) {
  return { format: r.format, throughput: r.throughput, method: r.throughput_method, unit: r.throughput_unit, status: r.status, flags: r.flags.map((f) => f.kind).sort() };
}

function lastSnapshot(out: string): RunOut[] {
  const snaps = out.split('\n').filter((l) => l.startsWith('{"type":"snapshot"'));
  expect(snaps.length).toBeGreaterThan(0);
  return (JSON.parse(snaps.at(-1)!) as { runs: RunOut[] }).runs;
}

const fixtures = readdirSync(FORMATS).filter((d) => statSync(join(FORMATS, d)).isDirectory());

describe('every format: summary, replay and live agree on the same bytes', () => {
  it('has fixtures to compare', () => {
    expect(fixtures.length).toBeGreaterThan(20);
  });

  it.each(fixtures)('%s', async (fx) => {
    const dir = join(FORMATS, fx);
    const s = spawnSync(process.execPath, [BIN, 'summary', '--format', 'json', dir], { cwd: ROOT, encoding: 'utf8' });
    const sum = (JSON.parse(s.stdout) as { runs: RunOut[] }).runs;
    expect(sum.length, s.stderr).toBeGreaterThan(0);
    const r = spawnSync(process.execPath, [BIN, 'replay', '--headless', '--speed', 'max', dir], { cwd: ROOT, encoding: 'utf8' });
    const rep = lastSnapshot(r.stdout);
    const byKey = (runs: RunOut[]) => Object.fromEntries(runs.map((x) => [x.source, essence(x)]));
    expect(byKey(rep), `replay vs summary\n${r.stderr}`).toEqual(byKey(sum));
    // Live reads the files as they are (no archive), as one session of every log of the fixture.
    const l = await liveHeadless(BIN, ROOT, logsUnder(dir));
    const liveRuns = lastSnapshot(l.out);
    // Live names each run by its file path; compare in the order of the summary's sources.
    const bySuffix = (src: string) => liveRuns.find((x) => x.source.endsWith(src) || src.endsWith(x.source));
    for (const want of sum) {
      const got = bySuffix(want.source);
      expect(got, `live has no run for ${want.source}: ${liveRuns.map((x) => x.source).join(', ')}\n${l.err}`).toBeDefined();
      expect(essence(got!), `live vs summary for ${want.source}`).toEqual(essence(want));
    }
  }, 90_000);
});
