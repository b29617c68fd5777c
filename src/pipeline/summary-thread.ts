/**
 * `summary` on two threads: the main thread reads the inputs (file reads, gunzip's stream,
 * tar headers) and a worker runs the summary pipeline — the same `summarize`, fed the same items
 * through thread-feed.ts — so that parsing no longer takes turns with reading on one thread.
 * Single-threaded (`summarize` on this thread) where a worker cannot pay for itself: one core
 * (os.availableParallelism), small inputs (a worker's start-up is tens of milliseconds), or when
 * told: `DLPERF_TOP_WORKER=0` (or `worker: false`); `DLPERF_TOP_WORKER=1` forces the worker and
 * makes a worker that cannot start an error instead of a fallback (the tests compare the two).
 * The result is made by the same code either way and arrives by structured clone (plain data).
 */

import { readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { InputProblem } from '../core/types.ts';
import { summarize, type SummaryOptions, type SummaryResult } from './summarize.ts';
import { FeedPump, type FeedReply } from './thread-feed.ts';

/** What the worker is started with: the inputs and the options that are data (no callbacks, no streams). */
export interface WorkerData {
  inputs: string[];
  opts: SummaryOptions;
}

/** The worker's callbacks, relayed to the caller's. */
export type WorkerEvent = { t: 'problem'; p: InputProblem } | { t: 'file'; path: string } | { t: 'reread'; runs: number };

type WorkerMessage = FeedReply | { t: 'ready' } | { t: 'events'; events: WorkerEvent[] } | { t: 'result'; result: SummaryResult };

export interface ThreadOptions {
  /** true: a worker (an error if it cannot start); false: this thread; default: decided (see above). */
  worker?: boolean;
}

/** Input bytes (as stored: a .tgz's compressed size) from which a worker is used. */
const WORKER_MIN_BYTES = 4 * 1024 * 1024;
/** Directory entries looked at when deciding; more than this many files is large enough. */
const WALK_LIMIT = 4096;

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

/** Summary, on a worker where that is expected to be faster (see above); the same result either way. */
export async function summarizeInputs(inputs: string[], opts: SummaryOptions & ThreadOptions = {}): Promise<SummaryResult> {
  const { worker: _w, ...rest } = opts;
  const want = forced(opts);
  if (want === false || (want === undefined && (availableParallelism() < 2 || !(await largeEnough(inputs))))) return summarize(inputs, rest);
  const w = await startWorker(inputs, rest, want === true);
  if (!w) return summarize(inputs, rest);
  return runOnWorker(w, inputs, rest);
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
  const tsx = pathToFileURL(createRequire(here).resolve('tsx/esm/api')).href;
  const entry = new URL('./summary-worker.ts', here).href;
  return { spec: `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`, eval: true };
}

/** Starts the worker and waits until its modules are loaded; null (nothing read yet) if it cannot start and `must` is false. */
async function startWorker(inputs: string[], opts: SummaryOptions, must: boolean): Promise<Worker | null> {
  let w: Worker;
  try {
    const { spec, eval: isEval } = workerEntry();
    w = new Worker(spec, { eval: isEval, workerData: { inputs, opts: dataOptions(opts) } satisfies WorkerData, stdout: false, stderr: false });
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

async function runOnWorker(w: Worker, inputs: string[], opts: SummaryOptions): Promise<SummaryResult> {
  const pump = new FeedPump((b, transfer) => w.postMessage(b, transfer));
  let result: SummaryResult | null = null;
  const finished = new Promise<SummaryResult>((resolve, reject) => {
    w.on('message', (m: WorkerMessage) => {
      if (m.t === 'ack' || m.t === 'stop') pump.reply(m);
      else if (m.t === 'events') {
        for (const e of m.events) {
          if (e.t === 'problem') opts.onProblem?.(e.p);
          else if (e.t === 'file') opts.onFile?.(e.path);
          else void opts.onReread?.(e.runs);
        }
      } else if (m.t === 'result') {
        result = m.result;
        resolve(m.result);
      }
    });
    w.on('error', (e) => {
      pump.close();
      reject(e);
    });
    w.on('exit', (code) => {
      pump.close();
      if (!result) reject(new Error(`the summary worker exited (code ${code}) without a result`));
    });
  });
  const pumped = pump.run(inputs, opts.stdin ? { stdin: opts.stdin } : {});
  try {
    const [, r] = await Promise.all([pumped, finished]);
    return r;
  } finally {
    // The worker ends by itself after its result; on an error it is stopped.
    if (!result) await w.terminate();
  }
}
