/**
 * One implementation, across every format of test/fixtures/formats/ (#14) with the trust checks of
 * #10: `summary --format json`, `replay --headless --speed max` and `live --headless
 * --exit-when-done` (the real binary) on the same bytes give each run the same throughput (to the
 * last bit), the same method, unit, status and flag kinds.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
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

interface FlagOut {
  kind: string;
  file?: string;
  line?: number;
  evidence?: string;
  detail?: string;
}
type RunFlagsOut = Omit<RunOut, 'flags'> & { flags: FlagOut[] };

/**
 * A dllogger progress line damaged the ways a tester met (two ranks' output glued on one line, a
 * TAB, a no-break space): every mode (summary with and without the byte path and in its worker,
 * replay, live) gives the same unreadable_progress flag, on the same file and line, with the same
 * evidence and detail, and the same status and number. Made from committed fixtures, line by line.
 */
describe('a damaged dllogger progress line: every mode says unreadable_progress on the same file and line', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'dlperf-unreadable-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const F = join(ROOT, 'test/fixtures');
  const CASES: { name: string; from: string; line: number; damage: (l: string) => string }[] = [
    { name: 'tf-rn50', from: 'ngc-tf/resnet50/bz128/1n8g/r50_b128_fp32_1.log', line: 52, damage: (l) => `${l}[1,1]<stderr>:2020-08-26 10:01:58.190000: W tensorflow/core/kernels/data/generator_dataset_op.cc:107] Error occurred` },
    { name: 'pt-rn50', from: 'seeds/ngc-pytorch-rn50-amp/pytorch/1n8g/r50_b256_fp16_1.log', line: 73, damage: (l) => `${l}Wed Jun  1 10:54:47 2022[1,3]<stderr>:libibverbs: Warning: no userspace device-specific driver found` },
    { name: 'tf-bert', from: 'ngc-tf/bert/bz32/1n8g/bert_b32_fp16_1.log', line: 55, damage: (l) => l.replace('throughput_train : ', 'throughput_train :\t') },
    { name: 'mxnet', from: 'public/ngc-mxnet-rn50-dll-1n8g.log', line: 332, damage: (l) => l.replace('train.ips : ', 'train.ips :\u00a0') },
  ];
  const files = CASES.map((c) => {
    const lines = readFileSync(join(F, c.from), 'utf8').split('\n');
    lines[c.line - 1] = c.damage(lines[c.line - 1]!);
    const p = join(tmp, c.name, c.from.split('/').slice(-3).join('/'));
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, lines.join('\n'));
    return p;
  });

  /** Per case: the run's status, number and unreadable_progress flags (the file by its path under the case). */
  const view = (runs: RunFlagsOut[]) =>
    CASES.map((c) => {
      const r = runs.find((x) => x.source.includes(`${c.name}/`) || x.flags.some((f) => f.file?.includes(`/${c.name}/`)));
      expect(r, `no run for ${c.name}: ${runs.map((x) => x.source).join(', ')}`).toBeDefined();
      const u = r!.flags.filter((f) => f.kind === 'unreadable_progress').map((f) => ({ ...f, file: f.file?.slice(f.file.indexOf(`${c.name}/`)) }));
      return { name: c.name, status: r!.status, throughput: r!.throughput, flags: u };
    });
  const summary = (env: Record<string, string>) => {
    const s = spawnSync(process.execPath, [BIN, 'summary', '--format', 'json', tmp], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
    return view((JSON.parse(s.stdout) as { runs: RunFlagsOut[] }).runs);
  };

  it('summary (byte path, string path, worker), replay and live agree', async () => {
    const want = summary({});
    CASES.forEach((c, i) => {
      const f = want[i]!.flags;
      expect(f, c.name).toHaveLength(1);
      expect(f[0]!.line, c.name).toBe(c.line);
      expect(f[0]!.file, c.name).toMatch(new RegExp(`^${c.name}/.*\\.log$`));
      expect(f[0]!.detail, c.name).toMatch(/^1 line\(s\) look like dllogger-\S+ progress lines but could not be read/);
    });
    expect(summary({ DLPERF_TOP_BYTE_PATH: '0' }), 'string path').toEqual(want);
    expect(summary({ DLPERF_TOP_WORKER: '1' }), 'worker').toEqual(want);
    const r = spawnSync(process.execPath, [BIN, 'replay', '--headless', '--speed', 'max', tmp], { cwd: ROOT, encoding: 'utf8' });
    expect(view(lastSnapshot(r.stdout) as unknown as RunFlagsOut[]), `replay\n${r.stderr}`).toEqual(want);
    const l = await liveHeadless(BIN, ROOT, files);
    expect(view(lastSnapshot(l.out) as unknown as RunFlagsOut[]), `live\n${l.err}`).toEqual(want);
  }, 120_000);
});
