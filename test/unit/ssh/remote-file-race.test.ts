/**
 * The identity check around a copytruncate must never take the same file for a new one (that
 * read it again from the start, every new line twice; seen on a loaded machine in the sshd
 * copytruncate test): neither when a write lands between its two size questions on a file just
 * emptied, nor when the truncation lands between its head check and its look at the path.
 */
import { describe, expect, it } from 'vitest';
import type { CutLine } from '../../../src/sources/ssh/line-cutter.ts';
import { RemoteFile } from '../../../src/sources/ssh/remote-file.ts';
import type { RemoteFs } from '../../../src/sources/ssh/remote-fs.ts';

/** One in-memory file behind every handle; `afterSize` runs once after the next size() answer. */
function memFs() {
  let data = Buffer.alloc(0);
  let afterSize: (() => void) | null = null;
  let beforeOpen: (() => void) | null = null;
  const fs: RemoteFs = {
    via: 'sftp',
    open: async () => {
      const f = beforeOpen;
      beforeOpen = null;
      f?.();
      return {};
    },
    size: async () => {
      const n = data.length;
      const f = afterSize;
      afterSize = null;
      f?.(); // the writer appends right after this answer
      return n;
    },
    read: async (_h, len, pos) => Buffer.from(data.subarray(pos, pos + len)),
    close: async () => {},
    readdir: async () => [],
  };
  return { fs, set: (s: string) => (data = Buffer.from(s)), append: (s: string) => (data = Buffer.concat([data, Buffer.from(s)])), onNextSize: (f: () => void) => (afterSize = f), onNextOpen: (f: () => void) => (beforeOpen = f) };
}

/** A file of two lines, opened and read. */
async function followed() {
  const m = memFs();
  const got: string[] = [];
  const notes: string[] = [];
  const f = new RemoteFile('/x.log', 'n:/x.log', { lines: (_f, ls: CutLine[]) => got.push(...ls.map((l) => l.text)), note: (_f, msg) => notes.push(msg) });
  m.set('line 1\nline 2\n');
  await f.open(m.fs, 0);
  await f.poll(m.fs);
  return { m, f, got, notes };
}

describe('RemoteFile identity check right after a copytruncate', () => {
  it('a line written between its two size questions does not make the same file look replaced', async () => {
    const { m, f, got, notes } = await followed();
    m.set(''); // copytruncate
    await f.poll(m.fs); // sees the shrink; nothing to read yet
    m.onNextSize(() => m.append('line 3\n'));
    await f.checkIdentity(m.fs, 1000);
    for (let i = 0; i < 3; i++) await f.poll(m.fs);
    expect(got).toEqual(['line 1', 'line 2', 'line 3']);
    expect(notes.some((n) => /new file/.test(n))).toBe(false);
  });

  it('a copytruncate between its head check and its look at the path keeps the file (read once)', async () => {
    const { m, f, got, notes } = await followed();
    // The head under our handle still matches; then, before the path is opened, copytruncate and a new line.
    m.onNextOpen(() => m.set('line 3\n'));
    await f.checkIdentity(m.fs, 1000);
    for (let i = 0; i < 3; i++) await f.poll(m.fs);
    expect(got).toEqual(['line 1', 'line 2', 'line 3']);
    expect(notes.some((n) => /new file/.test(n))).toBe(false);
    expect(notes.some((n) => /truncated/.test(n))).toBe(true);
  });
});
