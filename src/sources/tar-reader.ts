/**
 * Streaming tar reader (no dependencies). Reads an already decompressed byte stream and yields
 * regular-file members one at a time, each with a `chunks()` stream over its data: nothing is
 * buffered whole, so a member of any size needs only one source chunk of memory.
 *
 * Supported: v7, ustar (with the `prefix` field), GNU (`L` long names, `K` long link names,
 * base-256 sizes), pax (`x` headers: path, size, mtime, linkpath; `g` global headers ignored).
 * Directories are skipped silently; symlinks, hardlinks, devices, FIFOs and unsupported entry
 * types are reported as `skipped` (never followed). Paths are normalised (`./a//b` → `a/b`);
 * absolute paths and paths with `..` components are reported as `unsafe_path` and their data
 * skipped. A bad header checksum is reported as `corrupt_archive` (with the header's byte
 * offset) and ends the reading; a stream that ends inside a header or a member is reported as
 * `truncated_archive` naming the member and the number of bytes missing. Members yielded before
 * a problem stay valid.
 *
 * Errors thrown by the source (e.g. a gunzip error) are caught: they end the stream, and are
 * reported through `describeError` (default: `corrupt_archive`).
 */

import type { InputProblem } from '../core/types.ts';

/** A regular-file member. Its data must be read (or abandoned) before the reader moves on. */
export interface TarMember {
  readonly type: 'file';
  /** Normalised member path. */
  readonly path: string;
  /** Data size in bytes. */
  readonly size: number;
  /** Modification time in ms. */
  readonly mtimeMs: number;
  /** Byte offset of the member's (first) header in the archive stream. */
  readonly offset: number;
  /**
   * The member's data, streamed. Callable once, and only before the reader is asked for the
   * next item; abandoning it early (`break`/`return()`) is fine: the reader skips the rest. If
   * the archive ends early the stream ends early, and the reader then yields `truncated_archive`.
   */
  chunks(): AsyncIterable<Buffer>;
}

export interface TarProblemItem {
  readonly type: 'problem';
  readonly problem: InputProblem;
}

export type TarItem = TarMember | TarProblemItem;

export interface TarReaderOptions {
  /** The input argument, copied into problems. Default ''. */
  input?: string;
  /** Turns an error thrown by the source into a problem kind and a sentence. */
  describeError?: (err: unknown) => { kind: InputProblem['kind']; message: string };
  /** Largest GNU long-name or pax header accepted, in bytes. Default 1 MiB. */
  maxMetaBytes?: number;
  /** How many bytes after the end-of-archive blocks are read (to surface source errors). Default 1 MiB. */
  maxTrailingBytes?: number;
}

const BLOCK = 512;

type AnyChunk = Buffer | Uint8Array | string;

function toBuffer(c: AnyChunk): Buffer {
  if (Buffer.isBuffer(c)) return c;
  if (typeof c === 'string') return Buffer.from(c);
  return Buffer.from(c.buffer, c.byteOffset, c.byteLength);
}

/** Pull-based reader over an async iterable of chunks; a source error ends it (kept in `error`). */
class ByteReader {
  private readonly it: AsyncIterator<AnyChunk>;
  private cur: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Absolute offset of the next unread byte. */
  offset = 0;
  eof = false;
  error: unknown = undefined;
  private closed = false;

  constructor(source: AsyncIterable<AnyChunk>) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    while (this.pos >= this.cur.length) {
      if (this.eof) return false;
      let r: IteratorResult<AnyChunk>;
      try {
        r = await this.it.next();
      } catch (err) {
        this.error = err;
        this.eof = true;
        this.closed = true; // a throwing iterator is finished
        return false;
      }
      if (r.done) {
        this.eof = true;
        this.closed = true;
        return false;
      }
      this.cur = toBuffer(r.value);
      this.pos = 0;
    }
    return true;
  }

  /** Next piece of at most `max` bytes (a view into the source chunk), or null at the end. */
  async next(max: number): Promise<Buffer | null> {
    if (!(await this.fill())) return null;
    const take = Math.min(max, this.cur.length - this.pos);
    const b = this.cur.subarray(this.pos, this.pos + take);
    this.pos += take;
    this.offset += take;
    return b;
  }

  /** Reads `n` bytes into one buffer; shorter only at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    if (n === 0) return Buffer.alloc(0);
    if (!(await this.fill())) return Buffer.alloc(0);
    if (this.cur.length - this.pos >= n) {
      const b = this.cur.subarray(this.pos, this.pos + n);
      this.pos += n;
      this.offset += n;
      return b;
    }
    const out = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const piece = await this.next(n - got);
      if (piece === null) break;
      piece.copy(out, got);
      got += piece.length;
    }
    return got === n ? out : out.subarray(0, got);
  }

  /** Skips `n` bytes; returns how many were skipped (fewer only at the end). */
  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      const piece = await this.next(left);
      if (piece === null) break;
      left -= piece.length;
    }
    return n - left;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.it.return?.();
    } catch {
      // the source is going away anyway
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Header fields

function cstring(buf: Buffer, start: number, len: number): string {
  let end = buf.indexOf(0, start);
  if (end === -1 || end > start + len) end = start + len;
  return buf.toString('utf8', start, end);
}

/** Parses an octal (or GNU base-256) numeric field; NaN when malformed. */
export function parseNumeric(buf: Buffer, start: number, len: number): number {
  const first = buf[start]!;
  if (first & 0x80) {
    if (first === 0xff) return NaN; // negative: not meaningful for sizes/times we use
    let v = first & 0x7f;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + buf[i]!;
    return v;
  }
  let i = start;
  const end = start + len;
  while (i < end && (buf[i] === 0x20 || buf[i] === 0)) {
    if (buf[i] === 0) return 0; // empty field
    i++;
  }
  let v = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) return NaN;
    v = v * 8 + (c - 0x30);
    digits++;
  }
  return digits === 0 ? 0 : v;
}

/** Whether a 512-byte block has a valid header checksum (unsigned, or the old signed variant). */
export function checksumOk(block: Buffer): boolean {
  if (block.length < BLOCK) return false;
  const stored = parseNumeric(block, 148, 8);
  if (!Number.isFinite(stored)) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < block.length; i += 8) {
    if (block.readBigUInt64LE(i) !== 0n) return false;
  }
  return true;
}

/** Whether a buffer starts with something that looks like a tar header (ustar magic or a valid checksum). */
export function looksLikeTar(head: Buffer): boolean {
  if (head.length < BLOCK) return false;
  if (head.toString('latin1', 257, 262) === 'ustar') return true;
  return !isZeroBlock(head.subarray(0, BLOCK)) && checksumOk(head);
}

/** Parses pax extended header records (`<len> <key>=<value>\n`). */
export function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    if (sp === -1) break;
    const len = Number(data.toString('latin1', pos, sp));
    if (!Number.isInteger(len) || len <= 0 || pos + len > data.length) break;
    const rec = data.toString('utf8', sp + 1, pos + len - 1); // without the trailing newline
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    pos += len;
  }
  return out;
}

/** Normalises a member path; `unsafe` when absolute or holding a `..` component. */
export function normaliseTarPath(raw: string): { path: string; unsafe: boolean } {
  const unsafeAbs = raw.startsWith('/') || raw.startsWith('\\') || /^[A-Za-z]:/.test(raw);
  const parts = raw.split(/[\\/]/);
  const unsafe = unsafeAbs || parts.includes('..');
  const path = raw
    .split('/')
    .filter((p) => p !== '' && p !== '.')
    .join('/');
  return { path, unsafe };
}

// ---------------------------------------------------------------------------------------------

interface MemberState {
  remaining: number;
  pad: number;
  path: string;
  size: number;
  /** The reader moved on: the member's data can no longer be read. */
  stale: boolean;
  started: boolean;
}

const padOf = (size: number): number => (BLOCK - (size % BLOCK)) % BLOCK;

const defaultDescribe = (err: unknown): { kind: InputProblem['kind']; message: string } => ({
  kind: 'corrupt_archive',
  message: `read error: ${err instanceof Error ? err.message : String(err)}`,
});

/** Reads a tar stream; yields regular-file members and problems. Never throws for bad data. */
export async function* readTar(source: AsyncIterable<AnyChunk>, opts: TarReaderOptions = {}): AsyncGenerator<TarItem> {
  const input = opts.input ?? '';
  const describe = opts.describeError ?? defaultDescribe;
  const maxMeta = opts.maxMetaBytes ?? 1024 * 1024;
  const maxTrailing = opts.maxTrailingBytes ?? 1024 * 1024;
  const r = new ByteReader(source);

  const problem = (kind: InputProblem['kind'], message: string, extra: { file?: string; offset?: number } = {}): TarProblemItem => ({
    type: 'problem',
    problem: { input, kind, message, ...extra },
  });

  /** The stream ended early: a truncation, or a source error. */
  const ended = (what: string, missing: number, extra: { file?: string; offset?: number }): TarProblemItem => {
    if (r.error !== undefined) {
      const d = describe(r.error);
      return problem(d.kind, `${d.message} while reading ${what} (${missing} bytes missing)`, extra);
    }
    return problem('truncated_archive', `archive ends inside ${what}: ${missing} bytes missing`, extra);
  };

  let cur: MemberState | null = null;
  let longName: string | null = null;
  let longLink: string | null = null;
  let pax: Record<string, string> | null = null;

  try {
    for (;;) {
      // Finish the previous entry: skip what the consumer did not read, and the padding.
      if (cur !== null) {
        const m: MemberState = cur;
        m.stale = true;
        cur = null;
        if (m.remaining > 0) {
          const got = await r.skip(m.remaining);
          m.remaining -= got;
          if (m.remaining > 0) {
            yield ended(`member ${m.path} (${m.size} bytes)`, m.remaining, { file: m.path, offset: r.offset });
            return;
          }
        }
        const padGot = await r.skip(m.pad);
        if (padGot < m.pad) {
          // The data is complete; only the padding (and whatever followed) is missing.
          yield ended(`the padding after member ${m.path} (its data is complete)`, m.pad - padGot, { file: m.path, offset: r.offset });
          return;
        }
      }

      let headerOffset = r.offset;
      let block = await r.read(BLOCK);
      if (block.length === 0) {
        if (r.error !== undefined) {
          const d = describe(r.error);
          yield problem(d.kind, `${d.message} at byte ${headerOffset} of the archive`, { offset: headerOffset });
        } else {
          yield problem(
            'truncated_archive',
            headerOffset === 0
              ? 'archive is empty'
              : `archive ends at byte ${headerOffset} without its end-of-archive blocks; later members may be missing`,
            { offset: headerOffset },
          );
        }
        return;
      }
      if (block.length < BLOCK) {
        yield ended(`a header at byte ${headerOffset}`, BLOCK - block.length, { offset: headerOffset });
        return;
      }
      if (isZeroBlock(block)) {
        const next = await r.read(BLOCK);
        if (next.length < BLOCK || isZeroBlock(next)) {
          // End of archive. Read what follows (record padding) so source errors surface.
          let trailing = 0;
          while (trailing < maxTrailing) {
            const piece = await r.next(maxTrailing - trailing);
            if (piece === null) break;
            trailing += piece.length;
          }
          if (r.error !== undefined) {
            const d = describe(r.error);
            yield problem(d.kind, `${d.message} after the end of the archive`, { offset: r.offset });
          }
          return;
        }
        // A lone zero block: keep going with the next header.
        headerOffset += BLOCK;
        block = next;
      }
      if (!checksumOk(block)) {
        yield problem('corrupt_archive', `bad tar header checksum at byte ${headerOffset}; the rest of the archive is not read`, {
          offset: headerOffset,
        });
        return;
      }

      const typeflag = String.fromCharCode(block[156]!);
      let size = parseNumeric(block, 124, 12);
      if (!Number.isFinite(size)) {
        yield problem('corrupt_archive', `bad size field in the tar header at byte ${headerOffset}`, { offset: headerOffset });
        return;
      }

      // Metadata entries that apply to the next header.
      if (typeflag === 'L' || typeflag === 'K' || typeflag === 'x' || typeflag === 'g') {
        const pad = padOf(size);
        if (size > maxMeta) {
          yield problem('skipped', `tar ${typeflag} header at byte ${headerOffset} is too large (${size} bytes); ignored`, {
            offset: headerOffset,
          });
          cur = { remaining: size, pad, path: `(${typeflag} header)`, size, stale: false, started: true };
          continue;
        }
        const data = await r.read(size);
        if (data.length < size) {
          yield ended(`the extended header at byte ${headerOffset}`, size - data.length + pad, { offset: headerOffset });
          return;
        }
        if ((await r.skip(pad)) < pad) {
          yield ended(`the extended header at byte ${headerOffset}`, pad, { offset: headerOffset });
          return;
        }
        if (typeflag === 'L') longName = cstring(data, 0, data.length);
        else if (typeflag === 'K') longLink = cstring(data, 0, data.length);
        else if (typeflag === 'x') pax = { ...(pax ?? {}), ...parsePax(data) };
        // 'g' (global pax header): ignored
        continue;
      }

      const magic = block.toString('latin1', 257, 263);
      let rawPath: string;
      if (pax?.path !== undefined) rawPath = pax.path;
      else if (longName !== null) rawPath = longName;
      else {
        const name = cstring(block, 0, 100);
        const prefix = magic === 'ustar\0' ? cstring(block, 345, 155) : '';
        rawPath = prefix !== '' ? `${prefix}/${name}` : name;
      }
      const linkName = pax?.linkpath ?? longLink ?? cstring(block, 157, 100);
      if (pax?.size !== undefined) {
        const s = Number(pax.size);
        if (Number.isInteger(s) && s >= 0) size = s;
      }
      let mtimeMs = parseNumeric(block, 136, 12) * 1000;
      if (pax?.mtime !== undefined) {
        const t = Number(pax.mtime);
        if (Number.isFinite(t)) mtimeMs = Math.round(t * 1000);
      }
      if (!Number.isFinite(mtimeMs)) mtimeMs = 0;
      longName = null;
      longLink = null;
      pax = null;

      const pad = padOf(size);
      const { path, unsafe } = normaliseTarPath(rawPath);
      const state: MemberState = { remaining: size, pad, path: path || rawPath, size, stale: false, started: false };
      cur = state;
      const isRegular = typeflag === '0' || typeflag === '\0' || typeflag === '7';

      if (typeflag === '5' || typeflag === 'D' || (isRegular && rawPath.endsWith('/'))) continue; // directory
      if (typeflag === '1' || typeflag === '2') {
        const what = typeflag === '2' ? 'symlink' : 'hardlink';
        yield problem('skipped', `${what} ${rawPath} -> ${linkName} not followed`, { file: state.path, offset: headerOffset });
        continue;
      }
      if (!isRegular) {
        const what =
          typeflag === '3' ? 'character device' : typeflag === '4' ? 'block device' : typeflag === '6' ? 'FIFO' : `entry of type '${typeflag}'`;
        yield problem('skipped', `${what} ${rawPath} skipped`, { file: state.path, offset: headerOffset });
        continue;
      }
      if (unsafe) {
        yield problem('unsafe_path', `member path ${JSON.stringify(rawPath)} is absolute or leaves the archive; skipped`, {
          file: rawPath,
          offset: headerOffset,
        });
        continue;
      }
      if (path === '') continue; // `./` and the like

      const member: TarMember = {
        type: 'file',
        path,
        size,
        mtimeMs,
        offset: headerOffset,
        chunks: () => {
          if (state.started) throw new Error(`tar member ${path}: chunks() may be called only once`);
          state.started = true;
          return memberChunks(r, state);
        },
      };
      yield member;
    }
  } finally {
    if (cur !== null) cur.stale = true;
    await r.close();
  }
}

/**
 * Thrown by a member's chunks when the archive ends inside its data, so that the consumer knows
 * its last line is cut; the reader itself then reports the truncation (once) as a problem item.
 */
export class MemberCutError extends Error {
  constructor(readonly path: string) {
    super(`archive ends inside member ${path}`);
  }
}

async function* memberChunks(r: ByteReader, state: MemberState): AsyncGenerator<Buffer> {
  for (;;) {
    if (state.stale) throw new Error(`tar member ${state.path}: data read after the reader moved on`);
    if (state.remaining <= 0) return;
    const b = await r.next(state.remaining);
    if (b === null) throw new MemberCutError(state.path); // archive ended early: the reader reports it
    state.remaining -= b.length;
    yield b;
  }
}
