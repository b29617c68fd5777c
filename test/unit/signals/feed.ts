/** Test helper: push raw log lines (wrappers and all) through unwrap() into a detector. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Flag, LineEvent } from '../../../src/core/types.ts';
import { unwrap } from '../../../src/formats/unwrap.ts';
import type { LineDetector, RunContext } from '../../../src/signals/types.ts';

export interface RawLine {
  readonly text: string;
  readonly node?: string;
  readonly file?: string;
}

/** Read a fixture from test/fixtures/signals/ as lines (no trailing empty line). */
export function fixture(name: string): string[] {
  const path = fileURLToPath(new URL(`../../fixtures/signals/${name}`, import.meta.url));
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Feed lines in order; line numbers count per file from 1, time is 1000 ms per line.
 * Returns everything onLine() raised.
 */
export function feed(detector: LineDetector, lines: ReadonlyArray<string | RawLine>, defaults: { node?: string; file?: string } = {}): Flag[] {
  const lineNos = new Map<string, number>();
  const raised: Flag[] = [];
  let t = 0;
  for (const l of lines) {
    const raw: RawLine = typeof l === 'string' ? { text: l } : l;
    const node = raw.node ?? defaults.node ?? 'node0';
    const file = raw.file ?? defaults.file ?? `${node}.log`;
    const lineNo = (lineNos.get(file) ?? 0) + 1;
    lineNos.set(file, lineNo);
    t += 1000;
    const ev: LineEvent = { node, file, offset: 0, lineNo, text: raw.text, time: t };
    const out = detector.onLine(unwrap(raw.text), ev);
    if (out) raised.push(...out);
  }
  return raised;
}

/** Lines of one node/file, for mixing with {@link interleave}. */
export function onNode(node: string, lines: readonly string[], file = `${node}.log`): RawLine[] {
  return lines.map((text) => ({ text, node, file }));
}

/** Round-robin merge, as lines of several files arrive in a live session. */
export function interleave<T>(...streams: ReadonlyArray<readonly T[]>): T[] {
  const out: T[] = [];
  const max = Math.max(...streams.map((s) => s.length));
  for (let i = 0; i < max; i++) for (const s of streams) if (i < s.length) out.push(s[i]!);
  return out;
}

export function ctx(numNodes: number | null, nodes: readonly string[] = ['node0'], ended = true): RunContext {
  return { numNodes, nodes, ended, windowComplete: ended };
}
