import { mean as ssMean, standardDeviation } from 'simple-statistics';
import type { Flag, RunIdentity } from '../core/types.ts';
import { median } from './rolling.ts';
import { pyRound } from './round.ts';
import type { RunReport } from './run-report.ts';
import { DEFAULT_SCALING_RULE, flagScaling, type ScalingRule } from './scaling.ts';

export { DEFAULT_SCALING_RULE, type ScalingRule } from './scaling.ts';

export type Aggregate = 'median' | 'mean' | 'olympic';

export interface OutlierRule {
  /** Smallest relative distance from the group median that can be an outlier. @default 0.03 */
  minRelative: number;
  /** Distance in robust standard deviations (1.4826 × MAD) beyond which a repeat stands apart. @default 3.5 */
  madK: number;
}

export const DEFAULT_OUTLIER_RULE: OutlierRule = { minRelative: 0.03, madK: 3.5 };

const LAYOUT_KEYS = [
  'data_parallel_size', 'tensor_model_parallel_size', 'pipeline_model_parallel_size', 'micro_batch_size',
  'global_batch_size', 'seq_length', 'num_layers', 'hidden_size', 'num_attention_heads',
] as const;
/** Fields a GPT-style group shares with its 1-node-1-GPU baseline (the model itself and its micro batch). */
const MODEL_SHAPE_KEYS = ['micro_batch_size', 'seq_length', 'num_layers', 'hidden_size', 'num_attention_heads'] as const;

export function isLayoutGroup(r: Partial<RunIdentity>): boolean {
  return LAYOUT_KEYS.some((k) => r[k] !== null && r[k] !== undefined);
}

export interface GroupReport extends Partial<RunIdentity> {
  framework: string | null;
  model: string | null;
  precision: string | null;
  num_nodes: number | null;
  gpu_num_per_node: number | null;
  batch_size_per_device: number | null;
  /** Runs with a figure. */
  runs: number;
  /** Added: runs found for the configuration, with or without a figure. */
  runs_found: number;
  /** Added: repeats the sweep implies (the most repeats any sibling configuration has, or the highest repeat index). */
  runs_expected: number;
  /** The same number under the name spec/ndjson.md's groups use (both kept: scripts read either). */
  repeats_expected: number;
  /** Added: the aggregate (per --aggregate) that speedups are computed from. */
  throughput: number | null;
  aggregate: Aggregate;
  median_throughput: number | null;
  mean_throughput: number | null;
  min_throughput: number | null;
  max_throughput: number | null;
  cv: number | null;
  speedup: number | null;
  scaling_efficiency: number | null;
  latency_ms: number | null;
  memory_mib: number | null;
  /** Added: what the group's throughput counts (its runs' unit), and their median TFLOP/s per GPU. */
  throughput_unit?: string | null;
  tflops_per_gpu?: number | null;
  flags: Flag[];
  /** Added: sources of the runs, in repeat order. */
  sources: string[];
}

function isGptLike(r: RunIdentity): boolean {
  return LAYOUT_KEYS.some((k) => r[k] !== null && r[k] !== undefined);
}

/** The configuration a run belongs to (what makes runs repeats of each other); `compare` matches groups by it. */
export function groupKey(r: RunIdentity): string {
  const base = [r.framework, r.model, r.precision, r.num_nodes, r.gpu_num_per_node, r.batch_size_per_device];
  if (isGptLike(r)) for (const k of LAYOUT_KEYS) base.push(r[k] ?? null);
  return JSON.stringify(base);
}

/** What a group is compared with for its speedup: the same job on one GPU. */
export function baselineKey(r: RunIdentity): string {
  const base: unknown[] = [r.framework, r.model, r.precision, r.batch_size_per_device];
  if (isGptLike(r)) for (const k of MODEL_SHAPE_KEYS) base.push(r[k] ?? null);
  return JSON.stringify(base);
}

/** Siblings: the same sweep (framework, model, precision, batch), any scale. GPT layouts are each their own sweep. */
function siblingKey(r: RunIdentity): string {
  return isGptLike(r) ? groupKey(r) : JSON.stringify([r.framework, r.model, r.precision, r.batch_size_per_device]);
}

function aggregateOf(values: number[], how: Aggregate): number | null {
  if (values.length === 0) return null;
  if (how === 'mean') return ssMean(values);
  if (how === 'olympic') {
    if (values.length < 3) return ssMean(values);
    const s = [...values].sort((a, b) => a - b).slice(1, -1); // MLPerf: drop the best and the worst
    return ssMean(s);
  }
  return median(values);
}

export interface AggregateOptions {
  /** How repeats combine into the group's figure. @default 'median' */
  aggregate?: Aggregate;
  /** When a repeat is an `outlier`. @default {@link DEFAULT_OUTLIER_RULE} (≥ 3 % and > 3.5 robust SD) */
  outlier?: OutlierRule;
  /**
   * When a group is marked `scaling`: its efficiency is more than `maxDrop` (absolute, default 0.10)
   * below the best efficiency of its smaller siblings with more than one GPU; with `multiNodeOnly`
   * (default true) only groups spanning several nodes are judged. Missing fields take the defaults
   * of {@link DEFAULT_SCALING_RULE}.
   */
  scaling?: Partial<ScalingRule>;
  /** Decimals a run's figure is rounded to before the median (DLPerf's NGC scripts: 2). */
  roundTo?: (r: RunReport) => number | undefined;
}

/**
 * Group runs by configuration and compute DLPerf's figures: median (or mean/olympic) of the
 * repeats, speedup against the 1-node-1-GPU group of the same framework, model, precision and
 * batch size (null when that baseline is missing, never 0 or 1.0), scaling efficiency, and
 * group-level findings (outlier repeats, missing repeats, scaling well below smaller siblings').
 */
export function aggregate(runs: RunReport[], opts: AggregateOptions = {}): GroupReport[] {
  const how = opts.aggregate ?? 'median';
  const rule = opts.outlier ?? DEFAULT_OUTLIER_RULE;
  const groupMembers = new Map<GroupReport, RunReport[]>();
  const byKey = new Map<string, RunReport[]>();
  for (const r of runs) {
    if (r.status === 'unrecognized' || r.status === 'error') continue;
    const k = groupKey(r);
    const list = byKey.get(k) ?? [];
    list.push(r);
    byKey.set(k, list);
  }
  const groups: GroupReport[] = [];
  for (const members of byKey.values()) {
    members.sort((a, b) => (a.repeat ?? 0) - (b.repeat ?? 0) || a.source.localeCompare(b.source));
    const first = members[0]!;
    const vals = members.filter((m) => m.throughput !== null).map((m) => m.throughput!);
    const round = opts.roundTo?.(first);
    const r2 = (x: number | null) => (x === null || round === undefined ? x : pyRound(x, round));
    const med = median(vals);
    const g: GroupReport = {
      framework: first.framework,
      model: first.model,
      precision: first.precision,
      num_nodes: first.num_nodes,
      gpu_num_per_node: first.gpu_num_per_node,
      batch_size_per_device: first.batch_size_per_device,
      runs: vals.length,
      runs_found: members.length,
      runs_expected: members.length,
      repeats_expected: members.length,
      throughput: r2(aggregateOf(vals, how)),
      aggregate: how,
      median_throughput: r2(med),
      mean_throughput: vals.length ? r2(ssMean(vals)) : null,
      min_throughput: vals.length ? Math.min(...vals) : null,
      max_throughput: vals.length ? Math.max(...vals) : null,
      cv: vals.length >= 2 ? standardDeviation(vals) / ssMean(vals) : vals.length === 1 ? 0 : null,
      speedup: null,
      scaling_efficiency: null,
      latency_ms: median(members.filter((m) => m.latency_ms !== null).map((m) => m.latency_ms!)),
      memory_mib: median(members.filter((m) => m.memory_mib !== null).map((m) => m.memory_mib!)),
      throughput_unit: first.throughput_unit ?? null,
      tflops_per_gpu: median(members.filter((m) => m.tflops_per_gpu != null).map((m) => m.tflops_per_gpu!)),
      flags: [],
      sources: members.map((m) => m.source),
    };
    if (isGptLike(first)) for (const k of LAYOUT_KEYS) (g as unknown as Record<string, unknown>)[k] = first[k] ?? null;
    flagOutliers(g, members, med, rule);
    groups.push(g);
    groupMembers.set(g, members);
  }
  // Speedup and completeness need the whole set.
  const baselines = new Map<string, GroupReport>();
  for (const g of groups) if (g.num_nodes === 1 && g.gpu_num_per_node === 1 && g.throughput !== null) baselines.set(baselineKey(g as RunIdentity), g);
  // Repeats a configuration should have: the most any sibling (same sweep, other scale) has, or
  // what the repeat indices span (they start at 0 for OneFlow, 1 for NGC).
  const siblingsMax = new Map<string, number>();
  const siblingMin = new Map<string, number>();
  for (const members of byKey.values()) {
    const s = siblingKey(members[0]!);
    for (const m of members) if (m.repeat !== null) siblingMin.set(s, Math.min(siblingMin.get(s) ?? m.repeat, m.repeat));
  }
  for (const members of byKey.values()) {
    const s = siblingKey(members[0]!);
    const reps = members.map((m) => m.repeat).filter((r): r is number => r !== null);
    const span = reps.length ? Math.max(...reps) - (siblingMin.get(s) ?? 0) + 1 : 0;
    siblingsMax.set(s, Math.max(siblingsMax.get(s) ?? 0, members.length, span));
  }
  for (const g of groups) {
    const base = baselines.get(baselineKey(g as RunIdentity));
    if (base && g.throughput !== null && base.throughput) {
      g.speedup = g.throughput / base.throughput;
      if (g.num_nodes && g.gpu_num_per_node) g.scaling_efficiency = g.speedup / (g.num_nodes * g.gpu_num_per_node);
    }
    g.runs_expected = Math.max(g.runs_found, siblingsMax.get(siblingKey(g as RunIdentity)) ?? 0);
    g.repeats_expected = g.runs_expected;
    const missing = g.runs_expected - g.runs;
    if (missing > 0) {
      g.flags.push({
        kind: 'incomplete',
        evidence: `${g.runs} of ${g.runs_expected} repeats have a figure`,
        detail:
          g.runs_found < g.runs_expected
            ? `${g.runs_expected - g.runs_found} repeat(s) missing compared with sibling configurations`
            : `${g.runs_found - g.runs} repeat(s) ended before their window (not counted as 0, unlike DLPerf's scripts)`,
      });
    }
  }
  // Scaling sanity needs every group's efficiency: same job (the speedup baseline's key), fewer GPUs.
  flagScaling(groups, groupMembers, (g) => baselineKey(g as RunIdentity), { ...DEFAULT_SCALING_RULE, ...opts.scaling });
  groups.sort(compareGroups);
  return groups;
}

function flagOutliers(g: GroupReport, members: RunReport[], med: number | null, rule: OutlierRule): void {
  const withFigure = members.filter((m) => m.throughput !== null);
  if (med === null || withFigure.length < 3) return;
  const dev = withFigure.map((m) => Math.abs(m.throughput! - med));
  const mad = median(dev) ?? 0;
  const robustSd = 1.4826 * mad;
  for (const m of withFigure) {
    const d = Math.abs(m.throughput! - med);
    const rel = d / med;
    if (rel < rule.minRelative) continue;
    if (robustSd > 0 && d <= rule.madK * robustSd) continue;
    const pct = ((m.throughput! - med) / med) * 100;
    const flag: Flag = {
      kind: 'outlier',
      evidence: `${m.source}: ${m.throughput!.toFixed(2)} samples/s vs group median ${med.toFixed(2)}`,
      file: m.source,
      detail: `${pct >= 0 ? '+' : ''}${pct.toFixed(1)} % from the median of ${withFigure.length} repeats (rule: ≥ ${(rule.minRelative * 100).toFixed(0)} % and > ${rule.madK} robust SD)`,
    };
    m.flags.push(flag);
    g.flags.push(flag);
  }
}

function compareGroups(a: GroupReport, b: GroupReport): number {
  const s = (x: string | null) => x ?? '';
  const n = (x: number | null | undefined) => x ?? -1;
  return (
    s(a.framework).localeCompare(s(b.framework)) ||
    s(a.model).localeCompare(s(b.model)) ||
    s(a.precision).localeCompare(s(b.precision)) ||
    n(a.batch_size_per_device) - n(b.batch_size_per_device) ||
    n(a.num_nodes) - n(b.num_nodes) ||
    n(a.gpu_num_per_node) - n(b.gpu_num_per_node) ||
    LAYOUT_KEYS.reduce((acc, k) => acc || n(a[k]) - n(b[k]), 0)
  );
}
