import type { RunIdentity } from '../core/types.ts';
import { groupKey, isLayoutGroup, type GroupReport } from '../metrics/aggregate.ts';
import type { RunReport } from '../metrics/run-report.ts';
import { BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, changeInterval } from './bootstrap.ts';
import { candidateFlags, type CandidateFlag } from './candidate-flags.ts';
import type { Side } from './load-side.ts';
import { judge, VERDICT_ORDER, type InconclusiveReason, type Verdict } from './verdict.ts';

export interface CompareOptions {
  /** Smallest relative change that matters. @default 0.02 */
  threshold: number;
  /** Confidence of the interval. @default 0.95 */
  confidence: number;
}

export interface SideStats {
  runs: number;
  median_throughput: number | null;
  cv: number | null;
  /** Added: the repeats' figures the interval is drawn from, and their sources. */
  throughputs: number[];
  sources: string[];
}

const IDENTITY = ['framework', 'model', 'precision', 'num_nodes', 'gpu_num_per_node', 'batch_size_per_device'] as const;
export const LAYOUT_KEYS = [
  'data_parallel_size', 'tensor_model_parallel_size', 'pipeline_model_parallel_size', 'micro_batch_size',
  'global_batch_size', 'seq_length', 'num_layers', 'hidden_size', 'num_attention_heads',
] as const;

export interface CompareGroup extends Partial<Record<(typeof LAYOUT_KEYS)[number], number | null>> {
  framework: string | null;
  model: string | null;
  precision: string | null;
  num_nodes: number | null;
  gpu_num_per_node: number | null;
  batch_size_per_device: number | null;
  baseline: SideStats;
  candidate: SideStats;
  change: number | null;
  interval: [number, number] | null;
  verdict: Verdict;
  reason: string;
  /** Added: for `inconclusive`, which of the two reasons (machine-readable). */
  inconclusive_reason: InconclusiveReason | null;
  /** Added: the candidate's findings on this configuration (also named at the end of `reason`). */
  candidate_flags: CandidateFlag[];
}

export interface CompareResult {
  baseline: Side;
  candidate: Side;
  threshold: number;
  confidence: number;
  groups: CompareGroup[];
  verdict: Verdict;
  method: { name: 'bootstrap-median-ratio'; resamples: number; seed: number };
}

/** The figures of a group's repeats, in the order of its sources (runs with a figure only). */
function membersOf(side: Side, g: GroupReport): RunReport[] {
  const ok = (r: RunReport) => r.throughput !== null && r.status !== 'unrecognized' && r.status !== 'error';
  if (Array.isArray(g.sources)) {
    const bySource = new Map(side.runs.map((r) => [r.source, r]));
    return g.sources.map((s) => bySource.get(s)).filter((r): r is RunReport => !!r && ok(r));
  }
  const k = keyOf(g);
  return side.runs.filter((r) => ok(r) && groupKey(r) === k);
}

const keyOf = (g: GroupReport) => groupKey({ repeat: null, ...g } as RunIdentity);

function stats(side: Side, g: GroupReport | undefined): SideStats {
  if (!g) return { runs: 0, median_throughput: null, cv: null, throughputs: [], sources: [] };
  const m = membersOf(side, g);
  return { runs: g.runs, median_throughput: g.median_throughput, cv: g.cv, throughputs: m.map((r) => r.throughput!), sources: m.map((r) => r.source) };
}

/** Match configurations across the two sides (summary's group key) and judge each. */
export function compareSides(baseline: Side, candidate: Side, opts: CompareOptions): CompareResult {
  const keys = new Map<string, { b?: GroupReport; c?: GroupReport }>();
  for (const g of baseline.groups) keys.set(keyOf(g), { ...keys.get(keyOf(g)), b: g });
  for (const g of candidate.groups) keys.set(keyOf(g), { ...keys.get(keyOf(g)), c: g });
  const groups: CompareGroup[] = [];
  for (const { b, c } of keys.values()) {
    const id = (c ?? b)!;
    const row = {} as CompareGroup;
    for (const k of IDENTITY) (row as unknown as Record<string, unknown>)[k] = id[k] ?? null;
    if (isLayoutGroup(id)) for (const k of LAYOUT_KEYS) row[k] = id[k] ?? null;
    row.baseline = stats(baseline, b);
    row.candidate = stats(candidate, c);
    row.candidate_flags = c ? candidateFlags(c, candidate.runs) : [];
    const mb = row.baseline.median_throughput;
    const mc = row.candidate.median_throughput;
    if (mb === null || mc === null || !(mb > 0)) {
      row.change = null;
      row.interval = null;
      row.verdict = 'missing';
      row.inconclusive_reason = null;
      row.reason = missingReason(b, c, mb);
    } else {
      row.change = mc / mb - 1;
      row.interval = changeInterval(row.baseline.throughputs, row.candidate.throughputs, opts.confidence);
      const j = judge({ change: row.change, interval: row.interval, baselineRuns: row.baseline.runs, candidateRuns: row.candidate.runs, threshold: opts.threshold, confidence: opts.confidence });
      row.verdict = j.verdict;
      row.inconclusive_reason = j.inconclusive;
      row.reason = j.reason;
    }
    if (row.candidate_flags.length) row.reason += `; ${row.candidate_flags.map((f) => f.text).join('; ')}`;
    groups.push(orderKeys(row));
  }
  const verdict = groups.reduce<Verdict>((w, g) => (VERDICT_ORDER.indexOf(g.verdict) < VERDICT_ORDER.indexOf(w) ? g.verdict : w), 'unchanged');
  return { baseline, candidate, threshold: opts.threshold, confidence: opts.confidence, groups, verdict, method: { name: 'bootstrap-median-ratio', resamples: BOOTSTRAP_RESAMPLES, seed: BOOTSTRAP_SEED } };
}

function missingReason(b: GroupReport | undefined, c: GroupReport | undefined, mb: number | null): string {
  if (!b) return 'only in the candidate (no such configuration in the baseline)';
  if (!c) return 'only in the baseline (no such configuration in the candidate)';
  const side = mb === null ? b : c;
  return `no run with a figure in the ${side === b ? 'baseline' : 'candidate'} (${side.runs_found ?? 0} run(s) found, none completed its window)`;
}

/** Keys in the contract's order (compare-json.md), added keys after. */
function orderKeys(g: CompareGroup): CompareGroup {
  const out: Record<string, unknown> = {};
  const order = [...IDENTITY, ...LAYOUT_KEYS, 'baseline', 'candidate', 'change', 'interval', 'verdict', 'reason', 'inconclusive_reason', 'candidate_flags'];
  for (const k of order) if (k in g) out[k] = (g as unknown as Record<string, unknown>)[k];
  return out as unknown as CompareGroup;
}

/** Worst verdict first, then the summary's configuration order. */
export function byVerdict(groups: readonly CompareGroup[]): CompareGroup[] {
  return groups.map((g, i) => ({ g, i })).sort((a, b) => VERDICT_ORDER.indexOf(a.g.verdict) - VERDICT_ORDER.indexOf(b.g.verdict) || a.i - b.i).map((x) => x.g);
}

export const configName = (g: Pick<CompareGroup, 'framework' | 'model' | 'precision' | 'num_nodes' | 'gpu_num_per_node' | 'batch_size_per_device'> & Partial<Record<(typeof LAYOUT_KEYS)[number], number | null>>): string =>
  [g.framework ?? '?', g.model ?? '?', g.precision ?? '?', `${g.num_nodes ?? '?'}n${g.gpu_num_per_node ?? '?'}g`, `bs${g.batch_size_per_device ?? '?'}`, g.data_parallel_size != null ? `dp${g.data_parallel_size}×tp${g.tensor_model_parallel_size ?? 1}×pp${g.pipeline_model_parallel_size ?? 1}` : '']
    .filter(Boolean)
    .join(' ');
