#!/usr/bin/env node
// Runs the bundle in dist/ (built by `npm ci` through the prepare script) while it matches the
// sources; otherwise (not built, or a source file changed since) runs the TypeScript sources
// through tsx. Either way there is no build step to forget: a missing or stale bundle only costs
// start-up time and memory. DLPERF_TOP_FROM_SOURCE=1 forces the sources.
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sourceSignature } from './source-signature.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function bundleEntry() {
  if (process.env.DLPERF_TOP_FROM_SOURCE === '1') return null;
  try {
    const built = JSON.parse(readFileSync(join(root, 'dist', 'build.json'), 'utf8'));
    return built.signature === sourceSignature(root) ? pathToFileURL(join(root, 'dist', 'main.mjs')).href : null;
  } catch {
    return null;
  }
}

// `summary` reads many files and keeps little of each: under V8's default heap growth (up to 4×
// the live heap between full collections on a machine with a large heap limit) its peak RSS was
// about three times what is live (100k tiny logs: 614 MB, 3,000 small logs in a .tgz: 236 MiB).
// Letting the old generation grow by 50 % per collection cuts that (README, Performance) but costs
// CPU where the live heap is small and the churn high: small-3000 as a directory took 9.6 s of CPU
// instead of 5.2 s (perfset.tgz: no difference). A trade, measured, not free. It is a GC
// heuristic, not a limit: nothing fails at any size.
// A heap flag given by the user (NODE_OPTIONS, node's own arguments) wins;
// DLPERF_TOP_HEAP_GROWING=0 keeps V8's default (for measuring).
//
// `live --headless` on many busy files is the same shape: a live heap of ≈ 100 MB at 1,024
// streams (tails, windows, series) and a steady churn of lines that live a few seconds in the
// log tails, so they die in the old generation. Its peak RSS was 2.5–3.5× the live heap (bench
// live-1024: 332–372 MiB); with 50 % growth the marking comes more often, over the same ≈ 100 MB
// (232 / 236 MiB). `live` uses 30 %, headless or not, as measured for the TUI: on 5,000 idle files its old generation grew to 250 MB between full
// collections while 50–70 MB were live (Ink's frames and the snapshots' rows, ~50 MB/s of
// short-lived objects, promoted by the scavenges they outlive): peak RSS 350–390 MiB with V8's
// default, ≈ 200 MiB at 30 % (README, Performance). Live's heap is small, so the extra
// collections are cheap there.
function heapGrowingPercent(argv) {
  if (argv[0] === 'summary') return 50;
  if (argv[0] === 'live') return 30;
  return undefined;
}

function batchHeapGrowth(argv) {
  const percent = heapGrowingPercent(argv);
  if (percent === undefined || process.env.DLPERF_TOP_HEAP_GROWING === '0') return;
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  if (/heap-growing-percent|optimize-for-size|max-old-space-size|max-heap-size/.test(given)) return;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}

batchHeapGrowth(process.argv.slice(2));

// `summary` starts with its young generation held at its initial size; the first big file lets it
// grow (src/pipeline/young-generation.ts says why and what was measured). A semi-space flag given
// by the user wins; DLPERF_TOP_YOUNG_HELD=0 keeps V8's default (for measuring).
function holdYoungGeneration(argv) {
  if (argv[0] !== 'summary' || process.env.DLPERF_TOP_YOUNG_HELD === '0') return;
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  if (/semi-space|optimize-for-size/.test(given)) return;
  setFlagsFromString('--semi-space-growth-factor=1');
  process.env.DLPERF_TOP_YOUNG_HELD = '1';
}

holdYoungGeneration(process.argv.slice(2));
const entry = bundleEntry();
let main;
/** Out of descriptors while loading the tool's own code (ulimit -n of a few dozen): said as main says it, not a stack. */
function tooFewFiles(e) {
  if (e?.code !== 'EMFILE' && e?.code !== 'ENFILE') throw e;
  process.stderr.write(`dlperf-top: the limit on open files is too low for dlperf-top to start (${e.message})\n  hint: raise it (ulimit -n 1024) and run again\n`);
  process.exit(1);
}
if (entry) {
  ({ main } = await import(entry).catch(tooFewFiles));
} else {
  const { register } = await import('tsx/esm/api');
  // The repo's tsconfig, not one found from the working directory: run from a log directory (no
  // tsconfig there), tsx compiled the TUI's JSX for a global React ("React is not defined").
  register({ tsconfig: join(root, 'tsconfig.json') });
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
