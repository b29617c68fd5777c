#!/usr/bin/env node
// Run a TypeScript entry point of this repo (bench, scripts) without a build step.
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
// The repo's tsconfig whatever the working directory (its JSX setting: see bin/dlperf-top.mjs).
register({ tsconfig: path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'tsconfig.json') });
const [entry, ...rest] = process.argv.slice(2);
if (!entry) { console.error('usage: run-ts.mjs FILE.ts [args]'); process.exit(2); }
process.argv = [process.argv[0], path.resolve(entry), ...rest];
await import(pathToFileURL(path.resolve(entry)).href);
