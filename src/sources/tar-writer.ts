/**
 * A small deterministic streaming tar writer (POSIX ustar; pax extended headers for paths that do
 * not fit ustar's 100-byte name + 155-byte prefix, for non-ASCII paths and for sizes ≥ 8 GiB).
 *
 * Deterministic: the same entries in the same order give the same bytes — uid/gid 0, empty user and
 * group names, mtime from the caller (default 0), no timestamps of ours anywhere. `writeTgz` adds a
 * gzip layer whose header carries mtime 0 and a fixed OS byte, so whole `.tgz` files are byte-identical
 * from run to run (given the same zlib).
 *
 * Member paths are relative: absolute paths (`/x`, `\x`, `C:x`), `..` segments and NUL bytes are
 * refused with a TarPathError; `.` and empty segments are dropped (`./a//b` → `a/b`).
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

const BLOCK = 512;
/** GNU/bsdtar default record size (blocking factor 20): the archive is padded to a multiple of it. */
const RECORD = 20 * BLOCK;
const MAX_OCTAL_11 = 0o77777777777; // 8 GiB − 1: the largest size/mtime an 11-digit octal field holds

export interface TarFileOptions {
  /** Modification time in ms since the Unix epoch (whole seconds are stored). Default 0. */
  mtimeMs?: number;
  /** Permission bits. Default 0o644 for files, 0o755 for directories. */
  mode?: number;
}

export interface TarEntry extends TarFileOptions {
  path: string;
  data: Buffer | string;
}

export interface TarWriter {
  addFile(path: string, data: Buffer | string, opts?: TarFileOptions): Promise<void>;
  /** Streams a member whose size is known up front; rejects if the chunks add up to another size. */
  addStream(path: string, size: number, chunks: AsyncIterable<Buffer>, opts?: TarFileOptions): Promise<void>;
  addDirectory(path: string, opts?: TarFileOptions): Promise<void>;
  /** Writes the end-of-archive blocks and (unless `end: false` was given) ends the output stream. */
  finish(): Promise<void>;
}

export interface TarWriterOptions {
  /** End `out` in finish() and wait for it to flush. Default true. */
  end?: boolean;
}

export class TarPathError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'TarPathError';
  }
}

/** Validates a member path and returns its normalised form (no leading `./`, no empty segments). */
export function normalizeTarPath(p: string): string {
  if (typeof p !== 'string' || p.length === 0) throw new TarPathError('empty tar member path', String(p));
  if (p.includes('\0')) throw new TarPathError(`tar member path contains a NUL byte: ${JSON.stringify(p)}`, p);
  if (p.startsWith('/') || p.startsWith('\\') || /^[A-Za-z]:/.test(p)) {
    throw new TarPathError(`absolute tar member path refused: ${p}`, p);
  }
  const segments = p.split(/[\\/]+/);
  if (segments.includes('..')) throw new TarPathError(`tar member path with '..' refused: ${p}`, p);
  const kept = segments.filter((s) => s !== '' && s !== '.');
  if (kept.length === 0) throw new TarPathError(`tar member path names no file: ${p}`, p);
  return kept.join('/');
}

export function createTarWriter(out: NodeJS.WritableStream, options: TarWriterOptions = {}): TarWriter {
  let chain: Promise<void> = Promise.resolve();
  let finished = false;
  let failure: Error | undefined;
  let written = 0;

  const onError = (err: Error) => {
    failure ??= err;
  };
  out.on('error', onError);

  const write = async (buf: Buffer): Promise<void> => {
    if (failure) throw failure;
    if (buf.length === 0) return;
    written += buf.length;
    if (!out.write(buf)) await once(out as unknown as NodeJS.EventEmitter, 'drain');
  };

  /** Runs `op` after every earlier operation; a failed operation poisons the writer. */
  const enqueue = (op: () => Promise<void>): Promise<void> => {
    const run = chain.then(async () => {
      if (failure) throw failure;
      try {
        await op();
      } catch (err) {
        failure ??= err instanceof Error ? err : new Error(String(err));
        throw err;
      }
    });
    chain = run.catch(() => undefined);
    return run;
  };

  // Methods are async so that a refused path or a call after finish() is a rejection, not a throw;
  // each enqueues synchronously, so members are written in call order.
  const guard = (what: string) => {
    if (finished) throw new Error(`tar writer: ${what} after finish()`);
  };

  const writeHeaders = async (name: string, type: '0' | '5', size: number, opts: TarFileOptions) => {
    const mode = opts.mode ?? (type === '5' ? 0o755 : 0o644);
    const mtime = toMtime(opts.mtimeMs);
    for (const block of headerBlocks(name, type, size, mode, mtime)) await write(block);
  };

  const padTo = async (size: number) => {
    const rest = size % BLOCK;
    if (rest) await write(Buffer.alloc(BLOCK - rest));
  };

  return {
    async addFile(path, data, opts = {}) {
      guard('addFile');
      const name = normalizeTarPath(path);
      const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      return enqueue(async () => {
        await writeHeaders(name, '0', body.length, opts);
        await write(body);
        await padTo(body.length);
      });
    },

    async addStream(path, size, chunks, opts = {}) {
      guard('addStream');
      const name = normalizeTarPath(path);
      if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`tar writer: bad size ${size} for ${name}`);
      return enqueue(async () => {
        await writeHeaders(name, '0', size, opts);
        let n = 0;
        for await (const chunk of chunks) {
          const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
          n += buf.length;
          if (n > size) throw new Error(`tar writer: ${name} is longer than its declared size ${size}`);
          await write(buf);
        }
        if (n !== size) throw new Error(`tar writer: ${name} ended after ${n} of ${size} bytes`);
        await padTo(size);
      });
    },

    async addDirectory(path, opts = {}) {
      guard('addDirectory');
      const name = normalizeTarPath(path) + '/';
      return enqueue(() => writeHeaders(name, '5', 0, opts));
    },

    async finish() {
      guard('finish');
      finished = true;
      return enqueue(async () => {
        await write(Buffer.alloc(2 * BLOCK));
        const rest = written % RECORD;
        if (rest) await write(Buffer.alloc(RECORD - rest));
        if (options.end !== false) {
          const done = new Promise<void>((resolve, reject) => {
            out.once('error', reject);
            out.end(() => resolve());
          });
          await done;
        }
        out.removeListener('error', onError);
      });
    },
  };
}

/**
 * Write a gzip-compressed tar at `path` through `fill`: into a temporary file renamed into place,
 * so a reader never sees half an archive and a failure leaves nothing behind.
 */
export async function withTgz<T>(path: string, fill: (tar: TarWriter) => Promise<T>, opts: { level?: number } = {}): Promise<T> {
  const tmp = `${path}.tmp-${process.pid}`;
  const gzip = createGzip({ level: opts.level ?? 9 });
  const done = pipeline(gzip, fixedGzipHeader(), createWriteStream(tmp));
  done.catch(() => undefined); // handled below; never an unhandled rejection
  try {
    const tar = createTarWriter(gzip);
    const result = await fill(tar);
    await tar.finish();
    await done;
    await rename(tmp, path);
    return result;
  } catch (err) {
    gzip.destroy();
    await done.catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Writes `entries` as a gzip-compressed tar to `path` (via a temporary file renamed into place). */
export async function writeTgz(
  path: string,
  entries: Iterable<TarEntry> | AsyncIterable<TarEntry>,
  opts: { level?: number } = {},
): Promise<void> {
  await withTgz(
    path,
    async (tar) => {
      for await (const e of entries) await tar.addFile(e.path, e.data, { mtimeMs: e.mtimeMs, mode: e.mode });
    },
    opts,
  );
}

/**
 * Pins the gzip header's MTIME (bytes 4–7) to 0 and its OS byte (9) to 3 (Unix), whatever the zlib
 * build wrote (zlib ≥ 1.2.12 writes 19 on macOS), so the same bytes come out everywhere.
 */
function fixedGzipHeader(): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      if (seen < 10) {
        const buf = Buffer.from(chunk);
        for (let i = 0; i < buf.length && seen + i < 10; i++) {
          const at = seen + i;
          if (at >= 4 && at <= 7) buf[i] = 0;
          if (at === 9) buf[i] = 3;
        }
        seen += chunk.length;
        cb(null, buf);
        return;
      }
      cb(null, chunk);
    },
  });
}

function toMtime(mtimeMs: number | undefined): number {
  if (mtimeMs === undefined) return 0;
  if (!Number.isFinite(mtimeMs) || mtimeMs < 0) throw new RangeError(`tar writer: bad mtime ${mtimeMs}`);
  const s = Math.floor(mtimeMs / 1000);
  if (s > MAX_OCTAL_11) throw new RangeError(`tar writer: mtime ${mtimeMs} out of range`);
  return s;
}

/** The header block(s) of one member: a pax extended header first when ustar cannot hold it. */
function headerBlocks(name: string, type: '0' | '5', size: number, mode: number, mtime: number): Buffer[] {
  const pax: [string, string][] = [];
  let ustarName = name;
  let prefix = '';
  const ascii = /^[\x20-\x7e]*$/.test(name);
  if (!ascii || Buffer.byteLength(name) > 100) {
    const split = ascii ? splitUstar(name) : undefined;
    if (split) {
      [prefix, ustarName] = split;
    } else {
      pax.push(['path', name]);
      ustarName = asciiTail(name, 100);
    }
  }
  if (size > MAX_OCTAL_11) pax.push(['size', String(size)]);

  const blocks: Buffer[] = [];
  if (pax.length > 0) {
    const body = Buffer.from(pax.map(([k, v]) => paxRecord(k, v)).join(''), 'utf8');
    const paxName = asciiTail(`PaxHeader/${name.replace(/\/$/, '').split('/').pop() ?? 'entry'}`, 100);
    blocks.push(ustarHeader(paxName, '', 'x', body.length, 0o644, mtime));
    const padded = Buffer.alloc(Math.ceil(body.length / BLOCK) * BLOCK);
    body.copy(padded);
    blocks.push(padded);
  }
  blocks.push(ustarHeader(ustarName, prefix, type, size > MAX_OCTAL_11 ? 0 : size, mode, mtime));
  return blocks;
}

/** Splits an ASCII path at a `/` into a ustar prefix (≤ 155) and name (≤ 100), if possible. */
function splitUstar(name: string): [string, string] | undefined {
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (prefix.length <= 155 && rest.length > 0 && rest.length <= 100) return [prefix, rest];
    if (prefix.length > 155) return undefined;
  }
  return undefined;
}

function asciiTail(s: string, max: number): string {
  const a = s.replace(/[^\x20-\x7e]/g, '_');
  return a.length <= max ? a : a.slice(a.length - max);
}

/** One pax record, `"<len> <key>=<value>\n"`, where len counts the whole record including itself. */
function paxRecord(key: string, value: string): string {
  const payload = ` ${key}=${value}\n`;
  const base = Buffer.byteLength(payload);
  let len = base + String(base).length;
  if (String(len).length !== String(len - base).length) len = base + String(len).length;
  return `${len}${payload}`;
}

function ustarHeader(name: string, prefix: string, type: '0' | '5' | 'x', size: number, mode: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, mode & 0o7777);
  octal(h, 108, 8, 0); // uid
  octal(h, 116, 8, 0); // gid
  octal(h, 124, 12, size);
  octal(h, 136, 12, mtime);
  h.fill(0x20, 148, 156); // checksum placeholder: spaces
  h.write(type, 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  octal(h, 329, 8, 0); // devmajor
  octal(h, 337, 8, 0); // devminor
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

/** A zero-padded octal number in a field of `len` bytes, NUL-terminated. */
function octal(h: Buffer, off: number, len: number, value: number): void {
  h.write(value.toString(8).padStart(len - 1, '0') + '\0', off, len, 'ascii');
}
