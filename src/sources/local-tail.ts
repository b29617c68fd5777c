/**
 * Live source that tails local log files: plain files, directories (every non-hidden file below
 * them except archives, weights and images) and globs (`*`, `**`, `?`, `[abc]`, `{a,b}`).
 *
 * Files that match at start are read from the beginning (or, with `fromStart: false`, from their
 * current end) and followed; files that appear later are found through chokidar watchers on each
 * pattern's base directory (filtered by our own matcher: chokidar 4 has no globs) and, unless
 * `poll: false`, by a periodic re-walk. Appended bytes are read from the saved offset through
 * pooled 1 MiB buffers; a partial last line waits for its newline; `\r\n` is accepted;
 * copytruncate, rename rotation, deletion and re-creation are handled per file (see
 * `local/file-tailer.ts`). Line numbers restart at 1 after truncation or rotation (the status
 * message says so); a file renamed to a name that is also followed continues its numbering.
 *
 * Shared filesystems (NFS, Lustre) where inotify sees nothing: `poll: true` drops the watchers
 * and checks every file every `pollMs` (and re-walks the patterns every `2 × pollMs`); `poll:
 * 'auto'` (the default) uses fs events plus a cheap fstat/stat check per file every `checkMs`
 * and a re-walk every `rescanMs`, so a missed event delays but never stalls; `poll: false` uses
 * fs events only.
 *
 * Status per file: connecting → streaming (opened) → quiet (no bytes for `quietMs`) → stale
 * (`staleMs`) → streaming again on new bytes; ended on deletion and on stop; error with a message
 * (permission denied, …), retried at the next check. A glob that matches nothing at start gets a
 * status of its own (node `local`, file = the pattern, `connecting`), ended once a file matches.
 */
import { promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { watch, type FSWatcher } from 'chokidar';
import type { LiveSource, LiveSourceOptions, SourceEvent } from './types.ts';
import {
  compilePattern,
  couldContain,
  directoryPattern,
  expandBraces,
  hasMagic,
  matchPath,
  resolveBase,
  walkPattern,
  watchDepth,
  type CompiledPattern,
} from './local/glob.ts';
import { FileTailer, type ReleasedFile, type TailContext } from './local/file-tailer.ts';
import { deriveNodeLabel } from './local/node-label.ts';

export interface LocalSourceOptions extends LiveSourceOptions {
  /** Files, directories or globs such as `logs/**\/*.log` (relative to `cwd`). */
  patterns: string[];
  /** Node label per file, given the absolute path. Default: `deriveNodeLabel` of the display path. */
  node?: (path: string) => string;
  /** `true`: stat polling only; `false`: fs events only; `'auto'` (default): events plus slow checks. */
  poll?: boolean | 'auto';
  /** Polling period with `poll: true` (default 500 ms). */
  pollMs?: number;
  /** Read what the files already hold first (default true); false: only what is appended. */
  fromStart?: boolean;
  /** Directory that patterns and display paths are relative to (default `process.cwd()`). */
  cwd?: string;
  /** No new bytes for this long → `quiet` (default 10 s). */
  quietMs?: number;
  /** No new bytes for this long → `stale` (default 60 s). */
  staleMs?: number;
  /** `poll: 'auto'`: period of the per-file safety stat check (default 3 s). */
  checkMs?: number;
  /** Period of the re-walk that finds new files without events (default 5 s auto, 2 × pollMs when polling; 0: never). */
  rescanMs?: number;
  /** Bytes per read step (default 1 MiB). */
  readChunkBytes?: number;
  /** Longer lines are cut to this many bytes and reported (default 1 MiB). */
  maxLineBytes?: number;
}

const MiB = 1024 * 1024;
/** Read buffers lent at once across all files (bounds memory when many files catch up). */
const MAX_BUFFERS = 8;
/** Free buffers kept for reuse. */
const KEEP_BUFFERS = 2;

/** Path as shown: relative to cwd when under it, else absolute. */
export function displayPath(abs: string, cwd: string): string {
  const rel = path.relative(cwd, abs);
  if (rel === '' || rel === '..' || rel.startsWith('../') || path.isAbsolute(rel)) return abs;
  return rel;
}

export { deriveNodeLabel };

export function createLocalSource(opts: LocalSourceOptions): LiveSource {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const mode = opts.poll ?? 'auto';
  const pollMs = Math.max(10, opts.pollMs ?? 500);
  const quietMs = opts.quietMs ?? 10_000;
  const staleMs = opts.staleMs ?? 60_000;
  const checkMs = mode === true ? pollMs : mode === 'auto' ? Math.max(10, opts.checkMs ?? 3_000) : 0;
  const rescanMs = opts.rescanMs ?? (mode === true ? 2 * pollMs : mode === 'auto' ? 5_000 : 0);
  const chunk = Math.max(4096, opts.readChunkBytes ?? MiB);
  const period = Math.max(10, Math.min(1000, checkMs || 1000, rescanMs || 1000, Math.floor(quietMs / 4)));

  let stopped = false;
  let finished = false;
  let started = false;
  const tailers = new Map<string, FileTailer>();
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | null = null;
  let patterns: CompiledPattern[] = [];
  /** The argument each compiled pattern (brace alternative) comes from. */
  const argOf = new Map<CompiledPattern, string>();
  /** Arguments (globs) that matched nothing at start. */
  const waiting = new Set<string>();
  let rescanning: Promise<void> | null = null;
  let lastRescan = performance.now();

  // Buffer pool with a bound on buffers lent at once.
  const free: Buffer[] = [];
  let lent = 0;
  const queue: Array<(b: Buffer) => void> = [];

  const emit = (events: SourceEvent[]): void => {
    if (finished || events.length === 0) return;
    opts.emit(events);
  };

  const ctx: TailContext = {
    emit,
    now: opts.now,
    get stopped() {
      return stopped;
    },
    fromStart: opts.fromStart ?? true,
    maxLineBytes: Math.max(1, opts.maxLineBytes ?? MiB),
    acquireBuffer() {
      if (lent < MAX_BUFFERS) {
        lent++;
        return Promise.resolve(free.pop() ?? Buffer.allocUnsafe(chunk));
      }
      return new Promise((resolve) => queue.push(resolve));
    },
    releaseBuffer(buf) {
      const next = queue.shift();
      if (next) {
        next(buf);
        return;
      }
      lent--;
      if (free.length < KEEP_BUFFERS) free.push(buf);
    },
    holders: new Map<string, FileTailer>(),
    released: new Map<string, ReleasedFile>(),
  };

  const statusFor = (file: string, state: 'connecting' | 'ended', message: string): void =>
    emit([{ type: 'status', node: 'local', file, state, message, time: opts.now() }]);

  const found = (absIn: string): void => {
    if (stopped) return;
    const abs = path.resolve(absIn);
    const known = tailers.get(abs);
    if (known) {
      known.schedule();
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
            await walkPattern(c, found, abortOnStop);
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
      if (checkMs > 0 && mono - t.lastCheck >= checkMs) t.schedule();
    }
    for (const [k, r] of ctx.released) if (r.expires <= mono) ctx.released.delete(k);
    if (rescanMs > 0 && mono - lastRescan >= rescanMs) void rescan();
  };

  const problem = (input: string, message: string): void =>
    emit([{ type: 'problem', problem: { input, kind: 'unreadable', message }, time: opts.now() }]);

  const addWatcher = async (c: CompiledPattern): Promise<void> => {
    const root = await resolveBase(c);
    if (stopped) return;
    const depth = watchDepth(c, root);
    const w = watch(root, {
      ignoreInitial: true,
      persistent: true,
      ...(depth !== undefined ? { depth } : {}),
      ignored: (p: string, stats?: Stats) => {
        const abs = path.resolve(p);
        if (abs === root) return false;
        if (stats?.isFile()) return !matchPath(c, abs);
        if (stats?.isDirectory()) return !couldContain(c, abs);
        return !(matchPath(c, abs) || couldContain(c, abs));
      },
    });
    watchers.push(w);
    const onFile = (p: string): void => {
      if (matchPath(c, path.resolve(p))) found(p);
    };
    w.on('add', onFile);
    w.on('change', onFile);
    w.on('unlink', (p: string) => tailers.get(path.resolve(p))?.schedule());
    w.on('error', (e: unknown) => problem(c.source, `watching ${displayPath(root, cwd)}: ${e instanceof Error ? e.message : String(e)}`));
    await new Promise<void>((resolve) => {
      w.once('ready', () => resolve());
    });
  };

  const compile = async (): Promise<CompiledPattern[]> => {
    const out: CompiledPattern[] = [];
    for (const p of opts.patterns) {
      if (!hasMagic(p)) {
        const abs = path.resolve(cwd, p);
        const st = await fsp.stat(abs).catch(() => null);
        if (st?.isDirectory()) {
          const c = directoryPattern(p, cwd);
          argOf.set(c, p);
          out.push(c);
          continue;
        }
      }
      for (const e of expandBraces(p)) {
        const c = compilePattern(e, cwd);
        argOf.set(c, p);
        out.push(c);
      }
    }
    return out;
  };

  let starting: Promise<void> | null = null;

  const doStart = async (): Promise<void> => {
    patterns = await compile();
    if (mode !== true) await Promise.all(patterns.map(addWatcher));
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
    start() {
      if (stopped) return Promise.resolve();
      starting ??= doStart();
      return starting;
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      await starting?.catch(() => undefined);
      if (timer) clearInterval(timer);
      timer = null;
      await Promise.all(watchers.map((w) => w.close().catch(() => undefined)));
      await rescanning?.catch(() => undefined);
      await Promise.all([...tailers.values()].map((t) => t.close()));
      for (const t of tailers.values()) {
        if (t.state !== 'ended') t.setState('ended', 'stopped');
      }
      finished = true;
      free.length = 0;
    },
  };
}
