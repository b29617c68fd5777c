/**
 * What `summary` makes of a result: the report text (any format) and the exit code with its
 * message. Apart from the command so that summary's worker (pipeline/summary-worker.ts) makes
 * them where the result is, with the same code: the result (16,000 runs: 21 MiB serialized, then
 * a second copy on the main thread) never crosses threads, only the text does.
 */

import type { SummaryResult } from '../pipeline/summarize.ts';
import { summaryCsvPieces } from '../report/csv.ts';
import { summaryJsonChunks } from '../report/json.ts';
import { summaryMarkdownPieces } from '../report/markdown.ts';
import { visible } from '../shared/sanitize.ts';
import { isRecognisedRun } from '../metrics/run-report.ts';
import { EXIT } from './errors.ts';
import { checkChart, reportText } from './report-format.ts';
import type { InputProblem } from '../core/types.ts';

/** Data only (it is sent to the worker). */
export interface OutcomeSpec {
  format: string;
  /** `--chart`, already checked. */
  chart: string | undefined;
  failOn: string[];
}

export interface Verdict {
  code: number;
  /** A line for stderr, or null. */
  message: string | null;
}

/** The report text, in pieces (JSON is written as it is made, one run at a time: 100k runs are a 190 MB document). */
export async function summaryText(result: SummaryResult, spec: OutcomeSpec): Promise<Iterable<string>> {
  const f = spec.format;
  if (f === 'json') return summaryJsonChunks(result);
  if (f === 'csv') return summaryCsvPieces(result);
  if (f === 'html' || f === 'svg') return [await reportText(result, f, checkChart(spec.chart, f))];
  return summaryMarkdownPieces(result);
}

const INPUT_ERRORS = new Set<InputProblem['kind']>(['unreadable', 'corrupt_archive', 'truncated_archive']);

/** The exit code, and what to say on stderr about it. */
export function summaryVerdict(result: SummaryResult, spec: OutcomeSpec): Verdict {
  const recognised = result.runs.filter(isRecognisedRun);
  if (recognised.length === 0) return { code: EXIT.noRuns, message: `dlperf-top: no run recognised in ${visible(result.inputs.join(', '))} (${result.files} file(s) read)\n` };
  const failOn = new Set(spec.failOn);
  if (failOn.size) {
    const hits = [...result.runs.flatMap((r) => r.flags.map((f) => ({ where: r.source, f }))), ...result.groups.flatMap((g) => g.flags.map((f) => ({ where: `${g.model} ${g.num_nodes}n${g.gpu_num_per_node}g`, f })))].filter((h) => failOn.has(h.f.kind));
    if (hits.length) {
      return { code: EXIT.failOn, message: `dlperf-top: --fail-on matched ${hits.length} finding(s): ${[...new Set(hits.map((h) => `${h.f.kind} (${visible(h.where ?? '')})`))].slice(0, 10).join(', ')}\n` };
    }
  }
  if (result.problems.some((p) => INPUT_ERRORS.has(p.kind))) return { code: EXIT.inputErrors, message: null };
  return { code: EXIT.ok, message: null };
}
