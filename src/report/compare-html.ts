/**
 * `compare --format html`: the verdict, the change per configuration with its interval (chart
 * and table, worst first), and per scaling family the two sets' throughput side by side.
 * Self-contained like the summary page (html-page.ts).
 */
import type { TopLevelSpec } from 'vega-lite';
import { byVerdict, configName, type CompareResult } from '../compare/compare.ts';
import { intervalText, pct } from '../compare/verdict.ts';
import { scalingFamilies } from './chart-data.ts';
import { sideText, verdictCounts } from './compare-markdown.ts';
import { renderSvg } from './html-charts.ts';
import { esc, figure, page, table } from './html-page.ts';
import { visible } from '../shared/sanitize.ts';

const VERDICT_COLOURS = { regression: '#cf222e', improvement: '#1a7f37', unchanged: '#6e7781', inconclusive: '#9a6700', missing: '#8250df' };

function changeSpec(r: CompareResult): TopLevelSpec {
  const rows = byVerdict(r.groups).filter((g) => g.change !== null);
  const values = rows.map((g) => ({ config: visible(configName(g)), change: g.change!, lo: g.interval?.[0] ?? g.change!, hi: g.interval?.[1] ?? g.change!, verdict: g.verdict }));
  const extent = Math.max(r.threshold * 2, ...values.flatMap((v) => [Math.abs(v.lo), Math.abs(v.hi)])) * 1.1;
  const y = { field: 'config', type: 'nominal' as const, title: null, sort: values.map((v) => v.config), axis: { labelLimit: 320 } };
  const x = { type: 'quantitative' as const, title: `change (candidate / baseline − 1), ${+(r.confidence * 100).toFixed(1)} % interval`, axis: { format: '+.0%' }, scale: { domain: [-extent, extent] } };
  const color = { field: 'verdict', type: 'nominal' as const, title: null, scale: { domain: Object.keys(VERDICT_COLOURS), range: Object.values(VERDICT_COLOURS) } };
  return {
    title: { text: 'Change per configuration', subtitle: `shaded: ±${+(r.threshold * 100).toFixed(2)} % threshold; bar: interval; dot: change of the medians`, subtitleColor: '#57606a', subtitleFontSize: 11 },
    width: 560,
    height: { step: 28 },
    layer: [
      { name: 'threshold', data: { values: [{ lo: -r.threshold, hi: r.threshold }] }, mark: { type: 'rect', color: '#d0d7de', opacity: 0.5 }, encoding: { x: { field: 'lo', ...x }, x2: { field: 'hi' } } },
      { name: 'zero', data: { values: [{ z: 0 }] }, mark: { type: 'rule', color: '#57606a' }, encoding: { x: { field: 'z', ...x } } },
      { name: 'interval', data: { values }, mark: { type: 'rule', strokeWidth: 3 }, encoding: { y, x: { field: 'lo', ...x }, x2: { field: 'hi' }, color } },
      { name: 'change_points', data: { values }, mark: { type: 'point', filled: true, size: 80 }, encoding: { y, x: { field: 'change', ...x }, color } },
    ],
  } as TopLevelSpec;
}

/** Throughput vs GPUs of both sets for one family (matched by title). */
function sideBySideSpec(title: string, base: { gpus: number; throughput: number }[], cand: { gpus: number; throughput: number }[]): TopLevelSpec {
  const counts = [...new Set([...base, ...cand].map((p) => p.gpus))].sort((a, b) => a - b);
  const values = [...base.map((p) => ({ ...p, set: 'baseline' })), ...cand.map((p) => ({ ...p, set: 'candidate' }))];
  const x = { field: 'gpus', type: 'quantitative' as const, title: 'GPUs', axis: { values: counts, format: 'd' }, scale: { domain: [0, Math.max(...counts)] } };
  const y = { field: 'throughput', type: 'quantitative' as const, title: 'samples/s', axis: { format: '~s' } };
  const color = { field: 'set', type: 'nominal' as const, title: null, scale: { domain: ['baseline', 'candidate'], range: ['#8c959f', '#1f77b4'] } };
  return {
    title: { text: title, subtitle: 'median throughput vs GPUs, baseline and candidate', subtitleColor: '#57606a', subtitleFontSize: 11 },
    width: 440,
    height: 220,
    layer: [
      { name: 'sets_line', data: { values }, mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y, color } },
      { name: 'sets_points', data: { values }, mark: { type: 'point', filled: true, size: 50 }, encoding: { x, y, color } },
    ],
  } as TopLevelSpec;
}

export async function compareHtml(r: CompareResult): Promise<string> {
  const sideMeta = (name: string, s: CompareResult['baseline']) => `${name}: ${s.inputs.map((i) => `<code>${esc(i)}</code>`).join(', ')} (${s.runs.length} runs)`;
  const meta = [sideMeta('baseline', r.baseline), sideMeta('candidate', r.candidate), `threshold ${+(r.threshold * 100).toFixed(2)} % · confidence ${+(r.confidence * 100).toFixed(1)} % · bootstrap of the median ratio, ${r.method.resamples} resamples, fixed seed`].join('<br>');
  const chip = (v: string) => `<span class="verdict v-${esc(v)}">${esc(v)}</span>`;
  const rows = byVerdict(r.groups).map((g) => [chip(g.verdict), configName(g), sideText(g.baseline), sideText(g.candidate), g.change === null ? '-' : pct(g.change), g.interval ? intervalText(g.interval, r.confidence).replace(/^.*interval /, '') : '-', g.reason]);
  const parts = [`<p class="banner">Verdict: ${chip(r.verdict)} — ${esc(verdictCounts(r.groups) || 'no configuration on either side')}</p>`];
  if (r.groups.some((g) => g.change !== null)) parts.push(figure(await renderSvg(changeSpec(r)), { chart: 'change', configs: String(r.groups.filter((g) => g.change !== null).length) }));
  parts.push(`<h2>Configurations</h2>\n${table(['verdict', 'configuration', 'baseline', 'candidate', 'change', 'interval', 'reason'], rows, { numeric: [2, 3, 4, 5], raw: [0] })}`);
  const bf = new Map(scalingFamilies(r.baseline.groups).map((f) => [f.title, f]));
  const cf = scalingFamilies(r.candidate.groups);
  const figs: string[] = [];
  for (const title of [...new Set([...bf.keys(), ...cf.map((f) => f.title)])]) {
    const b = bf.get(title)?.points ?? [];
    const c = cf.find((f) => f.title === title)?.points ?? [];
    figs.push(figure(await renderSvg(sideBySideSpec(title, b, c)), { chart: 'sets', family: title }));
  }
  if (figs.length) parts.push(`<h2>Side by side</h2>\n<div class="charts">\n${figs.join('\n')}\n</div>`);
  const problems = [...r.baseline.problems.map((p) => ['baseline', p] as const), ...r.candidate.problems.map((p) => ['candidate', p] as const)];
  if (problems.length) parts.push(`<h2>Input problems</h2>\n<ul class="findings">${problems.map(([s, p]) => `<li class="problem">${esc(s)}: <strong>${esc(p.kind)}</strong> — ${esc(`${p.file ? `${p.file}${p.line ? `:${p.line}` : ''}: ` : ''}${p.message}`)}</li>`).join('\n')}</ul>`);
  return page('dlperf-top compare', meta, parts.join('\n'));
}
