/**
 * Polling for shared filesystems (NFS, Lustre, GPFS, …: `--poll`), where inotify sees nothing of
 * what other machines write: chokidar in its polling mode (`usePolling`, built on `fs.watchFile`)
 * stats every matching file and every directory that may hold one, once per `intervalMs`.
 *
 * chokidar earns its place here: it keeps the polled tree (directories that appear or vanish,
 * symlinks) and turns stat differences into add / change / unlink events, with no inotify handle
 * at all. Files that cannot match and directories that cannot hold matches are ignored, so they are
 * never polled. What an event means for a followed file (appended bytes, truncation, rotation,
 * deletion) is the file tailer's to find out; this module only says which name to look at.
 *
 * fs events mode does not use chokidar: its directory watches call chokidar's re-read of the whole
 * directory (readdir plus an lstat per entry) on every event in it, an append to any file included,
 * which at 256 busy logs cost about a third of a core (dir-watcher.ts does the same job with one raw
 * `fs.watch` per directory).
 */
import type { Stats } from 'node:fs';
import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import { errCode } from './fs-facts.ts';

export interface PollHandlers {
  /** A matching file appeared (or was there at start). */
  add(abs: string): void;
  /**
   * A polled path's stat changed (size, mtime, inode…); may name an unknown file. `replaced`: the
   * name now points at another file (rotation, re-creation) or the file shrank (truncation).
   */
  change(abs: string, replaced: boolean): void;
  /** A polled file is gone (deleted or renamed away). */
  unlink(abs: string): void;
  /** Polling a path failed (reported once per path and error code). */
  error(path: string, e: Error): void;
}

export interface PollWatcherOptions {
  /** Directories to poll (the patterns' literal bases). */
  roots: string[];
  /** Whether a directory may hold matching files, now or below it. */
  wantedDir: (abs: string) => boolean;
  /** Whether a file is one to follow. */
  wantedFile: (abs: string) => boolean;
  intervalMs: number;
}

/** Longest wait for chokidar's initial scan. */
const READY_WAIT_MS = 30_000;

export class PollWatcher {
  private w: FSWatcher | null = null;
  private readonly reported = new Set<string>();
  private closed = false;

  constructor(
    private readonly opts: PollWatcherOptions,
    private readonly h: PollHandlers,
  ) {}

  /** Start polling; resolves once every present directory and file is polled. */
  async start(): Promise<void> {
    if (this.closed || this.w) return;
    const roots = new Set(this.opts.roots);
    const w = chokidarWatch([...roots], {
      persistent: true,
      usePolling: true,
      interval: this.opts.intervalMs,
      binaryInterval: this.opts.intervalMs,
      ignoreInitial: false, // files present at start come as `add` (the source walks them too: adds are idempotent)
      followSymlinks: true,
      atomic: false,
      alwaysStat: false,
      awaitWriteFinish: false,
      ignorePermissionErrors: false,
      ignored: (p: string, st?: Stats) => {
        // Without stats chokidar asks again once it has them; symlinks are asked about again with their target's.
        if (!st || st.isSymbolicLink()) return false;
        if (st.isDirectory()) return !roots.has(p) && !this.opts.wantedDir(p);
        return !st.isFile() || !this.opts.wantedFile(p);
      },
    });
    this.w = w;
    w.on('add', (p: string) => !this.closed && this.h.add(p));
    // Changes come from the raw stat callbacks, not from chokidar's `change`: that one is held back
    // when the mtime did not move and the file was read since (atime > mtime), which on
    // filesystems with coarse mtimes (NFSv3: whole seconds) drops a second append in one second.
    w.on('raw', (event: string, p: unknown, details: unknown) => {
      if (this.closed || event !== 'change' || typeof p !== 'string') return;
      const d = details as { curr?: Stats; prev?: Stats } | undefined;
      const { curr, prev } = d ?? {};
      if (curr?.isDirectory()) return; // a polled directory: chokidar re-reads it itself
      const replaced = !curr || !prev || curr.ino !== prev.ino || curr.dev !== prev.dev || curr.size < prev.size;
      this.h.change(p, replaced);
    });
    w.on('unlink', (p: string) => !this.closed && this.h.unlink(p));
    w.on('error', (e: unknown) => this.fail(e));
    await new Promise<void>((resolve) => {
      const tm = setTimeout(resolve, READY_WAIT_MS);
      w.once('ready', () => {
        clearTimeout(tm);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.w;
    this.w = null;
    await w?.close();
  }

  private fail(e: unknown): void {
    if (this.closed) return;
    const code = errCode(e) ?? 'error';
    const where = typeof e === 'object' && e !== null && 'path' in e ? String((e as { path: unknown }).path) : this.opts.roots.join(', ');
    const key = `${where}|${code}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.h.error(where, e instanceof Error ? e : new Error(String(e)));
  }
}
