/**
 * `straggler`: a node or rank that holds the others back.
 *
 * In synchronous data-parallel training every rank waits at the all-reduce, so the img/s each
 * node prints is nearly equal: printed throughput alone never raises this flag. What does differ
 * is used instead, strongest first:
 *
 * (a) Megatron `--log-straggler` reports (`MnRtt/Rnk: 495.64ms/3 | MxRtt/Rnk: 553.93ms/21 | …`,
 *     `MnEtpt/Rnk: 8.21TF/21 | MxEtpt/Rnk: 9.17TF/3`): the same rank is the slowest (max round-trip
 *     time, else min throughput) in at least `persistence` consecutive reports, each with the slowest
 *     at least `minRelative` behind the fastest. Evidence: the report that completed the streak.
 *     A line detector ({@link MegatronStragglerDetector}, registered as `straggler`) reads them.
 * (b) Per-node compute (or data-loading) time: progress prints are grouped per file into windows of
 *     {@link ITER_WINDOW_PRINTS} prints aligned on the iteration number; a file whose window median of
 *     `computeS` is at least `minRelative` above the median of the other files' same windows, for at
 *     least `persistence` consecutive windows, is a straggler. Data-loading time counts when the
 *     extra wait is at least `minRelative` of the others' whole step.
 * (c) Arrival lag: where several files print the same iterations with a clock, a file whose lines
 *     for the same iteration carry a log time later than the others' median by at least
 *     max(`minRelative` × step time, 50 ms), for `persistence` consecutive windows. Log clocks are
 *     per node, so a skewed clock reads the same: this source is only ever `suspected`.
 *
 * One flag per node (the strongest source; weaker agreeing sources are named in `detail`).
 * Pure: no IO, no timers; bounded memory (windows and reports are rings).
 */
import type { Flag } from '../core/types.ts';
import { ITER_WINDOW_PRINTS } from '../metrics/iter-windows.ts';
import type { Run } from '../metrics/run.ts';
import { resolve, type StragglerOptions } from './straggler-options.ts';
import { isStragglerDetector, rankMapper, type MegatronStragglerDetector } from './straggler-reports.ts';
import { arrivalCandidates, computeCandidates, windowsOf, type Candidate } from './straggler-windows.ts';

// The public surface stays here: importers keep using `signals/straggler.ts`.
export { MIN_ARRIVAL_LAG_S, STRAGGLER_DEFAULTS, type StragglerOptions } from './straggler-options.ts';
export {
  isStragglerDetector,
  MegatronStragglerDetector,
  parseStragglerReport,
  rankMapper,
  straggler,
  type RankToNode,
  type StragglerReport,
} from './straggler-reports.ts';

const cache = new WeakMap<Run, { key: string; flags: Flag[]; at: number }>();

/**
 * While a run with many files is still running, the analysis is redone at most this often (ms of
 * process time): live views ask on every refresh, and with hundreds of files a window closes
 * somewhere all the time while each analysis costs in proportion to the files. Small runs (at most
 * LIVE_THROTTLE_FILES files) are analysed fresh; once every file has ended, a change is analysed
 * at once (summary, replay ends).
 */
export const LIVE_RECOMPUTE_MS = 3000;
export const LIVE_THROTTLE_FILES = 16;
/** Windows per file a live run of many files is judged on. */
export const LIVE_WINDOWS = 8;

/**
 * Every straggler finding on a run (see the module comment for the sources and rules), one flag
 * per node, each with `node` set and the line that proves it. Cached per run until a window
 * closes or a report arrives, so live views may call it on every refresh.
 */
export function stragglerFlags(run: Run, opts?: StragglerOptions): Flag[] {
  const o = resolve(opts);
  const det = run.detectors.find(isStragglerDetector);
  const key = `${o.minRelative}|${o.persistence}|${det?.count ?? 0}|${run.files.length}|${run.files.map((f) => `${f.iterWindows.version}${f.ended ? 'e' : ''}`).join(',')}`;
  const hit = cache.get(run);
  const now = performance.now();
  const ended = run.files.length > 0 && run.files.every((f) => f.ended);
  const throttled = !ended && run.files.length > LIVE_THROTTLE_FILES && hit !== undefined && now - hit.at < LIVE_RECOMPUTE_MS;
  if (hit && (hit.key === key || throttled)) return hit.flags.map((f) => ({ ...f }));
  const flags = computeStragglers(run, o, det);
  cache.set(run, { key, flags, at: now });
  return flags.map((f) => ({ ...f }));
}

function computeStragglers(run: Run, o: Required<StragglerOptions>, det: MegatronStragglerDetector | undefined): Flag[] {
  const cands: Candidate[] = [];
  if (det && det.count > 0) {
    const id = run.identity();
    const map = rankMapper(
      run.files.map((f) => f.node),
      id.num_nodes,
      id.gpu_num_per_node,
    );
    for (const flag of det.findings(o, map)) cands.push({ flag, strength: 0, label: '--log-straggler reports' });
  }
  const withWindows = run.files.filter((f) => f.iterWindows.closedCount > 0 || f.ended);
  if (withWindows.length >= 2) {
    // A live run of many files is judged on its recent windows (bounded work per refresh).
    const live = !run.files.every((f) => f.ended) && run.files.length > LIVE_THROTTLE_FILES;
    const fws = windowsOf(withWindows, Math.ceil(ITER_WINDOW_PRINTS / 2), live ? LIVE_WINDOWS : Infinity);
    const distinctNodes = new Set(withWindows.map((f) => f.node)).size === withWindows.length;
    const peers = distinctNodes ? 'other nodes' : 'other files';
    cands.push(...computeCandidates(fws, o, peers), ...arrivalCandidates(fws, o, peers));
  }
  // One flag per node: the strongest source; the others that agree are named.
  const byNode = new Map<string, Candidate[]>();
  for (const c of cands) {
    const k = c.flag.node ?? '';
    byNode.set(k, [...(byNode.get(k) ?? []), c]);
  }
  const out: Flag[] = [];
  for (const list of byNode.values()) {
    list.sort((a, b) => a.strength - b.strength);
    const best = { ...list[0]!.flag };
    const also = [...new Set(list.slice(1).map((c) => c.label))];
    if (also.length) best.detail = `${best.detail ?? ''}; also slow by ${also.join(', ')}`;
    out.push(best);
  }
  out.sort((a, b) => (a.node ?? '').localeCompare(b.node ?? '', 'en', { numeric: true }));
  return out;
}
