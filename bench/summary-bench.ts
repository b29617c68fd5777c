import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Dataset } from './datasets.ts';
import { shell, timed, type Timed } from './measure.ts';

/**
 * `npm run bench -- summary`: for each dataset, one run that interleaves, round after round,
 * `gzip -dc TGZ | wc -l`, dlperf-top summary on the .tgz, on the untarred directory, and DLPerf's
 * own extract_pytorch_logs_time.py on that directory (when python3, numpy and the script are
 * there), then prints the best of the rounds, the ratios, and peak RSS from wait4().
 */

export interface Row {
  label: string;
  run: () => Promise<Timed>;
}

export interface RowResult {
  label: string;
  best: Timed;
  /** Highest peak RSS over the rounds. */
  peakRssMiB: number | null;
}

/** Runs the rows interleaved for `rounds` rounds; best = lowest wall time. */
export async function interleave(rows: Row[], rounds: number): Promise<RowResult[]> {
  const res: RowResult[] = rows.map((r) => ({ label: r.label, best: { wallS: Infinity, cpuS: NaN, maxRssMiB: null, code: 0 }, peakRssMiB: null }));
  for (let i = 0; i < rounds; i++) {
    for (let k = 0; k < rows.length; k++) {
      const t = await rows[k]!.run();
      const r = res[k]!;
      if (t.wallS < r.best.wallS) r.best = t;
      if (t.maxRssMiB !== null) r.peakRssMiB = Math.max(r.peakRssMiB ?? 0, t.maxRssMiB);
    }
  }
  return res;
}

export function fmtRow(r: RowResult): string {
  const cpu = Number.isFinite(r.best.cpuS) ? `, cpu ${r.best.cpuS.toFixed(2)} s` : '';
  const rss = r.peakRssMiB !== null ? `, peak RSS ${r.peakRssMiB.toFixed(0)} MiB` : '';
  return `  ${r.label.padEnd(46)} ${r.best.wallS.toFixed(2).padStart(6)} s${cpu}${rss}`;
}

const ratio = (a: RowResult | undefined, b: RowResult | undefined): string => (a && b ? (a.best.wallS / b.best.wallS).toFixed(2) : 'n/a');

/** DLPerf's script: DLPERF_SCRIPT, or bench/out/dlperf/extract_pytorch_logs_time.py (see bench/README.md). */
export function dlperfScript(root: string): { path: string } | { missing: string } {
  const path = process.env['DLPERF_SCRIPT'] ?? join(root, 'bench/out/dlperf/extract_pytorch_logs_time.py');
  if (!existsSync(path)) return { missing: `DLPerf's script not found at ${path} (see bench/README.md)` };
  const py = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
  if (py.error || py.status !== 0) return { missing: 'python3 with numpy not available' };
  return { path };
}

export async function benchSummaryOn(root: string, cli: string, ds: Dataset, rounds: number, opts: { stringPath?: boolean } = {}): Promise<void> {
  console.log(`\n== summary: ${ds.name}: ${ds.files} files, ${(ds.textBytes / 2 ** 20).toFixed(0)} MiB of text, .tgz ${(ds.tgzBytes / 2 ** 20).toFixed(0)} MiB; best of ${rounds} interleaved rounds`);
  const script = dlperfScript(root);
  const rows: Row[] = [
    { label: '`gzip -dc TGZ | wc -l`', run: () => shell(`gzip -dc '${ds.tgz}' | wc -l`).then((r) => ({ ...r, cpuS: NaN, maxRssMiB: null, code: 0 })) },
    { label: 'dlperf-top summary TGZ', run: () => timed([process.execPath, cli, 'summary', '--format', 'json', ds.tgz]) },
    { label: 'dlperf-top summary DIR', run: () => timed([process.execPath, cli, 'summary', '--format', 'json', ds.dir]) },
  ];
  // Issue #13's worker thread (pipeline/summary-thread.ts) against the one-thread path, same run.
  const oneThread = { env: { ...process.env, DLPERF_TOP_WORKER: '0' } };
  rows.push({ label: 'dlperf-top summary TGZ, one thread', run: () => timed([process.execPath, cli, 'summary', '--format', 'json', ds.tgz], oneThread) });
  rows.push({ label: 'dlperf-top summary DIR, one thread', run: () => timed([process.execPath, cli, 'summary', '--format', 'json', ds.dir], oneThread) });
  if (opts.stringPath) {
    rows.push({ label: 'dlperf-top summary TGZ, string path only', run: () => timed([process.execPath, cli, 'summary', '--format', 'json', ds.tgz], { env: { ...process.env, DLPERF_TOP_BYTE_PATH: '0' } }) });
  }
  if ('path' in script) {
    const outDir = join(root, 'bench/out/dlperf-result');
    rows.push({ label: "DLPerf's extract_pytorch_logs_time.py DIR", run: () => timed(['python3', script.path, '--log_dir', join(ds.dir, 'logs/ngc/pytorch'), '--output_dir', outDir]) });
  }
  const res = await interleave(rows, rounds);
  for (const r of res) console.log(fmtRow(r));
  const [gz, tgz, dir] = res;
  const py = res.find((r) => r.label.startsWith('DLPerf'));
  const str = res.find((r) => r.label.includes('string path'));
  console.log(`  ratio TGZ / gzip -dc|wc -l      : ${ratio(tgz, gz)}  (target <= 1.0, goal 0.8)`);
  console.log(`  ratio DIR / DLPerf's script     : ${'path' in script ? ratio(dir, py) : `n/a: ${script.missing}`}  (target <= 1.0)`);
  if (str) console.log(`  ratio byte path / string path   : ${ratio(tgz, str)}`);
  const tgz1 = res.find((r) => r.label === 'dlperf-top summary TGZ, one thread');
  const dir1 = res.find((r) => r.label === 'dlperf-top summary DIR, one thread');
  console.log(`  ratio TGZ one thread / gzip     : ${ratio(tgz1, gz)}; worker / one thread: TGZ ${ratio(tgz, tgz1)}, DIR ${ratio(dir, dir1)}`);
  console.log(`  peak RSS one thread             : TGZ ${tgz1?.peakRssMiB?.toFixed(0) ?? 'n/a'} MiB, DIR ${dir1?.peakRssMiB?.toFixed(0) ?? 'n/a'} MiB`);
  const peak = Math.max(tgz?.peakRssMiB ?? 0, dir?.peakRssMiB ?? 0);
  console.log(`  peak RSS (wait4)                : ${peak ? `${peak.toFixed(0)} MiB` : 'n/a'}  (target < 150 MiB)`);
}

export async function benchReplayOn(cli: string, ds: Dataset, rounds: number): Promise<void> {
  console.log(`\n== replay --speed max --headless vs summary: ${ds.name} .tgz; best of ${rounds} interleaved rounds`);
  const res = await interleave(
    [
      { label: 'dlperf-top summary TGZ', run: () => timed([process.execPath, cli, 'summary', '--format', 'json', ds.tgz]) },
      { label: 'dlperf-top replay --headless --speed max TGZ', run: () => timed([process.execPath, cli, 'replay', '--headless', '--speed', 'max', ds.tgz]) },
    ],
    rounds,
  );
  for (const r of res) console.log(fmtRow(r));
  console.log(`  ratio replay / summary          : ${ratio(res[1], res[0])}  (target <= 1.5)`);
}

export async function benchStartup(cli: string, root: string, rounds: number): Promise<void> {
  console.log(`\n== startup: \`dlperf-top --help\`; best of ${rounds}`);
  const res = await interleave(
    [
      { label: 'node bin/dlperf-top.mjs --help (the bundle)', run: () => timed([process.execPath, cli, '--help']) },
      { label: 'npx dlperf-top --help', run: () => timed(['npx', '--no-install', 'dlperf-top', '--help'], { cwd: root }) },
    ],
    rounds,
  );
  for (const r of res) console.log(fmtRow(r));
  console.log(`  target: the bundle <= 0.15 s (npx adds its own start-up: nothing to fix in dlperf-top)`);
}
