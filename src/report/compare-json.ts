import type { CompareResult } from '../compare/compare.ts';
import { VERSION } from '../shared/version.ts';

/** `compare --format json`: exactly spec/compare-json.md (schema 1), plus added keys. */
export function compareJson(r: CompareResult): string {
  const side = (s: CompareResult['baseline']) => ({ inputs: s.inputs, runs: s.runs.length, from_summary_json: s.fromJson, problems: s.problems });
  const doc = {
    schema: 1,
    tool: 'dlperf-top',
    version: VERSION,
    baseline: side(r.baseline),
    candidate: side(r.candidate),
    threshold: r.threshold,
    confidence: r.confidence,
    groups: r.groups,
    verdict: r.verdict,
    method: r.method,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
