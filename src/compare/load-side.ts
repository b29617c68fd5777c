import { readFile, stat } from 'node:fs/promises';
import type { GroupReport } from '../metrics/aggregate.ts';
import type { RunReport } from '../metrics/run-report.ts';
import { summarize, type SummaryOptions, type SummaryResult } from '../pipeline/summarize.ts';

/** One side of a comparison: what `summary` produced for it, read fresh or from its JSON. */
export interface Side {
  inputs: string[];
  runs: RunReport[];
  groups: GroupReport[];
  problems: SummaryResult['problems'];
  /** The input was an earlier `summary --format json` output (its numbers are taken as they are). */
  fromJson: boolean;
  /** Runs read (logs) or listed (JSON). */
  summary: SummaryResult | null;
}

/** Why a side cannot be used: the CLI turns it into a usage error naming the file. */
export class SideError extends Error {}

/**
 * An input ending in `.json` is an earlier `summary --format json` (checked: schema 1, tool
 * dlperf-top, runs[] and groups[]); anything else goes through the summary pipeline, so a side's
 * medians are always the ones `summary` prints (never recomputed here).
 */
export async function loadSide(input: string, opts: SummaryOptions): Promise<Side> {
  if (/\.json$/i.test(input)) {
    const st = await stat(input).catch(() => null);
    if (st?.isFile()) return sideFromJson(input, await readFile(input, 'utf8'));
  }
  const s = await summarize([input], opts);
  return { inputs: s.inputs, runs: s.runs, groups: s.groups, problems: s.problems, fromJson: false, summary: s };
}

export function sideFromJson(input: string, text: string): Side {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new SideError(`${input}: not valid JSON (${(e as Error).message})`);
  }
  const d = doc as Record<string, unknown>;
  if (!d || typeof d !== 'object' || d.tool !== 'dlperf-top') throw new SideError(`${input}: not a dlperf-top summary JSON (no "tool": "dlperf-top")`);
  if ('baseline' in d && 'candidate' in d) throw new SideError(`${input}: is a compare output; give the summary JSON of one set (dlperf-top summary --format json)`);
  if (d.schema !== 1) throw new SideError(`${input}: summary JSON schema ${JSON.stringify(d.schema)}, this version reads schema 1`);
  if (!Array.isArray(d.groups) || !Array.isArray(d.runs)) throw new SideError(`${input}: summary JSON without runs[] and groups[]`);
  const groups = (d.groups as GroupReport[]).filter((g) => g && typeof g === 'object');
  const runs = (d.runs as RunReport[]).filter((r) => r && typeof r === 'object').map((r) => ({ ...r, flags: Array.isArray(r.flags) ? r.flags : [] }));
  for (const g of groups) if (!Array.isArray(g.flags)) g.flags = [];
  return { inputs: [input], runs, groups, problems: Array.isArray(d.problems) ? (d.problems as Side['problems']) : [], fromJson: true, summary: null };
}
