import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { diskBytesRead } from '../sources/read-meter.ts';

/**
 * The progress line of `summary` / `compare` on a long input: files read, bytes read of the
 * inputs' size on disk, rate and ETA (cli-progress). Only when stderr is a terminal, and only
 * after a short delay, so a quick run prints nothing and a pipe or a CI log never gets a bar.
 * Problems found meanwhile are printed above the bar (`log`), never through it.
 */
export interface Progress {
  file(path: string): void;
  log(text: string): void;
  stop(): void;
}

const SHOW_AFTER_MS = 400;
const MAX_WALK_ENTRIES = 200_000;

const unitOf = (n: number) => (n >= 1 << 30 ? { d: 1 << 30, u: 'GiB', p: 2 } : { d: 1 << 20, u: 'MiB', p: 1 });
const mib = (n: number) => {
  const { d, u, p } = unitOf(n);
  return `${(n / d).toFixed(p)} ${u}`;
};
/** "1.0/7.8 MiB": bytes read of the total, in the total's unit. */
const ofTotal = (n: number, total: number) => {
  const { d, u, p } = unitOf(total);
  return `${(n / d).toFixed(p)}/${(total / d).toFixed(p)} ${u}`;
};

/** Sizes on disk of the inputs (directories walked, bounded); null when one is stdin or unknown. */
async function totalBytes(inputs: readonly string[]): Promise<number | null> {
  let total = 0;
  let entries = 0;
  const walk = async (p: string): Promise<void> => {
    if (++entries > MAX_WALK_ENTRIES) return;
    const st = await stat(p).catch(() => null);
    if (!st) return;
    if (st.isFile()) total += st.size;
    else if (st.isDirectory()) for (const e of await readdir(p).catch(() => [])) await walk(join(p, e));
  };
  for (const i of inputs) {
    if (i === '-') return null;
    await walk(i);
  }
  return total;
}

/** A Progress that writes to `stderr` when it is a TTY; a silent one otherwise. */
export function startProgress(inputs: readonly string[], stderr: NodeJS.WritableStream, label = 'reading'): Progress {
  const tty = (stderr as NodeJS.WriteStream).isTTY === true;
  if (!tty) return { file: () => {}, log: (t) => stderr.write(t), stop: () => {} };
  const start = diskBytesRead();
  const t0 = Date.now();
  let files = 0;
  let total: number | null = null;
  let multi: cliProgress.MultiBar | null = null;
  let bar: cliProgress.SingleBar | null = null;
  let stopped = false;
  void totalBytes(inputs).then((n) => (total = n));
  const payload = () => {
    const read = diskBytesRead() - start;
    const secs = (Date.now() - t0) / 1000;
    return { read, payload: { label, files, done: total === null ? mib(read) : ofTotal(Math.min(read, total), total), rate: secs > 0 ? `${mib(read / secs)}/s` : '-' } };
  };
  const tick = () => {
    if (stopped) return;
    const { read, payload: p } = payload();
    if (!multi) {
      if (Date.now() - t0 < SHOW_AFTER_MS) return;
      multi = new cliProgress.MultiBar(
        {
          stream: stderr as NodeJS.WriteStream,
          format: total === null ? '{label} | {files} files | {done} | {rate}' : '{label} {bar} {percentage}% | {files} files | {done} | {rate} | ETA {eta_formatted}',
          hideCursor: true,
          clearOnComplete: true,
          stopOnComplete: false,
          etaBuffer: 50,
          fps: 10,
          barsize: 20,
        },
        cliProgress.Presets.shades_classic,
      );
      bar = multi.create(Math.max(1, total ?? 1), Math.min(read, total ?? read), p);
      return;
    }
    if (total !== null && bar!.getTotal() !== total) bar!.setTotal(Math.max(1, total));
    bar!.update(Math.min(read, total ?? read), p);
  };
  const timer = setInterval(tick, 100);
  timer.unref();
  return {
    file: () => {
      files++;
    },
    log: (t) => (multi ? multi.log(t) : stderr.write(t)),
    stop: () => {
      stopped = true;
      clearInterval(timer);
      multi?.stop();
    },
  };
}
