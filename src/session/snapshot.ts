import type { Flag, InputProblem, RunIdentity } from '../core/types.ts';
import { baselineKey, type GroupReport } from '../metrics/aggregate.ts';
import { reportGroups, withOwnFlags } from '../metrics/report-groups.ts';
import type { FileTrack } from '../metrics/file-track.ts';
import { runFlags, runReport, type RunReport } from '../metrics/run-report.ts';
import type { RunSet } from '../metrics/run-set.ts';
import type { Run } from '../metrics/run.ts';
import { transportOf } from '../signals/ib-fallback.ts';
import { runContext } from '../metrics/run-report.ts';
import { nodeFigures, type NodeFigures } from './node-metrics.ts';
import { noProgressNote } from './node-rules.ts';
import type { NodeStatus } from './store.ts';
import { reasonOf } from './source-reason.ts';
import type { SourceView } from './source-registry.ts';
import type { FlagEntry, NodeView, ReplayInfo, RunPhase, RunView, SessionSnapshot, TimedProblem } from './types.ts';

export interface SnapshotContext {
  now: number;
  clock: 'wall' | 'replay';
  startedAt: number;
  runSet: RunSet;
  status: Map<string, NodeStatus>;
  flagLog: FlagEntry[];
  problems: TimedProblem[];
  totals: Omit<SessionSnapshot['totals'], 'sources' | 'reporting'>;
  /** Named sources (live); empty in replay and summary-like uses. */
  sources?: SourceView[];
  stalled: (runKey: string) => boolean;
  baselinePerGpu?: number;
  replay?: ReplayInfo;
  plan?: SessionSnapshot['plan'];
  version: number;
  /** Reports of runs (and series of files) kept from earlier snapshots while they did not change. */
  cache?: SnapshotCache;
  /** A run that only got lines keeps its cached report this long (ms of `now`; see StoreOptions.analysisEveryMs). */
  analysisEveryMs?: number;
  /** Each run's no-progress note, computed once per snapshot (buildSnapshot fills it). */
  notes?: Map<Run, string | null>;
}

interface CachedRun {
  stamp: string;
  /** The stamp without the line count, and when (`now`) the report was made. */
  structure: string;
  at: number;
  report: RunReport;
  /** The run's flags as its nodes show them (not judged as ended). */
  nodeFlags: Flag[];
  nodes: string[];
  transport: RunView['transport'];
  /** Its files' node figures (deviation, arrival lag): they read the files' lines only. */
  figures: Map<FileTrack, NodeFigures>;
}

/** A file's last node view and what it was made from (see nodeView). */
interface CachedView {
  lines: number;
  ended: boolean;
  status: NodeStatus | undefined;
  flags: RunReport['flags'];
  figures: NodeFigures;
  note: string | null;
  view: NodeView;
}

/**
 * What a snapshot may reuse from the one before: a run's report (the detectors' verdicts, the
 * expensive part) while nothing of the run changed, and each file's series while it got no line.
 * The session store owns one; `buildSnapshot` without it computes everything.
 */
export class SnapshotCache {
  readonly runs = new WeakMap<Run, CachedRun>();
  readonly series = new WeakMap<FileTrack, { lines: number; series: NodeView['series'] }>();
  readonly views = new WeakMap<FileTrack, CachedView>();
  /** The groups of the last snapshot and the reports they were built from, while no run changed. */
  groups: { runs: number; groups: GroupReport[]; reports: Map<Run, RunReport> } | null = null;
}

/**
 * Changes whenever anything a run's report is computed from may have changed: every line of its
 * files (line counts), files added or ended, flags raised by lines or by the session (stalls),
 * parse errors, and the run's own identity version. A replaced run (replay restarting a run) is
 * another object, so it has no cached report at all.
 */
function runStamp(run: Run): { lines: number; stamp: string; structure: string } {
  let lines = 0;
  let ended = 0;
  for (const f of run.files) {
    lines += f.lines;
    if (f.ended) ended++;
  }
  const structure = `${run.files.length}:${ended}:${run.changes.version}:${run.lineFlags.length}:${run.liveFlags.length}:${run.errors.length}`;
  return { lines, stamp: `${lines}:${structure}`, structure };
}

function seriesOf(f: FileTrack, cache: SnapshotCache | undefined): NodeView['series'] {
  if (!cache) return f.series.toArray();
  const c = cache.series.get(f);
  if (c && c.lines === f.lines) return c.series;
  const series = f.series.toArray();
  cache.series.set(f, { lines: f.lines, series });
  return series;
}

/**
 * Views carry a `series` (the chart's points) that is copied out of the file's ring only when
 * something reads it. Only the chart reads series (the run's and the selected node's): copying 600
 * points for each of hundreds of nodes at every snapshot was most of live mode's garbage. The
 * getter lives on the prototype and the file in private fields, so spreads and JSON (NDJSON) leave
 * them out without reading them. A read after more lines arrived sees those points too (the chart
 * is a picture of the recent past, not a number).
 */
class LazySeries {
  readonly #file: FileTrack | undefined;
  readonly #cache: SnapshotCache | undefined;
  #copy: NodeView['series'] | undefined;

  constructor(file: FileTrack | undefined, cache: SnapshotCache | undefined) {
    this.#file = file;
    this.#cache = cache;
  }

  get series(): NodeView['series'] {
    return (this.#copy ??= this.#file ? seriesOf(this.#file, this.#cache) : []);
  }
}

function withLazySeries<T extends object>(view: T, f: FileTrack | undefined, cache: SnapshotCache | undefined): T & { series: NodeView['series'] } {
  return Object.assign(new LazySeries(f, cache), view);
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
export function buildSnapshot(ctxIn: SnapshotContext): SessionSnapshot {
  const ctx: SnapshotContext = { ...ctxIn, notes: new Map() };
  const runs: RunView[] = [];
  const nodes: NodeView[] = [];
  const reports = new Map<Run, RunReport>();
  const judged = new Map<Run, CachedRun>();
  let changed = false;
  for (const run of ctx.runSet.runs.values()) {
    // A file that gave no line at all (binary, unreadable, empty) is said by its problem, not shown
    // as a run: summary's rule (pipeline/summarize.ts), which replay's byte path met with a track
    // opened before the file's first byte.
    const { lines, stamp, structure } = runStamp(run);
    if (lines === 0) continue;
    let c = ctx.cache?.runs.get(run);
    // Only lines came, and the report is recent enough (analysisEveryMs): keep it.
    const recent = c !== undefined && c.structure === structure && ctx.now - c.at < (ctx.analysisEveryMs ?? 0);
    if (!c || (c.stamp !== stamp && !recent)) {
      changed = true;
      const ended = run.files.length > 0 && run.files.every((f) => f.ended);
      const report = runReport(run, ended);
      const ctxRun = runContext(run, run.files.every((f) => f.ended));
      c = {
        stamp,
        structure,
        at: ctx.now,
        report,
        // Not ended: the same verdicts as the report's (runFlags is pure), so judge only once.
        nodeFlags: ended ? runFlags(run, false) : report.flags,
        nodes: [...new Set(run.files.map((f) => f.node))],
        transport: run.detectors.length ? transportOf(run.detectors, ctxRun) : null,
        figures: nodeFigures(run.files),
      };
      ctx.cache?.runs.set(run, c);
    }
    reports.set(run, c.report);
    judged.set(run, c);
  }
  const { groups, reports: grouped } = sessionGroups(ctx, reports, changed);
  for (const [run, judgedRep] of reports) {
    const rep = grouped.get(run) ?? judgedRep;
    const p = run.primary();
    const stalled = ctx.stalled(run.key);
    const current = rep.throughput ?? p?.rolling.median() ?? null;
    const gpus = rep.num_nodes && rep.gpu_num_per_node ? rep.num_nodes * rep.gpu_num_per_node : null;
    let baseline: number | null = null;
    const bk = baselineKey(rep);
    const base = groups.find((g) => g.num_nodes === 1 && g.gpu_num_per_node === 1 && g.throughput && baselineKey(g as unknown as RunIdentity) === bk);
    if (base?.throughput) baseline = base.throughput;
    else if (ctx.baselinePerGpu) baseline = ctx.baselinePerGpu;
    // A one-GPU run is the baseline itself: a speedup of 1.002 or an "efficiency 100.2 %" says nothing.
    const speedup = baseline && current !== null && gpus !== 1 ? current / baseline : null;
    const c = judged.get(run)!;
    runs.push(withLazySeries({
      ...rep,
      key: run.key,
      phase: runPhase(run, rep, stalled),
      iteration: p?.lastIter?.iter ?? null,
      throughput_instant: p?.instant ?? null,
      throughput_rolling_median: p?.rolling.median() ?? null,
      step_time_s: p?.medianStepS() ?? null,
      speedup,
      scaling_efficiency: speedup !== null && gpus ? speedup / gpus : null,
      nodes: c.nodes,
      transport: c.transport,
      first_seen: minOf(run.files.map((f) => f.lastLineAt)),
      last_seen: maxOf(run.files.map((f) => f.lastLineAt)),
    }, p ?? undefined, ctx.cache));
    for (const f of run.files) nodes.push(nodeView(f, run, ctx, c.figures.get(f)!, c.nodeFlags));
  }
  const sources = ctx.sources ?? [];
  // A named source without a line yet is a row of its own: it says what it is waiting for.
  for (const s of sources) if (!s.reporting) nodes.push(placeholderView(s));
  return {
    now: ctx.now,
    clock: ctx.clock,
    startedAt: ctx.startedAt,
    runs,
    groups,
    nodes,
    flags: ctx.flagLog,
    problems: ctx.problems,
    sources,
    totals: { sources: sources.length, reporting: sources.filter((s) => s.reporting).length, ...ctx.totals },
    ...(ctx.replay ? { replay: { ...ctx.replay } } : {}),
    ...(ctx.plan ? { plan: ctx.plan } : {}),
    version: ctx.version,
  };
}

/**
 * The sweep's groups so far: `summary`'s function on every run's report (runs still going count as
 * found, with no figure yet), so that once the input ends they are `summary --format json`'s
 * groups. Grouping adds findings (an outlier repeat) to its reports' flags, so it works on copies:
 * the cached reports stay as the detectors judged them, and each snapshot's run views carry the
 * copies (flags equal to summary's runs[].flags). Reused while no run changed.
 */
function sessionGroups(ctx: SnapshotContext, reports: Map<Run, RunReport>, changed: boolean): { groups: GroupReport[]; reports: Map<Run, RunReport> } {
  const c = ctx.cache?.groups;
  if (c && !changed && c.runs === reports.size) return c;
  const copies = new Map<Run, RunReport>();
  for (const [run, rep] of reports) if (!run.files.every((f) => f.lines === 0)) copies.set(run, withOwnFlags(rep));
  const groups = reportGroups([...copies.values()]);
  const out = { runs: reports.size, groups, reports: copies };
  if (ctx.cache) ctx.cache.groups = out;
  return out;
}

/**
 * A file's row. Rebuilt only when what it is made from changed: its lines (every figure of the
 * file moves with a line), its end, its state (a new status object at each change), its run's
 * verdicts and figures (new objects when the run's stamp changed) or its note. Otherwise the view
 * of the snapshot before is reused, or, when only the age moved, copied with the new age (one
 * object instead of a view, its flags and figures built afresh: 5,000 idle files made ≈ 10 MB of
 * garbage a second in the TUI, whose snapshots follow the age column).
 */
function nodeView(f: FileTrack, run: Run, ctx: SnapshotContext, figures: NodeFigures, flags: RunReport['flags']): NodeView {
  const st = ctx.status.get(f.file);
  const note = noProgressNote(f, run, ctx.notes);
  const age = f.lastLineAt === null ? null : Math.max(0, (ctx.now - f.lastLineAt) / 1000);
  const cache = ctx.cache;
  const c = cache?.views.get(f);
  if (c && c.lines === f.lines && c.ended === f.ended && c.status === st && c.flags === flags && c.figures === figures && c.note === note) {
    if (c.view.last_line_age_s === age) return c.view;
    // Own properties only: the lazy series stays a getter on the new view's prototype.
    const view = Object.assign(new LazySeries(f, cache), c.view);
    view.last_line_age_s = age;
    c.view = view;
    return view;
  }
  const view = freshNodeView(f, run, ctx, figures, flags, st, note, age);
  cache?.views.set(f, { lines: f.lines, ended: f.ended, status: st, flags, figures, note, view });
  return view;
}

function freshNodeView(f: FileTrack, run: Run, ctx: SnapshotContext, figures: NodeFigures, flags: RunReport['flags'], st: NodeStatus | undefined, note: string | null, age: number | null): NodeView {
  const rm = f.rolling.median();
  return withLazySeries({
    node: f.node,
    source: f.file,
    run: run.key,
    state: st?.state ?? (f.ended ? 'ended' : 'streaming'),
    reason: st && st.state !== 'streaming' ? reasonOf(st.message) : null,
    ...(st?.message ? { message: st.message } : {}),
    note,
    bytes: f.bytes,
    lines: f.lines,
    last_line_age_s: age,
    iteration: f.lastIter?.iter ?? null,
    phase: f.phase,
    throughput_instant: f.instant,
    throughput_rolling_median: rm,
    step_time_s: f.medianStepS(),
    ...figures,
    // A straggler flag belongs to the slow node, not to the file that printed the report (Megatron's rank 0).
    flags: flags.filter((x) => x.node === f.node || (x.kind !== 'straggler' && x.file === f.file)),
  }, f, ctx.cache);
}

/** The figures of a row that has none yet (a named source with no line, a glob's own row), in the NDJSON key order. */
export const NO_FIGURES = {
  last_line_age_s: null,
  iteration: null,
  phase: null,
  throughput_instant: null,
  throughput_rolling_median: null,
  note: null,
  step_time_s: null,
  compute_time_s: null,
  data_time_s: null,
  deviation: null,
  deviation_of: null,
  arrival_lag_s: null,
} as const;

function placeholderView(s: SourceView): NodeView {
  return withLazySeries({
    node: s.node,
    source: s.source,
    run: null,
    state: s.state,
    reason: s.reason,
    ...(s.message ? { message: s.message } : {}),
    bytes: 0,
    lines: 0,
    ...NO_FIGURES,
    flags: [],
  }, undefined, undefined);
}

const minOf = (xs: (number | null)[]) => xs.reduce<number | null>((a, x) => (x === null ? a : a === null ? x : Math.min(a, x)), null);
const maxOf = (xs: (number | null)[]) => xs.reduce<number | null>((a, x) => (x === null ? a : a === null ? x : Math.max(a, x)), null);
