/**
 * When summary may freeze a run before the end of its inputs (summarize.ts): once every file that
 * can belong to it has been read, its report is made and its state let go, so memory follows the
 * runs being read, not the runs read (100k tiny logs). Known only for directory arguments: their
 * names are walked first (names only, no file opened) and counted by run key.
 *
 * Never early: a run is frozen only when no file still to come can join it. What the name walk
 * cannot see is what archives inside the tree hold: their members are named `<archive>/<member>`,
 * so their run keys carry the archive's name as a directory, which no walked file does unless
 * (1) a walked file's path is also the directory part of another walked file's path in run-key
 * space (node directories are left out of keys: `node3/x.tar/a.log` and a file `x.tar`), or
 * (2) an archive's own name is a node name (`node1`, left out of keys). Either way the plan
 * is abandoned (nothing is frozen). A gzip'd single file is read under its name without `.gz`:
 * both names are counted. Symlinks, unreadable entries and anything else are counted too (a
 * count that never reaches 0 only keeps a run unfrozen).
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { fileNameText, joinName, type FsPath } from '../sources/file-name.ts';
import { NODE_DIR, pathInfo, pathParts } from '../metrics/path-identity.ts';

export interface FreezePlan {
  /** A file of the walked trees ended; returns true when its run can get no other file. */
  ended(displayPath: string, runKey: string): boolean;
}

/** Splits a path as pathInfo does (run-key space: node directories left out). */
function keyDirs(path: string): { dirs: string[]; base: string } {
  const parts = pathParts(path);
  const base = parts.pop() ?? '';
  return { dirs: parts.filter((d) => !NODE_DIR.test(d)), base };
}

/** Null when some argument is not a directory, or the trees could hide a file of a counted run. */
export async function freezePlan(inputs: readonly string[]): Promise<FreezePlan | null> {
  if (inputs.length === 0) return null;
  // Files still to come, by run key and by display path; entries go as they reach 0 (100k of each).
  const remaining = new Map<string, number>();
  const expected = new Map<string, number>();
  const fileKeys = new Set<string>();
  const dirKeys = new Set<string>();
  const count = (display: string) => {
    const info = pathInfo(display);
    if (info.notALog) return;
    expected.set(display, (expected.get(display) ?? 0) + 1);
    remaining.set(info.runKey, (remaining.get(info.runKey) ?? 0) + 1);
  };
  const walk = async (dir: FsPath, rel: string): Promise<boolean> => {
    let ents: Dirent<Buffer>[];
    try {
      // Names as bytes, shown as the walk shows them (sources/file-name.ts).
      ents = await readdir(dir, { withFileTypes: true, encoding: 'buffer' });
    } catch {
      return true; // reported by the real walk; nothing of it is read
    }
    for (const e of ents) {
      const name = fileNameText(e.name);
      const r = rel ? `${rel}/${name}` : name;
      if (e.isDirectory()) {
        if (!(await walk(joinName(dir, e.name), r))) return false;
        continue;
      }
      if (NODE_DIR.test(name)) return false;
      const { dirs, base } = keyDirs(r);
      fileKeys.add([...dirs, base].join('/'));
      for (let i = 1; i <= dirs.length; i++) dirKeys.add(dirs.slice(0, i).join('/'));
      count(r);
      if (/\.gz$/i.test(r) && r.length > 3) count(r.replace(/\.gz$/i, ''));
    }
    return true;
  };
  for (const arg of inputs) {
    if (arg === '-') return null;
    try {
      if (!(await stat(arg)).isDirectory()) return null;
    } catch {
      return null;
    }
    if (!(await walk(arg, ''))) return null;
  }
  for (const k of fileKeys) if (dirKeys.has(k)) return null;
  // The closures above share one V8 context with `ended`: without this the two sets (100k keys)
  // stayed alive for the whole summary.
  fileKeys.clear();
  dirKeys.clear();
  return {
    ended(displayPath, runKey) {
      const e = expected.get(displayPath);
      if (e === undefined) return false;
      if (e > 1) expected.set(displayPath, e - 1);
      else expected.delete(displayPath);
      const n = (remaining.get(runKey) ?? 0) - 1;
      if (n > 0) remaining.set(runKey, n);
      else remaining.delete(runKey);
      return n === 0;
    },
  };
}
