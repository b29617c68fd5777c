/** Settings of the local tail source (local-tail.ts). */
import type { LiveSourceOptions } from '../types.ts';

export interface LocalSourceOptions extends LiveSourceOptions {
  /** Files, directories or globs such as `logs/**\/*.log` (relative to `cwd`). */
  patterns: string[];
  /** Node label per file, given the absolute path. Default: `deriveNodeLabel` of the display path. */
  node?: (path: string) => string;
  /** `true`: stat polling only; `false`: fs events only; `'auto'` (default): events plus slow checks. */
  poll?: boolean | 'auto';
  /** Polling period with `poll: true` (chokidar's stat interval; default 500 ms). */
  pollMs?: number;
  /** Read what the files already hold first (default true); false: only what is appended. */
  fromStart?: boolean;
  /** Directory that patterns and display paths are relative to (default `process.cwd()`). */
  cwd?: string;
  /** No new bytes for this long → `quiet` (default 10 s). */
  quietMs?: number;
  /** No new bytes for this long → `stale` (default 60 s). */
  staleMs?: number;
  /** Period of the per-file safety check (default 3 s with `poll: 'auto'`, max(5 s, 10 × pollMs) with `poll: true`). */
  checkMs?: number;
  /** Period of the re-walk that finds new files without events (default 5 s auto, max(5 s, 10 × pollMs) when polling; 0: never). */
  rescanMs?: number;
  /** Bytes per read step (default 1 MiB). */
  readChunkBytes?: number;
  /** Longer lines are cut to this many bytes and reported (default 1 MiB). */
  maxLineBytes?: number;
  /** fs events: a modified file is read at most this often (default 50 ms). */
  coalesceMs?: number;
  /**
   * Directory watcher in fs events mode: `native` (one raw fs.watch per directory; Linux's default,
   * inotify) or `chokidar` (the default elsewhere: it smooths over FSEvents/kqueue/Windows).
   */
  watcher?: 'native' | 'chokidar';
  /**
   * Most files open at once (default: from the soft open-files limit, see local/open-files.ts);
   * the least recently read idle file is closed to make room, and reopened when it changes.
   */
  maxOpenFiles?: number;
  /** Close a file after this long without new bytes (default 10 s); reopened on change. */
  idleCloseMs?: number;
  /** Whether a file lives on a local filesystem (default: statfs type, Linux). Tests stand in for NFS with it. */
  isLocalFs?: (abs: string) => Promise<boolean>;
}
