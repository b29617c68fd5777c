/**
 * The two file-system steps of a tailer that bounded descriptors add (see open-files.ts and the
 * parking in file-tailer.ts): opening a name within the source's budget — a resource limit hit
 * anyway is reported as a problem, never taken for a missing file — and the descriptor-free look
 * at a parked file.
 */
import fs, { promises as fsp, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { errCode, identOf } from './fs-facts.ts';
import type { TailContext } from './tail-context.ts';
import type { OpenFileUser } from './open-files.ts';

const OPEN_FLAGS = fs.constants.O_NONBLOCK !== undefined ? fs.constants.O_RDONLY | fs.constants.O_NONBLOCK : 'r';

/** What a name that is not a regular file is, in words. */
export function notRegularFile(st: Stats): string {
  const what = st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : st.isCharacterDevice() ? 'a character device' : st.isBlockDevice() ? 'a block device' : st.isDirectory() ? 'a directory' : 'not a file';
  return `not a regular file (${what}); skipped`;
}

export type OpenResult = { readonly fh: FileHandle } | { readonly missing: boolean; readonly error: unknown };

/** Open `abs` for `owner` once the budget has room. */
export async function openWithinBudget(ctx: TailContext, owner: OpenFileUser & { readonly display: string }, abs: string): Promise<OpenResult> {
  const budget = ctx.openFiles;
  await budget?.reserve(owner, () => ctx.stopped);
  try {
    // Non-blocking: a FIFO (or a device) under the name must not hold a thread-pool thread, and the
    // stop after it, until some writer opens it; the tailer then finds it is not a regular file.
    // On a regular file the flag changes nothing.
    const fh = await fsp.open(abs, OPEN_FLAGS);
    budget?.opened(owner);
    return { fh };
  } catch (e) {
    budget?.cancelled();
    const code = errCode(e);
    // Out of descriptors or memory: a problem to report, not a file that is silently missing.
    if (code === 'EMFILE' || code === 'ENFILE' || code === 'ENOMEM') ctx.resourceLimit?.(owner.display, e);
    return { missing: code === 'ENOENT' || code === 'ENOTDIR', error: e };
  }
}

/** A stat by name, no descriptor: does `abs` still name file `ident`, `size` bytes long? */
export function sameFileUnchanged(abs: string, ident: string | null, size: number): boolean {
  let st: Stats | undefined;
  try {
    st = fs.statSync(abs, { throwIfNoEntry: false });
  } catch {
    return false;
  }
  return st !== undefined && identOf(st) === ident && st.size === size;
}
