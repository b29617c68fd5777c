/**
 * Straggler source (a): Megatron `--log-straggler` reports. Parses the report lines, tracks which
 * rank is named slowest in consecutive reports, and maps ranks to nodes. See `straggler.ts`.
 */
import type { Flag, LineEvent } from '../core/types.ts';
import type { UnwrappedLine } from '../formats/unwrap.ts';
import { median, Ring } from '../metrics/rolling.ts';
import { sightingOf, type Sighting } from './evidence.ts';
import { pct, resolve, type StragglerOptions } from './straggler-options.ts';
import type { LineDetector, LineDetectorFactory, RunContext } from './types.ts';

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
const NO_FINDINGS: ReadonlyMap<number, RankFinding> = new Map();

class ReportStreaks {
  private rank: number | null = null;
  private count = 0;
  private rels: number[] = [];
  private firstHit: { s: Sighting; text: string } | null = null;
  /** Made on the first finding (most runs have none). */
  private foundMap: Map<number, RankFinding> | null = null;
  get found(): ReadonlyMap<number, RankFinding> {
    return this.foundMap ?? NO_FINDINGS;
  }

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
    (this.foundMap ??= new Map()).set(slow.rank, f);
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
    let found: ReadonlyMap<number, RankFinding>;
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
