import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

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

/** What `timed` measured: wall time from here, CPU and peak RSS of the child from wait4(). */
export interface Timed {
  wallS: number;
  cpuS: number;
  /** ru_maxrss of the child as wait4() reports it (MiB), or null when neither /usr/bin/time nor python3 is there. */
  maxRssMiB: number | null;
  code: number;
}

// Where /usr/bin/time is missing: fork/exec and wait4() in a few lines of Python.
const WAIT4_PY = `import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, st, ru = os.wait4(pid, 0)
open(sys.argv[1], 'w').write('%.3f %.3f %d' % (0, ru.ru_utime + ru.ru_stime, ru.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(st))
`;

let wrapper: 'time' | 'python' | 'none' | undefined;
function pickWrapper(): 'time' | 'python' | 'none' {
  if (wrapper) return wrapper;
  const ok = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
  wrapper = existsSync('/usr/bin/time') && ok('/usr/bin/time', ['-f', '%M', 'true']) ? 'time' : ok('python3', ['-c', 'import os; os.wait4']) ? 'python' : 'none';
  return wrapper;
}

/**
 * Runs `argv` (stdout discarded) and measures it: wall time here, CPU time and peak RSS from the
 * kernel's wait4() accounting of the child (GNU time, or the Python wrapper), not from sampling.
 */
export function timed(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Timed> {
  const how = pickWrapper();
  const out = join(tmpdir(), `dlperf-bench-${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
  const cmd = how === 'time' ? ['/usr/bin/time', '-f', '%e %U+%S %M', '-o', out, ...argv] : how === 'python' ? ['python3', '-c', WAIT4_PY, out, ...argv] : argv;
  return new Promise((res, rej) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env: opts.env ?? process.env, ...(opts.cwd ? { cwd: opts.cwd } : {}) });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 1 << 16) err += d.toString();
    });
    child.on('error', rej);
    child.on('close', (code) => {
      const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
      let cpuS = NaN;
      let maxRssMiB: number | null = null;
      try {
        const f = readFileSync(out, 'utf8').trim().split(/\s+/);
        rmSync(out, { force: true });
        cpuS = f[1]!.split('+').reduce((a, x) => a + Number(x), 0);
        maxRssMiB = Number(f[2]) / 1024;
      } catch {
        // no wrapper: wall time only
      }
      if (code !== 0 && code !== 1) process.stderr.write(`bench: ${argv.join(' ')} exited with ${code}\n${err.slice(-2000)}\n`);
      res({ wallS, cpuS, maxRssMiB, code: code ?? -1 });
    });
  });
}
