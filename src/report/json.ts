import type { SummaryResult } from '../pipeline/summarize.ts';
import { VERSION } from '../shared/version.ts';

/** `summary --format json`: exactly spec/summary-json.md (schema 1), plus added keys. */
export function summaryJson(s: SummaryResult): string {
  const doc = {
    schema: 1,
    tool: 'dlperf-top',
    version: VERSION,
    inputs: s.inputs,
    runs: s.runs,
    groups: s.groups,
    problems: s.problems,
    skipped: s.skipped,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
