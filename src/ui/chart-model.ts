import type { SeriesPoint } from '../metrics/file-track.ts';
import { BrailleCanvas, paddedRange, plot, type CellSegment } from './braille.ts';
import { fmtAxis, fmtDuration } from './format.ts';

/** Canvas layers: what coloured the last dot of a cell. */
export const LAYER = { run: 1, node: 2, warmup: 3 } as const;

export interface ChartInput {
  /** Cluster throughput of the run (primary node). */
  run: readonly SeriesPoint[];
  /** The selected/focused node's series, or null when it is the run's own. */
  node: readonly SeriesPoint[] | null;
  /** Text columns for the whole chart, y-axis labels included. */
  width: number;
  /** Plot rows (braille rows; 4 dots each). */
  rows: number;
  showWarmup: boolean;
}

export interface ChartModel {
  /** Y-axis label per row (already padded to the gutter width). */
  labels: string[];
  rows: CellSegment[][];
  /** The x-axis line, with `┴` at the end of warmup when it is in view. */
  axis: string;
  /** Time span shown (ms). */
  span: number;
  empty: boolean;
}

export const GUTTER = 8;

/** Lay out a throughput chart: pure, so the braille output can be checked without Ink. */
export function chartModel(i: ChartInput): ChartModel {
  const cols = Math.max(1, i.width - GUTTER);
  const keep = (p: SeriesPoint) => i.showWarmup || !p.warmup;
  const run = i.run.filter(keep);
  const node = (i.node ?? []).filter(keep);
  const all = [...run, ...node];
  const canvas = new BrailleCanvas(cols, i.rows);
  if (all.length === 0 || i.rows <= 0) {
    return { labels: Array.from({ length: i.rows }, () => ' '.repeat(GUTTER)), rows: Array.from({ length: i.rows }, (_, r) => canvas.segments(r)), axis: ' '.repeat(GUTTER - 1) + '└' + '─'.repeat(cols), span: 0, empty: true };
  }
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const p of all) {
    if (p.t < t0) t0 = p.t;
    if (p.t > t1) t1 = p.t;
  }
  const xr = { min: t0, max: t1 };
  const yr = paddedRange(all.map((p) => p.v));
  const pts = (s: readonly SeriesPoint[], layer: number) => s.map((p) => ({ x: p.t, y: p.v, layer: p.warmup ? LAYER.warmup : layer }));
  plot(canvas, pts(node, LAYER.node), xr, yr);
  plot(canvas, pts(run, LAYER.run), xr, yr);

  const labels: string[] = [];
  for (let r = 0; r < i.rows; r++) {
    const v = r === 0 ? yr.max : r === i.rows - 1 ? yr.min : i.rows >= 5 && r === Math.floor((i.rows - 1) / 2) ? yr.max - ((yr.max - yr.min) * (r * 4 + 1.5)) / (i.rows * 4 - 1) : null;
    labels.push(v === null ? ' '.repeat(GUTTER - 1) + '│' : `${fmtAxis(v).padStart(GUTTER - 2)} ┤`);
  }

  const dashes = [...'─'.repeat(cols)];
  const spanText = ` ${fmtDuration(t1 - t0)} `;
  if (cols > spanText.length + 4) dashes.splice(cols - spanText.length - 1, spanText.length, ...spanText);
  const base = run.length > 0 ? run : node;
  const lastWarm = base.findLastIndex((p) => p.warmup);
  if (lastWarm >= 0 && lastWarm < base.length - 1 && t1 > t0) {
    const col = Math.floor((((base[lastWarm]!.t - t0) / (t1 - t0)) * (cols * 2 - 1)) / 2);
    dashes[Math.min(cols - 1, Math.max(0, col))] = '┴';
  }
  return {
    labels,
    rows: Array.from({ length: i.rows }, (_, r) => canvas.segments(r)),
    axis: ' '.repeat(GUTTER - 1) + '└' + dashes.join(''),
    span: t1 - t0,
    empty: false,
  };
}
