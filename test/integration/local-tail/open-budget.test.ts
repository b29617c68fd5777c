/**
 * The local tail's bounded descriptors (local/open-files.ts): idle files are closed ("parked")
 * and reopened on change, the open ones never exceed the budget, and no line is lost or read
 * twice across a park — whether the file grew, was truncated or was rotated meanwhile.
 */
import { appendFileSync, mkdirSync, readdirSync, readlinkSync, renameSync, truncateSync, writeFileSync, readFileSync } from 'node:fs';
import { promises as fsPromises } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { budgetFor } from '../../../src/sources/local/open-files.ts';
import { expectedLines, fixture, sleep, waitFor, type Fixture } from './harness.ts';

let fx: Fixture | null = null;
afterEach(async () => {
  await fx?.cleanup();
  fx = null;
});

/** Descriptors of this process open on files under `dir` (Linux /proc). */
function fdsUnder(dir: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir + '/')) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

describe('local tail: bounded open files', () => {
  it('follows 12 busy files with at most 3 open at once: every line once, in order', async () => {
    fx = fixture({ patterns: ['logs/*.log'], maxOpenFiles: 3, idleCloseMs: 50, now: Date.now, checkMs: 200 });
    const { rec, p, dir } = fx;
    mkdirSync(p('logs'));
    const files = Array.from({ length: 12 }, (_, i) => p('logs', `rank${i}.log`));
    files.forEach((f, i) => writeFileSync(f, `rank ${i} header\n`));
    await fx.source.start();
    let maxFds = fdsUnder(dir);
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < files.length; i++) {
        // Only some files are written each round, half a line at times: the others go idle.
        if ((round + i) % 3 !== 0) continue;
        const line = `rank ${i} step ${round} loss=${(1 / (round + 1)).toFixed(5)}\n`;
        appendFileSync(files[i]!, line.slice(0, 7));
        maxFds = Math.max(maxFds, fdsUnder(dir));
        appendFileSync(files[i]!, line.slice(7));
      }
      await sleep(10);
      maxFds = Math.max(maxFds, fdsUnder(dir));
    }
    for (const f of files) {
      const want = expectedLines(readFileSync(f, 'utf8'));
      const label = f.slice(dir.length + 1);
      await waitFor(() => rec.texts(label).length >= want.length, `${label}: ${want.length} lines`, 8000, () => rec.texts(label).slice(-3));
      expect(rec.texts(label)).toEqual(want);
      expect(rec.lines(label).map((l) => l.lineNo)).toEqual(want.map((_, k) => k + 1));
    }
    expect(maxFds).toBeLessThanOrEqual(3);
    expect(rec.events.filter((e) => e.type === 'problem')).toEqual([]);
  });

  it('an idle file is closed, and read on when it grows, is truncated or is rotated while closed', async () => {
    fx = fixture({ patterns: ['run/train.log'], idleCloseMs: 100, now: Date.now, checkMs: 100 });
    const { rec, p, dir } = fx;
    mkdirSync(p('run'));
    const f = p('run', 'train.log');
    writeFileSync(f, 'one\ntwo\npartial-');
    await fx.source.start();
    await waitFor(() => rec.texts().length === 2, 'the first lines');
    await waitFor(() => fdsUnder(dir) === 0, 'the idle file closed', 3000);

    appendFileSync(f, 'line\nthree\n'); // completes the partial line held while closed
    await waitFor(() => rec.texts().length === 4, 'lines after reopening');
    expect(rec.texts()).toEqual(['one', 'two', 'partial-line', 'three']);
    expect(rec.lines().map((l) => l.offset)).toEqual([0, 4, 8, 21]);

    await waitFor(() => fdsUnder(dir) === 0, 'closed again', 3000);
    truncateSync(f, 0);
    appendFileSync(f, 'after truncate\n');
    await waitFor(() => rec.texts().includes('after truncate'), 'the truncated file read from the start');
    expect(rec.lines().at(-1)?.lineNo).toBe(1);

    await waitFor(() => fdsUnder(dir) === 0, 'closed again', 3000);
    renameSync(f, `${f}.1`);
    writeFileSync(f, 'fresh 1\n');
    await waitFor(() => rec.texts().includes('fresh 1'), 'the rotated name followed');
    expect(rec.texts()).toEqual(['one', 'two', 'partial-line', 'three', 'after truncate', 'fresh 1']);
    expect(rec.statuses('run/train.log').some((s) => /rotated/.test(s.message ?? ''))).toBe(true);
  });

  it('derives the budget from the soft limit, leaving room for everything else', () => {
    expect(budgetFor(256)).toBe(144);
    expect(budgetFor(1024)).toBe(720);
    expect(budgetFor(Infinity)).toBe(2048);
    expect(budgetFor(null)).toBe(144);
    expect(budgetFor(20)).toBe(8);
  });
});

describe('local tail: a parked file that cannot be opened again', () => {
  it('is in error with why (not "renamed away or deleted"), keeps its offset, and reads on once it opens: every line once', async () => {
    fx = fixture({ patterns: ['run/train.log'], idleCloseMs: 100, now: Date.now, checkMs: 100 });
    const { rec, p, dir } = fx;
    mkdirSync(p('run'));
    const f = p('run', 'train.log');
    writeFileSync(f, 'one\ntwo\n');
    await fx.source.start();
    await waitFor(() => rec.texts().length === 2, 'the first lines');
    await waitFor(() => fdsUnder(dir) === 0, 'the idle file parked', 3000);
    // The name cannot be opened now (root ignores mode 000: the open is refused as the kernel would refuse it).
    const realOpen = fsPromises.open;
    const spy = vi.spyOn(fsPromises, 'open').mockImplementation(async (...args: Parameters<typeof realOpen>) => {
      if (String(args[0]) === f) throw Object.assign(new Error(`EACCES: permission denied, open '${f}'`), { code: 'EACCES' });
      return realOpen(...args);
    });
    try {
      appendFileSync(f, 'three\n');
      await waitFor(() => rec.statuses('run/train.log').at(-1)?.state === 'error', 'the error', 3000);
      await sleep(300);
      expect(rec.statuses('run/train.log').at(-1)).toMatchObject({ state: 'error', message: expect.stringMatching(/permission denied/) });
      expect(rec.statuses('run/train.log').some((s) => /renamed|deleted/.test(s.message ?? ''))).toBe(false);
    } finally {
      spy.mockRestore();
    }
    appendFileSync(f, 'four\n');
    await waitFor(() => rec.texts().includes('four'), 'the lines after it opens again');
    expect(rec.texts()).toEqual(['one', 'two', 'three', 'four']);
    expect(rec.statuses('run/train.log').at(-1)?.state).toBe('streaming');
  });
});
