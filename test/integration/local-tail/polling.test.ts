/**
 * Polling mode (`--poll`, for NFS/Lustre where inotify sees nothing): chokidar's stat polling
 * finds, follows, rotates and re-creates files on its own (the slow safety checks and re-walks are
 * off here), and no inotify watch is made at all.
 */
import { appendFileSync, mkdirSync, renameSync, unlinkSync, utimesSync, writeFileSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, sleep, waitFor, type Fixture } from './harness.ts';

let fx: Fixture | null = null;
afterEach(async () => {
  await fx?.cleanup();
  fx = null;
});

/** chokidar's polling alone: our own per-file checks and re-walks off. */
const POLL_ONLY = { poll: true, pollMs: 40, checkMs: 600_000, rescanMs: 0 } as const;

const kinds = (): string[] => process.getActiveResourcesInfo();

describe('local tail: polling mode (chokidar)', () => {
  it('polls with stat watchers only: no inotify handle; fs events mode is the other way round', async () => {
    const base = kinds().filter((k) => k === 'FSEventWrap').length;
    const baseStat = kinds().filter((k) => k === 'StatWatcher').length;
    fx = fixture({ patterns: ['nfs/**/*.log'], ...POLL_ONLY });
    mkdirSync(fx.p('nfs', 'node1'), { recursive: true });
    writeFileSync(fx.p('nfs', 'node1', 'a.log'), 'one\n');
    await fx.source.start();
    await waitFor(() => fx!.rec.lines().length === 1, 'the first line');
    expect(kinds().filter((k) => k === 'FSEventWrap').length).toBe(base);
    expect(kinds().filter((k) => k === 'StatWatcher').length).toBeGreaterThanOrEqual(3); // nfs, nfs/node1, a.log
    await fx.cleanup();
    // Stopped: every stat watcher is gone.
    await waitFor(() => kinds().filter((k) => k === 'StatWatcher').length === baseStat, 'stat watchers closed', 2000);

    fx = fixture({ patterns: ['run/*.log'], checkMs: 600_000, rescanMs: 0 });
    mkdirSync(fx.p('run'));
    writeFileSync(fx.p('run', 'a.log'), 'one\n');
    const stat = kinds().filter((k) => k === 'StatWatcher').length;
    await fx.source.start();
    await waitFor(() => fx!.rec.lines().length === 1, 'the first line');
    expect(kinds().filter((k) => k === 'FSEventWrap').length).toBeGreaterThan(base);
    expect(kinds().filter((k) => k === 'StatWatcher').length).toBe(stat);
  });

  it('follows appends, files and directories that appear, rename rotation, deletion and re-creation', async () => {
    fx = fixture({ patterns: ['nfs/**/*.log'], ...POLL_ONLY });
    const { rec, p } = fx;
    mkdirSync(p('nfs'));
    writeFileSync(p('nfs', 'a.log'), 'a1\n');
    writeFileSync(p('nfs', 'notes.txt'), 'not followed\n');
    await fx.source.start();
    await waitFor(() => rec.lines().length === 1, 'the existing line');
    appendFileSync(p('nfs', 'a.log'), 'a2\n');
    mkdirSync(p('nfs', 'node2'));
    writeFileSync(p('nfs', 'node2', 'b.log'), 'b1\n');
    await waitFor(() => rec.texts('nfs/a.log').length === 2 && rec.texts('nfs/node2/b.log').length === 1, 'an append and a file in a new directory', 4000, () => rec.events);
    // Rename rotation: the old name's last lines are read from the open file, the new file from 0.
    appendFileSync(p('nfs', 'a.log'), 'a3\n');
    renameSync(p('nfs', 'a.log'), p('nfs', 'a.log.1'));
    writeFileSync(p('nfs', 'a.log'), 'new1\n');
    await waitFor(() => rec.texts('nfs/a.log').includes('new1'), 'the rotated file', 4000, () => rec.events);
    expect(rec.texts('nfs/a.log')).toEqual(['a1', 'a2', 'a3', 'new1']);
    expect(rec.lines('nfs/a.log').at(-1)).toMatchObject({ lineNo: 1, offset: 0 });
    // Deleted: ended; re-created: followed again from line 1.
    unlinkSync(p('nfs', 'node2', 'b.log'));
    await waitFor(() => rec.statuses('nfs/node2/b.log').at(-1)?.state === 'ended', 'the deleted file ended', 4000, () => rec.statuses('nfs/node2/b.log'));
    writeFileSync(p('nfs', 'node2', 'b.log'), 'again\n');
    await waitFor(() => rec.texts('nfs/node2/b.log').includes('again'), 'the re-created file', 4000, () => rec.events);
    expect(rec.lines('nfs/node2/b.log').at(-1)).toMatchObject({ text: 'again', lineNo: 1 });
    expect(rec.lines().some((l) => l.file.endsWith('notes.txt'))).toBe(false);
  });

  it('sees an append that leaves the mtime where it was (coarse NFS timestamps), file read in between', async () => {
    fx = fixture({ patterns: ['nfs/*.log'], ...POLL_ONLY });
    const { rec, p } = fx;
    mkdirSync(p('nfs'));
    const f = p('nfs', 'a.log');
    writeFileSync(f, 'one\n');
    const t = statSync(f).mtime;
    await fx.source.start();
    await waitFor(() => rec.lines().length === 1, 'the first line');
    // As a filesystem with whole-second mtimes shows two appends in one second: mtime unchanged,
    // atime after it (the tail read the file).
    appendFileSync(f, 'two\n');
    utimesSync(f, new Date(t.getTime() + 5000), t);
    await waitFor(() => rec.texts().length === 2, 'the second line', 4000, () => rec.events);
    appendFileSync(f, 'three\n');
    utimesSync(f, new Date(t.getTime() + 6000), t);
    await waitFor(() => rec.texts().length === 3, 'the third line', 4000, () => rec.events);
    expect(rec.texts()).toEqual(['one', 'two', 'three']);
    await sleep(150);
    expect(rec.texts()).toHaveLength(3);
  });
});
