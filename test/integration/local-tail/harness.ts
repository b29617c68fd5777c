/** Shared helpers for the local tail integration tests: a recording emit, waits, temp dirs. */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LineEvent } from '../../../src/core/types.ts';
import type { SourceEvent, SourceStatus } from '../../../src/sources/types.ts';
import { createLocalSource, type LocalSourceOptions } from '../../../src/sources/local-tail.ts';
import type { LiveSource } from '../../../src/sources/types.ts';

export class Recorder {
  readonly events: SourceEvent[] = [];
  emitCalls = 0;
  lineEmitCalls = 0;
  readonly emit = (events: SourceEvent[]): void => {
    this.emitCalls++;
    if (events.some((e) => e.type === 'line')) this.lineEmitCalls++;
    for (const e of events) this.events.push(e);
  };
  lines(file?: string): Array<LineEvent & { type: 'line' }> {
    return this.events.filter((e): e is LineEvent & { type: 'line' } => e.type === 'line' && (file === undefined || e.file === file));
  }
  texts(file?: string): string[] {
    return this.lines(file).map((l) => l.text);
  }
  statuses(file?: string): SourceStatus[] {
    return this.events.filter((e): e is SourceStatus => e.type === 'status' && (file === undefined || e.file === file));
  }
}

/** Poll `cond` every few ms until it holds; fail with `what` (and a dump) after `timeoutMs`. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000, dump?: () => unknown): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) {
      const extra = dump ? `\n${JSON.stringify(dump(), null, 1).slice(0, 3000)}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${extra}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface Fixture {
  dir: string;
  rec: Recorder;
  source: LiveSource;
  p: (...parts: string[]) => string;
  cleanup: () => Promise<void>;
}

/** A temp dir (as cwd) and a source over it; `cleanup` stops the source and removes the dir. */
export function fixture(options: Partial<LocalSourceOptions> & { patterns: string[] }): Fixture {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'dlperf-tail-')));
  const rec = new Recorder();
  let clock = 1_000;
  const source = createLocalSource({ emit: rec.emit, now: () => clock++, cwd: dir, ...options });
  return {
    dir,
    rec,
    source,
    p: (...parts) => path.join(dir, ...parts),
    cleanup: async () => {
      await source.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What the lines of a file's content are, the way the tail should report them. */
export function expectedLines(content: string): string[] {
  const parts = content.split('\n');
  parts.pop(); // after the last newline: empty (or a partial line, not reported)
  return parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}
