/**
 * `summary --format html`: one self-contained page with the Markdown report's content (Findings,
 * the median table, All Results) and DLPerf's figures drawn by Vega-Lite: throughput vs GPUs per
 * family with the ideal linear line, speedup and scaling efficiency vs GPUs, and per
 * configuration its repeats' throughput over iterations (window shaded, flags marked).
 * `summary --format svg` writes one of the charts alone.
 */
import type { Flag } from '../core/types.ts';
import { isLayoutGroup, type GroupReport } from '../metrics/aggregate.ts';
import { fmt } from '../metrics/round.ts';
import type { RunReport } from '../metrics/run-report.ts';
import type { SummaryResult } from '../pipeline/summarize.ts';
import { runCurves, scalingFamilies, type ScalingFamily } from './chart-data.ts';
import { curveCaption, curveSpec, efficiencySpec, renderSvg, speedupSpec, throughputSpec } from './html-charts.ts';
import { esc, figure, inlineMarkdown, page, table } from './html-page.ts';
import { findings, noFindings } from './markdown.ts';

const num = (v: number | null | undefined) => (v === null || v === undefined ? '-' : String(v));
const flagWord = (f: Flag) => f.kind + (f.confidence ? ` (${f.confidence})` : '');

const FOLD_AFTER = 3;

function findingsHtml(s: SummaryResult): string {
  const f = findings(s);
  if (!f.length) return s.runs.length === 0 ? `<p>${esc(noFindings(s))}</p>` : `<p class="ok">${esc(noFindings(s))}</p>`;
  const item = (line: string) => `<li>${line.replace(/^- /, '').split('\n').map((p) => inlineMarkdown(p.trim())).join('<br>')}</li>`;
  // The same lines as the Markdown report; a kind seen many times shows its first few, the rest folded.
  const byKind = new Map<string, string[]>();
  for (const line of f) {
    const kind = /^- \*\*(.+?)\*\*/.exec(line)?.[1] ?? line;
    byKind.set(kind, [...(byKind.get(kind) ?? []), line]);
  }
  const out: string[] = [];
  for (const [kind, lines] of byKind) {
    out.push(...lines.slice(0, FOLD_AFTER).map(item));
    if (lines.length > FOLD_AFTER) {
      out.push(`<li class="more"><details><summary>${lines.length - FOLD_AFTER} more <strong>${esc(kind)}</strong></summary><ul class="findings">${lines.slice(FOLD_AFTER).map(item).join('\n')}</ul></details></li>`);
    }
  }
  return `<ul class="findings">\n${out.join('\n')}\n</ul>`;
}

function medianTable(groups: GroupReport[]): string {
  const gpt = groups.some((g) => isLayoutGroup(g) || g.memory_mib !== null);
  const header = ['framework', 'model', 'precision', 'num_nodes', 'gpu_num_per_node', 'batch_size_per_device', 'throughput', 'speedup', 'scaling_efficiency', 'runs', 'cv', 'flags'];
  if (gpt) header.splice(11, 0, 'dp×tp×pp', 'global_batch', 'latency (ms)', 'memory (MiB)');
  const rows = groups.map((g) => {
    const row: (string | number)[] = [g.framework ?? '-', g.model ?? '-', g.precision ?? '-', num(g.num_nodes), num(g.gpu_num_per_node), num(g.batch_size_per_device), fmt(g.throughput), fmt(g.speedup), fmt(g.scaling_efficiency, 3), `${g.runs}/${g.runs_expected}`, g.cv === null ? '-' : `${(g.cv * 100).toFixed(2)} %`];
    if (gpt) row.push(g.data_parallel_size != null ? `${g.data_parallel_size}×${g.tensor_model_parallel_size ?? 1}×${g.pipeline_model_parallel_size ?? 1}` : '-', num(g.global_batch_size), fmt(g.latency_ms, 3), num(g.memory_mib));
    row.push([...new Set(g.flags.map(flagWord))].join(', ') || '-');
    return row;
  });
  return table(header, rows, { numeric: [3, 4, 5, 6, 7, 8, 9, 10], rowClass: (i) => (groups[i]!.flags.length ? 'flagged' : '') });
}

function allResults(runs: RunReport[]): string {
  const rows = runs.map((r) => [r.source, num(r.num_nodes), num(r.gpu_num_per_node), num(r.batch_size_per_device), r.precision ?? '-', fmt(r.throughput), r.throughput_method ?? '-', r.status, r.flags.map(flagWord).join(', ') || '-']);
  return table(['source', 'num_nodes', 'gpu_num_per_node', 'batch_size_per_device', 'precision', 'throughput', 'method', 'status', 'flags'], rows, { numeric: [1, 2, 3, 5], rowClass: (i) => (runs[i]!.flags.length || runs[i]!.status !== 'ok' ? 'flagged' : '') });
}

export type ChartName = 'speedup' | 'efficiency' | 'throughput';
export const CHART_NAMES: readonly ChartName[] = ['speedup', 'efficiency', 'throughput'];

/** The scaling charts (figures with data attributes the browser test reads). */
async function scalingCharts(s: SummaryResult): Promise<string> {
  const all = scalingFamilies(s.groups);
  if (all.length === 0) return '<p>No configuration has a figure: nothing to chart.</p>';
  // A family measured at one GPU count has no scaling to draw: it is in the tables.
  const fams = all.filter(scales);
  const single = all.filter((f) => !scales(f));
  const note = single.length ? `<p class="meta">${single.length} ${single.length === 1 ? 'family was' : 'families were'} measured at one GPU count only (no scaling to draw; see the tables): ${single.map((f) => esc(f.title)).join(', ')}</p>` : '';
  if (fams.length === 0) return note;
  const figs: string[] = [];
  for (const f of fams) {
    figs.push(figure(await renderSvg(throughputSpec(f)), { chart: 'throughput', family: f.title, gpus: [...new Set(f.points.map((p) => p.gpus))].join(',') }));
  }
  if (fams.some((f) => f.points.some((p) => p.speedup !== null))) {
    figs.push(figure(await renderSvg(speedupSpec(fams)), { chart: 'speedup', families: String(fams.length) }));
    figs.push(figure(await renderSvg(efficiencySpec(fams)), { chart: 'efficiency', families: String(fams.length) }));
  }
  return `${note}<div class="charts">\n${figs.join('\n')}\n</div>`;
}

const scales = (f: ScalingFamily) => new Set(f.points.map((p) => p.gpus)).size >= 2;

async function curveCharts(s: SummaryResult): Promise<string> {
  const curves = runCurves(s);
  if (curves.length === 0) return '<p>No per-iteration throughput was recorded.</p>';
  const figs: string[] = [];
  for (const c of curves) figs.push(figure(await renderSvg(curveSpec(c)), { chart: 'curve', config: c.title, runs: String(c.runs.length), flags: String(c.runs.reduce((a, r) => a + r.marks.length, 0)) }, curveCaption(c)));
  return `<div class="charts">\n${figs.join('\n')}\n</div>`;
}

export async function summaryHtml(s: SummaryResult): Promise<string> {
  const fams = scalingFamilies(s.groups).filter(scales);
  const meta = `${s.inputs.map((i) => `<code>${esc(i)}</code>`).join(', ')} · ${s.runs.length} runs · ${s.groups.length} configurations · ${fams.length} scaling ${fams.length === 1 ? 'family' : 'families'} · ${s.files} files read`;
  const agg = s.groups[0]?.aggregate ?? 'median';
  const body = [
    `<section id="findings"><h2>Findings</h2>\n${findingsHtml(s)}</section>`,
    `<section id="scaling"><h2>Scaling</h2>\n${await scalingCharts(s)}</section>`,
    `<section id="median"><h2>Filtered Result <code>${esc(agg)} value</code></h2>\n${medianTable(s.groups)}</section>`,
    `<section id="curves"><h2>Throughput over iterations</h2>\n${await curveCharts(s)}</section>`,
    `<section id="all-results"><h2>All Results</h2>\n${allResults(s.runs)}</section>`,
  ].join('\n');
  return page('dlperf-top summary', meta, body);
}

/** `summary --format svg`: one chart as a standalone SVG file. */
export async function summarySvg(s: SummaryResult, chart: ChartName): Promise<string> {
  const fams = scalingFamilies(s.groups).filter(scales);
  if (fams.length === 0) throw new Error('no configuration family was measured at two GPU counts or more: nothing to chart');
  if (chart === 'throughput') {
    const specs = fams.map(throughputSpec);
    return renderSvg(specs.length === 1 ? specs[0]! : ({ vconcat: specs } as never));
  }
  return renderSvg(chart === 'speedup' ? speedupSpec(fams) : efficiencySpec(fams));
}
