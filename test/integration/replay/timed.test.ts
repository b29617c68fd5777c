/**
 * Timed replay driven by a fake wall clock (no real waiting): pacing, run order, merge of per-node
 * files, phases, controls (pause, speed, seek, next/prev/goTo, toEnd), `from`, memory caps — and
 * that the end numbers always equal summarize()'s.
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
import { megatronNoClock, megatronTwoNodes, T0, write, writeThreeRuns } from './synth.ts';

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
  /** How far the replay clock allowed feeding when the line was fed. */
  due: number;
  /** Fake wall time when it was fed. */
  wall: number;
  run: number;
}

interface Session {
  replay: Replay;
  ft: FakeTime;
  /** Snapshots at every checkpoint, and at each run end (`end: true`). */
  snaps: { pos: number; run: number; end: boolean; snap: SessionSnapshot }[];
  fed: Fed[];
  problems: InputProblem[];
  done: Promise<{ runs: number; final: SessionSnapshot }>;
}

type Hook = (ctx: { pos: number; run: number; replay: Replay; snap: SessionSnapshot; n: number; s: Session }) => void;

function start(inputs: string[], o: Partial<ReplayOptions> & { onCp?: Hook } = {}): Session {
  const ft = new FakeTime(5_000_000);
  const { onCp, ...rest } = o;
  let n = 0;
  const s = { ft, snaps: [], fed: [], problems: [] } as unknown as Session;
  const replay: Replay = createReplay({
    inputs,
    speed: 10,
    now: ft.now,
    schedule: ft.autoSchedule,
    checkpointMs: 1000,
    onProblem: (p) => s.problems.push(p),
    onCheckpoint: (pos) => {
      const snap = replay.store.flush();
      s.snaps.push({ pos, run: snap.replay!.runIndex, end: false, snap });
      onCp?.({ pos, run: snap.replay!.runIndex, replay, snap, n: n++, s });
    },
    onRunEnd: (index) => {
      const snap = replay.store.flush();
      s.snaps.push({ pos: snap.now, run: index, end: true, snap });
    },
    ...rest,
  });
  s.replay = replay;
  const ingest = replay.store.ingest.bind(replay.store);
  replay.store.ingest = (evs: SourceEvent[]) => {
    for (const e of evs) if (e.type === 'line') s.fed.push({ file: e.file, lineNo: e.lineNo, time: e.time, due: replay.clock.due(), wall: ft.nowMs, run: replay.store.replay?.runIndex ?? -1 });
    ingest(evs);
  };
  s.done = replay.run().then((r) => ({ runs: r.runs, final: replay.store.flush() }));
  return s;
}

async function play(inputs: string[], o: Partial<ReplayOptions> & { onCp?: Hook } = {}) {
  const s = start(inputs, o);
  const d = await s.done;
  return { ...s, ...d };
}

/** The replay's figures equal summarize()'s, for the runs whose source passes `keep`. */
async function expectSummaryNumbers(final: SessionSnapshot, inputs: string[], keep: (source: string) => boolean = () => true): Promise<void> {
  const want = new Map([...(await summaryFigures(inputs))].filter(([k]) => keep(k)));
  const got = snapshotFigures(final);
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [src, t] of want) expect(got.get(src), src).toBe(t);
  expect([...want.values()].every((t) => t !== null)).toBe(true);
}

/** Wait (event-loop turns, no timers) until `cond` holds; fails after many turns. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200_000; i++) {
    if (cond()) return;
    await settle(1);
  }
  throw new Error('condition not reached');
}

const dedupe = <T>(xs: T[]) => xs.filter((x, i) => i === 0 || x !== xs[i - 1]);
const phasesOf = (snaps: Session['snaps'], key: string) =>
  dedupe(snaps.map((s) => s.snap.runs.find((r) => r.key === key)?.phase).filter((x): x is NonNullable<typeof x> => x !== undefined));

describe('timed replay (fake clock)', () => {
  it('plays runs in recorded order with phases warmup → measuring → done, ending with summary numbers', async () => {
    const p = await play([dir]);
    expect(p.runs).toBe(3);
    expect(p.final.replay!.runNames).toEqual(keys); // time order, not path order
    expect(p.final.replay!.finished).toBe(true);
    for (const key of keys) expect(phasesOf(p.snaps, key), key).toEqual(['warmup', 'measuring', 'done']);
    // runs end one after another
    expect(p.snaps.filter((s) => s.end).map((s) => s.run)).toEqual([0, 1, 2]);
    await expectSummaryNumbers(p.final, [dir]);
    const s = await summarize([dir]);
    expect(p.final.totals.lines).toBe(s.lines);
  });

  it('feeds a line only once the clock has reached its log time, at most ~20 steps per second', async () => {
    const p = await play([dir], { speed: 5 });
    expect(p.fed.length).toBeGreaterThan(0);
    for (const f of p.fed) expect(f.time).toBeLessThanOrEqual(f.due);
    expect(new Set(p.fed.map((f) => f.wall)).size).toBeGreaterThan(100);
    for (let i = 1; i < p.fed.length; i++) if (p.fed[i]!.run === p.fed[i - 1]!.run) expect(p.fed[i]!.time).toBeGreaterThanOrEqual(p.fed[i - 1]!.time);
    const waits = p.ft.delays.filter((d) => d > 0);
    expect(waits.length).toBeGreaterThan(0);
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(50);
  });

  it('takes about (log span / speed) of wall time', async () => {
    const p = await play([dir], { speed: 10 });
    // three runs of ~43 s of log time each at 10× ≈ 13 s of (fake) wall time
    const wallS = p.ft.waitedMs / 1000;
    expect(wallS).toBeGreaterThan(11);
    expect(wallS).toBeLessThan(15);
    const fast = await play([dir], { speed: 60 });
    expect(fast.ft.waitedMs).toBeLessThan(p.ft.waitedMs / 4);
    await expectSummaryNumbers(fast.final, [dir]);
  });

  it('merges per-node files by log time: the lagging node follows the leading one line by line', async () => {
    const p = await play([dir], { runPattern: /2n8g/ });
    const its = p.fed.filter((f) => f.lineNo > 3 && f.lineNo < 40);
    const order = its.map((f) => (f.file.includes('node1') ? 'a' : 'b')).join('');
    expect(order).toMatch(/^(ab)+/);
    expect(order.slice(0, 20)).toBe('ab'.repeat(10));
    expect(p.final.runs).toHaveLength(1);
    expect(p.final.replay!.pacing).toBe('clock');
    await expectSummaryNumbers(p.final, [dir], (s) => s.includes('2n8g'));
  });

  it('snapshots come every interval of log time while the run plays', async () => {
    const p = await play([dir], { runPattern: /1n1g/ });
    const cps = p.snaps.filter((s) => !s.end).map((s) => s.pos);
    expect(cps.length).toBeGreaterThan(30);
    for (let i = 1; i < cps.length; i++) expect(cps[i]! - cps[i - 1]!).toBe(1000);
    expect(p.snaps[0]!.snap.runs[0]!.phase).toBe('warmup');
    expect(p.snaps[0]!.snap.now).toBe(cps[0]);
    expect(p.snaps[0]!.snap.clock).toBe('replay');
    expect(p.snaps[0]!.snap.now).toBeGreaterThanOrEqual(T0 + 240_000);
  });

  it('pause stops the clock (no wall time spent, nothing fed) until resumed', async () => {
    let checked = false;
    const s = start([dir], {
      runPattern: /1n8g/,
      onCp: ({ n, replay, s }) => {
        if (n !== 5) return;
        replay.controls.togglePause();
        const pos = replay.store.now();
        setImmediate(async () => {
          await settle(5);
          const waited = s.ft.waitedMs;
          const fed = s.fed.length;
          const now = replay.store.now();
          await settle(30);
          expect(replay.store.replay!.paused).toBe(true);
          expect(s.ft.waitedMs).toBe(waited);
          expect(s.fed.length).toBe(fed);
          expect(replay.store.now()).toBe(now);
          expect(now - pos).toBeLessThan(1000);
          checked = true;
          replay.controls.togglePause();
        });
      },
    });
    const d = await s.done;
    expect(checked).toBe(true);
    expect(d.final.replay!.paused).toBe(false);
    await expectSummaryNumbers(d.final, [dir], (x) => x.includes('1n8g'));
  });

  it('faster/slower change the pace mid-run', async () => {
    const slow = await play([dir], { runPattern: /1n1g/, speed: 1 });
    const sped = await play([dir], {
      runPattern: /1n1g/,
      speed: 1,
      onCp: ({ n, replay }) => {
        if (n === 2) {
          replay.controls.faster(); // 2×
          replay.controls.faster(); // 5×
          replay.controls.faster(); // 10×
          expect(replay.store.replay!.speed).toBe(10);
        }
      },
    });
    expect(sped.ft.waitedMs).toBeLessThan(slow.ft.waitedMs / 4);
    await expectSummaryNumbers(sped.final, [dir], (x) => x.includes('1n1g'));
    const maxed = await play([dir], {
      runPattern: /1n1g/,
      speed: 1,
      onCp: ({ n, replay }) => {
        if (n === 2) for (let i = 0; i < 6; i++) replay.controls.faster();
        if (n === 3) replay.controls.slower(); // from max back to 60×: continues from what was shown
      },
    });
    await expectSummaryNumbers(maxed.final, [dir], (x) => x.includes('1n1g'));
    expect(maxed.final.replay!.speed).toBe(60);
  });

  it('seeking back re-plays the run from its start up to the target; the numbers stay right', async () => {
    let before: SessionSnapshot | null = null;
    const p = await play([dir], {
      runPattern: /1n8g/,
      onCp: ({ n, replay, snap }) => {
        if (n === 30) {
          before = snap;
          replay.controls.seek(-20_000);
        }
      },
    });
    expect(before).not.toBeNull();
    const i = p.snaps.findIndex((s) => s.snap === before);
    const after = p.snaps[i + 1]!;
    expect(after.pos).toBeLessThan(p.snaps[i]!.pos);
    expect(after.pos).toBeGreaterThanOrEqual(p.snaps[i]!.pos - 20_000);
    // the store forgot the lines after the target: fewer lines than before the seek
    expect(after.snap.totals.lines).toBeLessThan(before!.totals.lines);
    expect(after.snap.runs[0]!.iteration!).toBeLessThan(before!.runs[0]!.iteration!);
    // lines after the seek's target were fed again from line 1 (instantly)
    const refed = p.fed.filter((f) => f.lineNo === 1);
    expect(refed).toHaveLength(2);
    await expectSummaryNumbers(p.final, [dir], (x) => x.includes('1n8g'));
    const s = await summarize([join(dir, 'logs/pytorch/1n8g')]);
    expect(p.final.totals.lines).toBe(s.lines);
  });

  it('seeking forward feeds the skipped lines at once and goes on from the target', async () => {
    let at = 0;
    const p = await play([dir], {
      runPattern: /1n8g/,
      onCp: ({ n, replay, pos }) => {
        if (n === 3) {
          at = pos;
          replay.controls.seek(15_000);
        }
      },
    });
    const i = p.snaps.findIndex((s) => s.pos === at);
    expect(p.snaps[i + 1]!.pos).toBeGreaterThan(at + 15_000);
    expect(p.snaps[i + 1]!.pos).toBeLessThanOrEqual(at + 16_000);
    await expectSummaryNumbers(p.final, [dir], (x) => x.includes('1n8g'));
  });

  it('nextRun completes the current run instantly (final numbers valid) and moves on', async () => {
    const p = await play([dir], {
      onCp: ({ n, replay, run }) => {
        if (n === 3) {
          expect(run).toBe(0);
          replay.controls.nextRun();
        }
      },
    });
    const ends = p.snaps.filter((s) => s.end);
    expect(ends.map((e) => e.run)).toEqual([0, 1, 2]);
    // right after the jump, run 0 already has its summary figure
    const want = await summaryFigures([dir]);
    const r0 = ends[0]!.snap.runs.find((r) => r.key === keys[0])!;
    expect(r0.throughput).toBe(want.get(r0.source));
    // and the next checkpoint is in run 1
    const firstCpAfter = p.snaps.find((s) => !s.end && s.run === 1);
    expect(firstCpAfter).toBeDefined();
    await expectSummaryNumbers(p.final, [dir]);
  });

  it('toEnd feeds the rest of the run at once and holds its end until nextRun', async () => {
    let held: SessionSnapshot | null = null;
    const p = await play([dir], {
      runPattern: /2n8g|1n8g/,
      onCp: ({ n, replay }) => {
        if (n === 1) {
          replay.controls.toEnd();
          // Held: the run's final numbers stay on screen; the next run does not start by itself.
          void until(() => replay.store.replay?.held === true).then(() => {
            held = replay.store.flush();
            replay.controls.nextRun();
          });
        }
      },
    });
    const cps0 = p.snaps.filter((s) => !s.end && s.run === 0);
    expect(cps0).toHaveLength(2);
    expect(held!.replay!.runIndex).toBe(0);
    expect(held!.replay!.position).toBe(held!.replay!.end);
    expect(held!.runs.find((r) => r.key === held!.replay!.runNames[0])!.phase).toBe('done');
    expect(p.final.replay!.held).toBeUndefined();
    await expectSummaryNumbers(p.final, [dir], (x) => x.includes('2n8g') || x.includes('1n8g'));
  });

  it('prevRun re-plays the previous run from its start (its state reset), then goes on', async () => {
    let done = false;
    const p = await play([dir], {
      onCp: ({ replay, run }) => {
        if (run === 1 && !done) {
          done = true;
          replay.controls.prevRun();
        }
      },
    });
    const ends = p.snaps.filter((s) => s.end).map((s) => s.run);
    expect(ends).toEqual([0, 1, 0, 1, 2]);
    // while run 0 plays again, its line count restarts from zero
    const again = p.snaps.filter((s) => !s.end && s.run === 0);
    const lines = again.map((s) => s.snap.nodes.filter((nv) => nv.run === keys[0]).reduce((a, nv) => a + nv.lines, 0));
    const drop = lines.findIndex((v, i) => i > 0 && v < lines[i - 1]!);
    expect(drop).toBeGreaterThan(0);
    await expectSummaryNumbers(p.final, [dir]);
    const s = await summarize([dir]);
    expect(p.final.totals.lines).toBe(s.lines);
  });

  it('goToRun jumps to any run; skipped runs are not played', async () => {
    const p = await play([dir], {
      onCp: ({ n, replay }) => {
        if (n === 2) replay.controls.goToRun(2);
      },
    });
    expect(p.snaps.filter((s) => s.end).map((s) => s.run)).toEqual([0, 2]);
    expect(p.final.runs.map((r) => r.key).sort()).toEqual([keys[0], keys[2]].sort());
    await expectSummaryNumbers(p.final, [dir], (x) => !x.includes('1n8g'));
  });

  it('navigation after the end re-plays the chosen run', async () => {
    const s = start([dir], { speed: 60 });
    const first = await s.done;
    expect(first.final.replay!.finished).toBe(true);
    const endsBefore = s.snaps.filter((x) => x.end).length;
    s.replay.controls.goToRun(1);
    await until(() => s.replay.store.replay!.finished && s.snaps.filter((x) => x.end).length > endsBefore);
    expect(s.snaps.filter((x) => x.end).slice(endsBefore).map((x) => x.run)).toEqual([1, 2]);
    await expectSummaryNumbers(s.replay.store.flush(), [dir]);
  });

  it('after a fast (max speed) pass, navigation indexes the inputs and re-plays the chosen run with timing', async () => {
    const s = start([dir], { speed: 'max' });
    const first = await s.done;
    expect(first.final.replay!.finished).toBe(true);
    expect(s.snaps.filter((x) => !x.end)).toHaveLength(0); // the fast pass has no timeline, no checkpoints
    s.replay.controls.slower(); // 60×
    s.replay.controls.goToRun(1);
    await until(() => s.replay.store.replay!.finished && s.snaps.some((x) => !x.end));
    expect(s.replay.store.replay!.runNames).toEqual(keys);
    expect(s.snaps.filter((x) => !x.end).length).toBeGreaterThan(10);
    expect(new Set(s.snaps.filter((x) => !x.end).map((x) => x.run))).toEqual(new Set([1, 2]));
    await expectSummaryNumbers(s.replay.store.flush(), [dir]);
  });

  it('from: seconds into the first run, or an absolute log time', async () => {
    const rel = await play([dir], { from: 20 });
    expect(rel.snaps[0]!.pos).toBe(rel.snaps[0]!.snap.replay!.start + 21_000);
    const firstFed = rel.fed.filter((f) => f.run === 0);
    // everything up to 20 s in was fed at once, before the clock started moving
    const early = firstFed.filter((f) => f.time <= rel.snaps[0]!.snap.replay!.start + 20_000);
    expect(early.length).toBeGreaterThan(50);
    expect(early.every((f) => f.wall === firstFed[0]!.wall)).toBe(true);
    expect(firstFed.filter((f) => f.time > rel.snaps[0]!.snap.replay!.start + 21_000).every((f) => f.wall > firstFed[0]!.wall)).toBe(true);
    await expectSummaryNumbers(rel.final, [dir]);

    const abs = await play([dir], { from: (T0 + 125_000) / 1000 });
    expect(abs.snaps.filter((x) => x.end).map((x) => x.run)).toEqual([1, 2]);
    expect(abs.snaps[0]!.pos).toBe(T0 + 126_000 - ((T0 + 126_000 - abs.snaps[0]!.snap.replay!.start) % 1000));
    await expectSummaryNumbers(abs.final, [dir], (x) => !x.includes('2n8g'));
  });

  it('stop() ends the replay early', async () => {
    const s = start([dir], {
      speed: 1,
      onCp: ({ n, replay }) => {
        if (n === 3) replay.stop();
      },
    });
    const d = await s.done;
    expect(s.snaps.filter((x) => !x.end)).toHaveLength(4);
    expect(d.final.replay!.finished).toBe(true);
  });

  it('memory caps: runs too large to hold are re-read, or played file by file (reported); numbers unchanged', async () => {
    // the 2-node run needs ~2 × (bytes + lines × overhead) ≈ 60 KB; the single-file runs half of it
    const p = await play([dir], { memoryCapBytes: 40_000, speed: 60 });
    await expectSummaryNumbers(p.final, [dir]);
    const seq = p.problems.filter((x) => x.kind === 'skipped' && /played one after another/.test(x.message));
    expect(seq).toHaveLength(1);
    expect(seq[0]!.message).toContain('2n8g');
    // played file after file: all of node1's lines before node2's
    const f2 = p.fed.filter((f) => f.run === 0);
    const lastNode1 = f2.map((f) => f.file.includes('node1')).lastIndexOf(true);
    const firstNode2 = f2.findIndex((f) => f.file.includes('node2'));
    expect(lastNode1).toBeLessThan(firstNode2);
    for (let i = 1; i < f2.length; i++) expect(f2[i]!.time).toBeGreaterThanOrEqual(f2[i - 1]!.time);
    const merged = await play([dir], { memoryCapBytes: 100_000, speed: 60 });
    expect(merged.problems.filter((x) => x.kind === 'skipped')).toHaveLength(0);
    await expectSummaryNumbers(merged.final, [dir]);
  });
});

describe('pacing from step times', () => {
  let mdir: string;
  beforeAll(() => {
    mdir = mkdtempSync(join(tmpdir(), 'dlperf-replay-megatron-'));
    write(mdir, 'gpt/1n8g/megatron_lm_perf_1n8g_dp8_mp1_pp1_mbs2_gbs16_l16_hsz1536_ahs16_pretrain_0.log', megatronNoClock(100, 10));
  });
  afterAll(() => rmSync(mdir, { recursive: true, force: true }));

  it('multi-node Megatron: the datetime lines of node 0 place the run in time, the step times of node 1 pace it', async () => {
    const mm = mkdtempSync(join(tmpdir(), 'dlperf-replay-megatron2-'));
    try {
      const base = 'gpt/2n8g/megatron_lm_perf_2n8g_dp16_mp1_pp1_mbs2_gbs32_l16_hsz1536_ahs16_pretrain';
      const late = megatronTwoNodes(T0 + 600_000);
      const early = megatronTwoNodes(T0);
      // path order (r1 < r2) is the opposite of time order
      write(mm, `r1/${base}_0.log`, late.node0);
      write(mm, `r1/${base}_1.log`, late.node1);
      write(mm, `r2/${base}_0.log`, early.node0);
      write(mm, `r2/${base}_1.log`, early.node1);
      const p = await play([mm], { speed: 60 });
      expect(p.final.replay!.runNames.map((k) => k.split('/')[0])).toEqual(['r2', 'r1']);
      const r0 = p.fed.filter((f) => f.run === 0);
      const at = (file: string, line: number) => r0.findIndex((f) => f.file.endsWith(file) && f.lineNo === line);
      const firstIter = at('_1.log', 2);
      const lastIter = at('_1.log', 11);
      expect(at('_0.log', 4)).toBeLessThan(firstIter); // initialized
      expect(at('_0.log', 7)).toBeGreaterThan(lastIter); // training done
      expect(r0.find((f) => f.file.endsWith('_1.log') && f.lineNo === 11)!.time).toBeLessThanOrEqual(early.trainEnd);
      expect(r0.find((f) => f.file.endsWith('_1.log') && f.lineNo === 2)!.time).toBeGreaterThanOrEqual(T0);
      await expectSummaryNumbers(p.final, [mm]);
    } finally {
      rmSync(mm, { recursive: true, force: true });
    }
  });

  it('a Megatron log without datetime lines is paced from latency × iterations and ends with summary numbers', async () => {
    const p = await play([mdir], { speed: 1 });
    expect(p.final.replay!.pacing).toBe('step-times');
    // 100 iterations at ~0.4 s each: ~40 s of (synthetic) log time, played at 1×
    expect(p.final.replay!.end - p.final.replay!.start).toBeGreaterThan(35_000);
    expect(p.ft.waitedMs).toBeGreaterThan(35_000);
    const its = p.fed.filter((f) => f.lineNo >= 8);
    expect(new Set(its.map((f) => f.wall)).size).toBeGreaterThan(5); // spread over time, not all at once
    await expectSummaryNumbers(p.final, [mdir]);
  });
});

describe('timed replay of the demo archives and golden fixtures equals summary', () => {
  const inputs = replayInputs();
  it('has inputs', () => expect(inputs.length).toBeGreaterThan(0));
  it.each(inputs)('$name', async ({ path }) => {
    const p = await play([path], { speed: 60, checkpointMs: 5000 });
    await expectSummaryNumbers(p.final, [path], () => true);
    for (const key of p.final.replay!.runNames) {
      const ph = phasesOf(p.snaps, key);
      expect(ph[ph.length - 1], key).toBe('done');
    }
    // played in recorded order: each run starts no earlier than the one before
    const starts = p.final.replay!.runNames.map((_, i) => p.snaps.find((s) => s.run === i)!.snap.replay!.start);
    for (let i = 1; i < starts.length; i++) expect(starts[i]!, p.final.replay!.runNames[i]).toBeGreaterThanOrEqual(starts[i - 1]!);
  });
});
