import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Live mode on a big, idle glob: 5,000 log files (50 directories × 100) that hold their header
 * and are never written again, followed by `dlperf-top live` in the TUI (a real terminal: tmux,
 * 120×40) and with --headless (--interval 1, stdout drained). After a warm-up that covers reading
 * the 5,000 headers and the idle files being closed (10 s), the tool's CPU share of one core is
 * taken over the measuring window from /proc (utime + stime), its peak RSS from VmHWM, and its
 * open descriptors sampled every second (peak and at the end). Targets: < 15 % of one core and
 * < 200 MB in both modes; descriptors well under the soft limit (no one per idle file).
 * LIVE_IDLE_SECONDS sets the window (default 30), LIVE_IDLE_FILES the file count.
 */
const CLK_TCK = 100; // Linux USER_HZ: /proc/PID/stat times are in 1/100 s

interface Sample {
  cpuS: number;
  rssMiB: number;
  peakRssMiB: number;
  fds: number;
}

function sample(pid: number): Sample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    return { cpuS, rssMiB: kb('VmRSS') / 1024, peakRssMiB: kb('VmHWM') / 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return null;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Start `argv` in the mode asked; returns its pid and a stop function. */
async function launch(mode: 'tui' | 'headless', argv: string[]): Promise<{ pid: number; stop: () => Promise<{ stdoutBytes: number }> }> {
  if (mode === 'headless') {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'ignore'] });
    let bytes = 0;
    child.stdout.on('data', (d: Buffer) => (bytes += d.length));
    const closed = new Promise<void>((r) => child.on('close', () => r()));
    return {
      pid: child.pid!,
      stop: async () => {
        child.kill('SIGINT');
        await closed;
        return { stdoutBytes: bytes };
      },
    };
  }
  const sock = `dlperf-bench-idle-${process.pid}`;
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  execFileSync('tmux', ['-L', sock, 'new-session', '-d', '-x', '120', '-y', '40', '-s', 'b', `exec env CI=0 ${[process.execPath, ...argv].map(q).join(' ')}`]);
  await sleep(300);
  const pid = Number(execFileSync('tmux', ['-L', sock, 'list-panes', '-t', 'b', '-F', '#{pane_pid}'], { encoding: 'utf8' }).trim());
  return {
    pid,
    stop: async () => {
      try {
        execFileSync('tmux', ['-L', sock, 'send-keys', '-t', 'b', 'q']);
        await sleep(1000);
      } finally {
        try {
          execFileSync('tmux', ['-L', sock, 'kill-server'], { stdio: 'ignore' });
        } catch {
          // already gone
        }
      }
      return { stdoutBytes: 0 };
    },
  };
}

export async function liveIdleBench(cli: string, opts: { files?: number; seconds?: number; warmupS?: number } = {}): Promise<void> {
  const files = opts.files ?? Number(process.env['LIVE_IDLE_FILES'] ?? 5000);
  const seconds = opts.seconds ?? Number(process.env['LIVE_IDLE_SECONDS'] ?? 30);
  const warmupS = opts.warmupS ?? 15;
  const dirs = Math.max(1, Math.ceil(files / 100));
  const root = mkdtempSync(join(tmpdir(), 'dlperf-live-idle-'));
  let n = 0;
  for (let d = 0; d < dirs && n < files; d++) {
    const dir = join(root, `node${String(d).padStart(3, '0')}`);
    mkdirSync(dir);
    for (let r = 0; r < 100 && n < files; r++, n++) {
      writeFileSync(join(dir, `rank${r}.log`), `DLL 2026-11-23 10:00:00.000000 - PARAMETER arch : resnet50  batch_size : 256  node : ${d}  rank : ${r} \n`);
    }
  }
  const soft = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? '?';
  console.log(`\n== live, idle glob: ${files} files never written after their header; warm-up ${warmupS} s, then ${seconds} s measured (soft open-files limit ${soft})`);
  try {
    for (const mode of ['tui', 'headless'] as const) {
      const argv = [cli, 'live', ...(mode === 'headless' ? ['--headless', '--interval', '1'] : []), join(root, '**', '*.log')];
      const run = await launch(mode, argv);
      let peakFds = 0;
      const watch = async (ms: number): Promise<Sample | null> => {
        let last: Sample | null = null;
        for (let t = 0; t < ms; t += 1000) {
          await sleep(1000);
          last = sample(run.pid) ?? last;
          if (last) peakFds = Math.max(peakFds, last.fds);
        }
        return last;
      };
      const warm = await watch(warmupS * 1000);
      const end = await watch(seconds * 1000);
      const { stdoutBytes } = await run.stop();
      if (!warm || !end) {
        console.log(`${mode.padEnd(8)}: the process could not be sampled (did it exit early?)`);
        continue;
      }
      const cpu = ((end.cpuS - warm.cpuS) / seconds) * 100;
      const startCpu = (warm.cpuS / warmupS) * 100;
      const out = mode === 'headless' ? `, NDJSON ${(stdoutBytes / 1024 / (warmupS + seconds)).toFixed(0)} KiB/s` : '';
      console.log(
        `${mode.padEnd(8)}: idle CPU ${cpu.toFixed(1)} % of one core (target < 15 %: ${cpu < 15 ? 'met' : 'NOT met'}), ` +
          `peak RSS ${end.peakRssMiB.toFixed(0)} MiB (target < 200: ${end.peakRssMiB < 200 ? 'met' : 'NOT met'}), RSS at end ${end.rssMiB.toFixed(0)} MiB, ` +
          `fds peak ${peakFds} / at end ${end.fds}; warm-up CPU ${startCpu.toFixed(0)} %${out}`,
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
