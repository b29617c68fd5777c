import type { FileTrack } from '../metrics/file-track.ts';
import { median } from '../metrics/rolling.ts';
import { medianWithout } from '../signals/straggler-options.ts';

/** What a node's deviation is measured on, most telling first. */
export type DeviationOf = 'compute_time' | 'step_time' | 'throughput';

export interface NodeFigures {
  compute_time_s: number | null;
  data_time_s: number | null;
  /** Relative difference from the median of the OTHER nodes of the run, on `deviation_of` (times: + is slower; throughput: − is slower). */
  deviation: number | null;
  deviation_of: DeviationOf | null;
  /** Seconds this node printed the latest iteration every node printed after the first node did (log clock where it has one). */
  arrival_lag_s: number | null;
}

const NONE: NodeFigures = { compute_time_s: null, data_time_s: null, deviation: null, deviation_of: null, arrival_lag_s: null };

/**
 * Per-node figures that tell nodes apart (issue 15): where every node prints the cluster's
 * throughput, a throughput deviation is 0.0 % on every row and the slow node is invisible, so the
 * deviation is measured on the node's own compute time where the log prints it (NGC's
 * `train.compute_time`), else its step time, else its throughput; and the arrival lag of the same
 * iteration (the slow node prints last). One file alone has no "other nodes": null, not 0.
 */
export function nodeFigures(files: readonly FileTrack[]): Map<FileTrack, NodeFigures> {
  const out = new Map<FileTrack, NodeFigures>();
  const values = (get: (f: FileTrack) => number | null) => files.map((f) => [f, get(f)] as const).filter((x): x is readonly [FileTrack, number] => x[1] !== null && Number.isFinite(x[1]));
  const compute = values((f) => f.computeTimes.median());
  const step = values((f) => f.medianStepS());
  const tput = values((f) => f.rolling.median());
  // Compute time where printed (the node's own work); else whichever of step time and throughput
  // differs more between the nodes (a job-wide figure printed by every node differs by nothing).
  const [basis, of]: [readonly (readonly [FileTrack, number])[], DeviationOf | null] =
    compute.length >= 2 ? [compute, 'compute_time'] : step.length >= 2 && (tput.length < 2 || spread(step) >= spread(tput)) ? [step, 'step_time'] : tput.length >= 2 ? [tput, 'throughput'] : [[], null];
  const lags = arrivalLags(files);
  // Sorted once: each node's "median of the others" is the sorted list without its own entry
  // (hundreds of rank files per run, every snapshot).
  const sorted = [...basis].sort((a, b) => a[1] - b[1]);
  const pos = new Map(sorted.map((x, i) => [x[0], i]));
  const ordered = sorted.map((x) => x[1]);
  for (const f of files) {
    const i = pos.get(f);
    const mine = i === undefined ? null : ordered[i]!;
    const others = i === undefined ? null : medianWithout(ordered, i);
    out.set(f, {
      ...NONE,
      compute_time_s: f.computeTimes.median(),
      data_time_s: f.dataTimes.median(),
      deviation: mine !== null && others ? (mine - others) / others : null,
      deviation_of: mine !== null && others ? of : null,
      arrival_lag_s: lags.get(f) ?? null,
    });
  }
  return out;
}

/** (max − min) / median of the values. */
function spread(xs: readonly (readonly [FileTrack, number])[]): number {
  const v = xs.map((x) => x[1]);
  const m = median(v);
  return m ? (Math.max(...v) - Math.min(...v)) / Math.abs(m) : 0;
}

/**
 * Lag of each printing file on the latest iteration all printing files have (null when fewer than two print).
 * No common iteration can be later than the earliest of the files' latest ones: that one is tried
 * first (it is the answer whenever every file holds it, the usual case), before counting every
 * iteration of every file. At 1,024 rank files and ten snapshots a second, a map per file (the
 * earlier way) was half of the snapshot's cost.
 */
function arrivalLags(files: readonly FileTrack[]): Map<FileTrack, number> {
  const printing = files.filter((f) => f.arrivals.size > 0);
  const out = new Map<FileTrack, number>();
  if (printing.length < 2) return out;
  // The rings are read in place (Ring.at): a copy of every file's 32 arrivals per snapshot was
  // 1,024 arrays ten times a second.
  let bound = Infinity;
  for (const f of printing) {
    const ring = f.arrivals;
    let top = -Infinity;
    for (let k = 0; k < ring.size; k++) {
      const it = ring.at(k)!.iter;
      if (it > top) top = it;
    }
    if (top < bound) bound = top;
  }
  // Each file's latest arrival of iteration `iter` (a file may hold one twice: the later counts).
  const latest = (ring: FileTrack['arrivals'], iter: number): Arrival | undefined => {
    for (let k = ring.size - 1; k >= 0; k--) {
      const a = ring.at(k)!;
      if (a.iter === iter) return a;
    }
    return undefined;
  };
  let hits = printing.map((f) => latest(f.arrivals, bound));
  if (hits.some((h) => h === undefined)) {
    const common = latestCommon(printing.map((f) => f.arrivals.toArray()));
    if (common === null) return out;
    hits = printing.map((f) => latest(f.arrivals, common));
  }
  // The log's own clock where every node's line has one (what the nodes did, not how fast the lines
  // travelled; a replay at max speed has no meaningful arrival times), else arrival on the event clock.
  const logClock = hits.every((h) => h!.log !== null);
  const ats = hits.map((h) => (logClock ? h!.log! : h!.at / 1000));
  let first = Infinity;
  for (const t of ats) if (t < first) first = t;
  printing.forEach((f, i) => out.set(f, ats[i]! - first));
  return out;
}

type Arrival = ReturnType<FileTrack['arrivals']['toArray']>[number];

/** The latest iteration held by every list, or null: how many lists hold each (one counting once per list). */
function latestCommon(recent: readonly (readonly Arrival[])[]): number | null {
  const count = new Map<number, number>();
  const lastList = new Map<number, number>();
  recent.forEach((list, i) => {
    for (const a of list) {
      if (lastList.get(a.iter) === i) continue;
      lastList.set(a.iter, i);
      count.set(a.iter, (count.get(a.iter) ?? 0) + 1);
    }
  });
  let common: number | null = null;
  for (const [iter, n] of count) if (n === recent.length && (common === null || iter > common)) common = iter;
  return common;
}
