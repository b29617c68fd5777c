#!/usr/bin/env node
// Runs the bundle in dist/ (built by `npm ci` through the prepare script) while it matches the
// sources; otherwise (not built, or a source file changed since) runs the TypeScript sources
// through tsx. Either way there is no build step to forget: a missing or stale bundle only costs
// start-up time and memory. DLPERF_TOP_FROM_SOURCE=1 forces the sources.
import { readFileSync } from 'node:fs';
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

const entry = bundleEntry();
let main;
if (entry) {
  ({ main } = await import(entry));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
