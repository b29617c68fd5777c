import { resolve } from 'node:path';
import { ensureLargeArchive } from './large-archive.ts';
import { liveBench } from './live-bench.ts';
import { measure, shell } from './measure.ts';
import { tinyLogsBench } from './tiny-logs.ts';

/**
 * `npm run bench [-- summary|replay|live|tiny|all]`: performance claims, measured against a baseline in
 * the same run and printed as ratios. Nothing here is asserted by the test suite (timings on a
 * shared 2-core machine are not a pass/fail signal).
 */
const root = resolve(new URL('..', import.meta.url).pathname);
const which = process.argv[2] ?? 'all';
const cli = resolve(root, 'bin/dlperf-top.mjs');

async function bigArchive(): Promise<string> {
  const archive = resolve(root, 'bench/out/large-rn50.tgz');
  const a = await ensureLargeArchive(archive);
  console.log(`archive: ${archive} (${(a.bytes / 2 ** 20).toFixed(0)} MiB compressed, ~${(a.textBytes / 2 ** 30).toFixed(2)} GiB of log text)`);
  return archive;
}

async function benchSummary(): Promise<void> {
  console.log('\n== summary over a large archive vs `gzip -dc ARCHIVE | wc -l`');
  const archive = await bigArchive();
  const base = await shell(`gzip -dc '${archive}' | wc -l`);
  const ours = await measure([cli, 'summary', '--format', 'json', archive]);
  console.log(`baseline gzip -dc | wc -l : ${base.wallS.toFixed(2)} s`);
  console.log(`dlperf-top summary        : ${ours.wallS.toFixed(2)} s (cpu ${ours.cpuS.toFixed(2)} s, peak RSS ${ours.maxRssMiB.toFixed(0)} MiB)`);
  console.log(`ratio summary / baseline  : ${(ours.wallS / base.wallS).toFixed(2)}  (target < 1.5)`);
}

async function benchReplay(): Promise<void> {
  console.log('\n== replay --speed max --headless vs summary, same archive');
  const archive = await bigArchive();
  const sum = await measure([cli, 'summary', '--format', 'json', archive]);
  const rep = await measure([cli, 'replay', '--headless', '--speed', 'max', archive]);
  console.log(`summary                   : ${sum.wallS.toFixed(2)} s (peak RSS ${sum.maxRssMiB.toFixed(0)} MiB)`);
  console.log(`replay --speed max        : ${rep.wallS.toFixed(2)} s (peak RSS ${rep.maxRssMiB.toFixed(0)} MiB)`);
  console.log(`ratio replay / summary    : ${(rep.wallS / sum.wallS).toFixed(2)}  (target ≤ 1.5)`);
}

const sections: Record<string, () => Promise<void>> = {
  summary: benchSummary,
  replay: benchReplay,
  live: () => liveBench(cli),
  tiny: () => tinyLogsBench(cli, resolve(root, 'bench/out')),
};
const names = which === 'all' ? Object.keys(sections) : [which];
for (const n of names) {
  const f = sections[n];
  if (!f) {
    console.error(`unknown bench '${n}' (have: ${Object.keys(sections).join(', ')})`);
    process.exit(2);
  }
  await f();
}
