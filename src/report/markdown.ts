import type { Flag } from '../core/types.ts';
import { isLayoutGroup, type GroupReport } from '../metrics/aggregate.ts';
import { fmt } from '../metrics/round.ts';
import type { RunReport } from '../metrics/run-report.ts';
import type { SummaryResult } from '../pipeline/summarize.ts';
import { visible, visibleLog } from '../shared/sanitize.ts';

/** Outside text in Markdown: controls and newlines visible, backticks and pipes unable to end a span or a cell. */
const md = (v: string | null | undefined) => visible(String(v ?? ''));

function table(header: string[], rows: (string | number)[][]): string {
  const esc = (v: string | number) => visible(String(v)).replace(/\|/g, '\\|');
  const out = [`| ${header.join(' | ')} |`, `| ${header.map(() => '--------').join(' | ')} |`];
  for (const r of rows) out.push(`| ${r.map(esc).join(' | ')} |`);
  return out.join('\n');
}

const num = (v: number | null | undefined) => (v === null || v === undefined ? '-' : String(v));
const flagWord = (f: Flag) => f.kind + (f.confidence ? ` (${f.confidence})` : '');
const isGpt = (g: GroupReport) => isLayoutGroup(g) || g.memory_mib !== null;
const isMultiNode = (r: RunReport) => (r.num_nodes !== null ? r.num_nodes > 1 : new Set(r.files.map((f) => f.node)).size > 1);

/** The Findings list (Markdown lines); the HTML report shows the same lines. */
export function findings(s: SummaryResult): string[] {
  const out: string[] = [];
  for (const r of s.runs) {
    for (const f of r.flags) {
      if (f.kind === 'outlier') continue; // listed with its group
      const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ''}` : r.source;
      out.push(`- **${flagWord(f)}** — ${md(r.source)}${f.detail ? `: ${md(f.detail)}` : ''}\n  \`${md(where).replace(/`/g, "'")}\`: \`${visibleLog(f.evidence).replace(/`/g, "'")}\``);
    }
  }
  // A multi-node run that shows no NCCL transport is unknown, not fine: say so once, with the runs.
  const blind = s.runs.filter((r) => r.transport === 'not_visible' && isMultiNode(r));
  if (blind.length) {
    const list = blind.slice(0, 12).map((r) => md(r.source));
    out.push(`- **transport not visible (NCCL_DEBUG not INFO)** — ${blind.length} multi-node run(s) with no NCCL INFO transport line, so IB vs sockets is unknown: ${list.join(', ')}${blind.length > list.length ? `, … (${blind.length - list.length} more)` : ''}`);
  }
  for (const g of s.groups) {
    const name = `${g.model ?? '?'} ${g.precision ?? ''} ${g.num_nodes ?? '?'}n${g.gpu_num_per_node ?? '?'}g b${g.batch_size_per_device ?? '?'}`;
    for (const f of g.flags) out.push(`- **${flagWord(f)}** — ${md(name)}: ${md(f.detail)}\n  ${visibleLog(f.evidence)}`);
  }
  for (const p of s.problems) out.push(`- **${p.kind}** — ${p.file ? `${md(p.file)}${p.line ? `:${p.line}` : ''}: ` : ''}${md(p.message)}`);
  if (s.skipped.length) out.push(`- ${s.skipped.length} file(s) skipped as not training logs (${[...new Set(s.skipped.map((x) => md(x.file.split('.').pop())))].join(', ')})`);
  return out;
}

/** Rows: GPU count; columns: each precision × batch size (the layout of DLPerf's report tables). */
function sideBySide(groups: GroupReport[]): string | null {
  const byModel = new Map<string, GroupReport[]>();
  for (const g of groups) {
    if (isGpt(g)) continue;
    const k = `${g.framework ?? '?'} ${g.model ?? '?'}`;
    byModel.set(k, [...(byModel.get(k) ?? []), g]);
  }
  const parts: string[] = [];
  for (const [model, gs] of byModel) {
    const cols = [...new Set(gs.map((g) => `${(g.precision ?? '?').toUpperCase()} (BS=${g.batch_size_per_device ?? '?'})`))];
    if (cols.length < 2) continue;
    const gpus = [...new Set(gs.map((g) => (g.num_nodes ?? 0) * (g.gpu_num_per_node ?? 0)))].sort((a, b) => a - b);
    const rows = gpus.map((n) => [
      n,
      ...cols.map((c) => {
        const g = gs.find((x) => (x.num_nodes ?? 0) * (x.gpu_num_per_node ?? 0) === n && `${(x.precision ?? '?').toUpperCase()} (BS=${x.batch_size_per_device ?? '?'})` === c);
        return g ? `${fmt(g.throughput)}${g.speedup !== null ? ` (×${fmt(g.speedup)})` : ''}` : '-';
      }),
    ]);
    parts.push(`### ${md(model)}\n\n${table(['GPUs', ...cols], rows)}`);
  }
  return parts.length ? parts.join('\n\n') : null;
}

/** `summary --format md`: findings first, then DLPerf's "All Results" and "median" tables. */
export function summaryMarkdown(s: SummaryResult): string {
  const out: string[] = ['# dlperf-top summary', ''];
  const f = findings(s);
  out.push('## Findings', '', f.length ? f.join('\n') : 'No findings: every run completed its window and nothing suspicious was seen.', '');
  out.push('## All Results', '');
  out.push(
    table(
      ['source', 'num_nodes', 'gpu_num_per_node', 'batch_size_per_device', 'precision', 'throughput', 'method', 'status', 'flags', 'unit', 'window'],
      s.runs.map((r: RunReport) => [r.source, num(r.num_nodes), num(r.gpu_num_per_node), num(r.batch_size_per_device), r.precision ?? '-', fmt(r.throughput), r.throughput_method ?? '-', r.status, r.flags.map(flagWord).join(', ') || '-', r.throughput_unit ?? '-', r.window_rule ?? '-']),
    ),
    '',
  );
  const agg = s.groups[0]?.aggregate ?? 'median';
  out.push(`## Filtered Result \`${agg} value\``, '');
  const gpt = s.groups.some(isGpt);
  const header = ['framework', 'model', 'precision', 'num_nodes', 'gpu_num_per_node', 'batch_size_per_device', 'throughput', 'speedup', 'scaling_efficiency', 'runs', 'cv'];
  if (gpt) header.push('dp×tp×pp', 'global_batch', 'latency (ms)', 'memory (MiB)');
  header.push('unit');
  out.push(
    table(
      header,
      s.groups.map((g) => {
        const row: (string | number)[] = [g.framework ?? '-', g.model ?? '-', g.precision ?? '-', num(g.num_nodes), num(g.gpu_num_per_node), num(g.batch_size_per_device), fmt(g.throughput), fmt(g.speedup), fmt(g.scaling_efficiency, 3), `${g.runs}/${g.runs_expected}`, g.cv === null ? '-' : `${(g.cv * 100).toFixed(2)} %`];
        if (gpt) row.push(g.data_parallel_size != null ? `${g.data_parallel_size}×${g.tensor_model_parallel_size ?? 1}×${g.pipeline_model_parallel_size ?? 1}` : '-', num(g.global_batch_size), fmt(g.latency_ms, 3), num(g.memory_mib));
        row.push(g.throughput_unit ?? '-');
        return row;
      }),
    ),
    '',
  );
  const sbs = sideBySide(s.groups);
  if (sbs) out.push('## Side by side', '', sbs, '');
  return out.join('\n');
}
