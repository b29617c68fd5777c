/**
 * "summary on 100k tiny logs": memory must follow what is live, not what was read (issue #12).
 * Two trees of 100,000 files each, generated once under bench/out/: tiny OneFlow logs (a header and
 * two progress lines: each is a run of its own) and 12-byte non-logs; and a .tgz of 16,000 NGC
 * logs of ~10 KiB. `summary --format json` runs on each; its time is printed against
 * `find … | xargs cat` over the same tree (the cost of just opening and reading the files), or
 * `gzip -dc | wc -l` for the archive; its peak RSS against the 300 MB target and as a ratio to a
 * summary of one tiny log measured in the same run (what the process costs before any run).
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATASETS, ensureDataset } from './datasets.ts';
import { measure, shell } from './measure.ts';

const FILES = Number(process.env['BENCH_TINY_FILES'] ?? 100_000);
const PER_DIR = 500;
const TARGET_MIB = 300;

function tinyLog(i: number): string {
  const rate = (1000 + (i % 97)).toFixed(1);
  return [
    'Running resnet50: num_gpu_per_node = 1, num_nodes = 1.',
    'batch_size_per_device = 128',
    `train: epoch 0, iter 20, loss: 7.084341, top_1: 0.000000, top_k: 0.000000, samples/s: ${rate} 1597977161.2`,
    `train: epoch 0, iter 40, loss: 7.084341, top_1: 0.000000, top_k: 0.000000, samples/s: ${rate} 1597977163.8`,
    '',
  ].join('\n');
}

/** Generates the tree once (a marker file says it is complete). */
function ensureTree(dir: string, content: (i: number) => string, name: (i: number) => string): void {
  const marker = join(dir, '.complete');
  if (existsSync(marker)) return;
  const tmp = `${dir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  for (let i = 0; i < FILES; i++) {
    const sub = join(tmp, `d${String(Math.floor(i / PER_DIR)).padStart(4, '0')}`);
    if (i % PER_DIR === 0) mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, name(i)), content(i));
  }
  writeFileSync(join(tmp, '.complete'), `${FILES}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}

export async function tinyLogsBench(cli: string, outDir: string): Promise<void> {
  console.log(`\n== summary on ${FILES / 1000}k tiny logs and ${FILES / 1000}k non-logs (peak RSS target < ${TARGET_MIB} MB)`);
  const logs = join(outDir, `tiny-logs-${FILES}`);
  const junk = join(outDir, `tiny-nonlogs-${FILES}`);
  ensureTree(logs, tinyLog, (i) => `resnet50_b128_fp32_${i}.log`);
  ensureTree(junk, (i) => `x${String(i).padStart(10, '0')}\n`, (i) => `notes_${i}.txt`);
  const archive = ensureDataset(outDir, DATASETS.archive16k);
  const one = await measure([cli, 'summary', '--format', 'json', '-q', join(logs, 'd0000', 'resnet50_b128_fp32_0.log')]);
  const oneMb = (one.maxRssMiB * 2 ** 20) / 1e6;
  console.log(`one tiny log (the process alone)     : peak RSS ${oneMb.toFixed(0)} MB`);
  for (const [label, input, baseline, target] of [
    ['tiny logs', logs, `find '${logs}' -type f -print0 | xargs -0 cat > /dev/null`, TARGET_MIB],
    ['non-logs', junk, `find '${junk}' -type f -print0 | xargs -0 cat > /dev/null`, TARGET_MIB],
    ['archive', archive.tgz, `gzip -dc '${archive.tgz}' | wc -l > /dev/null`, null],
  ] as const) {
    const base = await shell(baseline);
    const ours = await measure([cli, 'summary', '--format', 'json', '-q', input]);
    const mb = (ours.maxRssMiB * 2 ** 20) / 1e6;
    const name = label === 'archive' ? `archive (${archive.files} logs)` : `${label} (${FILES / 1000}k)`;
    console.log(`${name.padEnd(22)} baseline ${label === 'archive' ? 'gzip -dc | wc -l ' : 'find | xargs cat '}: ${base.wallS.toFixed(2)} s`);
    console.log(`${name.padEnd(22)} dlperf-top summary     : ${ours.wallS.toFixed(2)} s (cpu ${ours.cpuS.toFixed(2)} s, peak RSS ${mb.toFixed(0)} MB, ${(ours.stdoutBytes / 1e6).toFixed(1)} MB of JSON)`);
    const verdict = target === null ? 'no target set' : `${mb < target ? 'under' : 'OVER'} the ${target} MB target`;
    console.log(`${name.padEnd(22)} ratios                 : time ${(ours.wallS / base.wallS).toFixed(2)} × the baseline; peak RSS ${(mb / oneMb).toFixed(2)} × one log's, ${verdict}`);
    if (label === 'archive') continue;
    // The default report (Markdown) and CSV: each was one string of the whole text until 2026-12-04.
    for (const format of ['md', 'csv']) {
      const other = await measure([cli, 'summary', '--format', format, '-q', input]);
      const omb = (other.maxRssMiB * 2 ** 20) / 1e6;
      console.log(`${name.padEnd(22)} the same as ${format.padEnd(10)}: ${other.wallS.toFixed(2)} s, peak RSS ${omb.toFixed(0)} MB, ${omb < TARGET_MIB ? 'under' : 'OVER'} the ${TARGET_MIB} MB target`);
    }
  }
}
