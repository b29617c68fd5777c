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
  const f = new RemoteFile('/x.log', 'n:/x.log', { lines: (_f, ls: CutLine[]) => got.push(...ls.map((l) => l.text)), note: (_f, msg) => notes.push(msg), binary: () => notes.push('binary') });
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

describe('RemoteFile read that outlives its session', () => {
  it('a read answered after the session was detached and the file resumed on a new one emits nothing (every line once)', async () => {
    const data = Buffer.from('line 1\nline 2\n');
    let release: (() => void) | null = null;
    const slow: RemoteFs = {
      via: 'exec',
      open: async () => ({}),
      size: async () => data.length,
      // The old session's read: answered only once released (after the new session read).
      read: (_h, len, pos) => new Promise((res) => (release = () => res(Buffer.from(data.subarray(pos, pos + len))))),
      close: async () => {},
      readdir: async () => [],
    };
    const fresh: RemoteFs = { ...slow, read: async (_h, len, pos) => Buffer.from(data.subarray(pos, pos + len)) };
    const got: string[] = [];
    const f = new RemoteFile('/x.log', 'n:/x.log', { lines: (_f, ls: CutLine[]) => got.push(...ls.map((l) => l.text)), note: () => {}, binary: () => {} });
    await f.open(slow, 0);
    const inFlight = f.poll(slow);
    await new Promise((r) => setTimeout(r, 5));
    // The connection is declared lost; a new session resumes the file at the same offset.
    f.detach();
    expect(await f.open(fresh, 10)).toBe('resumed');
    await f.poll(fresh);
    release!();
    expect(await inFlight).toEqual({ bytes: 0, more: false });
    await f.poll(fresh);
    expect(got).toEqual(['line 1', 'line 2']);
  });
});

describe('RemoteFile given a size older than its offset', () => {
  it('asks again before reading the file from the start: a stale size is not a truncation (every line once)', async () => {
    const { m, f, got, notes } = await followed();
    m.append('line 3\n');
    // A size from before the lines already read (as the exec size batch gave once after a rotation).
    expect(await f.poll(m.fs, 7)).toEqual({ bytes: 0, more: true });
    await f.poll(m.fs);
    expect(got).toEqual(['line 1', 'line 2', 'line 3']);
    expect(notes.some((n) => /shrank/.test(n))).toBe(false);
  });

  it('a real truncation is still one on the second question: read again from the start, said once', async () => {
    const { m, f, got, notes } = await followed();
    m.set('new\n');
    await f.poll(m.fs, 4);
    await f.poll(m.fs);
    expect(got).toEqual(['line 1', 'line 2', 'new']);
    expect(notes.filter((n) => /shrank from 14 to 4 bytes/.test(n))).toHaveLength(1);
  });
});

describe('RemoteFile whose head is binary data', () => {
  it('gives no lines, says so once, moves past its bytes; text written after a truncation is read', async () => {
    const m = memFs();
    const got: string[] = [];
    const notes: string[] = [];
    const f = new RemoteFile('/x.log', 'n:/x.log', { lines: (_f, ls: CutLine[]) => got.push(...ls.map((l) => l.text)), note: (_f, msg) => notes.push(msg), binary: () => notes.push('binary') });
    // Bytes as a core dump or a checkpoint begins: NULs and invalid UTF-8 among newlines.
    let bytes = Buffer.from(Array.from({ length: 6000 }, (_, i) => (i % 17 === 0 ? 10 : (i * 7919) % 256)));
    const fs: RemoteFs = { ...m.fs, size: async () => bytes.length, read: async (_h, len, pos) => Buffer.from(bytes.subarray(pos, pos + len)) };
    await f.open(fs, 0);
    await f.poll(fs);
    await f.poll(fs);
    expect(got).toEqual([]);
    expect(notes.filter((n) => n === 'binary')).toHaveLength(1);
    expect(f.offset).toBe(bytes.length);
    // Truncated and written again as a log: its head is judged afresh.
    bytes = Buffer.from('ok 1\nok 2\n');
    await f.poll(fs, bytes.length);
    await f.poll(fs);
    expect(got).toEqual(['ok 1', 'ok 2']);
    expect(notes.filter((n) => n === 'binary')).toHaveLength(1);
  });
});

describe('RemoteFile whose path now names a new file that starts as the old one did', () => {
  it('follows the new file (SFTP: no inode; the head alone matched and the new lines were never read)', async () => {
    // Each open gives a handle on the file at the path then; a replaced path keeps the old file behind old handles.
    const files: Buffer[] = [Buffer.from('header\nline 1\n')];
    const fs: RemoteFs = {
      via: 'sftp',
      open: async () => ({ file: files.length - 1 }),
      size: async (h) => files[(h as { file: number }).file]!.length,
      read: async (h, len, pos) => Buffer.from(files[(h as { file: number }).file]!.subarray(pos, pos + len)),
      close: async () => {},
      readdir: async () => [],
    };
    const got: string[] = [];
    const notes: string[] = [];
    const f = new RemoteFile('/x.log', 'n:/x.log', { lines: (_f, ls: CutLine[]) => got.push(...ls.map((l) => l.text)), note: (_f, msg) => notes.push(msg), binary: () => {} });
    await f.open(fs, 0);
    await f.poll(fs);
    // The job restarts: its log removed and written anew, the same first lines, then more.
    files.push(Buffer.from('header\nline 1\nline 2\nline 3\n'));
    await f.checkIdentity(fs, 5000);
    await f.poll(fs);
    expect(got).toEqual(['header', 'line 1', 'header', 'line 1', 'line 2', 'line 3']);
    expect(notes.some((n) => /new file/.test(n))).toBe(true);
  });
});
