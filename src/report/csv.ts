import type { SummaryResult } from '../pipeline/summarize.ts';
import { visible } from '../shared/sanitize.ts';

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  // Outside text (paths, models) made visible: no control, newline or bidi character in a cell.
  const s = typeof v === 'number' ? String(v) : visible(String(v));
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const RUN_COLS = ['source', 'format', 'framework', 'model', 'precision', 'num_nodes', 'gpu_num_per_node', 'batch_size_per_device', 'repeat', 'throughput', 'throughput_unit', 'throughput_method', 'latency_ms', 'memory_mib', 'status'] as const;
const GROUP_COLS = ['framework', 'model', 'precision', 'num_nodes', 'gpu_num_per_node', 'batch_size_per_device', 'runs', 'runs_expected', 'median_throughput', 'mean_throughput', 'min_throughput', 'max_throughput', 'cv', 'speedup', 'scaling_efficiency', 'latency_ms', 'memory_mib'] as const;

/** `summary --format csv`: the runs table, a blank line, then the groups table (full precision). */
export function summaryCsv(s: SummaryResult): string {
  return [...summaryCsvPieces(s)].join('');
}

/** The same text a line at a time (100k runs never make one string: see summaryMarkdownPieces). */
export function* summaryCsvPieces(s: SummaryResult): Generator<string> {
  yield [...RUN_COLS, 'flags'].join(',') + '\n';
  for (const r of s.runs) yield [...RUN_COLS.map((c) => cell(r[c])), cell(r.flags.map((f) => f.kind + (f.confidence ? `:${f.confidence}` : '')).join(' '))].join(',') + '\n';
  yield '\n';
  yield [...GROUP_COLS, 'flags'].join(',') + '\n';
  for (const g of s.groups) yield [...GROUP_COLS.map((c) => cell(g[c])), cell(g.flags.map((f) => f.kind).join(' '))].join(',') + '\n';
}
