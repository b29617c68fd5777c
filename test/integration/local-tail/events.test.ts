/**
 * The fs events mode machinery: directory watches only (nothing per file), dirty marks read by one
 * scheduler (coalesced), synchronous reads of local files, and rotation / truncation / deletion
 * driven by the directory events alone (slow checks and re-walks off in every test here), with
 * each directory watcher: the raw fs.watch one (Linux's default) and chokidar (elsewhere's).
 */
import fs, { appendFileSync, closeSync, mkdirSync, openSync, renameSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fixture, sleep, waitFor, type Fixture } from './harness.ts';

let fx: Fixture | null = null;
afterEach(async () => {
  vi.restoreAllMocks();
  await fx?.cleanup();
  fx = null;
});

/** Events only: no slow per-file check, no re-walk. */
const EVENTS_ONLY = { checkMs: 60_000, rescanMs: 0 } as const;

/** Count synchronous (fs.readSync) and asynchronous (FileHandle.read) reads in this worker. */
async function countReads(): Promise<{ readonly sync: number; readonly async: number }> {
  const probe = await open(import.meta.filename, 'r');
  const proto = Object.getPrototypeOf(probe) as { read: (...a: unknown[]) => unknown };
  await probe.close();
  const a = vi.spyOn(proto, 'read');
  const s = vi.spyOn(fs, 'readSync');
  return {
    get sync() {
      return s.mock.calls.length;
    },
    get async() {
      return a.mock.calls.length;
    },
  };
}

const numbered = (prefix: string, from: number, to: number): string => {
  let s = '';
  for (let i = from; i <= to; i++) s += `${prefix} ${i}\n`;
  return s;
};

describe.each(['native', 'chokidar'] as const)('local tail: fs events mode, %s directory watcher', (watcher) => {
  const EV = { ...EVENTS_ONLY, watcher };

  it('reads local files synchronously, coalesces a stream of appends, and reads nothing while files are idle', async () => {
    fx = fixture({ patterns: ['logs/*.log'], ...EV, coalesceMs: 100 });
    const { rec, p } = fx;
    mkdirSync(p('logs'));
    for (let i = 0; i < 20; i++) writeFileSync(p('logs', `idle${i}.log`), 'x\n');
    writeFileSync(p('logs', 'busy.log'), '');
    await fx.source.start();
    await waitFor(() => rec.lines().length === 20, 'the idle files');
    await sleep(50);
    const reads = await countReads();
    // Idle files: no polling of any kind.
    await sleep(300);
    expect(reads.sync + reads.async).toBe(0);
    // 200 appends over about half a second: every line, in order, in far fewer reads.
    const t0 = Date.now();
    for (let i = 1; i <= 200; i++) {
      appendFileSync(p('logs', 'busy.log'), `line ${i}\n`);
      if (i % 4 === 0) await sleep(10);
    }
    const spanMs = Date.now() - t0;
    await waitFor(() => rec.lines('logs/busy.log').length === 200, '200 lines', 5000, () => rec.lines('logs/busy.log').length);
    expect(rec.texts('logs/busy.log')).toEqual(numbered('line', 1, 200).trimEnd().split('\n'));
    expect(rec.lines('logs/busy.log').map((l) => l.lineNo)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(reads.async).toBe(0);
    expect(reads.sync).toBeGreaterThan(0);
    // At most one read per file per 100 ms (plus the last one and a little slack for timers).
    expect(reads.sync).toBeLessThanOrEqual(Math.ceil(spanMs / 100) + 4);
  });

  it('polling mode keeps asynchronous reads', async () => {
    fx = fixture({ patterns: ['nfs/*.log'], poll: true, pollMs: 30 });
    const { rec, p } = fx;
    mkdirSync(p('nfs'));
    writeFileSync(p('nfs', 'a.log'), 'one\n');
    await fx.source.start();
    await waitFor(() => rec.lines().length === 1, 'the first line');
    const reads = await countReads();
    appendFileSync(p('nfs', 'a.log'), 'two\n');
    await waitFor(() => rec.lines().length === 2, 'the appended line');
    // Under load the appended line can come from a poll read issued before the spies were set
    // (still in the thread pool when the line was written): the next polls are counted instead.
    await waitFor(() => reads.async > 0, 'an asynchronous poll read');
    expect(reads.sync).toBe(0);
  });

  it('auto mode polls a file on a network filesystem every pollMs (inotify misses other machines\' writes)', async () => {
    fx = fixture({ patterns: ['nfs/*.log', 'local/*.log'], poll: 'auto', pollMs: 50, ...EV, isLocalFs: async (abs) => !abs.includes('/nfs/') });
    const { rec, p } = fx;
    mkdirSync(p('nfs'));
    mkdirSync(p('local'));
    writeFileSync(p('nfs', 'a.log'), 'one\n');
    writeFileSync(p('local', 'b.log'), 'one\n');
    await fx.source.start();
    await waitFor(() => rec.lines().length === 2, 'both first lines');
    await sleep(100);
    const reads = await countReads();
    await sleep(600);
    // Nothing was written: the network file was looked at about every 50 ms, the local one never.
    expect(reads.async).toBeGreaterThanOrEqual(5);
    expect(reads.sync).toBe(0);
    appendFileSync(p('nfs', 'a.log'), 'two\n');
    await waitFor(() => rec.texts('nfs/a.log').length === 2, 'the appended line');
  });

  it('a followed file is read after appends and rotates (rename, copytruncate, delete, re-create) on directory events alone', async () => {
    fx = fixture({ patterns: ['run/*.log'], ...EV });
    const { rec, p } = fx;
    mkdirSync(p('run'));
    const fd = openSync(p('run', 'train.log'), 'a');
    writeSync(fd, numbered('old', 1, 5));
    await fx.source.start();
    await waitFor(() => rec.lines().length === 5, 'the first lines');
    writeSync(fd, numbered('old', 6, 10));
    await waitFor(() => rec.lines().length === 10, 'appended lines');

    // Rename rotation: the old descriptor is finished, then the new file is read from line 1.
    renameSync(p('run', 'train.log'), p('run', 'train.log.1'));
    writeSync(fd, numbered('old', 11, 12));
    closeSync(fd);
    writeFileSync(p('run', 'train.log'), numbered('new', 1, 3));
    await waitFor(() => rec.lines().length === 15, 'the rotated file', 3000, () => rec.events.slice(-6));
    expect(rec.texts().slice(10)).toEqual(['old 11', 'old 12', 'new 1', 'new 2', 'new 3']);
    expect(rec.lines().slice(12).map((l) => l.lineNo)).toEqual([1, 2, 3]);
    expect(rec.statuses('run/train.log').some((s) => s.message?.startsWith('rotated'))).toBe(true);
    appendFileSync(p('run', 'train.log'), 'new 4\n');
    await waitFor(() => rec.lines().length === 16, 'an append to the new file');

    // copytruncate.
    truncateSync(p('run', 'train.log'), 0);
    appendFileSync(p('run', 'train.log'), 'after truncate\n');
    await waitFor(() => rec.texts().at(-1) === 'after truncate', 'the line after truncation', 3000, () => rec.events.slice(-4));
    expect(rec.lines().at(-1)).toMatchObject({ lineNo: 1, offset: 0 });
    expect(rec.statuses('run/train.log').some((s) => s.message?.startsWith('truncated'))).toBe(true);

    // Deleted: ends. Re-created: followed again from line 1.
    unlinkSync(p('run', 'train.log'));
    await waitFor(() => rec.statuses('run/train.log').at(-1)?.state === 'ended', 'ended', 3000, () => rec.statuses('run/train.log'));
    writeFileSync(p('run', 'train.log'), 'again\n');
    await waitFor(() => rec.texts().at(-1) === 'again', 'the re-created file', 3000, () => rec.events.slice(-4));
    expect(rec.lines().at(-1)).toMatchObject({ lineNo: 1, offset: 0 });
  });

  it('watches directories created after start (nested), and again after one is removed and re-created', async () => {
    fx = fixture({ patterns: ['logs/**/*.log'], ...EV });
    const { rec, p } = fx;
    mkdirSync(p('logs'));
    await fx.source.start();
    mkdirSync(p('logs', 'a', 'b', 'c'), { recursive: true });
    writeFileSync(p('logs', 'a', 'b', 'c', 'x.log'), 'x1\n');
    await waitFor(() => rec.texts().includes('x1'), 'a file in new nested directories', 3000, () => rec.events);
    appendFileSync(p('logs', 'a', 'b', 'c', 'x.log'), 'x2\n');
    await waitFor(() => rec.texts().includes('x2'), 'an append there');

    rmSync(p('logs', 'a'), { recursive: true, force: true });
    await waitFor(() => rec.statuses('logs/a/b/c/x.log').at(-1)?.state === 'ended', 'the removed file ended', 3000, () => rec.statuses());
    mkdirSync(p('logs', 'a', 'b'), { recursive: true });
    writeFileSync(p('logs', 'a', 'b', 'y.log'), 'y1\n');
    await waitFor(() => rec.texts().includes('y1'), 'a file in the re-created directory', 3000, () => rec.events.slice(-6));
    appendFileSync(p('logs', 'a', 'b', 'y.log'), 'y2\n');
    await waitFor(() => rec.texts().includes('y2'), 'an append there');
  });

  it('a renamed directory: its file continues under the new name, every line once', async () => {
    fx = fixture({ patterns: ['logs/**/*.log'], ...EV });
    const { rec, p } = fx;
    mkdirSync(p('logs', 'a'), { recursive: true });
    const fd = openSync(p('logs', 'a', 'x.log'), 'a');
    writeSync(fd, numbered('x', 1, 3));
    await fx.source.start();
    await waitFor(() => rec.lines().length === 3, 'the first lines');
    renameSync(p('logs', 'a'), p('logs', 'b'));
    writeSync(fd, numbered('x', 4, 5));
    // The old name's reader finishes (lines 4-5 may still come under it), then the new name takes over.
    await waitFor(() => rec.statuses('logs/b/x.log').some((s) => s.state === 'streaming'), 'the new name taken over', 3000, () => rec.events.slice(-6));
    expect(rec.statuses('logs/b/x.log').find((s) => s.state === 'streaming')?.message).toMatch(/renamed from logs\/a\/x\.log/);
    writeSync(fd, numbered('x', 6, 6));
    closeSync(fd);
    await waitFor(() => rec.lines().length === 6, 'a later line', 3000, () => rec.events.slice(-6));
    await sleep(100);
    expect(rec.texts()).toEqual(numbered('x', 1, 6).trimEnd().split('\n'));
    expect(rec.lines().map((l) => l.lineNo)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rec.lines().at(-1)!.file).toBe('logs/b/x.log');
    expect(rec.statuses('logs/a/x.log').at(-1)?.state).toBe('connecting');
  });

  it('follows a symlinked file whose target lives outside the watched directories', async () => {
    fx = fixture({ patterns: ['links/*.log'], ...EV });
    const { rec, p } = fx;
    mkdirSync(p('links'));
    mkdirSync(p('elsewhere'));
    writeFileSync(p('elsewhere', 'real.txt'), 'first\n');
    symlinkSync(p('elsewhere', 'real.txt'), p('links', 'node0.log'));
    await fx.source.start();
    await waitFor(() => rec.texts('links/node0.log').length === 1, 'the first line');
    await sleep(50); // the link's own watch is set up just after start
    appendFileSync(p('elsewhere', 'real.txt'), 'second\n');
    await waitFor(() => rec.texts('links/node0.log').length === 2, 'the appended line of the target', 3000, () => rec.events);
    expect(rec.texts('links/node0.log')).toEqual(['first', 'second']);
  });

  it('a burst bigger than the read budget of one round arrives whole and in order', async () => {
    fx = fixture({ patterns: ['big.log'], ...EV, readChunkBytes: 4096 });
    const { rec, p } = fx;
    writeFileSync(p('big.log'), '');
    await fx.source.start();
    const text = numbered('row', 1, 20_000); // ~200 KB: many 4 KiB steps, several rounds
    appendFileSync(p('big.log'), text);
    await waitFor(() => rec.lines().length === 20_000, '20,000 lines', 8000, () => rec.lines().length);
    expect(rec.texts().join('\n') + '\n').toBe(text);
  });
});
