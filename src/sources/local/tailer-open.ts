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

export type OpenResult = { readonly fh: FileHandle } | { readonly missing: boolean; readonly error: unknown };

/** Open `abs` for `owner` once the budget has room. */
export async function openWithinBudget(ctx: TailContext, owner: OpenFileUser & { readonly display: string }, abs: string): Promise<OpenResult> {
  const budget = ctx.openFiles;
  await budget?.reserve(owner, () => ctx.stopped);
  try {
    const fh = await fsp.open(abs, 'r');
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
