import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { ensureLargeArchive } from './large-archive.ts';

/**
 * `npm run bench [-- summary|replay|live|all]`: performance claims measured against a baseline in
 * the same run, printed as ratios. Nothing here is asserted by the test suite.
 */
const root = resolve(new URL('..', import.meta.url).pathname);
const which = process.argv[2] ?? 'all';

interface Timing {
  wallS: number;
  cpuS: number;
  maxRssMiB: number;
  stdout: string;
}

/** Run a shell-free command (argv) and measure wall time, CPU time and peak RSS via /usr/bin/time-like rusage. */
function timeCommand(cmd: string, args: string[], opts: { shell?: boolean } = {}): Promise<Timing> {
  return new Promise((res, rej) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], shell: opts.shell ?? false });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      if (out.length < 1 << 20) out += d.toString();
    });
    child.on('error', rej);
    child.on('close', () => {
      const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
      const ru = process.resourceUsage();
      void ru;
      res({ wallS, cpuS: NaN, maxRssMiB: NaN, stdout: out });
    });
  });
}

/** Peak RSS and CPU of a child, read from /proc just before it exits is not portable: use bash's `command time` when present. */
async function timeWithRusage(cmdline: string): Promise<Timing> {
  const script = `TIMEFORMAT='%R %U %S'; { time ${cmdline} >/tmp/dlperf-bench-out.txt 2>/dev/null ; } 2>&1`;
  const r = await timeCommand('bash', ['-c', script]);
  const [real, user, sys] = r.stdout.trim().split(/\s+/).map(Number);
  return { wallS: real ?? NaN, cpuS: (user ?? 0) + (sys ?? 0), maxRssMiB: NaN, stdout: '' };
}

async function benchSummary(): Promise<void> {
  const archive = resolve(root, 'bench/out/large-rn50.tgz');
  console.log('== summary over a large archive');
  const a = await ensureLargeArchive(archive);
  console.log(`archive: ${archive} (${(a.bytes / 2 ** 20).toFixed(0)} MiB compressed, ~${(a.textBytes / 2 ** 30).toFixed(2)} GiB of log text)`);
  const base = await timeWithRusage(`gzip -dc ${archive} | wc -l`);
  const ours = await timeWithRusage(`node bin/dlperf-top.mjs summary --format json ${archive}`);
  const rss = await peakRss(['bin/dlperf-top.mjs', 'summary', '--format', 'json', archive]);
  console.log(`baseline  gzip -dc | wc -l : ${base.wallS.toFixed(2)} s`);
  console.log(`dlperf-top summary          : ${ours.wallS.toFixed(2)} s (cpu ${ours.cpuS.toFixed(2)} s, peak RSS ${rss.toFixed(0)} MiB)`);
  console.log(`ratio summary / baseline    : ${(ours.wallS / base.wallS).toFixed(2)}  (target < 1.5)`);
}

/** Peak RSS of a node child, reported by the child itself at exit through NODE_OPTIONS --require-less hook. */
async function peakRss(args: string[]): Promise<number> {
  const r = await timeCommand(process.execPath, ['--import', resolve(root, 'bench/report-rss.mjs'), ...args]);
  const m = /PEAK_RSS_MIB=(\d+(?:\.\d+)?)/.exec(r.stdout);
  return m ? Number(m[1]) : NaN;
}

const sections: Record<string, () => Promise<void>> = { summary: benchSummary };
const extra = { sections: {} as Record<string, () => Promise<void>> };
Object.assign(sections, extra.sections);
const names = which === 'all' ? Object.keys(sections) : [which];
for (const n of names) {
  const f = sections[n];
  if (!f) {
    console.error(`unknown bench '${n}' (have: ${Object.keys(sections).join(', ')})`);
    process.exit(2);
  }
  await f();
}
