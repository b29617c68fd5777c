/**
 * Byte streams of input files: plain files and gzip files as `InputFile`s whose `chunks()`
 * stream their (decompressed) bytes, plus the first-bytes helpers used to detect a file's kind
 * (`readHead`, `isGzip`, `gunzipHead`). Stream errors become `InputReadError`s.
 */

import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import type { Stats } from 'node:fs';
import * as fsp from 'node:fs/promises';
import type { Readable } from 'node:stream';
import * as zlib from 'node:zlib';

import { describeStreamError, InputReadError } from './input-problems.ts';
import { meterReader, meterStream } from './read-meter.ts';
import type { InputFile } from './types.ts';
import type { FsPath } from './file-name.ts';

/** Read size for plain files. */
export const READ_CHUNK_BYTES = 256 * 1024;
/** Output chunk size of gunzip streams. */
const GUNZIP_CHUNK_BYTES = 128 * 1024;
/** Decompressed bytes a gunzip stream may hold ahead of its reader. */
const GUNZIP_AHEAD_BYTES = Number(process.env['DLPERF_TOP_GUNZIP_AHEAD'] ?? 1024 * 1024);

/** Yields the chunks of a stream as Buffers; errors become InputReadError; cleans up on exit. */
export async function* streamChunks(stream: NodeJS.ReadableStream | Readable, cleanup?: () => void): AsyncGenerator<Buffer> {
  try {
    for await (const c of stream as AsyncIterable<Buffer | string>) {
      yield typeof c === 'string' ? Buffer.from(c) : c;
    }
  } catch (err) {
    const d = describeStreamError(err);
    throw new InputReadError(d.kind, d.message, err);
  } finally {
    cleanup?.();
  }
}

/** A gunzip stream over a file, errors of both propagated to the gunzip side. */
export function gunzipFile(fullPath: FsPath): { out: zlib.Gunzip; destroy: () => void } {
  const rs = meterStream(createReadStream(fullPath, { highWaterMark: READ_CHUNK_BYTES }));
  // zlib's options reach its Transform: a readable high-water mark of a few output chunks lets the
  // thread pool inflate ahead while the lines of the chunk before are parsed (at the default 16 KiB
  // every 128 KiB chunk stopped inflation until it was read: the two took turns instead of overlapping).
  const gz = zlib.createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES, readableHighWaterMark: GUNZIP_AHEAD_BYTES } as zlib.ZlibOptions);
  rs.on('error', (err) => gz.destroy(err));
  rs.pipe(gz);
  return {
    out: gz,
    destroy: () => {
      rs.unpipe(gz);
      rs.destroy();
      gz.destroy();
    },
  };
}

/**
 * `blocking`: read with synchronous calls (see fileChunksBlocking). Only for a reader that has
 * nothing else to do meanwhile (summary); a screen must not wait on a disk.
 */
export function plainFile(input: string, fullPath: FsPath, displayPath: string, st?: Stats, blocking = false): InputFile {
  return {
    input,
    path: displayPath,
    ...(st?.isFile() ? { size: st.size, mtimeMs: st.mtimeMs } : {}),
    chunks: () => (blocking && st?.isFile() ? fileChunksBlocking(fullPath) : fileChunks(fullPath)),
  };
}

/** Chunks shorter than this are copies (see fileChunks). */
const SHORT_CHUNK = 64 * 1024;

/**
 * A plain file's chunks, read into two buffers used in turn (the next read runs while the
 * consumer splits the chunk before it). A chunk is valid until the consumer asks for the chunk
 * after next: the line reader copies what it keeps (held lines, decoded text), and short chunks
 * (a pipe, a file's last bytes, which the binary check may hold back) are copies anyway. Against
 * a ReadStream (a fresh 256 KiB buffer per read, stream machinery per chunk), this halved the CPU
 * of reading perfset's 300 MiB, and the bytes arrive in a cache-warm buffer.
 */
async function* fileChunks(fullPath: FsPath): AsyncGenerator<Buffer> {
  const meter = { bytesRead: 0 };
  const unmeter = meterReader(meter);
  let fh: fsp.FileHandle | undefined;
  let pending: Promise<{ bytesRead: number }> | undefined;
  const bufs: Buffer[] = [];
  try {
    fh = await fsp.open(fullPath, 'r');
    bufs.push(takeBuffer());
    let k = 0;
    pending = fh.read(bufs[0]!, 0, READ_CHUNK_BYTES, null);
    for (;;) {
      const { bytesRead } = await pending;
      pending = undefined;
      if (bytesRead === 0) break;
      meter.bytesRead += bytesRead;
      const b = bufs[k]!;
      k ^= 1;
      // The second buffer only for a file longer than one read.
      if (k === bufs.length) bufs.push(takeBuffer());
      if (bytesRead < SHORT_CHUNK) {
        const copy = Buffer.from(b.subarray(0, bytesRead));
        pending = fh.read(bufs[k]!, 0, READ_CHUNK_BYTES, null);
        yield copy;
      } else {
        pending = fh.read(bufs[k]!, 0, READ_CHUNK_BYTES, null);
        yield b.subarray(0, bytesRead);
      }
    }
  } catch (err) {
    const d = describeStreamError(err);
    throw new InputReadError(d.kind, d.message, err);
  } finally {
    unmeter();
    // A consumer that stops early leaves a read in flight: let it end before closing the file.
    if (pending) await pending.catch(() => undefined);
    await fh?.close().catch(() => undefined);
    // The consumer is done with every chunk (it asked for the end, or stopped): the next file reuses them.
    for (const b of bufs) giveBuffer(b);
  }
}

/**
 * fileChunks with synchronous reads, for summary on regular files: each asynchronous call is a
 * round trip through the thread pool (≈ 50–100 µs with the wake-up), and a small file cost six of
 * them (stat, open, read the head, close, open, read, read, close): 3,000 small logs spent more
 * time waiting on those than parsing. A read of a cached 256 KiB block costs a few tens of µs
 * either way. Same chunks, same buffers, same contract as fileChunks (a chunk is valid until the
 * chunk after next is asked for).
 */
async function* fileChunksBlocking(fullPath: FsPath): AsyncGenerator<Buffer> {
  const meter = { bytesRead: 0 };
  const unmeter = meterReader(meter);
  let fd = -1;
  const bufs: Buffer[] = [];
  try {
    let k = 0;
    for (let n = 0; ; n++) {
      // Back to the event loop now and then (at each file's start, then every 2 MiB): without an IO
      // wait nothing else would run until the end — timers (the progress bar), signal handlers,
      // stdout's errors, and V8's own GC tasks (without them the heap grew 20–25 % larger).
      if (n % YIELD_EVERY_CHUNKS === 0) await yieldToLoop();
      let bytesRead: number;
      try {
        if (fd < 0) fd = openSync(fullPath, 'r');
        if (k === bufs.length) bufs.push(takeBuffer());
        bytesRead = readSync(fd, bufs[k]!, 0, READ_CHUNK_BYTES, null);
      } catch (err) {
        const d = describeStreamError(err);
        throw new InputReadError(d.kind, d.message, err);
      }
      if (bytesRead === 0) break;
      meter.bytesRead += bytesRead;
      const b = bufs[k]!;
      k ^= 1;
      yield bytesRead < SHORT_CHUNK ? Buffer.from(b.subarray(0, bytesRead)) : b.subarray(0, bytesRead);
    }
  } finally {
    unmeter();
    if (fd >= 0) {
      try {
        closeSync(fd);
      } catch {
        // nothing was written: a failed close loses nothing
      }
    }
    for (const b of bufs) giveBuffer(b);
  }
}

/** Chunks read between two turns of the event loop in fileChunksBlocking (2 MiB). */
const YIELD_EVERY_CHUNKS = 8;
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Read buffers of files that ended, for the next file (files are read one after another: two
 * fresh 256 KiB buffers per file cost 1.5 GB of allocation over 3,000 small logs). A reader that
 * runs alongside another takes new ones.
 */
const spareBuffers: Buffer[] = [];
function takeBuffer(): Buffer {
  return spareBuffers.pop() ?? Buffer.allocUnsafeSlow(READ_CHUNK_BYTES);
}
function giveBuffer(b: Buffer): void {
  if (spareBuffers.length < 2) spareBuffers.push(b);
}

export function gzipFile(input: string, fullPath: FsPath, displayPath: string, st: Stats): InputFile {
  return {
    input,
    path: displayPath,
    mtimeMs: st.mtimeMs,
    chunks: () => {
      const { out, destroy } = gunzipFile(fullPath);
      return streamChunks(out, destroy);
    },
  };
}

export async function readHead(fullPath: FsPath, n: number, blocking = false): Promise<Buffer> {
  if (blocking) {
    const fd = openSync(fullPath, 'r');
    try {
      const buf = Buffer.alloc(n);
      return buf.subarray(0, readSync(fd, buf, 0, n, 0));
    } finally {
      closeSync(fd);
    }
  }
  const fh = await fsp.open(fullPath, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Decompresses the deflate data in a gzip file's first bytes, without the CRC check (a small
 * file's head holds its trailer: a bad CRC must not hide the members; the streaming pass reports
 * it). Returns the output, or an error when even the start cannot be decompressed; `incomplete`
 * when the gzip header itself is longer than the head.
 */
export function gunzipHead(head: Buffer): { data: Buffer; error?: unknown; incomplete?: boolean } {
  const empty = Buffer.alloc(0);
  if (head.length < 10) return { data: empty, incomplete: true };
  if (head[2] !== 8) return { data: empty, error: Object.assign(new Error('unknown compression method'), { code: 'Z_DATA_ERROR' }) };
  const flags = head[3]!;
  let pos = 10;
  if (flags & 4) pos = head.length >= 12 ? pos + 2 + head.readUInt16LE(10) : head.length + 1;
  for (const bit of [8, 16]) {
    if (flags & bit) {
      const z = head.indexOf(0, pos);
      pos = z === -1 ? head.length + 1 : z + 1;
    }
  }
  if (flags & 2) pos += 2;
  if (pos > head.length) return { data: empty, incomplete: true };
  try {
    return { data: zlib.inflateRawSync(head.subarray(pos), { finishFlush: zlib.constants.Z_SYNC_FLUSH }) };
  } catch (err) {
    return { data: empty, error: err };
  }
}

export const isGzip = (head: Buffer): boolean => head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
