import type { InputProblem } from '../core/types.ts';
import type { Aggregate, GroupReport, OutlierRule, ScalingRule } from '../metrics/aggregate.ts';
import type { IterPoint } from '../metrics/iter-history.ts';
import { reportGroups } from '../metrics/report-groups.ts';
import { runReport, type RunReport } from '../metrics/run-report.ts';
import { RunSet, type RunSetOptions } from '../metrics/run-set.ts';
import { enumerateInputs } from '../sources/inputs.ts';
import { bytePathDefault, feedFile } from './byte-feed.ts';

export interface SummaryOptions extends RunSetOptions {
  aggregate?: Aggregate;
  outlier?: OutlierRule;
  /** When a group is marked `scaling` (see aggregate()). */
  scaling?: Partial<ScalingRule>;
  stdin?: NodeJS.ReadableStream;
  /** Called for each problem as it is found (the CLI prints them to stderr at once). */
  onProblem?: (p: InputProblem) => void;
  /** Called as each file starts being read (the CLI's progress bar counts them). */
  onFile?: (path: string) => void;
  /** Parse progress lines from bytes where provably equal (pipeline/byte-feed.ts). Default: on, unless DLPERF_TOP_BYTE_PATH=0. */
  bytePath?: boolean;
}

export interface SummaryResult {
  inputs: string[];
  runs: RunReport[];
  groups: GroupReport[];
  problems: InputProblem[];
  /** Files that are not training logs (reports, CSV copies, result JSON), skipped with a reason. */
  skipped: { file: string; reason: string }[];
  files: number;
  lines: number;
  /** Per run source, its throughput over iterations (only with `history: true`; HTML charts). */
  series?: Map<string, IterPoint[]>;
}

/**
 * Headless: read every input to its end, then report. Streams everything: memory depends on the
 * number of runs, not on the size of the logs.
 */
export async function summarize(inputs: string[], opts: SummaryOptions = {}): Promise<SummaryResult> {
  const set = new RunSet(opts);
  const problems: InputProblem[] = [];
  const skipped: { file: string; reason: string }[] = [];
  const report = (p: InputProblem) => {
    set.noteInputProblem(p);
    problems.push(p);
    opts.onProblem?.(p);
  };
  let files = 0;
  let lines = 0;
  const bytePath = opts.bytePath ?? bytePathDefault();
  const enumOpts = opts.stdin ? { stdin: opts.stdin } : {};
  for await (const item of enumerateInputs(inputs, enumOpts)) {
    if (item.type === 'problem') {
      report(item.problem);
      continue;
    }
    const f = item.file;
    const track = set.openFile(f.path, f.path);
    if (!track) {
      skipped.push({ file: f.path, reason: 'not a training log' });
      // Drain nothing: the archive reader skips the member's data when we move on.
      continue;
    }
    files++;
    opts.onFile?.(f.path);
    lines += await feedFile(set, track, f, (p) => report({ ...p, input: p.input ?? f.input }), bytePath);
    set.endFile(track);
  }
  const runs: RunReport[] = [];
  const series = opts.history ? new Map<string, IterPoint[]>() : undefined;
  for (const run of set.runs.values()) {
    // A file that gave no line at all (binary, unreadable) is reported by its problem, not as a run.
    if (run.files.every((f) => f.lines === 0)) continue;
    const rep = runReport(run, true);
    runs.push(rep);
    const h = run.primary()?.history;
    if (series && h) series.set(rep.source, h.toArray());
    if (rep.status === 'unrecognized') {
      report({ input: run.files[0]?.path ?? rep.source, file: rep.source, kind: 'unrecognized', message: `${rep.reason ?? 'no known log format'} (${run.files.reduce((a, f) => a + f.lines, 0)} lines; skipped, counted)` });
    }
  }
  // Sorted by source and grouped: the same function as the live session's board (one implementation).
  const groups = reportGroups(runs, {
    ...(opts.aggregate ? { aggregate: opts.aggregate } : {}),
    ...(opts.outlier ? { outlier: opts.outlier } : {}),
    ...(opts.scaling ? { scaling: opts.scaling } : {}),
  });
  return { inputs, runs, groups, problems, skipped, files, lines, ...(series ? { series } : {}) };
}
