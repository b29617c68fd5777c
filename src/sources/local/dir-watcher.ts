/**
 * Directory watching for the local tail (fs events mode), Linux's default (`--watcher native`):
 * one raw `fs.watch` (inotify) per directory that may hold matching files, and nothing per file.
 * chokidar-dir-watcher.ts does the same job on chokidar (the default elsewhere, `--watcher
 * chokidar`); both meet the `DirWatch` contract below.
 *
 * Why not chokidar by default on Linux (it does the polling mode, local/poll-watcher.ts): every event in a
 * directory chokidar watches, an append to any file in it included, makes it re-read the whole
 * directory (readdir plus an lstat per entry; its throttle only keeps one read in flight and one
 * queued), and each change of a watched file costs a stat. With 256 busy logs in 32 directories
 * that was about a third of a core even with files kept out of it (measured with `npm run bench --
 * live`: ≈ 35 % of a core against ≈ 9 % with this module). A raw directory watch already names the
 * child and says whether it was modified (`change`: the tail marks the file for reading, no
 * syscall) or created, removed or renamed (`rename`: one stat of that name).
 *
 * A directory that goes away (or whose watch fails) is dropped and `lost` is set, so that the
 * source can walk its roots again later. Symlinked directories are followed (each directory is
 * watched once, by device and inode).
 */
import { watch, promises as fsp, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { entryKind, errCode, identOf } from './fs-facts.ts';

export interface DirWatchHandlers {
  /** A child of a watched directory was modified (no IO was done to find out). */
  change(abs: string): void;
  /** A name in a watched directory was created, removed or renamed (or the event named nothing). */
  rename(abs: string): void;
  /** Watching a directory failed (reported once per directory and error code). */
  error(dir: string, e: Error): void;
}

/** What the local tail needs of a directory watcher (this one, or chokidar-dir-watcher.ts). */
export interface DirWatch {
  /** A watched directory disappeared or its watch broke: walk the roots again soon (see `addTree`). */
  lost: boolean;
  /** A directory could not be watched (permissions, inotify limits): try again now and then. */
  retry: boolean;
  readonly size: number;
  has(dir: string): boolean;
  /**
   * Watch `dir` (`root`: a pattern's base) and every directory below it that may hold matches;
   * files met on the way go to `onFile` (for directories that appear after start: their files may
   * have been written before the watch was in place).
   */
  addTree(dir: string, onFile?: (abs: string) => void, root?: boolean): Promise<void>;
  /** Stop watching `dir` and every directory below it. */
  removeTree(dir: string): void;
  close(): void;
}

interface Watched {
  readonly w: FSWatcher;
  /** dev:ino of the directory when it was watched. */
  readonly ident: string;
}

export class DirWatcher implements DirWatch {
  private readonly watched = new Map<string, Watched>();
  /** dev:ino → the path it is watched under. */
  private readonly idents = new Map<string, string>();
  private readonly reported = new Set<string>();
  private closed = false;
  /** A watched directory disappeared or its watch broke: walk the roots again soon (see `addTree`). */
  lost = false;
  /** A directory could not be watched (permissions, inotify limits): try again now and then. */
  retry = false;

  constructor(
    /** Whether a directory (absolute, normalised) may hold matching files, now or below it. */
    private readonly wanted: (dir: string) => boolean,
    private readonly h: DirWatchHandlers,
  ) {}

  get size(): number {
    return this.watched.size;
  }

  has(dir: string): boolean {
    return this.watched.has(dir);
  }

  /**
   * Watch `dir` and every directory below it that `wanted` accepts (already watched ones are
   * walked, not watched twice). Files met on the way go to `onFile` (for directories that appear
   * after start: their files may have been written before the watch was in place).
   */
  async addTree(dir: string, onFile?: (abs: string) => void, root = true): Promise<void> {
    if (this.closed) return;
    if (!root && !this.wanted(dir)) return;
    let st;
    try {
      st = await fsp.stat(dir);
    } catch {
      return;
    }
    if (this.closed || !st.isDirectory()) return;
    const ident = identOf(st);
    const known = this.watched.get(dir);
    if (known && known.ident !== ident) this.removeTree(dir); // replaced by another directory
    if (!this.watched.has(dir)) {
      const other = this.idents.get(ident);
      if (other !== undefined) {
        // Watched under another name: renamed from there (drop the old name), or the same
        // directory reached twice (a symlink; a cycle): leave it.
        const there = await fsp.stat(other).catch(() => null);
        if (this.closed) return;
        if (there && identOf(there) === ident) return;
        this.removeTree(other);
      }
      if (this.watched.has(dir) || !this.watchOne(dir, ident)) return;
    }
    let entries;
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (this.closed) return;
      const k = await entryKind(dir, e);
      if (!k) continue;
      if (k.isDir) await this.addTree(k.abs, onFile, false);
      else if (k.isFile) onFile?.(k.abs);
    }
  }

  /** Stop watching `dir` and every directory below it. */
  removeTree(dir: string): void {
    const prefix = dir === '/' ? '/' : dir + '/';
    for (const [d, rec] of this.watched) {
      if (d !== dir && !d.startsWith(prefix)) continue;
      this.watched.delete(d);
      if (this.idents.get(rec.ident) === d) this.idents.delete(rec.ident);
      rec.w.close();
    }
  }

  close(): void {
    this.closed = true;
    for (const rec of this.watched.values()) rec.w.close();
    this.watched.clear();
    this.idents.clear();
  }

  private watchOne(dir: string, ident: string): boolean {
    let w: FSWatcher;
    try {
      w = watch(dir, { persistent: true }, (type, name) => {
        if (this.closed) return;
        if (name === null || name === undefined) {
          // The kernel dropped the name (queue overflow): look at the whole directory again.
          this.h.rename(dir);
          return;
        }
        const abs = dir === '/' ? '/' + name : dir + '/' + name;
        if (type === 'change') {
          this.h.change(abs);
          return;
        }
        // An event on the watched directory itself carries its own base name.
        if (name === path.basename(dir)) void this.checkSelf(dir, ident);
        this.h.rename(abs);
      });
    } catch (e) {
      this.fail(dir, e);
      return false;
    }
    w.on('error', (e) => {
      this.drop(dir, w);
      this.fail(dir, e);
    });
    this.watched.set(dir, { w, ident });
    this.idents.set(ident, dir);
    return true;
  }

  /** Is a watched directory still there (and the same directory)? Else let its watch go. */
  private async checkSelf(dir: string, ident: string): Promise<void> {
    let same = false;
    try {
      const st = await fsp.stat(dir);
      same = identOf(st) === ident;
    } catch {
      same = false;
    }
    const rec = this.watched.get(dir);
    if (!same && rec && rec.ident === ident && !this.closed) {
      this.removeTree(dir);
      this.lost = true;
    }
  }

  private drop(dir: string, w: FSWatcher): void {
    const rec = this.watched.get(dir);
    if (rec?.w === w) {
      this.watched.delete(dir);
      if (this.idents.get(rec.ident) === dir) this.idents.delete(rec.ident);
    }
    w.close();
    this.lost = true;
  }

  private fail(dir: string, e: unknown): void {
    noteWatchFailure(this, this.reported, this.closed, this.h, dir, e);
  }
}

/**
 * A directory watch failed: a vanished directory only sets `lost` (its parent's watch, or the next
 * walk, sees it); anything else (permissions, inotify limits) sets `retry` and is reported once
 * per directory and error code. Shared by both directory watchers.
 */
export function noteWatchFailure(w: { lost: boolean; retry: boolean }, reported: Set<string>, closed: boolean, h: DirWatchHandlers, dir: string, e: unknown): void {
  const code = errCode(e) ?? 'error';
  if (code === 'ENOENT' || code === 'ENOTDIR' || closed) {
    w.lost = true;
    return;
  }
  w.retry = true;
  const key = `${dir}|${code}`;
  if (reported.has(key)) return;
  reported.add(key);
  h.error(dir, e instanceof Error ? e : new Error(String(e)));
}
