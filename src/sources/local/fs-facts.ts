/** Small facts about files and fs errors, shared by the local tail's modules. */
import { promises as fsp, type Dirent, type Stats } from 'node:fs';

/** The error's `code` (ENOENT, EACCES, …), if it has one. */
export function errCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

/** Node's messages already name the problem (`EACCES: permission denied, open '…'`). */
export function describeError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (errCode(e) === 'ESTALE') return `${msg} (stale handle on a shared filesystem)`;
  return msg;
}

export async function statOrNull(p: string): Promise<Stats | null> {
  try {
    return await fsp.stat(p);
  } catch {
    return null;
  }
}

/** Which file (not which name): device and inode. */
export const identOf = (st: Stats): string => `${st.dev}:${st.ino}`;

/** A directory entry's absolute path and what it is, symlinks followed (null: a dangling link). */
export async function entryKind(dir: string, e: Dirent): Promise<{ abs: string; isDir: boolean; isFile: boolean } | null> {
  const abs = dir === '/' ? '/' + e.name : dir + '/' + e.name;
  if (!e.isSymbolicLink()) return { abs, isDir: e.isDirectory(), isFile: e.isFile() };
  const t = await statOrNull(abs);
  return t ? { abs, isDir: t.isDirectory(), isFile: t.isFile() } : null;
}
