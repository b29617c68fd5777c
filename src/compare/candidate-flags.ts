import type { Flag } from '../core/types.ts';
import type { GroupReport } from '../metrics/aggregate.ts';
import type { RunReport } from '../metrics/run-report.ts';

/** A finding on the candidate side, said in the words a team reads next to a verdict. */
export interface CandidateFlag {
  kind: string;
  confidence: 'suspected' | 'confirmed' | null;
  /** The run it is on (null: the configuration as a whole). */
  source: string | null;
  repeat: number | null;
  /** "2n8g repeat 3 fell back to sockets" (raw text; presenters make it visible()). */
  text: string;
  file: string | null;
  line: number | null;
}

const shape = (g: Pick<GroupReport, 'num_nodes' | 'gpu_num_per_node'>) => `${g.num_nodes ?? '?'}n${g.gpu_num_per_node ?? '?'}g`;

function runName(g: GroupReport, r: RunReport | undefined, source: string | undefined): string {
  if (r?.repeat !== null && r?.repeat !== undefined) return `${shape(g)} repeat ${r.repeat}`;
  const base = (source ?? r?.source ?? '').split('/').pop() ?? '';
  return `${shape(g)} ${base || 'run'}`;
}

function phrase(f: Flag, who: string, r: RunReport | undefined, median: number | null): string {
  const suspected = f.confidence === 'suspected';
  switch (f.kind) {
    case 'ib_fallback':
      return suspected ? `${who} may have fallen back to sockets (suspected InfiniBand fallback)` : `${who} fell back to sockets`;
    case 'straggler':
      return `${who} had a straggler${f.node ? ` (${f.node})` : ''}`;
    case 'outlier': {
      const t = r?.throughput;
      return t != null && median ? `${who} is an outlier (${((t / median - 1) * 100).toFixed(1).replace('-', '−')} % from the median)` : `${who} is an outlier`;
    }
    case 'method_disagreement':
      return `${who}: the reported and timestamp throughputs disagree`;
    case 'too_short':
      return `${who} ended before its measuring window`;
    case 'crashed':
      return `${who} crashed`;
    case 'oom':
      return `${who} ran out of GPU memory`;
    case 'nccl_error':
      return `${who} hit an NCCL error`;
    case 'nan_loss':
      return `${who} had a NaN loss`;
    default:
      return `${who}: ${f.kind}${suspected ? ' (suspected)' : ''}`;
  }
}

/**
 * The candidate's findings for one configuration: its runs' flags and the group's own (outlier
 * flags sit on both: said once). `runs` is the candidate's run list (matched by the group's sources).
 */
export function candidateFlags(g: GroupReport, runs: readonly RunReport[]): CandidateFlag[] {
  const bySource = new Map(runs.map((r) => [r.source, r]));
  const members = (g.sources ?? []).map((s) => bySource.get(s)).filter((r): r is RunReport => !!r);
  const out: CandidateFlag[] = [];
  const seen = new Set<string>();
  const add = (f: Flag, r: RunReport | undefined, source: string | null) => {
    const k = `${f.kind}|${source ?? ''}|${f.confidence ?? ''}`;
    if (seen.has(k)) return;
    seen.add(k);
    // Group findings name the configuration in their own text (scaling: "4n8g efficiency 0.86 vs …").
    const text = source === null ? `${f.kind}: ${f.detail ?? f.evidence}` : phrase(f, runName(g, r, source), r, g.median_throughput);
    out.push({ kind: f.kind, confidence: f.confidence ?? null, source, repeat: r?.repeat ?? null, text, file: f.file ?? null, line: f.line ?? null });
  };
  for (const r of members) for (const f of r.flags) add(f, r, r.source);
  for (const f of g.flags) {
    const r = f.file ? bySource.get(f.file) : undefined;
    if (f.kind === 'outlier' && f.file) add(f, r, f.file);
    else add(f, undefined, null);
  }
  return out;
}
