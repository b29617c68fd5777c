/**
 * `summary` on two threads: the main thread reads the inputs (file reads, gunzip's stream,
 * tar headers) and a worker runs the summary pipeline — the same `summarize`, fed the same items
 * through thread-feed.ts — so that parsing no longer takes turns with reading on one thread.
 * Single-threaded (`summarize` on this thread) where a worker cannot pay for itself: fewer than
 * three cores (os.availableParallelism: gunzip's pool thread, this thread and the worker are three
 * threads of work; on the 2-core development VM the worker measured 12–25 % more CPU, 30–50 MiB
 * more peak RSS and no better wall time: README, Performance), small inputs (a worker's start-up
 * is tens of milliseconds), or when told: `DLPERF_TOP_WORKER=0` (or `worker: false`); `DLPERF_TOP_WORKER=1` forces the worker and
 * makes a worker that cannot start an error instead of a fallback (the tests compare the two).
 * The result is made by the same code either way and arrives by structured clone (plain data).
 */

import { readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { InputProblem } from '../core/types.ts';
import { UserError } from '../cli/errors.ts';
import { summaryText, summaryVerdict, type OutcomeSpec, type Verdict } from '../cli/summary-outcome.ts';
import { blockingReadsDefault, summarize, type SummaryOptions } from './summarize.ts';
import { FeedPump, type FeedReply } from './thread-feed.ts';

/** What the worker is started with: the inputs and the options that are data (no callbacks, no streams). */
export interface WorkerData {
  inputs: string[];
  opts: SummaryOptions;
  spec: OutcomeSpec;
}

/** The worker's callbacks, relayed to the caller's. */
export type WorkerEvent = { t: 'problem'; p: InputProblem } | { t: 'file'; path: string } | { t: 'reread'; runs: number };

/** From the worker. `text`: a piece of the report (acknowledged by a TextAck); `failed`: a UserError while rendering it. */
export type WorkerMessage =
  | FeedReply
  | { t: 'ready' }
  | { t: 'events'; events: WorkerEvent[] }
  | { t: 'text'; s: string }
  | { t: 'verdict'; v: Verdict }
  | { t: 'failed'; message: string; hint?: string; exitCode: number };

/** To the worker, besides the feed: a text piece written. */
export type TextAck = { t: 'textAck' };

/** Text pieces sent and not yet written (each up to TEXT_PIECE characters). */
export const TEXT_IN_FLIGHT = 4;
export const TEXT_PIECE = 64 * 1024;

export interface ThreadOptions {
  /** true: a worker (an error if it cannot start); false: this thread; default: decided (see above). */
  worker?: boolean;
}

/** Cores from which the worker is used by default. */
const WORKER_MIN_CORES = 3;
/** Input bytes (as stored: a .tgz's compressed size) from which a worker is used. */
const WORKER_MIN_BYTES = 4 * 1024 * 1024;
/** Directory entries looked at when deciding; more than this many files is large enough. */
const WALK_LIMIT = 4096;

/**
 * The worker's young generation (V8's default is 48 MiB: three 16 MiB semi-spaces). Two isolates
 * each growing theirs to the default put perfset.tgz at 150–154 MiB of peak RSS and the 1.07 GiB
 * archive at 164–169 MiB; at 16 MiB they measured 137 / 148 MiB for the same CPU time (load 5).
 */
const WORKER_YOUNG_MB = 16;

function forced(opts: ThreadOptions): boolean | undefined {
  const env = process.env['DLPERF_TOP_WORKER'];
  if (env === '0') return false;
  if (env === '1') return true;
  return opts.worker;
}

/** Whether the inputs are big enough for a worker: their sizes summed until the threshold (stdin and pipes: yes). */
async function largeEnough(inputs: readonly string[]): Promise<boolean> {
  let bytes = 0;
  let entries = 0;
  const walk = async (dir: string): Promise<boolean> => {
    let ents;
    try {
      ents = await readdir(dir, { withFileTypes: true });
    } catch {
      return false;
    }
    for (const e of ents) {
      if (++entries > WALK_LIMIT) return true;
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (await walk(p)) return true;
      } else if (e.isFile()) {
        bytes += (await stat(p).catch(() => null))?.size ?? 0;
        if (bytes >= WORKER_MIN_BYTES) return true;
      }
    }
    return false;
  };
  for (const arg of inputs) {
    if (arg === '-') return true;
    const st = await stat(arg).catch(() => null);
    if (!st) continue;
    if (st.isDirectory()) {
      if (await walk(arg)) return true;
    } else if (!st.isFile()) return true;
    else bytes += st.size;
    if (bytes >= WORKER_MIN_BYTES) return true;
  }
  return false;
}

/** The report text and verdict of a summary, made on a worker where that is expected to be faster (see above): the same either way. */
export interface Summarized {
  text: Iterable<string> | AsyncIterable<string>;
  /** After the text was written (or the writing stopped: what is left of the text is skipped). */
  verdict(): Promise<Verdict>;
  /** Stops the worker (the text was not consumed: the output failed). */
  close(): Promise<void>;
}

export async function summarizeToText(inputs: string[], spec: OutcomeSpec, opts: SummaryOptions & ThreadOptions = {}): Promise<Summarized> {
  const { worker: _w, ...rest } = opts;
  const want = forced(opts);
  if (want !== false && (want === true || (availableParallelism() >= WORKER_MIN_CORES && (await largeEnough(inputs))))) {
    const w = await startWorker(inputs, rest, spec, want === true);
    if (w) return runOnWorker(w, inputs, rest);
  }
  const result = await summarize(inputs, rest);
  const text = await summaryText(result, spec);
  return { text, verdict: async () => summaryVerdict(result, spec), close: async () => {} };
}

/** The options a worker can be sent (structured clone): data only. */
function dataOptions(opts: SummaryOptions): SummaryOptions {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(opts)) if (typeof v !== 'function' && k !== 'stdin' && k !== 'items') out[k] = v;
  return out as SummaryOptions;
}

/**
 * The worker's entry: the bundle's own (dist/summary-worker.mjs, next to this chunk), or, running
 * the TypeScript sources, a two-line bootstrap that registers tsx in the worker first (a worker
 * does not inherit the main thread's loader hooks).
 */
function workerEntry(): { spec: string | URL; eval: boolean } {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return { spec: new URL('./summary-worker.mjs', here), eval: false };
  // tsx's ESM API (its `import` condition): `require.resolve` would give the CommonJS one.
  const pkg = createRequire(here).resolve('tsx/package.json');
  const api = (JSON.parse(readFileSync(pkg, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api']!.import.default;
  const tsx = pathToFileURL(join(dirname(pkg), api)).href;
  const entry = new URL('./summary-worker.ts', here).href;
  // The repo's tsconfig, whatever the working directory (see bin/dlperf-top.mjs).
  const tsconfig = fileURLToPath(new URL('../../tsconfig.json', here));
  return { spec: `import(${JSON.stringify(tsx)}).then((m) => { m.register({ tsconfig: ${JSON.stringify(tsconfig)} }); return import(${JSON.stringify(entry)}); });`, eval: true };
}

/** Starts the worker and waits until its modules are loaded; null (nothing read yet) if it cannot start and `must` is false. */
async function startWorker(inputs: string[], opts: SummaryOptions, spec: OutcomeSpec, must: boolean): Promise<Worker | null> {
  let w: Worker;
  try {
    const entry = workerEntry();
    w = new Worker(entry.spec, {
      eval: entry.eval,
      workerData: { inputs, opts: dataOptions(opts), spec } satisfies WorkerData,
      stdout: false,
      stderr: false,
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
    });
  } catch (e) {
    if (must) throw e;
    return null;
  }
  const ok = await new Promise<Error | null>((resolve) => {
    const onMsg = (m: WorkerMessage) => m.t === 'ready' && done(null);
    const onErr = (e: Error) => done(e);
    const onExit = (code: number) => done(new Error(`the summary worker exited (code ${code}) before it started`));
    const done = (e: Error | null) => {
      w.off('message', onMsg).off('error', onErr).off('exit', onExit);
      resolve(e);
    };
    w.on('message', onMsg).on('error', onErr).on('exit', onExit);
  });
  if (ok === null) return w;
  await w.terminate();
  if (must) throw ok;
  return null;
}

/**
 * Feeds the worker and relays what it sends: its callbacks as they come, then (resolving) the
 * report text as an async iterable of pieces, flow-controlled by TextAck, then the verdict.
 */
async function runOnWorker(w: Worker, inputs: string[], opts: SummaryOptions): Promise<Summarized> {
  const pump = new FeedPump((b, transfer) => w.postMessage(b, transfer));
  const pieces: string[] = [];
  let verdict: Verdict | null = null;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  let started: ((ok: boolean) => void) | null = null;
  const first = new Promise<boolean>((r) => (started = r));
  const settle = (): void => {
    started?.(failure === null);
    started = null;
    wake?.();
  };
  w.on('message', (m: WorkerMessage) => {
    if (m.t === 'ack' || m.t === 'stop') pump.reply(m);
    else if (m.t === 'events') {
      for (const e of m.events) {
        if (e.t === 'problem') opts.onProblem?.(e.p);
        else if (e.t === 'file') opts.onFile?.(e.path);
        else void opts.onReread?.(e.runs);
      }
    } else if (m.t === 'text') {
      pieces.push(m.s);
      settle();
    } else if (m.t === 'verdict') {
      verdict = m.v;
      settle();
    } else if (m.t === 'failed') {
      failure = new UserError(m.message, m.hint, m.exitCode);
      settle();
    }
  });
  w.on('error', (e) => {
    failure ??= e;
    pump.close();
    settle();
  });
  w.on('exit', (code) => {
    pump.close();
    if (!verdict) failure ??= new Error(`the summary worker exited (code ${code}) before its report was done`);
    settle();
  });
  const pumped = pump.run(inputs, { ...(opts.stdin ? { stdin: opts.stdin } : {}), blocking: opts.blocking ?? blockingReadsDefault() }).catch((e: Error) => {
    failure ??= e;
    void w.terminate();
    settle();
  });
  // Resolved once the report has begun (or failed): a report that cannot be made is an error
  // before any output is opened, as on one thread.
  if (!(await first)) {
    await w.terminate();
    throw failure;
  }
  await pumped;
  /** The next piece of text, or null once the verdict is in. */
  const nextPiece = async (): Promise<string | null> => {
    for (;;) {
      const s = pieces.shift();
      if (s !== undefined) {
        w.postMessage({ t: 'textAck' } satisfies TextAck);
        return s;
      }
      if (failure) throw failure;
      if (verdict) return null;
      await new Promise<void>((r) => (wake = r));
      wake = null;
    }
  };
  async function* text(): AsyncGenerator<string> {
    for (let s = await nextPiece(); s !== null; s = await nextPiece()) yield s;
  }
  return {
    text: text(),
    verdict: async () => {
      // A reader that went away (EPIPE) stops the writing early: the rest is skipped, as on one thread.
      while ((await nextPiece()) !== null);
      return verdict!;
    },
    close: async () => {
      await w.terminate();
    },
  };
}
