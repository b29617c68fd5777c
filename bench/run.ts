import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { cpus } from 'node:os';
import { DATASETS, ensureDataset } from './datasets.ts';
import { liveBench } from './live-bench.ts';
import { liveIdleBench } from './live-idle-bench.ts';
import { benchReplayOn, benchStartup, benchSummaryOn } from './summary-bench.ts';
import { benchTarReader, compareTarReports } from './tar-bench.ts';
import { tinyLogsBench } from './tiny-logs.ts';

/**
 * `npm run bench [-- summary|replay|tar|startup|live|live-256|live-1024|live-idle|live-store|tiny|all ...]`: performance claims, measured
 * against baselines in the same run and printed as ratios. Nothing here is asserted by the test
 * suite (timings on a shared 2-core machine are not a pass/fail signal). BENCH_ROUNDS (default 3)
 * sets the interleaved rounds; BENCH_LARGE=0 skips the 1.07 GiB dataset.
 */
const root = resolve(new URL('..', import.meta.url).pathname);
const out = resolve(root, 'bench/out');
const cli = resolve(root, 'bin/dlperf-top.mjs');
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const which = process.argv.slice(2);

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; ${new Date().toISOString()}`);

const sections: Record<string, () => Promise<void>> = {
  async summary() {
    await benchSummaryOn(root, cli, ensureDataset(out, DATASETS.perfset), rounds, { stringPath: true });
    await benchSummaryOn(root, cli, ensureDataset(out, DATASETS.many), rounds);
    await benchSummaryOn(root, cli, ensureDataset(out, DATASETS.small), rounds);
    if (process.env['BENCH_LARGE'] !== '0') await benchSummaryOn(root, cli, ensureDataset(out, DATASETS.large), 1);
  },
  async replay() {
    await benchReplayOn(cli, ensureDataset(out, DATASETS.perfset), rounds);
  },
  async tar() {
    console.log(`\n== tar reader: hand-written vs tar-stream (walk every member, drain its data), best of ${rounds} interleaved rounds`);
    const sets = [DATASETS.perfset, DATASETS.many, DATASETS.small].map((s) => ensureDataset(out, s));
    for (const l of await benchTarReader(sets.map((d) => ({ name: d.name, tgz: d.tgz })), rounds)) console.log(`  ${l}`);
    console.log('\n== tar reader: what each says about the same damaged archive');
    for (const l of await compareTarReports()) console.log(`  ${l}`);
  },
  startup: () => benchStartup(cli, root, Math.max(5, rounds)),
  async live() {
    await liveBench(cli);
    // The next scale: 1,024 streams (128 nodes × 8 ranks). Targets < 25 % of one core, < 250 MB, p99 < 250 ms.
    await sections['live-1024']!();
    await liveIdleBench(cli);
  },
  // The live cases one at a time (`live` runs all three).
  'live-256': () => liveBench(cli),
  'live-1024': () => liveBench(cli, { nodes: 128, ranks: 8, seconds: Number(process.env['LIVE_BENCH_SECONDS'] ?? 30), targets: { cpuPct: 25, rssMiB: 250, p99Ms: 250 } }),
  'live-idle': () => liveIdleBench(cli),
  // The store's share of live-1024 in-process (no files, no reader), byte path on, then off: live-store.ts.
  async 'live-store'() {
    for (const bytePath of ['1', '0']) execFileSync(process.execPath, [resolve(root, 'bin/run-ts.mjs'), resolve(root, 'bench/live-store.ts'), '300', bytePath], { stdio: 'inherit' });
  },
  tiny: () => tinyLogsBench(cli, resolve(root, 'bench/out')),
};
const names = which.length === 0 || which.includes('all') ? Object.keys(sections).filter((n) => !n.startsWith('live-')) : which;
for (const n of names) {
  const f = sections[n];
  if (!f) {
    console.error(`unknown bench '${n}' (have: ${Object.keys(sections).join(', ')})`);
    process.exit(2);
  }
  await f();
}
