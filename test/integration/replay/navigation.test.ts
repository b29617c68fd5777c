/**
 * Replay navigation as the screen's keys drive it (issue 15): keys that arrive together add up,
 * `e` holds a run's end with its final numbers, `←` at 0:00 goes back a run, and navigating at
 * max speed shows the chosen run's final numbers instead of playing on through the list.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReplay, type Replay, type ReplayOptions } from '../../../src/pipeline/replay.ts';
import type { SessionSnapshot } from '../../../src/session/types.ts';
import { FakeTime, settle } from '../../helpers/fake-time.ts';
import { summaryFigures } from './helpers.ts';
import { T0, dllLog, write, writeThreeRuns } from './synth.ts';

let dir: string;
let keys: string[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dlperf-replay-nav-'));
  keys = writeThreeRuns(dir).keys;
  // Two more runs after the three: five in all, so three steps have somewhere to go.
  write(dir, 'logs/pytorch/1n1g/r50_b256_amp_2.log', dllLog({ start: T0 + 360_000, worldSize: 1, gapS: 0.32 }));
  write(dir, 'logs/pytorch/1n1g/r50_b256_amp_3.log', dllLog({ start: T0 + 480_000, worldSize: 1, gapS: 0.32 }));
  keys = [...keys, 'logs/pytorch/1n1g/r50_b256_amp_2', 'logs/pytorch/1n1g/r50_b256_amp_3'];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let ft: FakeTime;

/** Until `cond` holds: event-loop turns, moving the fake wall clock 50 ms each turn (the replay plays at its own pace). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 100_000; i++) {
    if (cond()) return;
    await settle(1);
    ft.advance(50);
  }
  throw new Error('condition not reached');
}

function start(o: Partial<ReplayOptions> = {}): { replay: Replay; ends: number[]; done: Promise<unknown> } {
  ft = new FakeTime(5_000_000);
  const ends: number[] = [];
  const replay = createReplay({ inputs: [dir], speed: 10, now: ft.now, schedule: ft.schedule, onRunEnd: (i) => void ends.push(i), ...o });
  return { replay, ends, done: replay.run() };
}

const info = (r: Replay) => r.store.replay!;
/** Indexed, and the first run has begun to play. */
const playing = (r: Replay) => r.store.replay!.runNames.length === 5 && r.store.replay!.position > r.store.replay!.start;
const runOf = (snap: SessionSnapshot, key: string) => snap.runs.find((r) => r.key === key);

describe('replay navigation (fake clock)', () => {
  it('three nextRun calls before the loop takes them move three runs', async () => {
    const s = start();
    await until(() => playing(s.replay));
    expect(info(s.replay).runIndex).toBe(0);
    s.replay.controls.nextRun();
    s.replay.controls.nextRun();
    s.replay.controls.nextRun();
    await until(() => info(s.replay).runIndex !== 0);
    expect(info(s.replay).runIndex).toBe(3);
    await until(() => info(s.replay).finished);
    // runs 1 and 2 were skipped, never played
    expect(s.ends).toEqual([0, 3, 4]);
  });

  it('toEnd holds the run at its end (summary numbers) until nextRun; space plays on', async () => {
    const s = start();
    await until(() => playing(s.replay));
    s.replay.controls.toEnd();
    await until(() => info(s.replay).held === true);
    const want = await summaryFigures([dir]);
    const snap = s.replay.store.flush();
    expect(snap.replay!.runIndex).toBe(0);
    expect(snap.replay!.position).toBe(snap.replay!.end);
    const r0 = runOf(snap, keys[0]!)!;
    expect(r0.phase).toBe('done');
    expect(r0.throughput).toBe(want.get(r0.source));
    // Held for good: many event-loop turns later it is still there, on run 0.
    await settle(200);
    expect(info(s.replay).held).toBe(true);
    expect(info(s.replay).runIndex).toBe(0);
    s.replay.controls.toEnd(); // again: nothing moves
    await settle(50);
    expect(info(s.replay).runIndex).toBe(0);
    s.replay.controls.nextRun();
    await until(() => info(s.replay).runIndex === 1);
    expect(info(s.replay).held).toBeUndefined();
    s.replay.controls.toEnd();
    await until(() => info(s.replay).held === true && info(s.replay).runIndex === 1);
    s.replay.controls.togglePause(); // space while held: play on
    await until(() => info(s.replay).runIndex === 2);
    await until(() => info(s.replay).finished);
    expect(s.ends).toEqual([0, 1, 2, 3, 4]);
  });

  it('seek back at 0:00 goes to the previous run, held at its end; a further seek back replays it', async () => {
    const s = start();
    await until(() => playing(s.replay));
    s.replay.controls.nextRun();
    await until(() => info(s.replay).runIndex === 1);
    s.replay.controls.togglePause();
    s.replay.controls.seek(-10_000); // back to 0:00 of run 1 (it had barely started)
    await until(() => info(s.replay).position === info(s.replay).start || info(s.replay).runIndex === 0);
    if (info(s.replay).runIndex === 1) s.replay.controls.seek(-10_000); // from 0:00: the previous run
    await until(() => info(s.replay).runIndex === 0 && info(s.replay).held === true);
    expect(info(s.replay).position).toBe(info(s.replay).end);
    const r0 = runOf(s.replay.store.flush(), keys[0]!)!;
    expect(r0.phase).toBe('done');
    expect(r0.throughput).toBe((await summaryFigures([dir])).get(r0.source));
    s.replay.controls.seek(-10_000); // held: replay the last 10 s of run 0
    await until(() => info(s.replay).held !== true);
    expect(info(s.replay).runIndex).toBe(0);
    expect(info(s.replay).end - info(s.replay).position).toBeLessThanOrEqual(10_000);
    s.replay.stop();
    await s.done;
  });

  it('at max speed, after the list: prevRun twice shows the run two back at its end, held, with summary numbers', async () => {
    const s = start({ speed: 'max' });
    await until(() => info(s.replay).finished);
    expect(info(s.replay).finished).toBe(true);
    s.replay.controls.prevRun();
    s.replay.controls.prevRun();
    await until(() => info(s.replay).held === true);
    expect(info(s.replay).runNames).toEqual(keys);
    expect(info(s.replay).runIndex).toBe(2);
    const snap = s.replay.store.flush();
    const want = await summaryFigures([dir]);
    for (const r of snap.runs) expect(r.throughput, r.key).toBe(want.get(r.source));
    // nextRun from the hold: the next run, held too (still max speed)
    s.replay.controls.nextRun();
    await until(() => info(s.replay).runIndex === 3 && info(s.replay).held === true);
    s.replay.controls.goToRun(0);
    await until(() => info(s.replay).runIndex === 0 && info(s.replay).held === true);
    s.replay.stop();
  });
});
