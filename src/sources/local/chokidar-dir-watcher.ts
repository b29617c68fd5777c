/**
 * Directory watching for the local tail (fs events mode) on chokidar: the default off Linux
 * (macOS FSEvents, Windows, BSD kqueue: chokidar smooths over what raw `fs.watch` does differently
 * there), and on Linux with `--watcher chokidar`. Same contract as dir-watcher.ts (the raw inotify
 * watcher, Linux's default); the local tail uses either.
 *
 * One chokidar watcher per pattern root watches every directory below it that may hold matching
 * files, and no file: its `ignored` callback keeps files out (watching files one by one costs a
 * stat per change and a watch per file). What a file needs comes from its directory's watch,
 * through chokidar's `raw` events: `change` names the modified child (the tail marks the file for
 * reading), `rename` names one that was created, removed or renamed. chokidar keeps the tree:
 * directories that appear, vanish or are renamed, symlinked directories.
 *
 * The price, and why it is not Linux's default: every event in a watched directory, an append to
 * any file included, makes chokidar re-read that directory (readdir plus an lstat per entry; its
 * throttle keeps one read in flight and one queued). At 256 busy logs in 32 directories that is
 * ≈ 35 % of a core against ≈ 10 % for the raw watcher (`npm run bench -- live`, `LIVE_BENCH_ARGS`).
 */
import { promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import { entryKind, identOf } from './fs-facts.ts';
import { noteWatchFailure, type DirWatch, type DirWatchHandlers } from './dir-watcher.ts';

/** One pattern root and its chokidar watcher. */
interface Tree {
  readonly root: string;
  readonly w: FSWatcher;
  /** Directories chokidar watches for us → dev:ino when they were added. */
  readonly dirs: Map<string, string>;
}

/** How long a directory that appeared may take to be picked up by chokidar (from its parent's re-read). */
const APPEAR_WAIT_MS = 2500;
/** A second look at a new directory's files, for those written while its watch was being set up. */
const SECOND_LOOK_MS = 300;
/** Longest wait for a new tree's initial scan. */
const READY_WAIT_MS = 15_000;

const under = (p: string, dir: string) => p === dir || p.startsWith(dir === '/' ? '/' : dir + '/');

export class ChokidarDirWatcher implements DirWatch {
  private readonly trees = new Map<string, Tree>();
  /** Directories someone waits to see watched → their wake-ups. */
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly reported = new Set<string>();
  private closed = false;
  lost = false;
  retry = false;

  constructor(
    /** Whether a directory (absolute, normalised) may hold matching files, now or below it. */
    private readonly wanted: (dir: string) => boolean,
    private readonly h: DirWatchHandlers,
  ) {}

  get size(): number {
    let n = 0;
    for (const t of this.trees.values()) n += t.dirs.size;
    return n;
  }

  has(dir: string): boolean {
    for (const t of this.trees.values()) if (t.dirs.has(dir)) return true;
    return false;
  }

  /**
   * A root (a pattern's base) gets a chokidar watcher of its own, made again when the root was
   * replaced; a directory that appeared inside a watched tree is chokidar's to add (from its
   * parent's watch; asked for explicitly if it is slow). Files met on the way go to `onFile`.
   */
  async addTree(dir: string, onFile?: (abs: string) => void, root = true): Promise<void> {
    if (this.closed) return;
    if (!root) {
      if (!this.wanted(dir)) return;
      const t = this.treeOf(dir);
      if (!t) return this.addTree(dir, onFile, true);
      if (!t.dirs.has(dir)) {
        const seen = await this.waitWatched(t, dir, APPEAR_WAIT_MS);
        if (!seen && !this.closed) {
          t.w.add(dir); // chokidar did not see it (yet): ask (this also forgets an earlier unwatch)
          await this.waitWatched(t, dir, APPEAR_WAIT_MS);
        }
      }
      if (onFile) {
        await this.walkFiles(dir, onFile);
        this.later(SECOND_LOOK_MS, () => void this.walkFiles(dir, onFile));
      }
      return;
    }
    const st = await fsp.stat(dir).catch(() => null);
    if (this.closed || !st?.isDirectory()) return;
    const old = this.trees.get(dir);
    if (!old || old.dirs.get(dir) !== identOf(st)) {
      // New, or the root was replaced by another directory: a new watcher; the old one goes once
      // the new one is ready (both may report a change meanwhile: reading twice is harmless).
      await this.open(dir);
      if (old && this.trees.get(dir) !== old) void old.w.close();
    }
    if (onFile) await this.walkFiles(dir, onFile);
  }

  removeTree(dir: string): void {
    for (const [root, t] of this.trees) {
      if (under(root, dir)) {
        // The root itself (or a tree below `dir`): drop its watcher; `lost` walks the roots again.
        this.trees.delete(root);
        void t.w.close();
        this.lost = true;
        continue;
      }
      if (!under(dir, root)) continue;
      const gone = [...t.dirs.keys()].filter((d) => under(d, dir));
      for (const d of gone) t.dirs.delete(d);
      // Close their watches now: a watch follows the inode, so a renamed directory would go on
      // reporting under its old name. (chokidar keeps the names ignored until added again.)
      if (gone.length) t.w.unwatch(gone);
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.trees.values()) void t.w.close();
    this.trees.clear();
    for (const tm of this.timers) clearTimeout(tm);
    this.timers.clear();
    for (const ws of this.waiters.values()) for (const wake of ws) wake();
    this.waiters.clear();
  }

  private treeOf(dir: string): Tree | undefined {
    let best: Tree | undefined;
    for (const t of this.trees.values()) if (under(dir, t.root) && (!best || t.root.length > best.root.length)) best = t;
    return best;
  }

  /** A chokidar watcher for the tree at `root`; resolves once its directories are watched. */
  private async open(root: string): Promise<void> {
    const w = chokidarWatch(root, {
      persistent: true,
      ignoreInitial: false, // addDir for every directory found (files are ignored: nothing else is emitted)
      followSymlinks: true,
      usePolling: false,
      atomic: false,
      alwaysStat: false,
      awaitWriteFinish: false,
      ignorePermissionErrors: false,
      ignored: (p: string, st?: Stats) => this.ignores(root, p, st),
    });
    const t: Tree = { root, w, dirs: new Map() };
    this.trees.set(root, t);
    w.on('addDir', (p: string, st?: Stats) => void this.added(t, p, st));
    w.on('unlinkDir', (p: string) => {
      t.dirs.delete(p);
    });
    w.on('raw', (event: string, name: string | null | undefined, details: unknown) => {
      const watched = typeof details === 'object' && details !== null ? (details as { watchedPath?: unknown }).watchedPath : undefined;
      this.raw(t, event, name, typeof watched === 'string' ? watched : undefined);
    });
    w.on('error', (e: unknown) => this.fail(typeof e === 'object' && e !== null && 'path' in e ? String((e as { path: unknown }).path) : root, e));
    await new Promise<void>((resolve) => {
      const tm = setTimeout(resolve, READY_WAIT_MS);
      w.once('ready', () => {
        clearTimeout(tm);
        resolve();
      });
    });
  }

  /**
   * chokidar's `ignored`: every file (its directory's watch names it), and directories that cannot
   * hold matches. Without stats chokidar asks again once it has them; a symlink is followed and
   * asked about again with its target's stats.
   */
  private ignores(root: string, p: string, st: Stats | undefined): boolean {
    if (!st || st.isSymbolicLink()) return false;
    if (st.isDirectory()) return p !== root && !this.wanted(p);
    return true;
  }

  private async added(t: Tree, p: string, st: Stats | undefined): Promise<void> {
    if (this.trees.get(t.root) !== t) return;
    const s = st ?? (await fsp.stat(p).catch(() => null));
    if (!s || this.trees.get(t.root) !== t) return;
    t.dirs.set(p, identOf(s));
    const ws = this.waiters.get(p);
    if (ws) for (const wake of ws) wake();
  }

  /** One event of a directory's watch, as chokidar passes it on. */
  private raw(t: Tree, event: string, name: string | null | undefined, dir: string | undefined): void {
    // Only directories we still watch (a closed or renamed-away one may still be heard from briefly).
    if (this.closed || dir === undefined || !t.dirs.has(dir)) return;
    if (name === null || name === undefined || name === '') {
      // The kernel dropped the name (queue overflow): look at the whole directory again.
      this.h.rename(dir);
      return;
    }
    const abs = path.join(dir, name);
    if (event === 'change') {
      this.h.change(abs);
      return;
    }
    // An event on the watched directory itself carries its own base name.
    if (name === path.basename(dir)) void this.checkSelf(t, dir);
    this.h.rename(abs);
  }

  /** Is a watched directory still there (and the same directory)? Else let its watch go. */
  private async checkSelf(t: Tree, dir: string): Promise<void> {
    const ident = t.dirs.get(dir);
    const st = await fsp.stat(dir).catch(() => null);
    if (this.closed || ident === undefined || t.dirs.get(dir) !== ident) return;
    if (st && identOf(st) === ident) return;
    this.removeTree(dir);
    this.lost = true;
  }

  private waitWatched(t: Tree, dir: string, ms: number): Promise<boolean> {
    if (t.dirs.has(dir)) return Promise.resolve(true);
    return new Promise((resolve) => {
      let ws = this.waiters.get(dir);
      if (!ws) this.waiters.set(dir, (ws = new Set()));
      const set = ws;
      const done = () => {
        clearTimeout(tm);
        this.timers.delete(tm);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(dir) === set) this.waiters.delete(dir);
        resolve(t.dirs.has(dir));
      };
      const tm = setTimeout(done, ms);
      this.timers.add(tm);
      set.add(done);
    });
  }

  private later(ms: number, fn: () => void): void {
    const tm = setTimeout(() => {
      this.timers.delete(tm);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(tm);
  }

  /** Report the regular files in `dir` and in the wanted directories below it. */
  private async walkFiles(dir: string, onFile: (abs: string) => void, seen = new Set<string>()): Promise<void> {
    if (this.closed) return;
    const st = await fsp.stat(dir).catch(() => null);
    if (!st?.isDirectory()) return;
    const ident = identOf(st);
    if (seen.has(ident)) return; // a symlink cycle
    seen.add(ident);
    const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (this.closed) return;
      const k = await entryKind(dir, e);
      if (!k) continue;
      if (k.isDir) {
        if (this.wanted(k.abs)) await this.walkFiles(k.abs, onFile, seen);
      } else if (k.isFile) onFile(k.abs);
    }
  }

  private fail(dir: string, e: unknown): void {
    noteWatchFailure(this, this.reported, this.closed, this.h, dir, e);
  }
}
