/**
 * Live source that tails local log files: plain files, directories (every non-hidden file below
 * them except archives, weights and images) and globs (`*`, `**`, `?`, `[abc]`, `{a,b}`).
 *
 * Files that match at start are read from the beginning (or, with `fromStart: false`, from their
 * current end) and followed; files that appear later are found through a raw `fs.watch` on every
 * directory that may hold matches (`local/dir-watcher.ts`; pruned by our own matcher) and, unless
 * `poll: false`, by a periodic re-walk. The same directory watches say which followed file was
 * modified: it is marked dirty (no syscall), and one scheduler reads the dirty files at most every
 * `coalesceMs`, so a file appended 20 times a second costs at most 1000 / coalesceMs reads a
 * second. Files on a local filesystem are read with synchronous reads on the open descriptor from
 * that scheduler (page-cache reads take microseconds; the promise and thread-pool round trip of an
 * async read costs far more); polled files and files on network filesystems (NFS, Lustre, ...,
 * where a read can block) are read asynchronously. Appended bytes are read from the saved offset
 * through 1 MiB buffers; a partial last line waits for its newline; `\r\n` is accepted;
 * copytruncate, rename rotation, deletion and re-creation are handled per file (see
 * `local/file-tailer.ts`). Line numbers restart at 1 after truncation or rotation (the status
 * message says so); a file renamed to a name that is also followed continues its numbering.
 *
 * Shared filesystems (NFS, Lustre) where inotify sees nothing: `poll: true` uses no inotify watch;
 * chokidar's polling (`local/poll-watcher.ts`, stat of every matching file and candidate directory
 * every `pollMs`) says which file changed, appeared or went away, and a slow check per file and
 * re-walk (every max(5 s, 10 × pollMs)) stand behind it. `poll: 'auto'` (the default) uses fs
 * events plus a cheap fstat/stat check per file every `checkMs` and a re-walk every `rescanMs`, so
 * a missed event delays but never stalls, and checks a file found on a network filesystem (statfs
 * type: NFS, Lustre, GPFS, CephFS, …) every `pollMs`; `poll: false` uses fs events only.
 *
 * Status per file: connecting → streaming (opened) → quiet (no bytes for `quietMs`) → stale
 * (`staleMs`) → streaming again on new bytes; ended on deletion and on stop; error with a message
 * (permission denied, …), retried at the next check. A glob that matches nothing at start gets a
 * status of its own (node `local`, file = the pattern, `connecting`), ended once a file matches.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { LiveSource, SourceEvent } from './types.ts';
import type { LocalSourceOptions } from './local/source-options.ts';
import {
  compileArgs,
  couldContain,
  matchPath,
  resolveBase,
  walkPattern,
  type CompiledPattern,
} from './local/glob.ts';
import { ChokidarDirWatcher } from './local/chokidar-dir-watcher.ts';
import { DirWatcher, type DirWatch } from './local/dir-watcher.ts';
import { PollWatcher } from './local/poll-watcher.ts';
import { FileTailer, type TailContext } from './local/file-tailer.ts';
import { RenameHandoff } from './local/rename-handoff.ts';
import { deriveNodeLabel } from './local/node-label.ts';
import { BufferPool } from './local/buffer-pool.ts';
import { onLocalFs } from './local/filesystem-kind.ts';
import { ReadScheduler } from './local/read-scheduler.ts';
import { LinkWatchers } from './local/link-watchers.ts';
import { budgetFor, OpenFiles, softFileLimit } from './local/open-files.ts';
import { isResourceLimit, LimitProblems, limitsText } from './local/limit-problems.ts';
import { tailSettings } from './local/tail-settings.ts';

export type { LocalSourceOptions } from './local/source-options.ts';

const MiB = 1024 * 1024;

/** Least time between two re-walks of the roots after a directory watch was lost. */
const REFRESH_MS = 1000;
/** Least time between two attempts to watch directories whose watch failed. */
const RETRY_MS = 30_000;
/** Path as shown: relative to cwd when under it, else absolute. */
export function displayPath(abs: string, cwd: string): string {
  const rel = path.relative(cwd, abs);
  if (rel === '' || rel === '..' || rel.startsWith('../') || path.isAbsolute(rel)) return abs;
  return rel;
}

export { deriveNodeLabel };

export function createLocalSource(opts: LocalSourceOptions): LiveSource {
  const { cwd, mode, watcher, pollMs, quietMs, staleMs, checkMs, rescanMs, chunk, coalesceMs, period } = tailSettings(opts);

  let stopped = false;
  let finished = false;
  let started = false;
  const tailers = new Map<string, FileTailer>();
  let dirs: DirWatch | null = null;
  let poller: PollWatcher | null = null;
  const links = new LinkWatchers();
  let timer: NodeJS.Timeout | null = null;
  const scheduler = new ReadScheduler(coalesceMs);
  const kick = (t: FileTailer): void => {
    if (!stopped) scheduler.kick(t);
  };
  const pool = new BufferPool(chunk);
  let syncBuf: Buffer | null = null;
  let refreshing: Promise<void> | null = null;
  let lastRefresh = 0;
  let patterns: CompiledPattern[] = [];
  /** The argument each compiled pattern (brace alternative) comes from. */
  let argOf = new Map<CompiledPattern, string>();
  /** Arguments (globs) that matched nothing at start. */
  const waiting = new Set<string>();
  let rescanning: Promise<void> | null = null;
  let lastRescan = performance.now();
  // Bounded descriptors (local/open-files.ts): idle files are closed, and reopened on change.
  const soft = softFileLimit();
  const openFiles = new OpenFiles<FileTailer>(opts.maxOpenFiles ?? budgetFor(soft), soft);
  const emit = (events: SourceEvent[]): void => {
    if (finished || events.length === 0) return;
    opts.emit(events);
  };

  const limits = new LimitProblems(emit, opts.now, () => limitsText(soft, tailers.size, openFiles.budget));

  const ctx: TailContext = {
    emit,
    now: opts.now,
    get stopped() {
      return stopped;
    },
    fromStart: opts.fromStart ?? true,
    maxLineBytes: Math.max(1, opts.maxLineBytes ?? MiB),
    acquireBuffer: () => pool.acquire(),
    releaseBuffer: (buf) => pool.release(buf),
    handoff: new RenameHandoff<FileTailer>(),
    // No trailing look after each read: our directory watches drop no events, and polling looks
    // every pollMs anyway (the look doubled the polling rate and cost).
    trailingCheckMs: 0,
    openFiles,
    idleCloseMs: opts.idleCloseMs ?? 10_000,
    resourceLimit: (display, e) => limits.report(display, `cannot open ${display}`, e),
    // Polled files are on filesystems without events (NFS, Lustre): their reads stay async.
    ...(mode === true
      ? {}
      : {
          useSyncIo: (abs: string) => (opts.isLocalFs ?? onLocalFs)(abs),
          syncBuffer: () => (syncBuf ??= Buffer.allocUnsafe(chunk)),
        }),
  };

  const statusFor = (file: string, state: 'connecting' | 'ended', message: string): void =>
    emit([{ type: 'status', node: 'local', file, state, message, time: opts.now() }]);

  const found = (absIn: string): void => {
    if (stopped) return;
    const abs = path.resolve(absIn);
    const known = tailers.get(abs);
    if (known) {
      kick(known);
      return;
    }
    const matching = patterns.filter((c) => matchPath(c, abs));
    if (matching.length === 0) return;
    const display = displayPath(abs, cwd);
    const node = opts.node ? opts.node(abs) : deriveNodeLabel(display);
    const t = new FileTailer(ctx, abs, display, node, !started);
    tailers.set(abs, t);
    for (const c of matching) {
      const arg = argOf.get(c) ?? c.source;
      if (waiting.delete(arg)) statusFor(arg, 'ended', `now following ${display}`);
    }
    t.setState('connecting');
    t.schedule();
    if (dirs)
      void links.watchIfLink(abs, (renamed) => {
        if (renamed) t.nameChanged();
        kick(t);
      });
  };

  /** A name in a watched directory was created, removed or renamed. */
  const onRename = (abs: string): void => {
    if (stopped) return;
    const t = tailers.get(abs);
    if (t) {
      // Rotation, deletion or re-creation: the tick compares the name with the open file.
      t.nameChanged();
      t.schedule();
      return;
    }
    void inspect(abs);
  };

  /** A followed file was modified; an unknown one that matches is looked at. */
  const onChange = (abs: string): void => {
    const t = tailers.get(abs);
    if (t) kick(t);
    else if (patterns.some((c) => matchPath(c, abs))) void inspect(abs);
  };

  /** What is this new (or vanished) name: a file to follow, a directory to watch? */
  const inspect = async (abs: string): Promise<void> => {
    // Names that can be neither (a checkpoint next to the logs): not even a stat.
    if (!dirs?.has(abs) && !patterns.some((c) => matchPath(c, abs) || couldContain(c, abs))) return;
    const st = await fsp.stat(abs).catch(() => null);
    if (stopped || !dirs) return;
    if (!st) {
      if (dirs.has(abs)) {
        // A watched directory was removed or renamed away: its files' names are gone too.
        dirs.removeTree(abs);
        const below = abs + '/';
        for (const [p, t] of tailers) {
          if (!p.startsWith(below)) continue;
          t.nameChanged();
          t.schedule();
        }
      }
      return;
    }
    if (st.isFile()) found(abs);
    // A new directory: watch it (if it may hold matches) and follow what was written meanwhile.
    else if (st.isDirectory()) await dirs.addTree(abs, found, false);
  };

  /** Watch every pattern's root again (after a watched directory went away or a watch failed). */
  const refreshWatches = (): Promise<void> => {
    if (!refreshing && dirs) {
      const d = dirs;
      d.lost = false;
      d.retry = false;
      lastRefresh = performance.now();
      refreshing = (async () => {
        try {
          for (const c of patterns) {
            if (stopped) return;
            await d.addTree(await resolveBase(c), found);
          }
        } finally {
          refreshing = null;
        }
      })();
    }
    return refreshing ?? Promise.resolve();
  };

  const abortOnStop = {
    get aborted() {
      return stopped;
    },
  };

  const rescan = (): Promise<void> => {
    if (!rescanning) {
      rescanning = (async () => {
        try {
          for (const c of patterns) {
            if (stopped) return;
            await walkPattern(c, found, abortOnStop, walkError);
          }
        } finally {
          lastRescan = performance.now();
          rescanning = null;
        }
      })();
    }
    return rescanning;
  };

  const maintain = (): void => {
    if (stopped) return;
    const mono = performance.now();
    for (const t of tailers.values()) {
      t.checkIdle(quietMs, staleMs);
      const every = mode === 'auto' && t.onNetworkFs ? pollMs : checkMs;
      if (every > 0 && mono - t.lastCheck >= every) kick(t);
    }
    ctx.handoff.expire(mono);
    if (rescanMs > 0 && mono - lastRescan >= rescanMs) void rescan();
    // Walk the roots again soon after a watched directory went away, now and then after a watch
    // could not be set up (permissions, inotify limits: the checks and re-walks cover meanwhile).
    if (dirs && mono - lastRefresh >= (dirs.lost ? REFRESH_MS : RETRY_MS) && (dirs.lost || dirs.retry)) void refreshWatches();
  };

  const problem = (input: string, message: string): void =>
    emit([{ type: 'problem', problem: { input, kind: 'unreadable', message }, time: opts.now() }]);

  const walkError = (dir: string, e: unknown): void => {
    if (isResourceLimit(e)) limits.report(displayPath(dir, cwd), `cannot list ${displayPath(dir, cwd)}`, e);
  };

  let starting: Promise<void> | null = null;

  const doStart = async (): Promise<void> => {
    ({ patterns, argOf } = await compileArgs(opts.patterns, cwd));
    if (mode !== true) {
      const Watcher = watcher === 'chokidar' ? ChokidarDirWatcher : DirWatcher;
      const d = new Watcher((dir) => patterns.some((c) => couldContain(c, dir)), {
        change: onChange,
        rename: onRename,
        error: (dir, e) => problem(dir, `watching ${displayPath(dir, cwd)}: ${e.message}`),
      });
      dirs = d;
      // Watch first, then walk: a file created in between is seen by one or the other.
      for (const c of patterns) await d.addTree(await resolveBase(c));
      d.lost = false;
      lastRefresh = performance.now();
    } else {
      const bases = await Promise.all(patterns.map((c) => resolveBase(c)));
      const pw = new PollWatcher(
        {
          roots: [...new Set(bases)],
          wantedDir: (dir) => patterns.some((c) => couldContain(c, dir)),
          wantedFile: (abs) => patterns.some((c) => matchPath(c, abs)),
          intervalMs: pollMs,
        },
        {
          add: found,
          change: (abs, replaced) => {
            const t = tailers.get(abs);
            if (!t) return;
            if (replaced) t.nameChanged();
            kick(t);
          },
          unlink: (abs) => {
            const t = tailers.get(abs);
            if (!t) return;
            t.nameChanged();
            kick(t);
          },
          error: (where, e) => problem(where, `polling ${displayPath(where, cwd)}: ${e.message}`),
        },
      );
      poller = pw;
      // Poll first, then walk: a file created in between is seen by one or the other.
      await pw.start();
    }
    if (stopped) return;
    // A plain file path is followed even before it exists (it reports `connecting` meanwhile).
    for (const c of patterns) {
      if (c.literal) found(c.absolute);
    }
    const hits = new Map<string, number>();
    for (const c of patterns) {
      if (c.literal) continue;
      const arg = argOf.get(c) ?? c.source;
      hits.set(arg, hits.get(arg) ?? 0);
      await walkPattern(
        c,
        (abs) => {
          hits.set(arg, (hits.get(arg) ?? 0) + 1);
          found(abs);
        },
        abortOnStop,
        walkError,
      );
    }
    for (const [arg, n] of hits) {
      if (n > 0 || stopped) continue;
      waiting.add(arg);
      statusFor(arg, 'connecting', `no file matches ${arg} yet; waiting`);
    }
    lastRescan = performance.now();
    await Promise.all([...tailers.values()].map((t) => t.firstAttempt));
    started = true;
    if (!stopped) timer = setInterval(maintain, period);
  };

  return {
    drain() {
      if (!stopped) scheduler.drain();
    },

    start() {
      if (stopped) return Promise.resolve();
      starting ??= doStart();
      return starting;
    },

    async stop() {
      if (stopped) return;
      // Every file read synchronously is read to its end once more before the end, whether or not
      // its change event came yet (the last snapshot has every line written before the stop, also
      // when reading lagged behind the writers: inotify's queue may still hold their events).
      for (const t of tailers.values()) if (t.readsNow) scheduler.kick(t);
      scheduler.drain(Infinity);
      stopped = true;
      await starting?.catch(() => undefined);
      if (timer) clearInterval(timer);
      timer = null;
      scheduler.stop();
      openFiles.wakeAll();
      dirs?.close();
      await poller?.close();
      links.close();
      await refreshing?.catch(() => undefined);
      await rescanning?.catch(() => undefined);
      await Promise.all([...tailers.values()].map((t) => t.close()));
      for (const t of tailers.values()) t.reportPartialLine();
      for (const t of tailers.values()) {
        if (t.state !== 'ended') t.setState('ended', 'stopped');
      }
      finished = true;
      pool.clear();
      syncBuf = null;
    },
  };
}
