import { byVerdict, configName, type CompareGroup, type CompareResult } from '../compare/compare.ts';
import { intervalText, pct, VERDICT_ORDER } from '../compare/verdict.ts';
import { fmt } from '../metrics/round.ts';
import { visible } from '../shared/sanitize.ts';

const cell = (s: string) => visible(s).replace(/\|/g, '\\|');

export function sideText(s: CompareGroup['baseline']): string {
  if (s.median_throughput === null) return s.runs ? `- (${s.runs} runs)` : '-';
  return `${fmt(s.median_throughput)} (${s.runs}×${s.cv !== null && s.runs > 1 ? `, cv ${(s.cv * 100).toFixed(1)} %` : ''})`;
}

/** "1 regression, 2 inconclusive, 5 unchanged" in the verdict order. */
export function verdictCounts(groups: readonly CompareGroup[]): string {
  return VERDICT_ORDER.map((v) => [v, groups.filter((g) => g.verdict === v).length] as const)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `${n} ${v}`)
    .join(', ');
}

/** `compare --format md`: the verdict, then one row per configuration, worst first, with its reason. */
export function compareMarkdown(r: CompareResult): string {
  const out = ['# dlperf-top compare', ''];
  out.push(`- baseline: ${r.baseline.inputs.map(visible).join(', ')} (${r.baseline.runs.length} runs)`);
  out.push(`- candidate: ${r.candidate.inputs.map(visible).join(', ')} (${r.candidate.runs.length} runs)`);
  out.push(`- threshold ${+(r.threshold * 100).toFixed(2)} %, confidence ${+(r.confidence * 100).toFixed(1)} % (bootstrap of the median ratio, ${r.method.resamples} resamples, fixed seed)`);
  out.push('', `**Verdict: ${r.verdict}** — ${verdictCounts(r.groups) || 'no configuration on either side'}`, '');
  out.push('| verdict | configuration | baseline | candidate | change | interval | reason |', '| -------- | -------- | -------- | -------- | -------- | -------- | -------- |');
  for (const g of byVerdict(r.groups)) {
    const iv = g.interval ? intervalText(g.interval, r.confidence).replace(/^.*interval /, '') : '-';
    out.push(`| ${[g.verdict, configName(g), sideText(g.baseline), sideText(g.candidate), g.change === null ? '-' : pct(g.change), iv, g.reason].map(cell).join(' | ')} |`);
  }
  const problems = [...r.baseline.problems.map((p) => ['baseline', p] as const), ...r.candidate.problems.map((p) => ['candidate', p] as const)];
  if (problems.length) {
    out.push('', '## Input problems', '');
    for (const [side, p] of problems) out.push(`- ${side}: **${cell(p.kind)}** — ${cell(`${p.file ? `${p.file}${p.line ? `:${p.line}` : ''}: ` : ''}${p.message}`)}`);
  }
  return out.join('\n') + '\n';
}
