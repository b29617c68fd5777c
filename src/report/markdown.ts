import type { Flag } from '../core/types.ts';
import { isLayoutGroup, type GroupReport } from '../metrics/aggregate.ts';
import { fmt } from '../metrics/round.ts';
import type { RunReport } from '../metrics/run-report.ts';
import type { SummaryResult } from '../pipeline/summarize.ts';
import { visible, visibleLog } from '../shared/sanitize.ts';

/** Outside text in Markdown: controls and newlines visible, backticks and pipes unable to end a span or a cell. */
const md = (v: string | null | undefined) => visible(String(v ?? ''));

/** A table's lines, one at a time (100k runs never make one string of the whole table). */
function* tableLines(header: string[], rows: Iterable<(string | number)[]>): Generator<string> {
  const esc = (v: string | number) => visible(String(v)).replace(/\|/g, '\\|');
  yield `| ${header.join(' | ')} |`;
  yield `| ${header.map(() => '--------').join(' | ')} |`;
  for (const r of rows) yield `| ${r.map(esc).join(' | ')} |`;
}

function table(header: string[], rows: (string | number)[][]): string {
  return [...tableLines(header, rows)].join('\n');
}

/** `rows` mapped lazily. */
function* mapped<T, U>(items: Iterable<T>, f: (x: T) => U): Generator<U> {
  for (const x of items) yield f(x);
}

const num = (v: number | null | undefined) => (v === null || v === undefined ? '-' : String(v));
const flagWord = (f: Flag) => f.kind + (f.confidence ? ` (${f.confidence})` : '');
const isGpt = (g: GroupReport) => isLayoutGroup(g) || g.memory_mib !== null;
const isMultiNode = (r: RunReport) => (r.num_nodes !== null ? r.num_nodes > 1 : new Set(r.files.map((f) => f.node)).size > 1);

/** The Findings list (Markdown lines); the HTML report shows the same lines. */
export function findings(s: SummaryResult): string[] {
  return [...findingLines(s)];
}

/** The Findings, one at a time. */
function* findingLines(s: SummaryResult): Generator<string> {
  for (const r of s.runs) {
    for (const f of r.flags) {
      if (f.kind === 'outlier') continue; // listed with its group
      const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ''}` : r.source;
      yield `- **${flagWord(f)}** — ${md(r.source)}${f.detail ? `: ${md(f.detail)}` : ''}\n  \`${md(where).replace(/`/g, "'")}\`: \`${visibleLog(f.evidence).replace(/`/g, "'")}\``;
    }
  }
  // A multi-node run that shows no NCCL transport is unknown, not fine: say so once, with the runs.
  const blind = s.runs.filter((r) => r.transport === 'not_visible' && isMultiNode(r));
  if (blind.length) {
    const list = blind.slice(0, 12).map((r) => md(r.source));
    yield `- **transport not visible (NCCL_DEBUG not INFO)** — ${blind.length} multi-node run(s) with no NCCL INFO transport line, so IB vs sockets is unknown: ${list.join(', ')}${blind.length > list.length ? `, … (${blind.length - list.length} more)` : ''}`;
  }
  for (const g of s.groups) {
    const name = `${g.model ?? '?'} ${g.precision ?? ''} ${g.num_nodes ?? '?'}n${g.gpu_num_per_node ?? '?'}g b${g.batch_size_per_device ?? '?'}`;
    for (const f of g.flags) yield `- **${flagWord(f)}** — ${md(name)}: ${md(f.detail)}\n  ${visibleLog(f.evidence)}`;
  }
  for (const p of s.problems) {
    // Most messages start with their file already (they are written to stderr as they are): once here.
    const message = p.file && p.message.startsWith(`${p.file}: `) ? p.message.slice(p.file.length + 2) : p.message;
    yield `- **${p.kind}** — ${p.file ? `${md(p.file)}${p.line ? `:${p.line}` : ''}: ` : ''}${md(message)}`;
  }
  if (s.skipped.length) yield `- ${s.skipped.length} file(s) skipped as not training logs (${[...new Set(s.skipped.map((x) => md(x.file.split('.').pop())))].join(', ')})`;
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
  return [...summaryMarkdownPieces(s)].join('');
}

/**
 * The same text in pieces of a line or so: 100k runs are 100k findings and rows, about 44 MB of
 * two-byte text (the em dash) that `summaryMarkdown` would hold at once, with the lines joined to
 * make it (over 500 MB peak). The writer batches the pieces (shared/write-chunks.ts).
 */
export function* summaryMarkdownPieces(s: SummaryResult): Generator<string> {
  let first = true;
  // Each element is a line of the document; the separators are written between them.
  for (const line of markdownLines(s)) {
    yield first ? line : `\n${line}`;
    first = false;
  }
}

/** The Findings section's sentence when it has nothing to list: with no run at all, there was nothing to judge. */
export function noFindings(s: SummaryResult): string {
  return s.runs.length === 0 ? 'No run recognised in the inputs: nothing was judged.' : 'No findings: every run completed its window and nothing suspicious was seen.';
}

function* markdownLines(s: SummaryResult): Generator<string> {
  yield* ['# dlperf-top summary', '', '## Findings', ''];
  let any = false;
  for (const line of findingLines(s)) {
    any = true;
    yield line;
  }
  if (!any) yield noFindings(s);
  yield* ['', '## All Results', ''];
  yield* tableLines(
    ['source', 'num_nodes', 'gpu_num_per_node', 'batch_size_per_device', 'precision', 'throughput', 'method', 'status', 'flags', 'unit', 'window'],
    mapped(s.runs, (r: RunReport) => [r.source, num(r.num_nodes), num(r.gpu_num_per_node), num(r.batch_size_per_device), r.precision ?? '-', fmt(r.throughput), r.throughput_method ?? '-', r.status, r.flags.map(flagWord).join(', ') || '-', r.throughput_unit ?? '-', r.window_rule ?? '-']),
  );
  yield '';
  const agg = s.groups[0]?.aggregate ?? 'median';
  yield* [`## Filtered Result \`${agg} value\``, ''];
  const gpt = s.groups.some(isGpt);
  const header = ['framework', 'model', 'precision', 'num_nodes', 'gpu_num_per_node', 'batch_size_per_device', 'throughput', 'speedup', 'scaling_efficiency', 'runs', 'cv'];
  if (gpt) header.push('dp×tp×pp', 'global_batch', 'latency (ms)', 'memory (MiB)');
  header.push('unit');
  yield* tableLines(
    header,
    mapped(s.groups, (g) => {
      const row: (string | number)[] = [g.framework ?? '-', g.model ?? '-', g.precision ?? '-', num(g.num_nodes), num(g.gpu_num_per_node), num(g.batch_size_per_device), fmt(g.throughput), fmt(g.speedup), fmt(g.scaling_efficiency, 3), `${g.runs}/${g.runs_expected}`, g.cv === null ? '-' : `${(g.cv * 100).toFixed(2)} %`];
      if (gpt) row.push(g.data_parallel_size != null ? `${g.data_parallel_size}×${g.tensor_model_parallel_size ?? 1}×${g.pipeline_model_parallel_size ?? 1}` : '-', num(g.global_batch_size), fmt(g.latency_ms, 3), num(g.memory_mib));
      row.push(g.throughput_unit ?? '-');
      return row;
    }),
  );
  yield '';
  const sbs = sideBySide(s.groups);
  if (sbs) yield* ['## Side by side', '', sbs, ''];
}
