/**
 * The sweep board as text: columns fitted to a width, each cell with its tone. The Ink board
 * colours these cells; {@link boardLines} joins them into plain lines (what `q` leaves on the
 * terminal, and what tests read). Pure.
 */
import type { RunView, SessionSnapshot } from '../session/types.ts';
import { visible } from '../shared/sanitize.ts';
import { boardModel, type BoardModel, type BoardRow } from './board-model.ts';
import { fmtPct, fmtRate, fmtTimes, truncate } from './format.ts';
import type { Tone } from './theme.ts';

export interface BoardCell {
  text: string;
  tone?: Tone;
  bold?: boolean;
}

/** Efficiency at or above this is good, below `WARN_EFF` poor (DLPerf's multi-node runs sit near 0.9). */
const GOOD_EFF = 0.9;
const WARN_EFF = 0.75;

export const effTone = (e: number | null): Tone | undefined => (e === null ? undefined : e >= GOOD_EFF ? 'ok' : e >= WARN_EFF ? 'warn' : 'bad');

const BLOCKS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of `width` cells for a fraction 0…1 (eighths of a cell), padded with `·`. */
export function effBar(e: number | null, width: number): string {
  if (width <= 0) return '';
  if (e === null || !Number.isFinite(e)) return ' '.repeat(width);
  const eighths = Math.round(Math.max(0, Math.min(1, e)) * width * 8);
  const full = Math.floor(eighths / 8);
  const bar = '█'.repeat(full) + BLOCKS[eighths % 8]!;
  return bar + '·'.repeat(Math.max(0, width - [...bar].length));
}

interface Col {
  title: string;
  width: number;
  align: 'left' | 'right';
  cell: (r: BoardRow) => BoardCell;
}

function repsCell(r: BoardRow): BoardCell {
  const run = r.running ? ` +${r.running}` : '';
  const tone: Tone | undefined = r.done >= r.expected ? 'ok' : r.running ? 'accent' : undefined;
  return { text: `${r.done}/${r.expected}${run}`, ...(tone ? { tone } : {}) };
}

function medianCell(r: BoardRow): BoardCell {
  if (r.median !== null) return { text: fmtRate(r.median), bold: true };
  if (r.provisional !== null) return { text: `~${fmtRate(r.provisional)}`, tone: 'muted' };
  return { text: '—', tone: 'muted' };
}

/** The board's columns for `width`: the bar takes what the numbers leave, flags the rest. */
function columns(m: BoardModel, width: number): Col[] {
  const labelW = Math.max(7, Math.min(28, Math.max(0, ...m.rows.map((r) => visible(r.label).length)) + 1));
  const cols: Col[] = [
    { title: 'config', width: labelW, align: 'left', cell: (r) => ({ text: visible(r.label), bold: r.current }) },
    { title: 'repeats', width: 8, align: 'right', cell: repsCell },
    { title: 'median', width: 10, align: 'right', cell: medianCell },
    { title: 'cv', width: 7, align: 'right', cell: (r) => ({ text: r.cv === null ? '—' : fmtPct(r.cv, false) }) },
    { title: 'speedup', width: 9, align: 'right', cell: (r) => ({ text: fmtTimes(r.speedup), ...(r.baseline ? { tone: 'muted' as Tone } : {}) }) },
    { title: 'eff', width: 8, align: 'right', cell: (r) => (r.baseline ? { text: 'base', tone: 'muted' } : { text: fmtPct(r.efficiency, false), ...(effTone(r.efficiency) ? { tone: effTone(r.efficiency)! } : {}) }) },
  ];
  const fixed = 2 + cols.reduce((a, c) => a + c.width, 0);
  const left = width - fixed;
  // The bar gets what the flags (at least 14 columns: `OUT IB! SLOW`) leave, and is left out below 6.
  const barW = Math.min(24, left - 3 - 14) >= 6 ? Math.min(24, left - 3 - 14) : 0;
  if (barW > 0) cols.push({ title: '', width: barW + 3, align: 'left', cell: (r) => ({ text: ' ' + effBar(r.efficiency, barW), ...(effTone(r.efficiency) ? { tone: effTone(r.efficiency)! } : {}) }) });
  return cols;
}

/** A cell of exactly its column's width, with at least one blank after it. */
function fit(text: string, c: Col): string {
  const t = truncate(text, c.width - 1);
  return c.align === 'left' ? t.padEnd(c.width) : t.padStart(c.width - 1) + ' ';
}

export interface BoardTable {
  title: string;
  plan: string | null;
  head: string;
  rows: { row: BoardRow; cells: { text: string; tone?: Tone; bold?: boolean }[]; flags: string }[];
  note: string | null;
}

/** The board laid out for `width`: a title, a heading and per row its fitted cells and badges. */
export function boardTable(m: BoardModel, width: number): BoardTable {
  const cols = columns(m, width);
  const unit = m.unit;
  const title = `scaling board (${m.rows.length} configuration${m.rows.length === 1 ? '' : 's'}) · ${m.title ? `${visible(m.title)} · ` : ''}${unit}`;
  const head = '  ' + cols.map((c) => fit(c.title, c)).join('') + 'flags';
  return {
    title,
    plan: m.plan,
    head,
    rows: m.rows.map((r) => ({
      row: r,
      cells: cols.map((c) => {
        const cell = c.cell(r);
        return { ...cell, text: fit(cell.text, c) };
      }),
      flags: r.badges.join(' '),
    })),
    note: m.note,
  };
}

/**
 * The board as plain lines no wider than `width` (cut with `…`): what `q` prints on the normal
 * screen after the TUI closes, and what a headless caller can show. `current` marks its row.
 */
export function boardLines(snapshot: SessionSnapshot, width: number, current?: RunView): string[] {
  const t = boardTable(boardModel(snapshot, current), width);
  const cut = (s: string) => truncate(s.trimEnd(), width);
  const out = [cut(t.title), ...(t.plan ? [cut(`  ${t.plan}`)] : []), cut(t.head)];
  if (t.rows.length === 0) out.push(cut('  no configuration has a run yet'));
  for (const r of t.rows) out.push(cut(`${r.row.current ? '› ' : '  '}${r.cells.map((c) => c.text).join('')}${r.flags}`));
  if (t.note) out.push(cut(`  ${t.note}`));
  return out;
}
