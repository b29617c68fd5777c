import type { Flag } from '../core/types.ts';
import type { Transport } from '../signals/types.ts';
import { NO_FIGURES } from '../session/snapshot.ts';
import type { SourceView } from '../session/source-registry.ts';
import type { NodeView, RunView, SessionSnapshot } from '../session/types.ts';
import type { RunItem } from './components/run-list.tsx';
import { fmtOffset } from './format.ts';
import type { SortKey } from './state/ui-reducer.ts';

/** A node this much slower than the median of its run's other nodes gets a `SLOW` badge (no flag carries it). */
export const SLOW_DEVIATION = 0.1;

/**
 * How much slower a node is than the others (+0.12: 12 % slower), whatever its deviation is
 * measured on: a longer compute or step time is slower, a lower throughput is slower.
 */
export function slowness(n: Pick<NodeView, 'deviation' | 'deviation_of'>): number | null {
  if (n.deviation === null) return null;
  return n.deviation_of === 'throughput' ? -n.deviation : n.deviation;
}

/** Whether a replay run name designates the run `key` (exact key or source, then containment). */
const exact = (r: Pick<RunView, 'key' | 'source'>, name: string) => r.key === name || r.source === name;
const loose = (r: Pick<RunView, 'key' | 'source'>, name: string) => r.source.includes(name) || name.includes(r.key);

/** A replay run name matched to a run of the session. */
export function runByName(runs: readonly RunView[], name: string): RunView | undefined {
  return runs.find((r) => exact(r, name)) ?? runs.find((r) => loose(r, name));
}

/**
 * The run the screen is about: in replay the replay's current run; in a live session the run
 * picked with n/N, else the most recently active one.
 */
export function currentRun(s: SessionSnapshot, runKey: string | null): RunView | undefined {
  if (s.runs.length === 0) return undefined;
  if (s.replay) {
    const name = s.replay.runNames[s.replay.runIndex];
    const hit = name === undefined ? undefined : runByName(s.runs, name);
    if (hit) return hit;
  } else if (runKey !== null) {
    const hit = s.runs.find((r) => r.key === runKey);
    if (hit) return hit;
  }
  return s.runs.reduce((a, r) => ((r.last_seen ?? -Infinity) > (a.last_seen ?? -Infinity) ? r : a));
}

/** Nodes of a run (every node when the session has no run yet), and the named sources that have not reported (run null). */
export function nodesOf(s: SessionSnapshot, run: RunView | undefined): NodeView[] {
  return run ? s.nodes.filter((n) => n.run === run.key || n.run === null) : s.nodes;
}

const MULTI = new Set(['glob', 'directory', 'remote-glob']);

/**
 * A row per named glob or directory whose files report: the source itself (state, how many files
 * it follows, why), kept on screen under the node table when its files are rows of their own (a
 * source that has not reported is a placeholder row of the snapshot already). Not a node: no
 * numbers, not selectable.
 */
export function sourceRows(s: SessionSnapshot): NodeView[] {
  const out: NodeView[] = [];
  for (const v of s.sources ?? []) {
    if (!v.reporting || !MULTI.has(v.kind)) continue;
    out.push({
      node: v.node,
      source: v.source,
      run: null,
      state: v.state,
      reason: v.reason ?? `following ${v.files} file${v.files === 1 ? '' : 's'}`,
      bytes: v.bytes,
      lines: v.lines,
      ...NO_FIGURES,
      flags: [],
      series: [],
    });
  }
  return out;
}

const rate = (n: NodeView) => n.throughput_rolling_median ?? n.throughput_instant ?? (n.step_time_s ? 1 / n.step_time_s : null);

function byNull<T>(get: (x: T) => number | null, dir: 1 | -1): (a: T, b: T) => number {
  return (a, b) => {
    const x = get(a);
    const y = get(b);
    if (x === null && y === null) return 0;
    if (x === null) return 1;
    if (y === null) return -1;
    return (x - y) * dir;
  };
}

// `localeCompare(b, undefined, { numeric: true })` and `localeCompare(b)` with one collator each:
// localeCompare with options builds a collator per call, and this sort runs on every snapshot
// (5,000 rows: ~120,000 comparisons).
const NUMERIC = new Intl.Collator(undefined, { numeric: true }).compare;
const PLAIN = new Intl.Collator().compare;

/**
 * Rows in display order: by node name; throughput (fastest first); deviation (slowest first);
 * last-line age (quietest first). Ties fall back to node, then source, so the order is stable.
 */
export function sortNodes(nodes: readonly NodeView[], sort: SortKey): NodeView[] {
  // Named sources without a line yet come last (every other order puts their nulls last too), so
  // the selection (chart, log) starts on a node that has numbers.
  const byName = (a: NodeView, b: NodeView) => Number(a.run === null) - Number(b.run === null) || NUMERIC(a.node, b.node) || PLAIN(a.source, b.source);
  const primary =
    sort === 'throughput' ? byNull(rate, -1) : sort === 'deviation' ? byNull<NodeView>(slowness, -1) : sort === 'age' ? byNull<NodeView>((n) => n.last_line_age_s, -1) : () => 0;
  return [...nodes].sort((a, b) => primary(a, b) || byName(a, b));
}

const BADGES: Record<string, string> = {
  ib_fallback: 'IB!',
  oom: 'OOM',
  nan_loss: 'NaN',
  crashed: 'CRASH',
  stall: 'STALL',
  outlier: 'OUT',
  nccl_error: 'NCCL',
  too_short: 'SHORT',
  name_mismatch: 'NAME',
  incomplete: 'INC',
  straggler: 'SLOW',
  scaling: 'SCALE',
};

/** Short badge for a flag: `IB!` (confirmed) / `IB?` (suspected), `OOM`, `NaN`, `CRASH`… */
export function badgeOf(f: Flag): string {
  if (f.kind === 'ib_fallback' && f.confidence === 'suspected') return 'IB?';
  return BADGES[f.kind] ?? f.kind.slice(0, 5).toUpperCase();
}

/** A node row's badges, deduplicated, plus `SLOW` when it lags its run's median (or carries a `straggler` flag). */
export function nodeBadges(n: NodeView): string[] {
  const out = [...new Set(n.flags.map(badgeOf))];
  const slow = slowness(n);
  if (slow !== null && slow >= SLOW_DEVIATION && !out.includes('SLOW')) out.push('SLOW');
  if (n.state === 'stale' && !out.includes('STALL')) out.push('STALL');
  return out;
}

/** How the header names a transport. */
export function transportLabel(t: Transport | null): string {
  switch (t) {
    case 'ib':
      return 'IB';
    case 'socket':
      return 'sockets';
    case 'suspected_socket':
      return 'suspected sockets';
    case 'intra_node':
      return 'intra-node';
    case 'not_visible':
      return 'not visible (NCCL_DEBUG not INFO)';
    default:
      return '—';
  }
}

/** Whether a run's transport means anything: one GPU talks to nobody. */
export function transportMatters(r: Pick<RunView, 'num_nodes' | 'gpu_num_per_node'>): boolean {
  return !(r.num_nodes === 1 && r.gpu_num_per_node === 1);
}

/** The confirmed IB-fallback flag of a run, for the red alert line. */
export function ibAlert(run: RunView | undefined): Flag | undefined {
  return run?.flags.find((f) => f.kind === 'ib_fallback' && f.confidence === 'confirmed');
}

export interface FlagRow {
  key: string;
  time: number | null;
  run: string;
  node: string;
  flag: Flag;
}

/**
 * Every finding once, newest first: each run's current verdicts first (an outlier's figures move
 * as repeats finish), then the session's flag log for what no run carries any more (a cleared
 * stall). A `suspected` finding is left out where the same run and node have it `confirmed`.
 */
export function flagRows(s: SessionSnapshot): FlagRow[] {
  const out = new Map<string, FlagRow>();
  const add = (run: string, node: string, time: number | null, flag: Flag) => {
    const key = `${run}|${flag.kind}|${flag.confidence ?? ''}|${flag.file ?? ''}|${flag.line ?? ''}|${flag.node ?? ''}`;
    if (!out.has(key)) out.set(key, { key, time, run, node: flag.node ?? node, flag });
  };
  const logTime = new Map<string, number>();
  for (const e of s.flags) logTime.set(`${e.run}|${e.flag.kind}|${e.flag.confidence ?? ''}|${e.flag.file ?? ''}|${e.flag.node ?? ''}`, e.time);
  for (const r of s.runs) for (const f of r.flags) add(r.key, f.node ?? r.nodes[0] ?? '', f.time ?? logTime.get(`${r.key}|${f.kind}|${f.confidence ?? ''}|${f.file ?? ''}|${f.node ?? ''}`) ?? null, f);
  for (const e of s.flags) add(e.run, e.node, e.time, e.flag);
  const confirmed = new Set([...out.values()].filter((r) => r.flag.confidence === 'confirmed').map((r) => `${r.run}|${r.flag.kind}|${r.node}`));
  return [...out.values()]
    .filter((r) => r.flag.confidence !== 'suspected' || !confirmed.has(`${r.run}|${r.flag.kind}|${r.node}`))
    .sort((a, b) => (b.time ?? -Infinity) - (a.time ?? -Infinity) || a.key.localeCompare(b.key));
}

/** A run's short name for the flags panel: from its `NnMg` directory on (`2n8g/r50_b256_amp_3`), else its last two path parts. */
export function runLabel(key: string): string {
  const parts = key.split('/');
  const i = parts.findIndex((p) => /^\d+n\d+g$/.test(p));
  return (i >= 0 ? parts.slice(i) : parts.slice(-2)).join('/');
}

/**
 * A finding's explanation in a few words, for the flags panel: the straggler's
 * `+11.8 % compute time over 11 windows`, else the detail up to its first parenthesis.
 */
export function flagHeadline(f: Flag): string | null {
  const d = f.detail;
  if (!d) return null;
  const s = /^([+-]?[\d.]+ %) compute time vs .*? over (\d+) consecutive windows/.exec(d);
  if (s) return `${s[1]} compute time over ${s[2]} windows`;
  const dl = /^data loading adds ([+-]?[\d.]+ %) of a step vs .*? over (\d+) consecutive windows/.exec(d);
  if (dl) return `data loading ${dl[1]} of a step over ${dl[2]} windows`;
  const lag = /^its lines for the same iteration carry a log time (\d+ ms) after .*? over (\d+) consecutive windows/.exec(d);
  if (lag) return `prints ${lag[1]} late over ${lag[2]} windows`;
  // Otherwise only a short detail: a long one would push the evidence line off the screen.
  const cut = d.split(/ \(|; /)[0]!.trim();
  return cut && cut.length <= 48 ? cut : null;
}

/**
 * When a finding was seen, as the flags panel shows it: live, relative to the session start;
 * in replay, relative to the current run's start, or `run k` for a finding of another run
 * (log clocks of different runs are not comparable).
 */
export function flagTimeLabel(s: SessionSnapshot, row: FlagRow, current: RunView | undefined): string {
  if (s.replay) {
    if (row.run !== current?.key) {
      const r = { key: row.run, source: s.runs.find((x) => x.key === row.run)?.source ?? row.run };
      let i = s.replay.runNames.findIndex((n) => exact(r, n));
      if (i < 0) i = s.replay.runNames.findIndex((n) => loose(r, n));
      return i >= 0 ? `run ${i + 1}` : '—';
    }
    return row.time === null ? '—' : fmtOffset(row.time, s.replay.start);
  }
  return row.time === null ? '—' : fmtOffset(row.time, s.startedAt);
}

/** Elapsed time of the session (live) or of the replayed run (replay), ms. */
export function elapsedMs(s: SessionSnapshot): number {
  return s.replay ? s.replay.position - s.replay.start : s.now - s.startedAt;
}

/** The run list: replay's archive order (runs not yet fed included), else the session's runs. */
export function runItems(s: SessionSnapshot, current: RunView | undefined): RunItem[] {
  const item = (key: string, name: string, r: RunView | undefined, isCurrent: boolean): RunItem => ({
    key,
    name,
    phase: r?.phase ?? null,
    throughput: r?.throughput ?? r?.throughput_rolling_median ?? null,
    final: r?.throughput !== null && r?.throughput !== undefined,
    current: isCurrent,
  });
  if (s.replay && s.replay.runNames.length > 0) {
    return s.replay.runNames.map((name, i) => {
      return item(`${i}:${name}`, name, runByName(s.runs, name), i === s.replay!.runIndex);
    });
  }
  return s.runs.map((r) => item(r.key, r.key, r, r.key === current?.key));
}

export interface Coverage {
  total: number;
  reporting: number;
  /** Not reporting, or in error. */
  missing: SourceView[];
  /** "nodes" when each named source is a node of its own, else "sources". */
  unit: 'nodes' | 'sources';
  /** How a missing source is named in the header: its node, or its path. */
  nameOf: (v: SourceView) => string;
}

/** How many of the named sources report (live); null in replay, where there are none. */
export function coverage(s: SessionSnapshot): Coverage | null {
  const src = s.sources ?? [];
  if (src.length === 0) return null;
  const nodes = new Set(src.map((v) => v.node));
  const unit = nodes.size === src.length && !nodes.has('local') ? 'nodes' : 'sources';
  return {
    total: src.length,
    reporting: src.filter((v) => v.reporting).length,
    missing: src.filter((v) => !v.reporting || v.state === 'error'),
    unit,
    nameOf: (v) => (unit === 'nodes' ? v.node : shortRemote(v)),
  };
}

/**
 * A remote source in the header, where a deep path would push the rest off the line:
 * `node1:…/002-2n2g-b32-fp32-r0/node0.log` (the node and the end of the path tell it apart).
 */
function shortRemote(v: SourceView): string {
  if (!v.source.startsWith(`${v.node}:`)) return v.source;
  const parts = v.source.slice(v.node.length + 1).split('/');
  return parts.length > 4 ? `${v.node}:…/${parts.slice(-2).join('/')}` : v.source;
}

/** `1 of 2 nodes reporting · missing: node2 (no such file (waiting for it to appear))`; null when all report. */
export function coverageText(c: Coverage | null): string | null {
  if (!c || c.missing.length === 0) return null;
  const list = c.missing.map((v) => `${c.nameOf(v)} (${v.reason ?? (v.reporting || v.state === 'connecting' ? v.state : 'no line yet')})`).join(' · ');
  return `${c.reporting} of ${c.total} ${c.unit} reporting · ${c.missing.length} missing: ${list}`;
}

export interface ProblemRow {
  key: string;
  time: number | null;
  /** The state of a source, or the kind of a reported problem. */
  label: string;
  source: string;
  reason: string;
  /** The source's own words, when they say more than the reason. */
  detail?: string;
  severe: boolean;
}

const TROUBLE = new Set(['error', 'reconnecting', 'stale', 'waiting', 'connecting']);

/** Every problem, newest first: named sources not reporting or not well, then what sources reported. */
export function problemRows(s: SessionSnapshot): ProblemRow[] {
  const out: ProblemRow[] = [];
  for (const v of s.sources ?? []) {
    if (v.reporting && !TROUBLE.has(v.state)) continue;
    if (v.reporting && v.state === 'connecting') continue;
    out.push({
      key: `source|${v.source}`,
      time: v.since,
      label: v.state,
      source: v.source,
      reason: v.reason ?? (v.reporting || v.state === 'connecting' ? v.state : 'no line yet'),
      ...(v.message ? { detail: v.message } : {}),
      severe: v.state === 'error',
    });
  }
  // A source's row already carries the problem it reported last (its detail): not twice.
  const said = new Set(out.map((r) => r.detail).filter((d): d is string => d !== undefined));
  s.problems.forEach((p, i) => {
    if (said.has(p.message)) return;
    const where = p.file ? (p.file === p.input || p.file.startsWith(`${p.input}:`) ? p.file : `${p.input}: ${p.file}`) : p.input;
    out.push({ key: `problem|${i}`, time: p.time ?? null, label: p.kind, source: p.line ? `${where}:${p.line}` : where, reason: p.message, severe: p.kind !== 'line_too_long' });
  });
  return out.sort((a, b) => (b.time ?? -Infinity) - (a.time ?? -Infinity));
}
