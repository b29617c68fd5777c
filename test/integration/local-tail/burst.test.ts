import fs, { appendFileSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { open } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FileTailer, type TailContext } from '../../../src/sources/local/file-tailer.ts';
import { RenameHandoff } from '../../../src/sources/local/rename-handoff.ts';
import type { SourceEvent } from '../../../src/sources/types.ts';
import { fixture, sleep, waitFor, type Fixture } from './harness.ts';

let fx: Fixture | null = null;
afterEach(async () => {
  vi.restoreAllMocks();
  await fx?.cleanup();
  fx = null;
});

/** Count reads made by anyone in this worker: FileHandle.read (async path) and fs.readSync (local files in fs events mode). */
async function countReads(): Promise<{ readonly n: number }> {
  const probe = await open(import.meta.filename, 'r');
  const proto = Object.getPrototypeOf(probe) as { read: (...a: unknown[]) => unknown };
  await probe.close();
  const spy = vi.spyOn(proto, 'read');
  const sync = vi.spyOn(fs, 'readSync');
  return {
    get n() {
      return spy.mock.calls.length + sync.mock.calls.length;
    },
  };
}

describe('local tail: bursts', () => {
  it('50,000 lines written at once: each received once, in order, in few batches and few reads', async () => {
    fx = fixture({ patterns: ['burst.log'] });
    const { rec, p } = fx;
    writeFileSync(p('burst.log'), 'start\n');
    await fx.source.start();
    await waitFor(() => rec.lines().length === 1, 'the first line');
    const reads = await countReads();
    const callsBefore = rec.lineEmitCalls;
    const N = 50_000;
    let text = '';
    for (let i = 1; i <= N; i++) text += `iter ${i} loss ${(i % 97) / 10} samples/s ${1000 + (i % 13)}\n`;
    appendFileSync(p('burst.log'), text);
    await waitFor(() => rec.lines().length >= N + 1, `${N} lines`, 10_000, () => rec.lines().length);
    await sleep(100);
    const lines = rec.lines().slice(1);
    expect(lines.length).toBe(N);
    for (let i = 0; i < N; i++) {
      const l = lines[i]!;
      if (l.lineNo !== i + 2 || !l.text.startsWith(`iter ${i + 1} `)) {
        throw new Error(`line ${i}: got ${l.lineNo} ${JSON.stringify(l.text)}`);
      }
    }
    expect(lines.map((l) => l.text).join('\n') + '\n').toBe(text);
    const calls = rec.lineEmitCalls - callsBefore;
    // About 2.6 MB in 1 MiB read steps: a handful of batches, not one per line.
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThanOrEqual(10);
    expect(reads.n).toBeLessThan(30);
  });

  it('interleaved small appends between reads: every line once, in order, batched', async () => {
    fx = fixture({ patterns: ['many.log'], readChunkBytes: 64 * 1024 });
    const { rec, p } = fx;
    writeFileSync(p('many.log'), '');
    await fx.source.start();
    const reads = await countReads();
    const rounds = 20;
    const perRound = 100;
    let total = 0;
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < perRound; k++) {
        appendFileSync(p('many.log'), `r${r} k${k} a\nr${r} k${k} b\n`);
        total += 2;
      }
      // Let the watcher deliver events and the tail read between rounds.
      await sleep(10);
    }
    await waitFor(() => rec.lines().length === total, `${total} lines`, 8000, () => rec.lines().length);
    const writes = rounds * perRound;
    expect(rec.lines().map((l) => l.lineNo)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(reads.n).toBeLessThan(writes / 5);
    expect(rec.lineEmitCalls).toBeLessThan(writes / 5);
  });

  it('a burst of 1,000 change notifications for one file causes a couple of reads, not one each', async () => {
    const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'dlperf-tail-')));
    const file = path.join(dir, 'x.log');
    writeFileSync(file, 'l\n'.repeat(5000));
    const events: SourceEvent[] = [];
    let stopped = false;
    const ctx: TailContext = {
      emit: (e) => events.push(...e),
      now: () => 0,
      get stopped() {
        return stopped;
      },
      fromStart: true,
      maxLineBytes: 1 << 20,
      acquireBuffer: async () => Buffer.allocUnsafe(1 << 20),
      releaseBuffer: () => undefined,
      handoff: new RenameHandoff(),
    };
    const t = new FileTailer(ctx, file, 'x.log', 'local', true);
    try {
      const reads = await countReads();
      // What a flood of watcher events does: one schedule() per event, while reads are in flight.
      for (let i = 0; i < 1000; i++) {
        t.schedule();
        if (i % 100 === 0) await new Promise((r) => setImmediate(r));
      }
      await t.current;
      await waitFor(() => events.filter((e) => e.type === 'line').length === 5000, '5000 lines');
      expect(reads.n).toBeLessThanOrEqual(20);
    } finally {
      stopped = true;
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
