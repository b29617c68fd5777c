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
 *
 * Header field parsing lives in tar-header.ts (re-exported here), byte reading in
 * tar-byte-reader.ts; this module walks the entries.
 */

import type { InputProblem } from '../core/types.ts';
import { ByteReader } from './tar-byte-reader.ts';
import type { AnyChunk } from './tar-byte-reader.ts';
import { BLOCK, checksumOk, cstring, isZeroBlock, normaliseTarPath, padOf, parseNumeric, parsePax } from './tar-header.ts';

export { checksumOk, looksLikeTar, normaliseTarPath, parseNumeric, parsePax } from './tar-header.ts';

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

interface MemberState {
  remaining: number;
  pad: number;
  path: string;
  size: number;
  /** The reader moved on: the member's data can no longer be read. */
  stale: boolean;
  started: boolean;
}

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
