import type { Flag } from '../core/types.ts';
import { ABSURD_THROUGHPUT } from './damage.ts';
import type { FileTrack } from './file-track.ts';
import type { WindowResult } from './window-tracker.ts';

/** Relative gap between the two methods above which the log is not what the parser thinks it is. */
export const DISAGREEMENT = 0.03;

/**
 * Why a run's figure cannot be given at all (status `error`, throughput null): a clock jump inside
 * the window, a window figure that cannot be true, or a restarted process whose segments hold no
 * complete window. Null: the figure stands.
 */
export function fatalDamage(p: FileTrack | null, result: WindowResult | null): string | null {
  if (!p?.tracker) return null;
  const j = p.tracker.clockJump;
  // The reported method averages the printed figures: the log clock does not enter it, so a jump
  // spoils only its timestamps cross-check (flagged, cross-check withheld), not the figure.
  if (j && result?.method !== 'reported') return `${j.detail}: the window's wall time cannot be trusted`;
  const impossible = impossibleFigure(result);
  if (impossible) return `${impossible}: not a possible value`;
  if (p.damage.resetCount > 0 && !result) {
    const r = p.damage.resets[0]!;
    return `the process restarted at line ${r.lineNo} (${r.detail.replace(/: the process restarted$/, '')}) and no segment of the log holds a complete window`;
  }
  return null;
}

/**
 * The window's own figure, when it cannot be true (summary-json.md: implausible_value covers an absurd
 * throughput). The printed figures are checked line by line (damage.ts), but a figure made from the
 * iteration numbers is not: one corrupt number (`Iteration: 123456789012345678901`) closed an
 * iteration window and gave 1.8e22 samples/s as `ok`. Null when the figure is possible.
 */
function impossibleFigure(result: WindowResult | null): string | null {
  if (!result || (result.throughput >= 0 && result.throughput <= ABSURD_THROUGHPUT)) return null;
  return `the window's ${result.method} figure ${String(result.throughput)} over iterations ${result.startIter}→${result.endIter}`;
}

/** The flags that say a run's number cannot be taken at face value (summary-json.md), with their lines. */
export function trustFlags(files: readonly FileTrack[], primary: FileTrack | null, result: WindowResult | null): Flag[] {
  const out: Flag[] = [];
  const ev = (text: string) => text.slice(0, 300);
  for (const f of files) {
    const d = f.damage;
    const where = { file: f.file, node: f.node };
    if (d.duplicates > 0 && d.firstDuplicate) {
      out.push({ kind: 'duplicate_lines', confidence: 'confirmed', evidence: ev(d.firstDuplicate.text), line: d.firstDuplicate.lineNo, ...where, detail: `${d.duplicates} progress line(s) printed more than once (first: ${d.firstDuplicate.detail}); each iteration counted once` });
    }
    for (const r of d.resets) {
      const kept = f === primary && result ? (f.restartedWindow ? 'the window is taken from the restarted segment' : 'the window is taken from the segment before the restart') : 'no segment holds a complete window';
      out.push({ kind: 'iteration_reset', confidence: 'confirmed', evidence: ev(r.text), line: r.lineNo, ...where, detail: `${r.detail}; ${kept}${d.resetCount > d.resets.length ? ` (${d.resetCount} restarts in all)` : ''}` });
    }
    if (d.implausible > 0 && d.firstImplausible) {
      out.push({ kind: 'implausible_value', confidence: 'confirmed', evidence: ev(d.firstImplausible.text), line: d.firstImplausible.lineNo, ...where, detail: `${d.firstImplausible.detail}${d.implausible > 1 ? ` (${d.implausible} such lines)` : ''}` });
    }
    // DLPerf's scripts skip such lines too, so the figure still follows its method: said, not fatal.
    if (d.unreadable > 0 && d.firstUnreadable) {
      const u = d.firstUnreadable;
      out.push({ kind: 'unreadable_progress', confidence: 'confirmed', evidence: ev(u.text), line: u.lineNo, ...where, detail: `${d.unreadable} line(s) look like ${f.format?.id ?? ''} progress lines but could not be read (first: line ${u.lineNo}); not counted: the window is taken from the lines that could be read, as DLPerf's scripts skip such lines too` });
    }
    const j = f.tracker?.clockJump;
    if (j && f === primary) {
      out.push({ kind: 'clock_jump', confidence: 'confirmed', evidence: ev(j.to?.text ?? ''), ...(j.to ? { line: j.to.lineNo } : {}), ...where, detail: `${j.detail}${j.from ? ` (line ${j.from.lineNo}: ${ev(j.from.text)})` : ''}; ${result?.method === 'reported' ? 'the figure is the mean of the printed values (reported method), which the clock does not enter; the timestamps cross-check is withheld' : 'no figure is given'}` });
    }
  }
  const impossible = primary ? impossibleFigure(result) : null;
  if (primary && impossible) {
    const at = result!.endAt ?? result!.startAt;
    out.push({ kind: 'implausible_value', confidence: 'confirmed', evidence: ev(at?.text ?? ''), ...(at ? { line: at.lineNo } : {}), file: primary.file, node: primary.node, detail: `${impossible}: not a possible value; no figure is given` });
  }
  if (primary && result && result.crosscheck !== null && result.crosscheck > 0 && !primary.tracker?.clockJump) {
    const gap = Math.abs(result.throughput - result.crosscheck) / result.crosscheck;
    if (gap > DISAGREEMENT) {
      const other = result.method === 'timestamps' ? 'reported' : 'timestamps';
      const lines = [result.startAt, result.endAt].filter((x) => x !== null);
      out.push({
        kind: 'method_disagreement',
        confidence: 'suspected',
        evidence: ev(result.endAt?.text ?? result.startAt?.text ?? ''),
        ...(result.endAt ? { line: result.endAt.lineNo } : {}),
        file: primary.file,
        node: primary.node,
        detail:
          `${result.method} ${fmt(result.throughput)} vs ${other} ${fmt(result.crosscheck)} (${(gap * 100).toFixed(1)} % apart, more than ${DISAGREEMENT * 100} %) over iterations ${result.startIter}→${result.endIter}` +
          ` (lines ${lines.map((l) => l.lineNo).join('→')}; ${result.reportedLines} printed figure(s)): the log is not what the parser thinks it is (a global batch read as per-device, a wrong unit, a wrong window?)`,
      });
    }
  }
  return out;
}

function fmt(x: number): string {
  return Number(x.toFixed(2)).toString();
}
