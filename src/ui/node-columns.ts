/**
 * The node table's columns, chosen for the rows at hand and the terminal's width. Pure (tested
 * without Ink). Columns that cannot tell nodes apart on this run are left out (a compute-time
 * column for a log that prints none), and when the width is short the least telling go first, so
 * at 80 columns the straggler's deviation and lag stay on screen.
 */
import type { NodeView } from '../session/types.ts';
import { visible as safeText } from '../shared/sanitize.ts';
import { fmtAge, fmtPct, fmtRate, fmtStep, shortenSource, truncate } from './format.ts';
import { slowness, SLOW_DEVIATION } from './selectors.ts';
import type { SortKey } from './state/ui-reducer.ts';
import type { Tone } from './theme.ts';

export type ColumnId = 'node' | 'source' | 'state' | 'iter' | 'phase' | 'tput' | 'step' | 'compute' | 'data' | 'dev' | 'lag' | 'age';

export interface Column {
  id: ColumnId;
  title: string;
  width: number;
  align: 'left' | 'right';
}

/** Node states exactly as spec/ndjson.md names them, with their colour. */
export const STATE_TONE: Record<NodeView['state'], Tone> = {
  connecting: 'muted',
  waiting: 'muted',
  streaming: 'ok',
  quiet: 'warn',
  stale: 'bad',
  reconnecting: 'warn',
  ended: 'muted',
  error: 'bad',
} as Record<NodeView['state'], Tone>;

const DEV_TITLE: Record<NonNullable<NodeView['deviation_of']>, string> = { compute_time: 'Δcompute', step_time: 'Δstep', throughput: 'Δtput' };

interface Spec {
  id: ColumnId;
  title: string;
  width: number;
  align: 'left' | 'right';
  /** Dropped first when the width is short: the highest number goes first. */
  drop: number;
}

/** Width left for badges and notes at least. */
const FLAGS_MIN = 8;
const MARKERS = 2;

/** Which columns, how wide, for these rows at this width. */
export function nodeColumns(rows: readonly NodeView[], width: number, sort: SortKey): Column[] {
  const any = (get: (n: NodeView) => unknown) => rows.some((n) => get(n) !== null && get(n) !== undefined);
  const basis = rows.find((n) => n.deviation_of !== null)?.deviation_of ?? null;
  const mark = (k: SortKey, label: string) => (sort === k ? `${label}▾` : label);
  const stateW = width >= 110 ? 13 : 10; // 'reconnecting' whole where there is room
  const specs: Spec[] = [
    { id: 'node', title: mark('node', 'node'), width: 8, align: 'left', drop: 0 },
    { id: 'source', title: 'source', width: 12, align: 'left', drop: 3 },
    { id: 'state', title: 'state', width: stateW, align: 'left', drop: 0 },
    { id: 'iter', title: 'iter', width: 6, align: 'right', drop: 1 },
  ];
  const phase: Spec = { id: 'phase', title: 'phase', width: 10, align: 'left', drop: 9 };
  if (any((n) => n.throughput_rolling_median ?? n.throughput_instant)) specs.push({ id: 'tput', title: mark('throughput', 'tput/s'), width: 9, align: 'right', drop: 4 });
  const hasCompute = any((n) => n.compute_time_s);
  if (any((n) => n.step_time_s)) specs.push({ id: 'step', title: 'step', width: 8, align: 'right', drop: hasCompute ? 7 : 2 });
  if (hasCompute) specs.push({ id: 'compute', title: 'compute', width: 8, align: 'right', drop: 2 });
  if (any((n) => n.data_time_s)) specs.push({ id: 'data', title: 'data', width: 8, align: 'right', drop: 6 });
  if (basis) specs.push({ id: 'dev', title: mark('deviation', DEV_TITLE[basis]), width: 10, align: 'right', drop: 1 });
  if (any((n) => n.arrival_lag_s)) specs.push({ id: 'lag', title: 'lag', width: 7, align: 'right', drop: 3 });
  specs.push({ id: 'age', title: mark('age', 'age'), width: 5, align: 'right', drop: 5 });
  const room = Math.max(0, width - MARKERS - FLAGS_MIN);
  const total = () => specs.reduce((a, s) => a + s.width, 0);
  while (total() > room) {
    const worst = specs.reduce((a, s) => (s.drop > a.drop ? s : a));
    if (worst.drop === 0) break;
    specs.splice(specs.indexOf(worst), 1);
  }
  // Every node printing the same (cluster) throughput: the column tells nothing, the source's room does.
  const tput = specs.find((x) => x.id === 'tput');
  if (tput && rows.length > 1 && room - total() < 8 && sameEverywhere(rows.map((n) => n.throughput_rolling_median ?? n.throughput_instant))) specs.splice(specs.indexOf(tput), 1);
  // Each node's window phase (mostly the run's, in the header) only where the source keeps room.
  if (room - total() >= phase.width + 12) specs.splice(specs.findIndex((x) => x.id === 'iter') + 1, 0, phase);
  // Extra room: the source first (it tells nodes apart), then the node name.
  let extra = Math.max(0, room - total());
  const grow = (id: ColumnId, max: number) => {
    const s = specs.find((x) => x.id === id);
    if (!s) return;
    const add = Math.min(extra, Math.max(0, max - s.width));
    s.width += add;
    extra -= add;
  };
  grow('source', Math.min(40, 12 + Math.max(0, Math.floor((width - 80) / 2)) + 6));
  grow('node', 14);
  return specs.map(({ drop: _d, ...c }) => c);
}

/** Values within 1 % of each other (nulls aside). */
function sameEverywhere(xs: readonly (number | null)[]): boolean {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  if (v.length < 2) return false;
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return lo > 0 && (hi - lo) / lo < 0.01;
}

export interface Cell {
  text: string;
  tone?: Tone;
}

const secs = (s: number | null) => (s === null ? '—' : fmtStep(s));

function lagText(s: number | null): string {
  if (s === null) return '—';
  if (s < 1) return `${Math.round(s * 1000)}ms`;
  return fmtStep(s);
}

/** The cells of one row, in `cols` order; `label` is the row's source as {@link distinctSources} made it. */
export function nodeCells(n: NodeView, cols: readonly Column[], label: string): Cell[] {
  const slow = slowness(n);
  return cols.map((c): Cell => {
    switch (c.id) {
      case 'node':
        return { text: safeText(n.node) };
      case 'source':
        return { text: label };
      case 'state':
        return { text: n.state, tone: STATE_TONE[n.state] ?? 'muted' };
      case 'iter':
        return { text: n.iteration === null ? '—' : String(n.iteration) };
      case 'phase':
        return { text: n.phase ?? '—' };
      case 'tput':
        return { text: fmtRate(n.throughput_rolling_median ?? n.throughput_instant) };
      case 'step':
        return { text: secs(n.step_time_s) };
      case 'compute':
        return { text: secs(n.compute_time_s) };
      case 'data':
        return { text: secs(n.data_time_s) };
      case 'dev':
        return { text: fmtPct(n.deviation), ...(slow !== null && slow >= SLOW_DEVIATION ? { tone: 'bad' as Tone } : slow !== null && slow >= SLOW_DEVIATION / 2 ? { tone: 'warn' as Tone } : {}) };
      case 'lag':
        return { text: lagText(n.arrival_lag_s) };
      case 'age':
        return { text: fmtAge(n.last_line_age_s) };
    }
  });
}

/** A cell padded or cut (with `…`) to its column's width. */
export function fitCell(text: string, c: Column): string {
  const t = truncate(text, c.width - 1);
  return c.align === 'left' ? t.padEnd(c.width) : t.padStart(c.width - 1).padEnd(c.width);
}

/**
 * Each source as the table shows it: the part of the path that tells the run's files apart
 * (`node1/r50_b256_amp_3.log`, not `…/r50_b256_amp_3.log` on every row), cut in the middle with
 * `…` to fit. One file alone shows its name.
 */
export function distinctSources(sources: readonly string[], width: number): Map<string, string> {
  const out = new Map<string, string>();
  const split = (s: string) => safeText(s).replace(/^[^/:]+:(?=\/|[^/]*\/)/, '').split('/');
  const parts = sources.map(split);
  // One file, or the same path on every node (the node column tells them apart): the path as it is.
  if (parts.length < 2 || parts.every((p) => p.join('/') === parts[0]!.join('/'))) {
    for (const s of sources) out.set(s, shortenSource(safeText(s), width));
    return out;
  }
  const minLen = Math.min(...parts.map((p) => p.length));
  let d = 0;
  while (d < minLen - 1 && parts.every((p) => p[d] === parts[0]![d])) d++;
  sources.forEach((s, i) => {
    const p = parts[i]!;
    const tail = p.slice(d);
    const text = tail.join('/');
    if (text.length <= width) return out.set(s, text);
    if (tail.length > 1) {
      // Keep the telling directory and the end of the name: `node1/…amp_3.log`.
      const head = `${tail[0]}/…`;
      const room = width - head.length;
      return out.set(s, room >= 4 ? head + text.slice(text.length - room) : truncate(text, width));
    }
    // Only the file names differ: their ends tell them apart (`…pretrain_3.log`).
    return out.set(s, `…${text.slice(text.length - (width - 1))}`);
  });
  return out;
}
