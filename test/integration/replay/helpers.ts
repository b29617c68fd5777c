import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { summarize } from '../../../src/pipeline/summarize.ts';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** Every demo archive (replays/*.tgz) and every golden fixture dir (test/fixtures/seeds/<dir>/) present now. */
export function replayInputs(): { name: string; path: string }[] {
  const out: { name: string; path: string }[] = [];
  const rep = join(ROOT, 'replays');
  if (existsSync(rep)) for (const f of readdirSync(rep).sort()) if (f.endsWith('.tgz')) out.push({ name: `replays/${f}`, path: join(rep, f) });
  const seeds = join(ROOT, 'test/fixtures/seeds');
  if (existsSync(seeds)) {
    for (const d of readdirSync(seeds, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (d.isDirectory()) out.push({ name: `seeds/${d.name}`, path: join(seeds, d.name) });
    }
  }
  return out;
}

/** A writable that keeps what it is given. */
export function sink(): { out: Writable; text: () => string } {
  const chunks: string[] = [];
  const out = new Writable({
    write(c: Buffer | string, _e, cb) {
      chunks.push(String(c));
      cb();
    },
  });
  return { out, text: () => chunks.join('') };
}

export interface NdjsonLine {
  type: 'snapshot' | 'event';
  schema: number;
  time: string;
  clock?: string;
  [k: string]: unknown;
}

export function parseNdjson(text: string): NdjsonLine[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => JSON.parse(l) as NdjsonLine);
}

/** source → throughput, per summarize() (the reference). */
export async function summaryFigures(inputs: string[]): Promise<Map<string, number | null>> {
  const s = await summarize(inputs);
  return new Map(s.runs.map((r) => [r.source, r.throughput]));
}

export function snapshotFigures(snap: unknown): Map<string, number | null> {
  const runs = (snap as { runs: { source: string; throughput: number | null }[] }).runs;
  return new Map(runs.map((r) => [r.source, r.throughput]));
}
