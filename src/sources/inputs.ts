/**
 * The IO edge: turns command-line arguments into files (`enumerateInputs`) and files into
 * batches of lines (`readLines`). Problems with inputs are reported, never thrown.
 *
 * Arguments: `-` is stdin; a directory is walked recursively (sorted by path, symlinked
 * directories not followed); a gzip file (detected by its magic bytes) is gunzipped, and read as
 * a tar archive when its content is one, else as one file; a tar archive (ustar magic or a valid
 * header checksum) is read member by member; anything else is a plain file. Files found inside a
 * directory get the same treatment, with paths relative to the directory argument (archive
 * members inside a directory: `<archive path>/<member path>`).
 */

import { createReadStream } from 'node:fs';
import type { Stats } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as nodePath from 'node:path';
import type { Readable } from 'node:stream';
import * as zlib from 'node:zlib';

import type { InputProblem, LineEvent } from '../core/types.ts';
import { LineSplitter, looksBinary, BINARY_SNIFF_BYTES } from './split-lines.ts';
import type { SplitProblem } from './split-lines.ts';
import { looksLikeTar, MemberCutError, readTar } from './tar-reader.ts';
import type { InputFile, InputItem } from './types.ts';

/** Read size for plain files. */
export const READ_CHUNK_BYTES = 256 * 1024;
/** Output chunk size of gunzip streams. */
const GUNZIP_CHUNK_BYTES = 128 * 1024;
/** How many leading bytes are read to detect the kind of a file. */
const HEAD_BYTES = 4096;

/**
 * An error while streaming a file's bytes, with the problem kind it stands for
 * (`unreadable`, `corrupt_archive`, `truncated_archive`). `readLines` reports it as a problem.
 */
export class InputReadError extends Error {
  readonly kind: InputProblem['kind'];
  override readonly cause: unknown;
  constructor(kind: InputProblem['kind'], message: string, cause?: unknown) {
    super(message);
    this.name = 'InputReadError';
    this.kind = kind;
    this.cause = cause;
  }
}

export interface EnumerateOptions {
  /** Stream read for the argument `-` (default `process.stdin`). */
  stdin?: NodeJS.ReadableStream;
}

const errMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const errCode = (err: unknown): string | undefined =>
  typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
    ? (err as { code: string }).code
    : undefined;

/** Problem kind and sentence for an error from a file or gunzip stream. */
export function describeStreamError(err: unknown): { kind: InputProblem['kind']; message: string } {
  if (err instanceof InputReadError) return { kind: err.kind, message: err.message };
  const code = errCode(err);
  const msg = errMessage(err);
  if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(msg)) {
    return { kind: 'truncated_archive', message: `gzip data ends unexpectedly (${msg})` };
  }
  if (code !== undefined && code.startsWith('Z_')) return { kind: 'corrupt_archive', message: `corrupt gzip data (${msg})` };
  return { kind: 'unreadable', message: `read error: ${msg}` };
}

function openErrorMessage(err: unknown): string {
  switch (errCode(err)) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return errMessage(err);
  }
}

/** Yields the chunks of a stream as Buffers; errors become InputReadError; cleans up on exit. */
async function* streamChunks(stream: NodeJS.ReadableStream | Readable, cleanup?: () => void): AsyncGenerator<Buffer> {
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
function gunzipFile(fullPath: string): { out: zlib.Gunzip; destroy: () => void } {
  const rs = createReadStream(fullPath, { highWaterMark: READ_CHUNK_BYTES });
  const gz = zlib.createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
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

function plainFile(input: string, fullPath: string, displayPath: string, st?: Stats): InputFile {
  return {
    input,
    path: displayPath,
    ...(st?.isFile() ? { size: st.size, mtimeMs: st.mtimeMs } : {}),
    chunks: () => {
      const rs = createReadStream(fullPath, { highWaterMark: READ_CHUNK_BYTES });
      return streamChunks(rs, () => rs.destroy());
    },
  };
}

function gzipFile(input: string, fullPath: string, displayPath: string, st: Stats): InputFile {
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

async function readHead(fullPath: string, n: number): Promise<Buffer> {
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
function gunzipHead(head: Buffer): { data: Buffer; error?: unknown; incomplete?: boolean } {
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

const isGzip = (head: Buffer): boolean => head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;

const problemItem = (problem: InputProblem): InputItem => ({ type: 'problem', problem });

/**
 * Enumerates the files of the command-line arguments. Archive members must be read (or
 * abandoned) before asking for the next item; plain files can be read later, any number of times.
 */
export async function* enumerateInputs(args: string[], opts: EnumerateOptions = {}): AsyncGenerator<InputItem> {
  let stdinUsed = false;
  for (const arg of args) {
    if (arg === '-') {
      if (stdinUsed) {
        yield problemItem({ input: arg, kind: 'skipped', message: 'stdin (-) given more than once; read only once' });
        continue;
      }
      stdinUsed = true;
      const stdin = opts.stdin ?? process.stdin;
      let taken = false;
      yield {
        type: 'file',
        file: {
          input: '-',
          path: '-',
          chunks: () => {
            if (taken) throw new Error('stdin can be read only once');
            taken = true;
            return streamChunks(stdin);
          },
        },
      };
      continue;
    }
    let st: Stats;
    try {
      st = await fsp.stat(arg);
    } catch (err) {
      yield problemItem({ input: arg, kind: 'unreadable', message: `cannot open ${arg}: ${openErrorMessage(err)}` });
      continue;
    }
    if (st.isDirectory()) {
      yield* walkDirectory(arg);
    } else if (st.isFile()) {
      yield* openPath(arg, arg, arg, st, false);
    } else {
      // A pipe or a device (e.g. `<(zcat x.gz)`): stream it as it comes, no detection.
      yield { type: 'file', file: plainFile(arg, arg, arg) };
    }
  }
}

/** Detects the kind of one regular file and yields its file(s) or problems. */
async function* openPath(input: string, fullPath: string, displayPath: string, st: Stats, inDir: boolean): AsyncGenerator<InputItem> {
  const where = inDir ? { file: displayPath } : {};
  let head: Buffer;
  try {
    head = await readHead(fullPath, HEAD_BYTES);
  } catch (err) {
    yield problemItem({ input, ...where, kind: 'unreadable', message: `cannot read ${displayPath}: ${openErrorMessage(err)}` });
    return;
  }
  const lower = fullPath.toLowerCase();
  const gzName = /\.(tgz|gz)$/.test(lower);
  const tarName = lower.endsWith('.tar');
  const memberPrefix = inDir ? `${displayPath}/` : '';

  if (isGzip(head)) {
    const { data: inner, error, incomplete } = gunzipHead(head);
    if (incomplete && st.size <= head.length) {
      yield problemItem({ input, ...where, kind: 'truncated_archive', offset: 0, message: `${displayPath}: gzip data ends inside its header` });
      return;
    }
    if (error !== undefined) {
      yield problemItem({ input, ...where, kind: 'corrupt_archive', offset: 0, message: `${displayPath}: corrupt gzip data (${errMessage(error)})` });
      return;
    }
    const tgzName = /\.(tgz|tar\.gz)$/.test(lower);
    const zeroBlock = inner.length >= 512 && inner.subarray(0, 512).every((b) => b === 0);
    if (looksLikeTar(inner) || (tgzName && (inner.length < 512 || zeroBlock))) {
      const { out, destroy } = gunzipFile(fullPath);
      yield* readArchive(input, memberPrefix, out, destroy);
    } else {
      const path = displayPath.replace(/\.gz$/i, '');
      yield { type: 'file', file: gzipFile(input, fullPath, path || displayPath, st) };
    }
    return;
  }
  if (looksLikeTar(head) || (tarName && head.length >= 512 && head.subarray(0, 512).every((b) => b === 0))) {
    const rs = createReadStream(fullPath, { highWaterMark: READ_CHUNK_BYTES });
    yield* readArchive(input, memberPrefix, rs, () => rs.destroy());
    return;
  }
  if (gzName) {
    yield problemItem({ input, ...where, kind: 'corrupt_archive', offset: 0, message: `${displayPath}: not gzip data` });
    return;
  }
  if (tarName) {
    yield problemItem({
      input,
      ...where,
      kind: 'corrupt_archive',
      offset: 0,
      message: head.length === 0 ? `${displayPath}: empty file, not a tar archive` : `${displayPath}: not a tar archive`,
    });
    return;
  }
  yield { type: 'file', file: plainFile(input, fullPath, displayPath, st) };
}

async function* readArchive(input: string, prefix: string, stream: Readable, destroy: () => void): AsyncGenerator<InputItem> {
  try {
    for await (const item of readTar(stream, { input, describeError: describeStreamError })) {
      if (item.type === 'problem') {
        const p = item.problem;
        yield problemItem(p.file !== undefined ? { ...p, file: prefix + p.file } : prefix ? { ...p, file: prefix.slice(0, -1) } : p);
      } else {
        const member = item;
        yield {
          type: 'file',
          file: { input, path: prefix + member.path, size: member.size, mtimeMs: member.mtimeMs, chunks: () => member.chunks() },
        };
      }
    }
  } finally {
    destroy();
  }
}

interface WalkEntry {
  rel: string;
  full?: string;
  problem?: InputProblem;
}

/** Walks a directory: regular files sorted by relative path; problems in place. */
async function* walkDirectory(arg: string): AsyncGenerator<InputItem> {
  let rootReal: string;
  try {
    rootReal = await fsp.realpath(arg);
  } catch (err) {
    yield problemItem({ input: arg, kind: 'unreadable', message: `cannot open ${arg}: ${openErrorMessage(err)}` });
    return;
  }
  const entries: WalkEntry[] = [];
  const inside = (real: string): boolean => real === rootReal || real.startsWith(rootReal + nodePath.sep);

  const collect = async (dirFull: string, relDir: string): Promise<void> => {
    let dirents;
    try {
      dirents = await fsp.readdir(dirFull, { withFileTypes: true });
    } catch (err) {
      const rel = relDir || '.';
      entries.push({ rel, problem: { input: arg, file: rel, kind: 'unreadable', message: `cannot read directory ${rel}: ${openErrorMessage(err)}` } });
      return;
    }
    for (const ent of dirents) {
      const full = nodePath.join(dirFull, ent.name);
      const rel = relDir ? `${relDir}/${ent.name}` : ent.name;
      if (ent.isDirectory()) {
        await collect(full, rel);
      } else if (ent.isFile()) {
        entries.push({ rel, full });
      } else if (ent.isSymbolicLink()) {
        let real: string;
        let st: Stats;
        try {
          real = await fsp.realpath(full);
          st = await fsp.stat(full);
        } catch (err) {
          entries.push({ rel, problem: { input: arg, file: rel, kind: 'unreadable', message: `broken symlink ${rel}: ${openErrorMessage(err)}` } });
          continue;
        }
        if (st.isDirectory()) {
          const why = inside(real) ? 'points inside the tree (walked there)' : 'points outside the tree';
          entries.push({ rel, problem: { input: arg, file: rel, kind: 'skipped', message: `symlink to a directory ${rel} not followed: it ${why}` } });
        } else if (st.isFile()) {
          if (inside(real)) {
            entries.push({
              rel,
              problem: { input: arg, file: rel, kind: 'skipped', message: `symlink ${rel} skipped: its target ${nodePath.relative(rootReal, real)} is read directly` },
            });
          } else {
            entries.push({ rel, full });
          }
        } else {
          entries.push({ rel, problem: { input: arg, file: rel, kind: 'skipped', message: `${rel} is not a regular file; skipped` } });
        }
      } else {
        entries.push({ rel, problem: { input: arg, file: rel, kind: 'skipped', message: `${rel} is not a regular file; skipped` } });
      }
    }
  };
  await collect(arg, '');
  entries.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));

  for (const e of entries) {
    if (e.problem !== undefined) {
      yield problemItem(e.problem);
      continue;
    }
    let st: Stats;
    try {
      st = await fsp.stat(e.full!);
    } catch (err) {
      yield problemItem({ input: arg, file: e.rel, kind: 'unreadable', message: `cannot open ${e.rel}: ${openErrorMessage(err)}` });
      continue;
    }
    yield* openPath(arg, e.full!, e.rel, st, true);
  }
}

export interface ReadLinesOptions {
  /** Longest line kept, in bytes (default 64 KiB). */
  maxLineBytes?: number;
}

/**
 * Reads a file's lines in batches (one batch per source chunk, `time` 0). Problems
 * (`binary`, `line_too_long`, `partial_line`, and read errors) go to `onProblem`; a file whose
 * start looks binary yields no lines. A partial last line (no final newline) is still delivered,
 * unless the read ended in an error (then it is reported and dropped).
 */
export async function* readLines(
  file: InputFile,
  node: string,
  onProblem: (p: InputProblem) => void,
  opts: ReadLinesOptions = {},
): AsyncGenerator<LineEvent[]> {
  const input = file.input;
  const fpath = file.path;
  const splitter = new LineSplitter({
    ...(opts.maxLineBytes !== undefined ? { maxLineBytes: opts.maxLineBytes } : {}),
    onProblem: (p: SplitProblem) => onProblem({ input, file: fpath, line: p.line, offset: p.offset, kind: p.kind, message: `${fpath}: ${p.message}` }),
  });
  let batch: LineEvent[] = [];
  const sink = (text: string, offset: number, lineNo: number): void => {
    batch.push({ node, file: fpath, offset, lineNo, text, time: 0 });
  };
  // The first bytes are held until there are enough to judge whether the file is binary.
  let head: Buffer[] | null = [];
  let headLen = 0;
  const checkHead = (): Buffer | null => {
    const buf = head!.length === 1 ? head![0]! : Buffer.concat(head!, headLen);
    head = null;
    if (looksBinary(buf)) {
      onProblem({ input, file: fpath, offset: 0, kind: 'binary', message: `${fpath}: binary data, not a text log; skipped` });
      return null;
    }
    return buf;
  };

  let it: AsyncIterator<Buffer>;
  try {
    it = file.chunks()[Symbol.asyncIterator]();
  } catch (err) {
    // e.g. stdin already taken, or an archive member asked for after the enumeration moved on
    const d = describeStreamError(err);
    onProblem({ input, file: fpath, kind: d.kind, message: `${fpath}: ${d.message}` });
    return;
  }
  let done = false;
  let failed = false;
  try {
    for (;;) {
      let r: IteratorResult<Buffer>;
      try {
        r = await it.next();
      } catch (err) {
        done = true;
        failed = true;
        if (err instanceof MemberCutError) break; // the archive reader reports the truncation itself
        const d = describeStreamError(err);
        onProblem({ input, file: fpath, offset: splitter.bytesSeen + headLen, kind: d.kind, message: `${fpath}: ${d.message}` });
        break;
      }
      if (r.done) {
        done = true;
        break;
      }
      let chunk: Buffer = r.value;
      if (head !== null) {
        head.push(chunk);
        headLen += chunk.length;
        if (headLen < BINARY_SNIFF_BYTES) continue;
        const buf = checkHead();
        if (buf === null) return;
        chunk = buf;
      }
      splitter.feed(chunk, sink);
      if (batch.length > 0) {
        const b = batch;
        batch = [];
        yield b;
      }
    }
    if (head !== null && headLen > 0) {
      const buf = checkHead();
      if (buf === null) return;
      splitter.feed(buf, sink);
    }
    const last = splitter.flush();
    if (last !== null) {
      // A file that ended cleanly without a final newline keeps its last line; one cut by a read
      // or archive error does not, because a half-written number must never become a figure.
      if (!failed) batch.push({ node, file: fpath, offset: last.offset, lineNo: last.lineNo, text: last.text, time: 0 });
      onProblem({
        input,
        file: fpath,
        line: last.lineNo,
        offset: last.offset,
        kind: 'partial_line',
        message: failed
          ? `${fpath}: the last line (${last.lineNo}) is cut short (the data ends inside it); dropped`
          : `${fpath}: the last line (${last.lineNo}) has no newline; it may be incomplete`,
      });
    }
    if (batch.length > 0) yield batch;
  } finally {
    if (!done) await it.return?.();
  }
}
