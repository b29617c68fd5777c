/**
 * What the report's charts show, as plain data (no drawing): scaling families (throughput,
 * speedup and efficiency against GPUs, with the ideal linear line) and per-configuration curves
 * of throughput over iterations (measured window, flags). html-charts.ts turns these into
 * Vega-Lite specs; everything here comes from the summary's own groups and runs (never recomputed).
 */
import type { Flag } from '../core/types.ts';
import { isLayoutGroup, type GroupReport } from '../metrics/aggregate.ts';
import type { IterPoint } from '../metrics/iter-history.ts';
import type { RunReport } from '../metrics/run-report.ts';
import type { SummaryResult } from '../pipeline/summarize.ts';
import { visible } from '../shared/sanitize.ts';

export interface ScalingPoint {
  gpus: number;
  shape: string;
  throughput: number;
  speedup: number | null;
  efficiency: number | null;
  runs: number;
  /** GPT-style layouts: dp×tp×pp, so two layouts at one GPU count can be told apart. */
  layout: string | null;
}

export interface ScalingFamily {
  /** framework model precision batch (and model shape for GPT-style runs): display text, visible(). */
  title: string;
  points: ScalingPoint[];
  /** Linear scaling from the 1-GPU figure (or, without one, from the smallest GPU count's per-GPU figure). */
  ideal: { gpus: number; throughput: number }[];
  idealFrom: string;
}

const gpusOf = (g: GroupReport) => (g.num_nodes ?? 0) * (g.gpu_num_per_node ?? 0);
export const shapeOf = (g: Pick<GroupReport, 'num_nodes' | 'gpu_num_per_node'>) => `${g.num_nodes ?? '?'}n${g.gpu_num_per_node ?? '?'}g`;
const FAMILY_SHAPE_KEYS = ['micro_batch_size', 'seq_length', 'num_layers', 'hidden_size', 'num_attention_heads'] as const;

export function familyTitle(g: GroupReport): string {
  const parts = [g.framework ?? '?', g.model ?? '?', g.precision ?? '?', `bs${g.batch_size_per_device ?? '?'}`];
  if (isLayoutGroup(g)) {
    if (g.seq_length != null) parts.push(`seq${g.seq_length}`);
    if (g.micro_batch_size != null) parts.push(`mbs${g.micro_batch_size}`);
    if (g.tensor_model_parallel_size != null || g.pipeline_model_parallel_size != null) parts.push(`tp${g.tensor_model_parallel_size ?? 1}×pp${g.pipeline_model_parallel_size ?? 1}`);
  }
  return visible(parts.join(' '));
}

/**
 * One family per job (framework, model, precision, batch size; for GPT-style runs the model shape
 * and the tensor × pipeline split, so a family scales by data parallelism), GPU counts ascending.
 */
export function scalingFamilies(groups: readonly GroupReport[]): ScalingFamily[] {
  const byKey = new Map<string, GroupReport[]>();
  for (const g of groups) {
    if (g.throughput === null || gpusOf(g) <= 0) continue;
    const split = isLayoutGroup(g) ? [g.tensor_model_parallel_size ?? 1, g.pipeline_model_parallel_size ?? 1] : [];
    const key = JSON.stringify([g.framework, g.model, g.precision, g.batch_size_per_device, ...FAMILY_SHAPE_KEYS.map((k) => g[k] ?? null), ...split]);
    byKey.set(key, [...(byKey.get(key) ?? []), g]);
  }
  const out: ScalingFamily[] = [];
  for (const gs of byKey.values()) {
    gs.sort((a, b) => gpusOf(a) - gpusOf(b));
    const points = gs.map((g) => ({
      gpus: gpusOf(g),
      shape: shapeOf(g),
      throughput: g.throughput!,
      speedup: g.speedup,
      efficiency: g.scaling_efficiency,
      runs: g.runs,
      layout: g.data_parallel_size != null ? `dp${g.data_parallel_size}×tp${g.tensor_model_parallel_size ?? 1}×pp${g.pipeline_model_parallel_size ?? 1}` : null,
    }));
    const one = gs.find((g) => gpusOf(g) === 1);
    const ref = one ?? gs[0]!;
    const perGpu = ref.throughput! / gpusOf(ref);
    const gpuCounts = [...new Set(points.map((p) => p.gpus))];
    out.push({
      title: familyTitle(gs[0]!),
      points,
      ideal: gpuCounts.map((n) => ({ gpus: n, throughput: perGpu * n })),
      idealFrom: one ? '1 GPU' : `${gpusOf(ref)} GPUs (no 1-GPU run)`,
    });
  }
  return out;
}

export interface CurveRun {
  /** "repeat 3" or the file name: display text, visible(). */
  label: string;
  source: string;
  points: { iter: number; v: number; warmup: boolean }[];
  window: { start_iter: number; end_iter: number } | null;
  /** Flags placed on the curve: at the progress line at or before the flag's line in the plotted file, else at the curve's end. */
  marks: { iter: number; v: number; kind: string; text: string; placed: 'line' | 'end' }[];
}

export interface CurveGroup {
  title: string;
  shape: string;
  runs: CurveRun[];
}

function placeFlag(f: Flag, run: RunReport, pts: readonly IterPoint[]): { iter: number; v: number; placed: 'line' | 'end' } | null {
  if (pts.length === 0) return null;
  const plotted = run.source;
  if (f.line !== undefined && (f.file === undefined || f.file === plotted)) {
    let at = pts[0]!;
    for (const p of pts) if (p.line <= f.line) at = p;
    return { iter: at.iter, v: at.v, placed: 'line' };
  }
  const last = pts[pts.length - 1]!;
  return { iter: last.iter, v: last.v, placed: 'end' };
}

/** Flags about the run's numbers or health go on its curve; a name disagreeing with the content does not. */
const CURVE_FLAG = (f: Flag) => f.kind !== 'name_mismatch';

/** Per configuration, its repeats' throughput over iterations (needs `summarize(..., { history: true })`). */
export function runCurves(s: SummaryResult): CurveGroup[] {
  const series = s.series ?? new Map<string, IterPoint[]>();
  const bySource = new Map(s.runs.map((r) => [r.source, r]));
  const out: CurveGroup[] = [];
  for (const g of s.groups) {
    const runs: CurveRun[] = [];
    for (const src of g.sources) {
      const r = bySource.get(src);
      const pts = series.get(src) ?? [];
      if (!r || pts.length === 0) continue;
      const marks: CurveRun['marks'] = [];
      const seen = new Set<string>();
      for (const f of r.flags) {
        if (!CURVE_FLAG(f)) continue;
        const k = `${f.kind}|${f.line ?? ''}`;
        if (seen.has(k)) continue;
        seen.add(k);
        const at = placeFlag(f, r, pts);
        if (at) marks.push({ ...at, kind: f.kind, text: visible(`${f.kind}${f.confidence ? ` (${f.confidence})` : ''}${f.detail ? `: ${f.detail}` : ''}`).slice(0, 200) });
      }
      runs.push({
        label: visible(r.repeat !== null ? `repeat ${r.repeat}` : (src.split('/').pop() ?? src)),
        source: src,
        points: pts.map((p) => ({ iter: p.iter, v: p.v, warmup: p.warmup })),
        window: r.window,
        marks,
      });
    }
    if (runs.length) out.push({ title: `${familyTitle(g)} ${shapeOf(g)}`, shape: shapeOf(g), runs });
  }
  return out;
}
