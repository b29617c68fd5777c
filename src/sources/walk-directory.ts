/**
 * Directory arguments: walks the tree recursively and yields its regular files sorted by
 * relative path (each through `openPath`, so archives inside are read member by member), with
 * problems (unreadable directories, broken symlinks, symlinked directories not followed, special
 * files) in their sorted place.
 */

import type { Stats } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as nodePath from 'node:path';

import type { InputProblem } from '../core/types.ts';
import { cannotOpen, openErrorMessage, problemItem, statOrProblem } from './input-problems.ts';
import { openPath } from './open-path.ts';
import type { InputItem } from './types.ts';
import { fileNameText, joinName, type FsPath } from './file-name.ts';

interface WalkEntry {
  rel: string;
  /** A Buffer when the path holds a name that is not UTF-8 (file-name.ts). */
  full?: FsPath;
  problem?: InputProblem;
}

const DONE: WalkEntry = { rel: '' };

/** Walks a directory: regular files sorted by relative path; problems in place. `blocking`: see EnumerateOptions. */
export async function* walkDirectory(arg: string, blocking = false): AsyncGenerator<InputItem> {
  let rootReal: string;
  try {
    rootReal = await fsp.realpath(arg);
  } catch (err) {
    yield problemItem(cannotOpen(arg, err));
    return;
  }
  const entries: WalkEntry[] = [];
  const inside = (real: string): boolean => real === rootReal || real.startsWith(rootReal + nodePath.sep);

  const collect = async (dirFull: FsPath, relDir: string): Promise<void> => {
    let dirents;
    try {
      // Names as bytes: a name that is not UTF-8 is opened by its bytes and shown with \xNN.
      dirents = await fsp.readdir(dirFull, { withFileTypes: true, encoding: 'buffer' });
    } catch (err) {
      const rel = relDir || '.';
      entries.push({ rel, problem: { input: arg, file: rel, kind: 'unreadable', message: `cannot read directory ${rel}: ${openErrorMessage(err)}` } });
      return;
    }
    for (const ent of dirents) {
      const full = joinName(dirFull, ent.name as unknown as Buffer);
      const name = fileNameText(ent.name as unknown as Buffer);
      const rel = relDir ? `${relDir}/${name}` : name;
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

  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    // Let each entry go once yielded: 100k of them otherwise live to the end of the walk.
    entries[i] = DONE;
    if (e.problem !== undefined) {
      yield problemItem(e.problem);
      continue;
    }
    const r = await statOrProblem(arg, e.full!, e.rel, blocking);
    if ('problem' in r) {
      yield problemItem(r.problem);
      continue;
    }
    yield* openPath(arg, e.full!, e.rel, r.st, true, blocking);
  }
}
