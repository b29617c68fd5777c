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
import type { Flag, LineEvent } from '../core/types.ts';
import { unwrap, type UnwrappedLine } from '../formats/unwrap.ts';
import type { FileTrack } from '../metrics/file-track.ts';
import { ITER_WINDOW_PRINTS, type IterWindow } from '../metrics/iter-windows.ts';
import { median, Ring } from '../metrics/rolling.ts';
import type { Run } from '../metrics/run.ts';
import { evidenceText, sightingOf, type Sighting } from './evidence.ts';
import type { LineDetector, LineDetectorFactory, RunContext } from './types.ts';

export interface StragglerOptions {
  /** Smallest slowdown of the slow node/rank relative to the others that counts. @default 0.08 */
  minRelative?: number;
  /** Consecutive windows (or `--log-straggler` reports) it must be slow for. @default 3 */
  persistence?: number;
}

export const STRAGGLER_DEFAULTS: Required<StragglerOptions> = { minRelative: 0.08, persistence: 3 };
/** Smallest same-iteration arrival lag that counts, whatever the step time (s). */
export const MIN_ARRIVAL_LAG_S = 0.05;

const resolve = (o?: StragglerOptions): Required<StragglerOptions> => ({
  minRelative: o?.minRelative ?? STRAGGLER_DEFAULTS.minRelative,
  persistence: Math.max(1, Math.round(o?.persistence ?? STRAGGLER_DEFAULTS.persistence)),
});

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;

/** Median of sorted `s` without its element at index `skip`. */
function medianWithout(s: readonly number[], skip: number): number | null {
  const m = s.length - 1;
  if (m <= 0) return null;
  const at = (j: number) => s[j < skip ? j : j + 1]!;
  const mid = m >> 1;
  return m % 2 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
}

// ---------------------------------------------------------------------------------------------
// (a) Megatron --log-straggler reports

/** One StragglerDetector report line, as far as it names min/max ranks. */
export interface StragglerReport {
  /** Round-trip time per iteration (ms): fastest and slowest rank. */
  minMs?: number;
  minMsRank?: number;
  maxMs?: number;
  maxMsRank?: number;
  /** Estimated throughput (e.g. TFLOP/s): slowest and fastest rank. */
  minTp?: number;
  minTpRank?: number;
  maxTp?: number;
  maxTpRank?: number;
  tpUnit?: string;
}

const RTT = /MnRtt\/Rnk:\s*([\d.]+)\s*(ms|us|s)?\s*\/\s*(\d+)\s*\|\s*MxRtt\/Rnk:\s*([\d.]+)\s*(ms|us|s)?\s*\/\s*(\d+)/;
const ETPT = /MnEtpt\/Rnk:\s*([\d.]+)\s*([A-Za-z/]*)\s*\/\s*(\d+)\s*\|\s*MxEtpt\/Rnk:\s*([\d.]+)\s*([A-Za-z/]*)\s*\/\s*(\d+)/;
const toMs = (v: string, unit: string | undefined) => Number(v) * (unit === 's' ? 1000 : unit === 'us' ? 0.001 : 1);

/** Parse `MnRtt/Rnk: 495.64ms/3 | MxRtt/Rnk: 553.93ms/21` and `MnEtpt/Rnk: 8.21TF/21 | MxEtpt/Rnk: 9.17TF/3`. */
export function parseStragglerReport(payload: string): StragglerReport | undefined {
  if (!payload.includes('/Rnk:')) return undefined;
  const out: StragglerReport = {};
  const t = RTT.exec(payload);
  if (t) {
    out.minMs = toMs(t[1]!, t[2]);
    out.minMsRank = Number(t[3]);
    out.maxMs = toMs(t[4]!, t[5]);
    out.maxMsRank = Number(t[6]);
  }
  const e = ETPT.exec(payload);
  if (e) {
    out.minTp = Number(e[1]);
    out.minTpRank = Number(e[3]);
    out.maxTp = Number(e[4]);
    out.maxTpRank = Number(e[6]);
    if (e[2]) out.tpUnit = e[2];
  }
  return t || e ? out : undefined;
}

/** The rank a report names as slow, and by how much (relative to the fastest), or null. */
function slowRankOf(r: StragglerReport, minRelative: number): { rank: number; rel: number; text: string } | null {
  if (r.maxMsRank !== undefined && r.minMs! > 0 && Number.isFinite(r.maxMs!)) {
    const rel = r.maxMs! / r.minMs! - 1;
    // Round-trip times decide when the line has them; throughput only when it has nothing else.
    return rel >= minRelative ? { rank: r.maxMsRank, rel, text: `MxRtt ${r.maxMs!.toFixed(2)} ms vs MnRtt ${r.minMs!.toFixed(2)} ms` } : null;
  }
  if (r.minTpRank !== undefined && r.minTp! > 0 && Number.isFinite(r.maxTp!)) {
    const rel = r.maxTp! / r.minTp! - 1;
    const u = r.tpUnit ?? '';
    return rel >= minRelative ? { rank: r.minTpRank, rel, text: `MnEtpt ${r.minTp}${u} vs MxEtpt ${r.maxTp}${u}` } : null;
  }
  return null;
}

interface RankFinding {
  rank: number;
  /** Longest streak of consecutive reports naming this rank. */
  streak: number;
  /** The report that completed the (first) qualifying streak. */
  s: Sighting;
  text: string;
  rels: number[];
}

/** Streak bookkeeping shared by the live detector and re-evaluation with other options. */
class ReportStreaks {
  private rank: number | null = null;
  private count = 0;
  private rels: number[] = [];
  private firstHit: { s: Sighting; text: string } | null = null;
  readonly found = new Map<number, RankFinding>();

  constructor(private readonly o: Required<StragglerOptions>) {}

  /** Returns the finding when this report makes a rank qualify for the first time. */
  push(r: StragglerReport, s: Sighting): RankFinding | undefined {
    const slow = slowRankOf(r, this.o.minRelative);
    if (!slow) {
      this.rank = null;
      this.count = 0;
      this.rels = [];
      return undefined;
    }
    if (slow.rank !== this.rank) {
      this.rank = slow.rank;
      this.count = 0;
      this.rels = [];
    }
    this.count++;
    if (this.rels.length < 256) this.rels.push(slow.rel);
    if (this.count < this.o.persistence) return undefined;
    if (this.count === this.o.persistence) this.firstHit = { s, text: slow.text };
    const prev = this.found.get(slow.rank);
    if (prev) {
      if (this.count > prev.streak) {
        prev.streak = this.count;
        prev.rels = [...this.rels];
      }
      return undefined;
    }
    if (this.found.size >= 64) return undefined;
    const f: RankFinding = { rank: slow.rank, streak: this.count, s: this.firstHit!.s, text: this.firstHit!.text, rels: [...this.rels] };
    this.found.set(slow.rank, f);
    return f;
  }
}

/** How a rank maps to a node label of the run (null: unknown). */
export type RankToNode = (rank: number) => { node: string; local: number } | null;

/**
 * A node mapper from the run's layout: ranks fill nodes in order (`gpusPerNode` each), and the
 * run's node labels, sorted numerically, are its nodes in order. Null when the labels do not
 * match the node count.
 */
export function rankMapper(nodes: readonly string[], numNodes: number | null, gpusPerNode: number | null | undefined): RankToNode {
  const labels = [...new Set(nodes)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return (rank) => {
    if (!gpusPerNode || gpusPerNode <= 0) return null;
    const idx = Math.floor(rank / gpusPerNode);
    if (numNodes !== null && labels.length !== numNodes) return null;
    const node = labels[idx];
    return node === undefined ? null : { node, local: rank % gpusPerNode };
  };
}

function rankFlag(f: RankFinding, o: Required<StragglerOptions>, map: RankToNode): Flag {
  const where = map(f.rank);
  const med = median(f.rels) ?? 0;
  const flag: Flag = {
    kind: 'straggler',
    confidence: 'confirmed',
    evidence: f.s.evidence,
    line: f.s.line,
    file: f.s.file,
    node: where?.node ?? `rank${f.rank}`,
    time: f.s.time,
    detail:
      `rank ${f.rank}${where ? ` (${where.node}, local GPU ${where.local})` : ''} is the slowest rank in ${f.streak} consecutive --log-straggler reports ` +
      `(median ${pct(med)} vs the fastest; first qualifying report: ${f.text}; rule: same rank ≥ ${o.persistence} reports in a row, ≥ ${pct(o.minRelative).slice(1)})`,
  };
  return flag;
}

const REPORT_CAP = 1024;

/**
 * Line detector for Megatron's `--log-straggler` reports (one per run). `onLine` raises the flag
 * once, when a rank first qualifies; `evaluate` gives the verdict with the detector's options.
 */
export class MegatronStragglerDetector implements LineDetector {
  private readonly o: Required<StragglerOptions>;
  private readonly live: ReportStreaks;
  /** Recent reports, to judge again with other options (bounded). */
  private readonly reports = new Ring<{ r: StragglerReport; s: Sighting }>(REPORT_CAP);
  /** Reports seen (ever); a cheap change counter. */
  count = 0;

  constructor(opts?: StragglerOptions) {
    this.o = resolve(opts);
    this.live = new ReportStreaks(this.o);
  }

  onLine(line: UnwrappedLine, ev: LineEvent): Flag[] | undefined {
    const p = line.payload;
    if (!p.includes('/Rnk:')) return undefined;
    const r = parseStragglerReport(p);
    if (!r) return undefined;
    const s = sightingOf(p, ev);
    this.reports.push({ r, s });
    this.count++;
    const hit = this.live.push(r, s);
    return hit ? [rankFlag(hit, this.o, () => null)] : undefined;
  }

  evaluate(ctx: RunContext): Flag[] {
    return this.findings(this.o, rankMapper(ctx.nodes, ctx.numNodes, ctx.gpusPerNode));
  }

  /** Findings under `opts` (the detector's own options reuse the live state, which never forgets). */
  findings(opts: StragglerOptions | undefined, map: RankToNode): Flag[] {
    const o = opts ? resolve(opts) : this.o;
    let found: Map<number, RankFinding>;
    if (o.minRelative === this.o.minRelative && o.persistence === this.o.persistence) found = this.live.found;
    else {
      const again = new ReportStreaks(o);
      for (const x of this.reports.toArray()) again.push(x.r, x.s);
      found = again.found;
    }
    return [...found.values()].map((f) => rankFlag(f, o, map));
  }
}

export const straggler: LineDetectorFactory = {
  id: 'straggler',
  create: () => new MegatronStragglerDetector(),
};

export function isStragglerDetector(d: unknown): d is MegatronStragglerDetector {
  return d instanceof MegatronStragglerDetector;
}

// ---------------------------------------------------------------------------------------------
// (b), (c) per-file windows

interface FileWindows {
  f: FileTrack;
  /** Valid windows by key. */
  byKey: Map<number, IterWindow>;
  /** Keys in order. */
  keys: number[];
  span: number;
}

interface Streak {
  len: number;
  values: number[];
  /** The window whose slowness completed the streak (its evidence). */
  hit: IterWindow | null;
  /** Raw figures of the hit window: the file's value and the others' median. */
  mine: number;
  others: number;
}

/**
 * Longest run of consecutive windows (of `fw`, in key order) for which `judge` says slow. A window
 * the others lack breaks the run. Returns the longest streak (ties: the earliest).
 */
function longestStreak(fw: FileWindows, judge: (w: IterWindow) => { slow: boolean; value: number; mine: number; others: number } | null, persistence: number): Streak | null {
  let best: Streak | null = null;
  let cur: Streak = { len: 0, values: [], hit: null, mine: 0, others: 0 };
  for (const k of fw.keys) {
    const w = fw.byKey.get(k)!;
    const j = judge(w);
    if (!j || !j.slow) {
      cur = { len: 0, values: [], hit: null, mine: 0, others: 0 };
      continue;
    }
    cur.len++;
    cur.values.push(j.value);
    if (cur.len === persistence) {
      cur.hit = w;
      cur.mine = j.mine;
      cur.others = j.others;
    }
    if (cur.len >= persistence && (!best || cur.len > best.len)) best = { ...cur, values: [...cur.values] };
  }
  return best;
}

function windowsOf(files: readonly FileTrack[], minPrints: number): FileWindows[] {
  return files.map((f) => {
    const byKey = new Map<number, IterWindow>();
    for (const w of f.iterWindows.windows(f.ended)) if (w.n >= minPrints) byKey.set(w.key, w);
    return { f, byKey, keys: [...byKey.keys()].sort((a, b) => a - b), span: f.iterWindows.span };
  });
}

/** Per key, each file's value sorted with its owner, for "median of the others". */
function othersIndex(fws: readonly FileWindows[], value: (w: IterWindow) => number | null): Map<number, { sorted: number[]; pos: Map<FileWindows, number> }> {
  const byKey = new Map<number, { fw: FileWindows; v: number }[]>();
  for (const fw of fws) {
    for (const [k, w] of fw.byKey) {
      const v = value(w);
      if (v === null || !Number.isFinite(v)) continue;
      let list = byKey.get(k);
      if (!list) byKey.set(k, (list = []));
      list.push({ fw, v });
    }
  }
  const out = new Map<number, { sorted: number[]; pos: Map<FileWindows, number> }>();
  for (const [k, list] of byKey) {
    if (list.length < 2) continue;
    list.sort((a, b) => a.v - b.v);
    out.set(k, { sorted: list.map((x) => x.v), pos: new Map(list.map((x, i) => [x.fw, i])) });
  }
  return out;
}

function windowFlag(fw: FileWindows, st: Streak, confidence: 'confirmed' | 'suspected', detail: string): Flag {
  const ev = st.hit!.evidence;
  const text = ev ? evidenceText(unwrap(ev.text).payload) : `(window from iteration ${st.hit!.firstIter})`;
  return {
    kind: 'straggler',
    confidence,
    evidence: text,
    ...(ev ? { line: ev.lineNo, time: ev.time } : {}),
    file: fw.f.file,
    node: fw.f.node,
    detail,
  };
}

interface Candidate {
  flag: Flag;
  /** Lower is stronger: 0 `--log-straggler`, 1 compute, 2 data loading, 3 arrival. */
  strength: number;
  label: string;
}

function computeCandidates(fws: FileWindows[], o: Required<StragglerOptions>, peers: string): Candidate[] {
  const out: Candidate[] = [];
  const idx = othersIndex(fws, (w) => w.compute);
  if (idx.size === 0) return out;
  const dataIdx = othersIndex(fws, (w) => w.data);
  const stepOf = (k: number, fw: FileWindows): number | null => {
    const c = idx.get(k);
    const d = dataIdx.get(k);
    const pc = c?.pos.get(fw);
    const pd = d?.pos.get(fw);
    const oc = c && pc !== undefined ? medianWithout(c.sorted, pc) : null;
    const od = d && pd !== undefined ? medianWithout(d.sorted, pd) : null;
    return oc === null ? null : oc + (od ?? 0);
  };
  for (const fw of fws) {
    const iters = fw.span;
    const compute = longestStreak(
      fw,
      (w) => {
        const e = idx.get(w.key);
        const p = e?.pos.get(fw);
        if (!e || p === undefined || w.compute === null) return null;
        const others = medianWithout(e.sorted, p);
        if (others === null || others <= 0) return null;
        const rel = w.compute / others - 1;
        return { slow: rel >= o.minRelative, value: rel, mine: w.compute, others };
      },
      o.persistence,
    );
    if (compute) {
      const med = median(compute.values)!;
      out.push({
        strength: 1,
        label: 'compute time',
        flag: windowFlag(
          fw,
          compute,
          'confirmed',
          `${pct(med)} compute time vs the ${peers}' median over ${compute.len} consecutive windows of ${iters} iterations ` +
            `(window medians ${compute.mine.toFixed(4)} s vs ${compute.others.toFixed(4)} s where it first qualified; rule: ≥ ${pct(o.minRelative).slice(1)} for ≥ ${o.persistence} windows)`,
        ),
      });
    }
    const data = longestStreak(
      fw,
      (w) => {
        const e = dataIdx.get(w.key);
        const p = e?.pos.get(fw);
        if (!e || p === undefined || w.data === null) return null;
        const others = medianWithout(e.sorted, p);
        const step = stepOf(w.key, fw);
        if (others === null || step === null || step <= 0) return null;
        const extra = (w.data - others) / step;
        return { slow: extra >= o.minRelative, value: extra, mine: w.data, others };
      },
      o.persistence,
    );
    if (data) {
      const med = median(data.values)!;
      out.push({
        strength: 2,
        label: 'data-loading time',
        flag: windowFlag(
          fw,
          data,
          'confirmed',
          `data loading adds ${pct(med)} of a step vs the ${peers}' median over ${data.len} consecutive windows of ${iters} iterations ` +
            `(window medians ${data.mine.toFixed(4)} s vs ${data.others.toFixed(4)} s where it first qualified)`,
        ),
      });
    }
  }
  return out;
}

function arrivalCandidates(fws: FileWindows[], o: Required<StragglerOptions>, peers: string): Candidate[] {
  const out: Candidate[] = [];
  const timed = fws.filter((fw) => [...fw.byKey.values()].some((w) => w.timed > 0));
  if (timed.length < 2) return out;
  const steps = timed.map((fw) => fw.f.medianStepS()).filter((v): v is number => v !== null && v > 0);
  const step = median(steps);
  const threshold = Math.max(o.minRelative * (step ?? 0), MIN_ARRIVAL_LAG_S);
  // Per key, per iteration: every file's log time.
  const times = new Map<number, Map<number, { fw: FileWindows; t: number }[]>>();
  for (const fw of timed) {
    for (const [k, w] of fw.byKey) {
      let perIter = times.get(k);
      if (!perIter) times.set(k, (perIter = new Map()));
      for (let i = 0; i < w.timed; i++) {
        const it = w.iters[i]!;
        let list = perIter.get(it);
        if (!list) perIter.set(it, (list = []));
        // A repeated iteration number (fp16 skip) keeps its last print per file.
        const mine = list.find((x) => x.fw === fw);
        if (mine) mine.t = w.times[i]!;
        else list.push({ fw, t: w.times[i]! });
      }
    }
  }
  const sortedTimes = new Map<number, Map<number, { sorted: number[]; pos: Map<FileWindows, number> }>>();
  for (const [k, perIter] of times) {
    const m = new Map<number, { sorted: number[]; pos: Map<FileWindows, number> }>();
    for (const [it, list] of perIter) {
      if (list.length < 2) continue;
      list.sort((a, b) => a.t - b.t);
      m.set(it, { sorted: list.map((x) => x.t), pos: new Map(list.map((x, i) => [x.fw, i])) });
    }
    sortedTimes.set(k, m);
  }
  for (const fw of timed) {
    const st = longestStreak(
      fw,
      (w) => {
        const m = sortedTimes.get(w.key);
        if (!m) return null;
        const lags: number[] = [];
        for (const it of new Set(w.iters.subarray(0, w.timed))) {
          const e = m.get(it);
          const p = e?.pos.get(fw);
          if (!e || p === undefined) continue;
          const others = medianWithout(e.sorted, p);
          if (others !== null) lags.push(e.sorted[p]! - others);
        }
        // Too few shared iterations to judge this window.
        if (lags.length < Math.max(2, Math.ceil(w.timed / 2))) return null;
        const lag = median(lags)!;
        return { slow: lag >= threshold, value: lag, mine: lag, others: threshold };
      },
      o.persistence,
    );
    if (!st) continue;
    const med = median(st.values)!;
    out.push({
      strength: 3,
      label: 'late lines',
      flag: windowFlag(
        fw,
        st,
        'suspected',
        `its lines for the same iteration carry a log time ${(med * 1000).toFixed(0)} ms after the ${peers}' median over ${st.len} consecutive windows of ${fw.span} iterations ` +
          `(threshold ${(threshold * 1000).toFixed(0)} ms = max(${pct(o.minRelative).slice(1)} of a ${step !== null ? `${(step * 1000).toFixed(0)} ms` : 'unknown'} step, ${MIN_ARRIVAL_LAG_S * 1000} ms); log clocks are per node, so clock skew reads the same)`,
      ),
    });
  }
  return out;
}

const cache = new WeakMap<Run, { key: string; flags: Flag[] }>();

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
  if (hit && hit.key === key) return hit.flags.map((f) => ({ ...f }));
  const flags = computeStragglers(run, o, det);
  cache.set(run, { key, flags });
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
    const fws = windowsOf(withWindows, Math.ceil(ITER_WINDOW_PRINTS / 2));
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
