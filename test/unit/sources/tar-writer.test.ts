import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTarWriter, normalizeTarPath, TarPathError, writeTgz, type TarEntry } from '../../../src/sources/tar-writer.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tar-writer-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const tar = (...args: string[]) => execFileSync('tar', args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' } });

/** 120-character file name: cannot be split into ustar prefix/name, so it needs a pax header. */
const LONG_BASENAME = `${'x'.repeat(110)}_long.log`;
/** 130 characters in total but splittable at a '/' (ustar prefix). */
const LONG_SPLITTABLE = `logs/ngc/pytorch/${'d'.repeat(60)}/4n8g/node3/${'r'.repeat(30)}_amp_1.log`;
const NON_ASCII = 'logs/été/résumé.log';

function sampleEntries(): TarEntry[] {
  const big = Buffer.alloc(70_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
  return [
    { path: 'README.txt', data: 'SYNTHETIC\n', mtimeMs: Date.UTC(2021, 2, 15, 10, 0, 0) },
    { path: 'logs/1n1g/r50_b256_amp_1.log', data: 'DLL 2021-03-15 10:00:00.000001 - Epoch: 0 Iteration: 1\n', mtimeMs: Date.UTC(2021, 2, 15, 10, 1, 5) },
    { path: './logs//empty.log', data: '' },
    { path: `deep/${LONG_BASENAME}`, data: 'pax path\n', mtimeMs: 86_400_000 },
    { path: LONG_SPLITTABLE, data: 'prefix path\n' },
    { path: NON_ASCII, data: 'accents\n' },
    { path: 'bin/run.sh', data: '#!/bin/sh\necho hi\n', mode: 0o755 },
    { path: 'data/big.bin', data: big },
  ];
}

describe('tar-writer', () => {
  it('round-trips through the system tar (list and extract)', async () => {
    const file = path.join(dir, 'a.tgz');
    const entries = sampleEntries();
    await writeTgz(file, entries);

    const listing = tar('--utc', '--full-time', '-tzvf', file);
    const names = tar('--quoting-style=literal', '-tzf', file).split('\n').filter(Boolean);
    expect(names).toEqual([
      'README.txt',
      'logs/1n1g/r50_b256_amp_1.log',
      'logs/empty.log',
      `deep/${LONG_BASENAME}`,
      LONG_SPLITTABLE,
      NON_ASCII,
      'bin/run.sh',
      'data/big.bin',
    ]);
    expect(listing).toMatch(/-rw-r--r-- 0\/0 +10 2021-03-15 10:00:00 README\.txt/);
    expect(listing).toMatch(/-rw-r--r-- 0\/0 +\d+ 2021-03-15 10:01:05 logs\/1n1g\/r50_b256_amp_1\.log/);
    expect(listing).toMatch(/-rwxr-xr-x 0\/0 +18 1970-01-01 00:00:00 bin\/run\.sh/);
    expect(listing).toMatch(new RegExp(`1970-01-02 00:00:00 deep/${LONG_BASENAME}`));

    const out = path.join(dir, 'x');
    execFileSync('mkdir', ['-p', out]);
    tar('-xzf', file, '-C', out);
    for (const e of entries) {
      const p = path.join(out, normalizeTarPath(e.path));
      const want = typeof e.data === 'string' ? Buffer.from(e.data) : e.data;
      expect(readFileSync(p).equals(want), e.path).toBe(true);
    }
    expect(statSync(path.join(out, 'bin/run.sh')).mode & 0o777).toBe(0o755);
    expect(readdirSync(out).sort()).toEqual(['README.txt', 'bin', 'data', 'deep', 'logs']);
  });

  it('is deterministic: the same entries give byte-identical .tgz files', async () => {
    const a = path.join(dir, 'd1.tgz');
    const b = path.join(dir, 'd2.tgz');
    await writeTgz(a, sampleEntries());
    await writeTgz(b, sampleEntries());
    const ba = readFileSync(a);
    const bb = readFileSync(b);
    expect(createHash('sha256').update(ba).digest('hex')).toBe(createHash('sha256').update(bb).digest('hex'));
    // gzip header: magic, deflate, no flags, MTIME 0, OS 3
    expect([...ba.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]);
    expect(ba.readUInt32LE(4)).toBe(0);
    expect(ba[9]).toBe(3);
    // a different mtime changes the bytes (the test can tell archives apart)
    const c = path.join(dir, 'd3.tgz');
    await writeTgz(c, sampleEntries().map((e, i) => (i === 0 ? { ...e, mtimeMs: 0 } : e)));
    expect(readFileSync(c).equals(ba)).toBe(false);
  });

  it('pads the archive to whole 10240-byte records and ends with two zero blocks', async () => {
    const file = path.join(dir, 'p.tgz');
    await writeTgz(file, [{ path: 'a.txt', data: 'a' }]);
    const raw = gunzipSync(readFileSync(file));
    expect(raw.length % 10240).toBe(0);
    expect(raw.subarray(1024, 2048).every((b) => b === 0)).toBe(true);
    expect(raw.subarray(257, 263).toString('latin1')).toBe('ustar\0');
  });

  it('streams a member with addStream and checks its declared size', async () => {
    const sink = new PassThrough();
    const parts: Buffer[] = [];
    sink.on('data', (b: Buffer) => parts.push(b));
    const w = createTarWriter(sink);
    async function* chunks() {
      yield Buffer.from('hello ');
      yield Buffer.from('world\n');
    }
    await w.addStream('s/stream.log', 12, chunks(), { mtimeMs: 1_000_000 });
    await w.addDirectory('empty-dir');
    await w.finish();
    const file = path.join(dir, 's.tar');
    writeFileSync(file, Buffer.concat(parts));
    expect(tar('-tf', file).split('\n').filter(Boolean)).toEqual(['s/stream.log', 'empty-dir/']);
    const out = path.join(dir, 'sx');
    execFileSync('mkdir', ['-p', out]);
    tar('-xf', file, '-C', out);
    expect(readFileSync(path.join(out, 's/stream.log'), 'utf8')).toBe('hello world\n');
    expect(existsSync(path.join(out, 'empty-dir'))).toBe(true);

    const w2 = createTarWriter(new PassThrough().resume());
    await expect(w2.addStream('short.log', 100, chunks())).rejects.toThrow(/ended after 12 of 100 bytes/);
    // a failed member poisons the writer: nothing half-written is followed by more members
    await expect(w2.addFile('next.log', 'x')).rejects.toThrow();
    const w3 = createTarWriter(new PassThrough().resume());
    await expect(w3.addStream('long.log', 3, chunks())).rejects.toThrow(/longer than its declared size 3/);
  });

  it('refuses absolute paths and .. segments', async () => {
    const w = createTarWriter(new PassThrough().resume());
    for (const bad of ['/etc/passwd', '\\evil', 'C:/x', '../up.log', 'a/../../b', 'a\\..\\b', '', './', 'a\0b']) {
      await expect(w.addFile(bad, 'x'), bad).rejects.toBeInstanceOf(TarPathError);
    }
    expect(() => normalizeTarPath('..')).toThrow(TarPathError);
    // names that merely contain dots are fine
    expect(normalizeTarPath('./logs/a..b/v1.2..log')).toBe('logs/a..b/v1.2..log');
    await w.addFile('ok.log', 'ok');
    await w.finish();
    await expect(w.addFile('late.log', 'x')).rejects.toThrow(/after finish/);
  });

  it('waits for drain when the output applies backpressure', async () => {
    let writes = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, cb) {
        writes++;
        setTimeout(cb, 1);
      },
    });
    const w = createTarWriter(slow);
    await w.addFile('big.bin', Buffer.alloc(64 * 1024, 1));
    await w.finish();
    expect(writes).toBeGreaterThanOrEqual(3);
    expect(slow.writableFinished).toBe(true);
  });
});
