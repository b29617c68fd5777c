/**
 * A deterministic streaming tar writer on top of tar-stream (a kept library: POSIX ustar headers,
 * pax extended headers for paths that do not fit ustar's 100-byte name + 155-byte prefix and for
 * non-ASCII paths). This module adds what the archives of this tool need around it:
 *
 * Deterministic: the same entries in the same order give the same bytes — uid/gid 0, empty user and
 * group names, mtime from the caller (default 0), no timestamps of ours anywhere; the archive is
 * padded to whole 10240-byte records like GNU tar and bsdtar. `writeTgz` adds a gzip layer whose
 * header carries mtime 0 and a fixed OS byte, so whole `.tgz` files are byte-identical from run to
 * run (given the same zlib).
 *
 * Member paths are relative: absolute paths (`/x`, `\\x`, `C:x`), `..` segments and NUL bytes are
 * refused with a TarPathError; `.` and empty segments are dropped (`./a//b` → `a/b`).
 *
 * `withTgz` writes through src/shared/safe-output.ts: an exclusive, randomly named temporary file
 * beside the target (never a planted symlink), renamed into place, removed on any failure.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';

/** The header fields given to tar-stream (its published types lag behind v3). */
interface Headers {
  name: string;
  type: 'file' | 'directory';
  size: number;
  mode: number;
  mtime: Date;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
}
import { openAtomic } from '../shared/safe-output.ts';

const BLOCK = 512;
/** GNU/bsdtar default record size (blocking factor 20): the archive is padded to a multiple of it. */
const RECORD = 20 * BLOCK;
const MAX_MTIME_S = 0o77777777777; // the largest mtime an 11-digit octal field holds

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

/** Resolves on 'drain' (or 'error', which the writer records elsewhere), leaving no listener behind. */
function drained(out: NodeJS.WritableStream): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      out.removeListener('drain', done);
      out.removeListener('error', done);
      resolve();
    };
    out.on('drain', done);
    out.on('error', done);
  });
}

export function createTarWriter(out: NodeJS.WritableStream, options: TarWriterOptions = {}): TarWriter {
  let chain: Promise<void> = Promise.resolve();
  let finished = false;
  let failure: Error | undefined;
  let written = 0;
  const pack = tarPack();

  const onError = (err: Error) => {
    failure ??= err;
    pack.destroy(err);
  };
  out.on('error', onError);

  // tar-stream's output into `out`, with backpressure, counting bytes for the record padding.
  const pump = (async () => {
    for await (const chunk of pack as AsyncIterable<Buffer>) {
      if (failure) throw failure;
      written += chunk.length;
      if (!out.write(chunk)) await drained(out);
    }
  })();
  pump.catch((e: unknown) => {
    failure ??= e instanceof Error ? e : new Error(String(e));
  });

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

  const header = (name: string, type: 'file' | 'directory', size: number, opts: TarFileOptions): Headers => ({
    name,
    type,
    size,
    mode: opts.mode ?? (type === 'directory' ? 0o755 : 0o644),
    mtime: new Date(toMtime(opts.mtimeMs) * 1000),
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
  });

  /** One member through tar-stream: chunks written with backpressure, our own size checks first. */
  const member = async (h: Headers, chunks: AsyncIterable<Buffer> | Buffer[] | null) => {
    const sink = pack.entry(h as unknown as Parameters<typeof pack.entry>[0]) as unknown as NodeJS.WritableStream;
    const ended = new Promise<void>((resolve, reject) => {
      sink.on('error', reject);
      sink.on('finish', () => resolve());
      sink.on('close', () => resolve());
    });
    ended.catch(() => undefined);
    try {
      let n = 0;
      for await (const chunk of chunks ?? []) {
        if (failure) throw failure;
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        n += buf.length;
        if (n > h.size) throw new Error(`tar writer: ${h.name} is longer than its declared size ${h.size}`);
        if (!sink.write(buf)) await new Promise<void>((r) => sink.once('drain', () => r()));
      }
      if (n !== h.size) throw new Error(`tar writer: ${h.name} ended after ${n} of ${h.size} bytes`);
    } catch (e) {
      // Nothing half-written may be followed by more members: the whole pack is given up.
      pack.destroy(e as Error);
      throw e;
    }
    sink.end();
    await ended;
    if (failure) throw failure;
  };

  return {
    async addFile(path, data, opts = {}) {
      guard('addFile');
      const name = normalizeTarPath(path);
      const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      return enqueue(() => member(header(name, 'file', body.length, opts), (async function* () {
        if (body.length) yield body;
      })()));
    },

    async addStream(path, size, chunks, opts = {}) {
      guard('addStream');
      const name = normalizeTarPath(path);
      if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`tar writer: bad size ${size} for ${name}`);
      return enqueue(() => member(header(name, 'file', size, opts), chunks));
    },

    async addDirectory(path, opts = {}) {
      guard('addDirectory');
      const name = normalizeTarPath(path) + '/';
      return enqueue(() => member(header(name, 'directory', 0, opts), null));
    },

    async finish() {
      guard('finish');
      finished = true;
      return enqueue(async () => {
        pack.finalize();
        await pump;
        if (failure) throw failure;
        const rest = written % RECORD;
        if (rest) {
          written += RECORD - rest;
          if (!out.write(Buffer.alloc(RECORD - rest))) await drained(out);
        }
        if (options.end !== false) {
          await new Promise<void>((resolve, reject) => {
            out.once('error', reject);
            out.end(() => resolve());
          });
        }
        out.removeListener('error', onError);
      });
    },
  };
}

/**
 * Write a gzip-compressed tar at `path` through `fill`: into an exclusive temporary file beside it,
 * renamed into place, so a reader never sees half an archive and a failure leaves nothing behind.
 */
export async function withTgz<T>(path: string, fill: (tar: TarWriter) => Promise<T>, opts: { level?: number } = {}): Promise<T> {
  const file = openAtomic(path);
  const gzip = createGzip({ level: opts.level ?? 9 });
  const done = pipeline(gzip, fixedGzipHeader(), file.stream);
  done.catch(() => undefined); // handled below; never an unhandled rejection
  try {
    const tar = createTarWriter(gzip);
    const result = await fill(tar);
    await tar.finish();
    await done;
    await file.commit();
    return result;
  } catch (err) {
    gzip.destroy();
    await done.catch(() => undefined);
    await file.abort();
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
  if (s > MAX_MTIME_S) throw new RangeError(`tar writer: mtime ${mtimeMs} out of range`);
  return s;
}

