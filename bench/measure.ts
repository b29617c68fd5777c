import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export interface Measured {
  wallS: number;
  cpuS: number;
  maxRssMiB: number;
  stdoutBytes: number;
}

const rssHook = resolve(new URL('.', import.meta.url).pathname, 'report-rss.mjs');

/** Run `node ARGS` and measure wall time; CPU and peak RSS come from the child itself (report-rss.mjs). */
export function measure(args: string[], opts: { onStdout?: (chunk: Buffer) => void; onSpawn?: (child: import('node:child_process').ChildProcess) => void } = {}): Promise<Measured> {
  return new Promise((res, rej) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [...(process.env['BENCH_NODE_ARGS'] ?? '').split(' ').filter(Boolean), '--import', rssHook, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    opts.onSpawn?.(child);
    let err = '';
    let out = 0;
    child.stdout.on('data', (d: Buffer) => {
      out += d.length;
      opts.onStdout?.(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.length > 1 << 16) err = err.slice(-4096);
    });
    child.on('error', rej);
    child.on('close', () => {
      const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
      const m = /PEAK_RSS_MIB=([\d.]+) CPU_S=([\d.]+)/.exec(err);
      res({ wallS, cpuS: m ? Number(m[2]) : NaN, maxRssMiB: m ? Number(m[1]) : NaN, stdoutBytes: out });
    });
  });
}

/** Wall time of a shell pipeline (the baselines: gzip, wc). */
export function shell(cmd: string): Promise<{ wallS: number }> {
  return new Promise((res, rej) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('bash', ['-c', cmd], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', rej);
    child.on('close', () => res({ wallS: Number(process.hrtime.bigint() - t0) / 1e9 }));
  });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
