/**
 * Two reads of one remote file in flight at once (an overlapping poll, an identity check's
 * catch-up): a size or bytes taken before the other read moved the position are stale and must
 * not be used — a stale "shrink" read the file again from the start, every line twice (seen on
 * a loaded machine in the sshd copytruncate test).
 */
import { describe, expect, it } from 'vitest';
import type { CutLine } from '../../../src/sources/ssh/line-cutter.ts';
import { RemoteFile } from '../../../src/sources/ssh/remote-file.ts';
import type { RemoteFs, RemoteHandle } from '../../../src/sources/ssh/remote-fs.ts';

/** One in-memory file; `holdSize` makes the next size() answer with the size at call time, later. */
function memFs() {
  let data = Buffer.alloc(0);
  let held: Array<() => void> = [];
  let hold = false;
  const h: RemoteHandle = {};
  const fs: RemoteFs = {
    via: 'sftp',
    open: async () => h,
    size: (): Promise<number> => {
      const now = data.length;
      if (!hold) return Promise.resolve(now);
      hold = false;
      return new Promise((r) => held.push(() => r(now)));
    },
    read: async (_h, len, pos) => Buffer.from(data.subarray(pos, pos + len)),
    close: async () => {},
    readdir: async () => [],
  };
  return {
    fs,
    set: (s: string) => (data = Buffer.from(s)),
    holdNextSize: () => (hold = true),
    release: () => {
      const r = held;
      held = [];
      for (const f of r) f();
    },
  };
}

describe('RemoteFile with overlapping reads', () => {
  it('a size taken before another read restarted the file does not restart it again', async () => {
    const m = memFs();
    const got: string[] = [];
    const notes: string[] = [];
    const f = new RemoteFile('/x.log', 'n:/x.log', { lines: (_f, ls: CutLine[]) => got.push(...ls.map((l) => l.text)), note: (_f, msg) => notes.push(msg) });
    m.set('line 1\nline 2\n');
    await f.open(m.fs, 0);
    await f.poll(m.fs);
    expect(got).toEqual(['line 1', 'line 2']);
    // copytruncate: emptied; a poll asks the size now (0) and its answer comes late.
    m.set('');
    m.holdNextSize();
    const slow = f.poll(m.fs);
    // Meanwhile the writer goes on and another poll sees the shrink and reads the new start.
    m.set('line 3\n');
    await f.poll(m.fs);
    expect(got).toEqual(['line 1', 'line 2', 'line 3']);
    m.release();
    await slow;
    m.set('line 3\nline 4\n');
    await f.poll(m.fs);
    expect(got).toEqual(['line 1', 'line 2', 'line 3', 'line 4']);
    expect(notes.filter((n) => /truncated/.test(n))).toHaveLength(1);
  });
});
