/**
 * `live` sends progress lines of a locked format with a byte parser past the string path
 * (session/fast-line.ts, SessionStore.feedEvent) and must end exactly as with it off
 * (DLPERF_TOP_BYTE_PATH=0: every line through RunSet.line, as live read before): the same NDJSON
 * stream byte for byte (events and every snapshot), the same log tails.
 *
 * A live session reads files that are written while it runs (random mixes of progress lines,
 * noise and damage, a truncation and a rewrite, NUL bytes, an over-long line, UTF-8 text), its
 * source events recorded through the `tap`. Those batches are then fed, in the same order and on
 * the same clock, to two stores, one per path, with snapshots and ticks in between, and the live
 * session's own final snapshot must equal the string path's.
 */
import { appendFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { RunSet } from '../../../src/metrics/run-set.ts';
import { createLive, runPathOf } from '../../../src/pipeline/live.ts';
import { localSourceSpecs } from '../../../src/pipeline/live-sources.ts';
import { attachNdjson } from '../../../src/report/ndjson-presenter.ts';
import { snapshotLine } from '../../../src/report/ndjson.ts';
import { SessionStore } from '../../../src/session/store.ts';
import type { SourceEvent } from '../../../src/sources/types.ts';
import { randomLog, rng } from '../../helpers/dll-lines.ts';
import { sleep, waitFor } from './harness.ts';

const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'dlperf-live-bytes-')));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

/** Null when equal, else the first line that differs (a full diff of megabytes of NDJSON says less). */
function firstDiff(a: string, b: string): string | null {
  if (a === b) return null;
  const x = a.split('\n');
  const y = b.split('\n');
  const k = x.findIndex((l, i) => l !== y[i]);
  const i = k < 0 ? x.length : k;
  return `line ${i + 1} of ${x.length} / ${y.length}:\n${(x[i] ?? '').slice(0, 2000)}\n${(y[i] ?? '').slice(0, 2000)}`;
}

/** The session clock: moved by the test only, so that both stores see the same times. */
let clock = 1_764_000_000_000;
const now = (): number => clock;

/** Logs in a directory layout the run model groups (several runs, several ranks). */
function layout(): { dir: string; files: string[] } {
  const dir = join(tmp, 'logs');
  const files: string[] = [];
  for (let i = 0; i < 12; i++) {
    const g = [1, 2, 4, 8][i % 4]!;
    const d = join(dir, 'pytorch', `1n${g}g`);
    mkdirSync(d, { recursive: true });
    const f = join(d, `r50_b128_amp_${i % 6}${i >= 6 ? '_rank1' : ''}.log`);
    writeFileSync(f, '');
    files.push(f);
  }
  return { dir, files };
}

/** Writes the logs in steps while the session reads them. */
async function write(files: string[], live: { drain(): void; store: SessionStore }): Promise<void> {
  const r = rng(20261204);
  const parts = files.map((_, i) => {
    const n = i % 5 === 0 ? 3000 : 100 + Math.floor(r() * 300);
    const text = randomLog(r, n, { mutate: i % 3 === 0 ? 0.5 : 0.1 });
    // Cut at line ends and mid-line: lines that wait for their newline across reads.
    const cuts = [0.2, 0.45, 0.7, 1].map((q) => Math.floor(text.length * q));
    return { text, cuts };
  });
  const from = parts.map(() => 0);
  for (let step = 0; step < 4; step++) {
    for (let i = 0; i < files.length; i++) {
      const { text, cuts } = parts[i]!;
      appendFileSync(files[i]!, text.slice(from[i], cuts[step]));
      from[i] = cuts[step]!;
    }
    if (step === 1) {
      // Damage: NUL bytes, an over-long line, UTF-8 text around progress lines.
      appendFileSync(files[1]!, '\nDLL 2020-09-15 14:29:18.553769 - Epoch: 0 Iteration: 9\u0000  train.loss : 1  train.total_ips : 2 img/s\n' + 'x'.repeat(70000) + '\n');
      appendFileSync(files[2]!, '\nDLL 2020-09-15 14:29:19.000000 - Epoch: 0 Iteration: 10  train.loss : 1.5  train.total_ips : 2é img/s\nrésumé ✓\n');
    }
    if (step === 2) {
      // copytruncate: the file starts again at line 1.
      await settled(live);
      truncateSync(files[3]!, 0);
      appendFileSync(files[3]!, parts[3]!.text.slice(0, parts[3]!.cuts[1]));
    }
    clock += 1000;
    await settled(live);
  }
}

/** Let the source read what was written (the watcher's events, then a drain). */
async function settled(live: { drain(): void; store: SessionStore }): Promise<void> {
  let last = -1;
  await waitFor(
    () => {
      live.drain();
      let lines = 0;
      for (const t of live.store.tracks.values()) lines += t.lines;
      const same = lines === last;
      last = lines;
      return same && lines > 0;
    },
    'reading to settle',
    10_000,
  );
  await sleep(60);
  live.drain();
}

/** The recorded batches fed to a fresh store with the byte path on or off: its NDJSON and tails. */
async function feed(batches: { events: SourceEvent[]; at: number }[], dir: string, bytePath: boolean, between = true) {
  clock = batches[0]?.at ?? clock;
  const store = new SessionStore({ runSet: new RunSet(), now, clock: 'wall', runPathOf, sources: await localSourceSpecs([dir], process.cwd()), bytePath });
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const nd = attachNdjson(store, out, 'wall');
  batches.forEach((b, k) => {
    clock = b.at;
    store.ingest(b.events);
    if (between && k % 7 === 0) store.tick();
    if (between && k % 5 === 0) nd.snapshot();
  });
  nd.snapshot();
  const tails = [...store.tracks.keys()].sort().map((f) => [f, store.tail(f)]);
  const snap = snapshotLine(store.flush());
  const count = store.fastLines?.count ?? 0;
  store.dispose();
  return { text, tails, snap, count };
}

describe('live: byte path on and off end the same', () => {
  it('a session over files written while it runs', async () => {
    const { dir, files } = layout();
    const batches: { events: SourceEvent[]; at: number }[] = [];
    vi.stubEnv('DLPERF_TOP_BYTE_PATH', '1');
    const live = await createLive({ sources: [dir], now, tap: (events) => batches.push({ events: [...events], at: clock }) });
    expect(live.store.fastLines).not.toBeNull();
    await live.start();
    await write(files, live);
    await live.stop();
    const liveSnap = snapshotLine(live.store.flush());
    const liveFast = live.store.fastLines!.count;
    live.store.dispose();

    const lines = batches.reduce((a, b) => a + b.events.filter((e) => e.type === 'line').length, 0);
    expect(lines).toBeGreaterThan(5000);
    const fast = await feed(batches, dir, true);
    const slow = await feed(batches, dir, false);
    expect(slow.count).toBe(0);
    expect(fast.count).toBeGreaterThan(lines / 4);
    expect(liveFast).toBe(fast.count);
    expect(firstDiff(fast.text, slow.text)).toBeNull();
    expect(fast.tails).toStrictEqual(slow.tails);
    expect(firstDiff(fast.snap, slow.snap)).toBeNull();
    // The session itself (its store fed by the source, not by the test) ends as the string path
    // fed the same batches with nothing in between (as the session had it).
    expect(firstDiff(liveSnap, (await feed(batches, dir, false, false)).snap)).toBeNull();
    console.log(`live byte path test: ${lines} lines in ${batches.length} batches, ${fast.count} through the byte parsers, ${slow.text.split('\n').length} NDJSON lines`);
  }, 60_000);

  it('DLPERF_TOP_BYTE_PATH=0 keeps every line on the string path', async () => {
    vi.stubEnv('DLPERF_TOP_BYTE_PATH', '0');
    const live = await createLive({ sources: [join(tmp, 'none', '*.log')], now });
    expect(live.store.fastLines).toBeNull();
    live.store.dispose();
  });
});
