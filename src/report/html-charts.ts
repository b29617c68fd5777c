/**
 * The report's charts: Vega-Lite specs built from chart-data.ts, rendered to SVG in this process
 * by Vega's headless renderer (no browser, no canvas, no network: data is inline). The SVG text
 * is escaped by Vega; labels are made visible() before they get here. Mark names (`name`) become
 * CSS classes in the SVG (e.g. `measured_points_marks`), which the browser test counts.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { CurveGroup, ScalingFamily } from './chart-data.ts';

const FONT = 'system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif';
const CONFIG = {
  font: FONT,
  background: 'white',
  view: { stroke: '#d0d7de' },
  axis: { labelColor: '#444', titleColor: '#222', gridColor: '#eef1f4', labelFontSize: 11, titleFontSize: 12, titleFontWeight: 600 },
  legend: { labelFontSize: 11, titleFontSize: 11, labelLimit: 360 },
  title: { fontSize: 13, fontWeight: 600, anchor: 'start' as const, color: '#1f2328', offset: 10 },
  range: { category: ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f', '#d62728'] },
};

const W = 440;
const H = 240;

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vl.compile({ ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const gpuAxis = (counts: number[]) => ({ field: 'gpus', type: 'quantitative' as const, title: 'GPUs', axis: { values: counts, format: 'd', grid: true }, scale: { domain: [0, Math.max(...counts)] } });

/** Throughput against GPUs for one family, with the ideal linear line. */
export function throughputSpec(f: ScalingFamily): TopLevelSpec {
  const counts = [...new Set(f.points.map((p) => p.gpus))];
  const y = { field: 'throughput', type: 'quantitative' as const, title: 'samples/s', axis: { format: '~s' } };
  const data = f.points.map((p) => ({ ...p, label: Math.round(p.throughput).toLocaleString('en-US'), series: 'measured (median of repeats)' }));
  return {
    title: { text: f.title, subtitle: `throughput vs GPUs; dashed: linear scaling from ${f.idealFrom}`, subtitleColor: '#57606a', subtitleFontSize: 11 },
    width: W,
    height: H,
    layer: [
      { name: 'ideal', data: { values: f.ideal.map((p) => ({ ...p, series: 'ideal (linear)' })) }, mark: { type: 'line', strokeDash: [5, 4], color: '#8c959f', strokeWidth: 1.5 }, encoding: { x: gpuAxis(counts), y } },
      { name: 'measured_line', data: { values: data }, mark: { type: 'line', color: '#1f77b4', strokeWidth: 2.5 }, encoding: { x: gpuAxis(counts), y } },
      { name: 'measured_points', data: { values: data }, mark: { type: 'point', filled: true, size: 60, color: '#1f77b4' }, encoding: { x: gpuAxis(counts), y } },
      { name: 'labels', data: { values: data }, mark: { type: 'text', dy: -10, fontSize: 10, color: '#24292f' }, encoding: { x: gpuAxis(counts), y, text: { field: 'label' } } },
    ],
  } as TopLevelSpec;
}

function perFamilySpec(fams: ScalingFamily[], what: 'speedup' | 'efficiency'): TopLevelSpec {
  const counts = [...new Set(fams.flatMap((f) => f.points.map((p) => p.gpus)))].sort((a, b) => a - b);
  // Labels at every point for one family; with several they overlap (the median table has the numbers).
  const values = fams.flatMap((f) =>
    f.points
      .filter((p) => p[what] !== null)
      .map((p) => ({ family: f.title, gpus: p.gpus, value: p[what]!, label: fams.length === 1 ? (what === 'speedup' ? `×${p[what]!.toFixed(1)}` : `${Math.round(p[what]! * 100)} %`) : '' })),
  );
  const y = { field: 'value', type: 'quantitative' as const, title: what === 'speedup' ? 'speedup (vs 1 GPU)' : 'scaling efficiency', ...(what === 'efficiency' ? { scale: { domain: [0, 1.1] }, axis: { format: '.0%' } } : {}) };
  const ideal = what === 'speedup' ? [{ gpus: 0, value: 0 }, { gpus: Math.max(...counts), value: Math.max(...counts) }] : [{ gpus: 0, value: 1 }, { gpus: Math.max(...counts), value: 1 }];
  const color = { field: 'family', type: 'nominal' as const, title: null, legend: { orient: 'bottom', direction: 'vertical' } };
  return {
    title: { text: what === 'speedup' ? 'Speedup vs GPUs' : 'Scaling efficiency vs GPUs', subtitle: what === 'speedup' ? 'dashed: ideal (speedup = GPUs)' : 'dashed: ideal (100 %)', subtitleColor: '#57606a', subtitleFontSize: 11 },
    width: W,
    height: H,
    layer: [
      { name: 'ideal', data: { values: ideal }, mark: { type: 'line', strokeDash: [5, 4], color: '#8c959f', strokeWidth: 1.5 }, encoding: { x: gpuAxis(counts), y } },
      { name: `${what}_line`, data: { values }, mark: { type: 'line', strokeWidth: 2.5 }, encoding: { x: gpuAxis(counts), y, color } },
      { name: `${what}_points`, data: { values }, mark: { type: 'point', filled: true, size: 60 }, encoding: { x: gpuAxis(counts), y, color } },
      { name: 'labels', data: { values }, mark: { type: 'text', dx: 4, dy: -9, align: 'left', fontSize: 10, color: '#24292f' }, encoding: { x: gpuAxis(counts), y, text: { field: 'label' } } },
    ],
  } as TopLevelSpec;
}

export const speedupSpec = (fams: ScalingFamily[]) => perFamilySpec(fams, 'speedup');
export const efficiencySpec = (fams: ScalingFamily[]) => perFamilySpec(fams, 'efficiency');

/** The flags of a configuration's curves, numbered in order. */
export function curveMarks(c: CurveGroup): { n: number; run: string; iter: number; v: number; kind: string; text: string; placed: 'line' | 'end' }[] {
  let n = 0;
  return c.runs.flatMap((r) => r.marks.map((m) => ({ n: ++n, run: r.label, iter: m.iter, v: m.v, kind: m.kind, text: m.text, placed: m.placed })));
}

/** What the numbers on a curve chart are: "1 repeat 3 ib_fallback (confirmed) … (at iteration 1)". */
export function curveCaption(c: CurveGroup): string | undefined {
  const ms = curveMarks(c);
  if (!ms.length) return undefined;
  return ms.map((m) => `▼${m.n} ${m.run}: ${m.text.length > 140 ? `${m.text.slice(0, 139)}…` : m.text} (${m.placed === 'line' ? `at iteration ${m.iter}` : 'no line in this log: shown at its end'})`).join('\n');
}

/** One configuration's repeats: throughput over iterations, the measured window shaded, flags marked. */
export function curveSpec(c: CurveGroup): TopLevelSpec {
  const values = c.runs.flatMap((r) => r.points.map((p) => ({ run: r.label, iter: p.iter, v: p.v })));
  const windows = [...new Map(c.runs.filter((r) => r.window).map((r) => [`${r.window!.start_iter}:${r.window!.end_iter}`, r.window!])).values()];
  // Flags are numbered on the chart (the caption lists them: curveCaption); marks at one spot stack upwards.
  const stack = new Map<string, number>();
  const marks = curveMarks(c).map((m) => {
    const k = `${m.iter}|${Math.round(m.v)}`;
    const level = stack.get(k) ?? 0;
    stack.set(k, level + 1);
    return { ...m, label: String(m.n), level };
  });
  const x = { field: 'iter', type: 'quantitative' as const, title: 'iteration' };
  const y = { field: 'v', type: 'quantitative' as const, title: 'samples/s', scale: { zero: false }, axis: { format: '~s' } };
  const layers: unknown[] = [
    { name: 'window', data: { values: windows.map((w) => ({ start: w.start_iter, end: w.end_iter })) }, mark: { type: 'rect', color: '#54aeff', opacity: 0.12 }, encoding: { x: { field: 'start', type: 'quantitative' }, x2: { field: 'end' } } },
    { name: 'curve', data: { values }, mark: { type: 'line', strokeWidth: 1.5, interpolate: 'linear' }, encoding: { x, y, color: { field: 'run', type: 'nominal', title: null }, detail: { field: 'run' } } },
  ];
  if (marks.length) {
    layers.push(
      { name: 'flags', data: { values: marks }, mark: { type: 'point', shape: 'triangle-down', filled: true, size: 90, color: '#cf222e' }, encoding: { x, y } },
      ...[...new Set(marks.map((m) => m.level))].map((level) => ({
        name: `flag_labels_${level}`,
        data: { values: marks.filter((m) => m.level === level) },
        mark: { type: 'text', dy: -12 - 12 * level, fontSize: 11, fontWeight: 700, color: '#cf222e' },
        encoding: { x, y, text: { field: 'label' } },
      })),
    );
  }
  return {
    title: { text: c.title, subtitle: `throughput per repeat; shaded: measured window${marks.length ? '; ▼n: flags below' : ''}`, subtitleColor: '#57606a', subtitleFontSize: 11 },
    // A fixed outer size whatever the labels: every curve chart lines up in the grid.
    autosize: { type: 'fit', contains: 'padding' },
    width: W + 70,
    height: 250,
    layer: layers,
  } as TopLevelSpec;
}
