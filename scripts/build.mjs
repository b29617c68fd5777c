#!/usr/bin/env node
// Bundles src/ into dist/ with esbuild (run by `npm ci` / `npm install` through the `prepare`
// script, and by `npm run build`). Why: running the TypeScript sources through tsx costs a loader
// thread, an esbuild child process and ~35 MiB of memory in every dlperf-top process, which
// matters for a tool that sits on a benchmark node. The bundle is optional: bin/dlperf-top.mjs
// falls back to the sources when dist/ is missing or older than them, so this never fails the
// install (a failed build is reported and the sources are used).
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceSignature } from '../bin/source-signature.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const tmp = join(root, `dist.tmp-${process.pid}`);
const old = join(root, `dist.old-${process.pid}`);

try {
  const signature = sourceSignature(root);
  const esbuild = await import('esbuild');
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await esbuild.build({
    // summary's worker thread is its own entry (dist/summary-worker.mjs, sharing the chunks),
    // started by pipeline/summary-thread.ts from the chunk next to it.
    entryPoints: { main: join(root, 'src/cli/main.ts'), 'summary-worker': join(root, 'src/pipeline/summary-worker.ts') },
    bundle: true,
    splitting: true, // live, replay, launch and the Ink screen stay separate chunks, loaded on use
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external', // dependencies are loaded from node_modules as they are
    jsx: 'automatic',
    sourcemap: 'linked',
    outdir: tmp,
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
  });
  writeFileSync(join(tmp, 'build.json'), JSON.stringify({ signature, esbuild: esbuild.version, builtAt: new Date().toISOString() }, null, 2) + '\n');
  rmSync(old, { recursive: true, force: true });
  try {
    renameSync(dist, old);
  } catch {
    // no earlier build
  }
  renameSync(tmp, dist);
  rmSync(old, { recursive: true, force: true });
  if (!process.argv.includes('--quiet')) console.log(`dlperf-top: built dist/ (esbuild ${esbuild.version})`);
} catch (e) {
  rmSync(tmp, { recursive: true, force: true });
  console.warn(`dlperf-top: could not build dist/ (${e instanceof Error ? e.message : String(e)}); the TypeScript sources will be run through tsx instead`);
}
