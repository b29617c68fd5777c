import type { InputProblem } from '../core/types.ts';
import { aggregate } from '../metrics/aggregate.ts';
import type { FileTrack } from '../metrics/file-track.ts';
import { median } from '../metrics/rolling.ts';
import { runFlags, runReport, type RunReport } from '../metrics/run-report.ts';
import type { RunSet } from '../metrics/run-set.ts';
import type { Run } from '../metrics/run.ts';
import { transportOf } from '../signals/ib-fallback.ts';
import { runContext } from '../metrics/run-report.ts';
import { formatById } from '../formats/registry.ts';
import type { NodeStatus } from './store.ts';
import type { FlagEntry, NodeView, ReplayInfo, RunPhase, RunView, SessionSnapshot } from './types.ts';

export interface SnapshotContext {
  now: number;
  clock: 'wall' | 'replay';
  startedAt: number;
  runSet: RunSet;
  status: Map<string, NodeStatus>;
  flagLog: FlagEntry[];
  problems: InputProblem[];
  totals: SessionSnapshot['totals'];
  stalled: (runKey: string) => boolean;
  baselinePerGpu?: number;
  replay?: ReplayInfo;
  version: number;
}

const FAILURE_KINDS = new Set(['crashed', 'oom', 'nccl_error']);

function runPhase(run: Run, report: RunReport, stalled: boolean): RunPhase {
  const p = run.primary();
  if (report.flags.some((f) => FAILURE_KINDS.has(f.kind) && f.kind !== 'nccl_error') && p?.phase !== 'done') return 'failed';
  if (stalled) return 'stalled';
  if (p?.phase === 'done') return 'done';
  return p?.phase ?? 'warmup';
}

/** Pure: the session's state as the presenters see it. */
export function buildSnapshot(ctx: SnapshotContext): SessionSnapshot {
  const runs: RunView[] = [];
  const nodes: NodeView[] = [];
  const reports = new Map<Run, RunReport>();
  for (const run of ctx.runSet.runs.values()) {
    const ended = run.files.length > 0 && run.files.every((f) => f.ended);
    reports.set(run, runReport(run, ended));
  }
  // Speedup baselines: groups of runs already complete in this session.
  const complete = [...reports.values()].filter((r) => r.throughput !== null);
  const groups = aggregate(complete, { roundTo: (r) => (r.format ? formatById(r.format)?.window.roundTo : undefined) });
  for (const [run, rep] of reports) {
    const p = run.primary();
    const stalled = ctx.stalled(run.key);
    const current = rep.throughput ?? p?.rolling.median() ?? null;
    const gpus = rep.num_nodes && rep.gpu_num_per_node ? rep.num_nodes * rep.gpu_num_per_node : null;
    let baseline: number | null = null;
    const base = groups.find((g) => g.num_nodes === 1 && g.gpu_num_per_node === 1 && g.framework === rep.framework && g.model === rep.model && g.precision === rep.precision && g.batch_size_per_device === rep.batch_size_per_device);
    if (base?.throughput) baseline = base.throughput;
    else if (ctx.baselinePerGpu) baseline = ctx.baselinePerGpu;
    const speedup = baseline && current !== null ? current / baseline : null;
    const ctxRun = runContext(run, run.files.every((f) => f.ended));
    runs.push({
      ...rep,
      key: run.key,
      phase: runPhase(run, rep, stalled),
      iteration: p?.lastIter?.iter ?? null,
      throughput_instant: p?.instant ?? null,
      throughput_rolling_median: p?.rolling.median() ?? null,
      step_time_s: p?.medianStepS() ?? null,
      speedup,
      scaling_efficiency: speedup !== null && gpus ? speedup / gpus : null,
      nodes: [...new Set(run.files.map((f) => f.node))],
      transport: run.detectors.length ? transportOf(run.detectors, ctxRun) : null,
      series: p?.series.toArray() ?? [],
      first_seen: minOf(run.files.map((f) => f.lastLineAt)),
      last_seen: maxOf(run.files.map((f) => f.lastLineAt)),
    });
    const medians = run.files.map((f) => f.rolling.median()).filter((v): v is number => v !== null);
    const runMed = median(medians);
    const flags = runFlags(run, false);
    for (const f of run.files) nodes.push(nodeView(f, run, ctx, runMed, flags));
  }
  return {
    now: ctx.now,
    clock: ctx.clock,
    startedAt: ctx.startedAt,
    runs,
    nodes,
    flags: ctx.flagLog,
    problems: ctx.problems,
    totals: ctx.totals,
    ...(ctx.replay ? { replay: { ...ctx.replay } } : {}),
    version: ctx.version,
  };
}

function nodeView(f: FileTrack, run: Run, ctx: SnapshotContext, runMed: number | null, flags: RunReport['flags']): NodeView {
  const st = ctx.status.get(f.file);
  const rm = f.rolling.median();
  return {
    node: f.node,
    source: f.file,
    run: run.key,
    state: st?.state ?? (f.ended ? 'ended' : 'streaming'),
    ...(st?.message ? { message: st.message } : {}),
    bytes: f.bytes,
    lines: f.lines,
    last_line_age_s: f.lastLineAt === null ? null : Math.max(0, (ctx.now - f.lastLineAt) / 1000),
    iteration: f.lastIter?.iter ?? null,
    phase: f.phase,
    throughput_instant: f.instant,
    throughput_rolling_median: rm,
    step_time_s: f.medianStepS(),
    deviation: rm !== null && runMed ? (rm - runMed) / runMed : null,
    flags: flags.filter((x) => x.node === f.node || x.file === f.file),
    series: f.series.toArray(),
  };
}

const minOf = (xs: (number | null)[]) => xs.reduce<number | null>((a, x) => (x === null ? a : a === null ? x : Math.min(a, x)), null);
const maxOf = (xs: (number | null)[]) => xs.reduce<number | null>((a, x) => (x === null ? a : a === null ? x : Math.max(a, x)), null);
