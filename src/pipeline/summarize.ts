import type { InputProblem } from '../core/types.ts';
import type { Aggregate, GroupReport, OutlierRule, ScalingRule } from '../metrics/aggregate.ts';
import type { IterPoint } from '../metrics/iter-history.ts';
import { reportGroups } from '../metrics/report-groups.ts';
import { runReport, type RunReport } from '../metrics/run-report.ts';
import { TextPool } from '../metrics/report-strings.ts';
import { RunSet, type RunSetOptions } from '../metrics/run-set.ts';
import type { Run } from '../metrics/run.ts';
import { freezePlan } from './freeze-plan.ts';
import { enumerateInputs } from '../sources/inputs.ts';
import { bytePathDefault, feedFile } from './byte-feed.ts';
import { LateFreeze, rereadable } from './late-freeze.ts';
import { pathInfo } from '../metrics/path-identity.ts';
import type { EnumerateOptions } from '../sources/inputs.ts';
import type { InputItem } from '../sources/types.ts';

export interface SummaryOptions extends RunSetOptions {
  aggregate?: Aggregate;
  outlier?: OutlierRule;
  /** When a group is marked `scaling` (see aggregate()). */
  scaling?: Partial<ScalingRule>;
  stdin?: NodeJS.ReadableStream;
  /** Called for each problem as it is found (the CLI prints them to stderr at once). */
  onProblem?: (p: InputProblem) => void;
  /** Called as each file starts being read (the CLI's progress bar counts them). */
  onFile?: (path: string) => void;
  /** Parse progress lines from bytes where provably equal (pipeline/byte-feed.ts). Default: on, unless DLPERF_TOP_BYTE_PATH=0. */
  bytePath?: boolean;
  /**
   * Reduce each ended file to what its report reads (FileTrack.release), and freeze a run's report
   * once no file can join it (freeze-plan.ts). Default on; the result is the same either way (tested).
   */
  release?: boolean;
  /**
   * Read regular files with synchronous calls (sources/input-streams.ts fileChunksBlocking): summary
   * has nothing else to do while it waits. Default on, unless DLPERF_TOP_BLOCKING_READS=0.
   */
  blocking?: boolean;
  /** Ended runs of archives kept unfrozen before betting that no file joins them (late-freeze.ts; tests lower it). */
  lateFreezeRuns?: number;
  /** Their text, at most (late-freeze.ts RECENT_BYTES; tests lower it). */
  lateFreezeBytes?: number;
  /** Called before the second pass that reads runs frozen too early again, with their number (late-freeze.ts). */
  onReread?: (runs: number) => void | Promise<void>;
  /**
   * The first pass's items, when another thread enumerates the inputs (summary-thread.ts: the
   * same items, in the same order, as enumerateInputs(inputs) gives). Default: enumerateInputs.
   */
  items?: AsyncIterable<InputItem>;
}

export interface SummaryResult {
  inputs: string[];
  runs: RunReport[];
  groups: GroupReport[];
  problems: InputProblem[];
  /** Files that are not training logs (reports, CSV copies, result JSON), skipped with a reason. */
  skipped: { file: string; reason: string }[];
  files: number;
  lines: number;
  /** Per run source, its throughput over iterations (only with `history: true`; HTML charts). */
  series?: Map<string, IterPoint[]>;
}

/** What a run's report needs of it, once no more lines come (its Run can then be let go). */
interface Frozen {
  /** Null: no file of the run gave a line. */
  rep: RunReport | null;
  history: IterPoint[] | null;
  /** The `unrecognized` problem to report for it, in the run's place. */
  unrecognized: InputProblem | null;
}

function freeze(run: Run, pool: TextPool, history: boolean): Frozen {
  if (run.files.every((f) => f.lines === 0)) return { rep: null, history: null, unrecognized: null };
  const rep = pool.report(runReport(run, true));
  const h = history ? (run.primary()?.history?.toArray() ?? null) : null;
  const unrecognized: InputProblem | null =
    rep.status === 'unrecognized'
      ? { input: run.files[0]?.path === rep.source ? rep.source : (run.files[0]?.path ?? rep.source), file: rep.source, kind: 'unrecognized', message: pool.text(`${rep.reason ?? 'no known log format'} (${run.files.reduce((a, f) => a + f.lines, 0)} lines; skipped, counted)`) }
      : null;
  return { rep, history: h, unrecognized };
}

/**
 * Every run in the order it was first seen (the order of runs[] before sorting, and of the
 * `unrecognized` problems). A slot holds the run's key until it is frozen, then its report (null:
 * no line); the rare extras (an `unrecognized` problem, an HTML series) sit beside, by slot. Only
 * runs not frozen for good keep their key in the index: 100k frozen runs cost a report and a slot.
 */
class RunSlots {
  readonly slots: (RunReport | null | string)[] = [];
  private readonly index = new Map<string, number>();
  readonly unrecognized = new Map<number, InputProblem>();
  readonly history = new Map<number, IterPoint[]>();

  seen(key: string): void {
    if (this.index.has(key)) return;
    this.index.set(key, this.slots.length);
    this.slots.push(key);
  }

  /** A run frozen too early (late-freeze.ts): back to its key, to be frozen again. */
  thaw(key: string): void {
    const i = this.index.get(key)!;
    this.slots[i] = key;
    this.unrecognized.delete(i);
    this.history.delete(i);
  }

  /** `forGood`: no file can join the run (freeze-plan.ts), so its key is not needed any more. */
  put(key: string, fr: Frozen, forGood: boolean): void {
    const i = this.index.get(key)!;
    if (forGood) this.index.delete(key);
    this.slots[i] = fr.rep;
    if (fr.unrecognized) this.unrecognized.set(i, fr.unrecognized);
    if (fr.history) this.history.set(i, fr.history);
  }
}

/** Whether summary reads regular files with synchronous calls unless told otherwise. */
export function blockingReadsDefault(): boolean {
  return process.env['DLPERF_TOP_BLOCKING_READS'] !== '0';
}

/**
 * Headless: read every input to its end, then report. Streams everything: memory depends on the
 * number of runs, not on the size of the logs.
 */
export async function summarize(inputs: string[], opts: SummaryOptions = {}): Promise<SummaryResult> {
  // Ended files are reduced to what their report reads (FileTrack.release): memory follows the
  // files open, not the files read (100k tiny logs).
  const release = opts.release ?? true;
  const set = new RunSet({ ...opts, releaseEnded: release });
  const problems: InputProblem[] = [];
  const skipped: { file: string; reason: string }[] = [];
  const report = (p: InputProblem) => {
    set.noteInputProblem(p);
    problems.push(p);
    opts.onProblem?.(p);
  };
  let files = 0;
  let lines = 0;
  const bytePath = opts.bytePath ?? bytePathDefault();
  const enumOpts: EnumerateOptions = { ...(opts.stdin ? { stdin: opts.stdin } : {}), blocking: opts.blocking ?? blockingReadsDefault() };
  const pool = new TextPool();
  const order = new RunSlots();
  const plan = release ? await freezePlan(inputs) : null;
  // No name walk to vouch for the inputs (archives): freeze runs a while after they end, and read
  // again the few frozen too early (late-freeze.ts). Stdin and pipes cannot be read twice.
  const late = release && !plan && (await rereadable(inputs)) ? new LateFreeze(opts.lateFreezeRuns, opts.lateFreezeBytes) : null;
  const freezeNow = (key: string) => {
    order.put(key, freeze(set.runs.get(key)!, pool, !!opts.history), !late);
    set.forgetRun(key);
  };
  for await (const item of opts.items ?? enumerateInputs(inputs, enumOpts)) {
    if (item.type === 'problem') {
      if (late && item.problem.kind === 'duplicate_member' && item.problem.file) {
        const key = pathInfo(item.problem.file).runKey;
        if (late.duplicate(key)) order.thaw(key);
      }
      report(item.problem);
      continue;
    }
    const f = item.file;
    const track = set.openFile(f.path, f.path);
    if (!track) {
      skipped.push({ file: f.path, reason: 'not a training log' });
      // Drain nothing: the archive reader skips the member's data when we move on.
      continue;
    }
    files++;
    opts.onFile?.(f.path);
    const run = set.runOf(track);
    order.seen(run.key);
    // A file of a run frozen too early: read for its problems and counts; the run is made again below.
    const redo = late?.opening(run.key) ?? false;
    if (redo) order.thaw(run.key);
    const n = await feedFile(set, track, f, (p) => report({ ...p, input: p.input ?? f.input }), bytePath);
    lines += n;
    set.endFile(track);
    // No file still to come can join the run: its report now, its state let go.
    if (plan?.ended(f.path, run.key)) freezeNow(run.key);
    else if (late) {
      for (const key of late.ended(run.key, n, track.bytes)) freezeNow(key);
      if (redo) set.forgetRun(run.key);
    }
  }
  if (late?.redo.size) {
    await opts.onReread?.(late.redo.size);
    await readAgain(inputs, enumOpts, set, late.redo, bytePath, freezeNow, report);
  }
  const runs: RunReport[] = [];
  const series = opts.history ? new Map<string, IterPoint[]>() : undefined;
  const slots = order.slots;
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!;
    let rep: RunReport | null;
    if (typeof slot === 'string') {
      const run = set.runs.get(slot);
      // A redo run whose files were gone at the second read (reported there).
      if (!run) continue;
      const fr = freeze(run, pool, !!opts.history);
      // Each run's state is let go once its report is made: the two never add up.
      set.forgetRun(slot);
      rep = fr.rep;
      if (fr.unrecognized) order.unrecognized.set(i, fr.unrecognized);
      if (fr.history) order.history.set(i, fr.history);
    } else rep = slot;
    slots[i] = null;
    // A file that gave no line at all (binary, unreadable) is reported by its problem, not as a run.
    if (!rep) continue;
    runs.push(rep);
    const h = order.history.get(i);
    if (series && h) series.set(rep.source, h);
    const u = order.unrecognized.get(i);
    if (u) report(u);
  }
  // Sorted by source and grouped: the same function as the live session's board (one implementation).
  const groups = reportGroups(runs, {
    ...(opts.aggregate ? { aggregate: opts.aggregate } : {}),
    ...(opts.outlier ? { outlier: opts.outlier } : {}),
    ...(opts.scaling ? { scaling: opts.scaling } : {}),
  });
  return { inputs, runs, groups, problems, skipped, files, lines, ...(series ? { series } : {}) };
}

/**
 * The second pass of late-freeze.ts: the members of the runs frozen too early, read again in
 * their order into fresh runs, each frozen once its last member is fed. Problems were reported by
 * the first pass (same bytes); what differs from it (a file changed in between) is reported.
 */
async function readAgain(
  inputs: string[],
  enumOpts: EnumerateOptions,
  set: RunSet,
  redo: ReadonlyMap<string, { files: number; lines: number }>,
  bytePath: boolean,
  freezeNow: (key: string) => void,
  report: (p: InputProblem) => void,
): Promise<void> {
  const got = new Map<string, { files: number; lines: number }>();
  let left = redo.size;
  for await (const item of enumerateInputs(inputs, enumOpts)) {
    if (item.type === 'problem') continue;
    const f = item.file;
    const key = pathInfo(f.path).runKey;
    const want = redo.get(key);
    if (!want || got.get(key)?.files === want.files) continue;
    const track = set.openFile(f.path, f.path);
    if (!track) continue;
    const n = await feedFile(set, track, f, () => {}, bytePath);
    set.endFile(track);
    const g = got.get(key) ?? { files: 0, lines: 0 };
    g.files++;
    g.lines += n;
    got.set(key, g);
    if (g.files === want.files) {
      if (g.lines !== want.lines) report(changed(f.input, key, `${want.lines} lines at the first read, ${g.lines} at the second`));
      freezeNow(key);
      // Nothing after the last redo member needs reading.
      if (--left === 0) break;
    }
  }
  for (const [key, want] of redo) {
    const g = got.get(key);
    if (g?.files === want.files) continue;
    report(changed(inputs.join(', '), key, `${want.files} file(s) at the first read, ${g?.files ?? 0} at the second`));
    if (g) freezeNow(key);
  }
}

function changed(input: string, key: string, what: string): InputProblem {
  return { input, file: key, kind: 'unreadable', message: `the files of run ${key} changed while summary read them (${what}); its report is from the second read` };
}
