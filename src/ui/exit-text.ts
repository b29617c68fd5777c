/**
 * What `q` leaves on the normal screen once the terminal is restored: the session's final numbers
 * as plain text, so quitting does not throw away what the screen showed (a failed run included).
 *
 * A sweep (more than one configuration) leaves its board (`boardLines`, the scaling table the
 * screen shows), then its runs; a single configuration leaves its runs.
 */
import type { SessionSnapshot } from '../session/types.ts';
import { visible, visibleLog } from '../shared/sanitize.ts';
import { boardLines } from './board-text.ts';
import { fmtPct, fmtRate, fmtTimes, truncate } from './format.ts';

/** Past this many runs only the failed and stalled ones are listed under the board. */
const MAX_RUN_LINES = 40;

/** One line per run: its name, phase and final figure (or how far it got), speedup, efficiency, flags. */
export function runLines(s: SessionSnapshot, width: number): string[] {
  const runs = [...s.runs];
  if (s.replay && s.replay.runNames.length) {
    // replay: the archive's order
    const order = new Map(s.replay.runNames.map((n, i) => [n, i]));
    runs.sort((a, b) => (order.get(a.key) ?? Infinity) - (order.get(b.key) ?? Infinity));
  }
  const nameW = Math.min(Math.max(0, ...runs.map((r) => visible(r.key).length)), Math.max(16, width - 50));
  const out: string[] = [];
  for (const r of runs) {
    const unit = r.throughput_unit ?? 'samples/s';
    const figure =
      r.throughput !== null
        ? `final ${fmtRate(r.throughput)} ${unit}`
        : r.throughput_rolling_median !== null
          ? `no final figure (median so far ${fmtRate(r.throughput_rolling_median)} ${unit})`
          : 'no final figure';
    const parts = [figure];
    if (r.speedup !== null) parts.push(`speedup ${fmtTimes(r.speedup)}`);
    if (r.scaling_efficiency !== null) parts.push(`efficiency ${fmtPct(r.scaling_efficiency, false)}`);
    const kinds = [...new Set(r.flags.map((f) => f.kind))];
    const name = truncate(visible(r.key), nameW).padEnd(nameW);
    const line = `  ${name}  ${r.phase.padEnd(8)} ${parts.join(' · ')}`;
    const flags = kinds.length ? `flags: ${kinds.join(', ')}` : '';
    // The flags go on the line when they fit, else on their own line below (never cut off).
    if (!flags) out.push(truncate(line, width));
    else if (line.length + 3 + flags.length <= width) out.push(`${line} · ${flags}`);
    else out.push(truncate(line, width), truncate(`${' '.repeat(Math.min(nameW + 4, 12))}${flags}`, width));
    if (r.phase === 'failed' || r.phase === 'stalled') {
      // Why it failed: the first flag's proving line, so the terminal keeps the reason too.
      const why = r.flags.find((f) => f.confidence !== 'suspected') ?? r.flags[0];
      if (why) out.push(truncate(`      ${why.kind}${why.node ? ` on ${visible(why.node)}` : ''}: ${visibleLog(why.evidence)}`, width));
    }
  }
  return out;
}

/** The text printed after the screen closes: a heading, then the runs (later: the board). */
export function exitLines(s: SessionSnapshot, width: number): string[] {
  const w = Math.max(40, width);
  if (s.runs.length === 0) {
    const why = s.problems.length ? `; ${s.problems.length} problem${s.problems.length === 1 ? '' : 's'} (dlperf-top summary shows them)` : '';
    return [truncate(`dlperf-top: no run seen (${s.totals.files} files, ${s.totals.lines} lines)${why}`, w)];
  }
  const where = s.replay ? (s.replay.finished ? 'replay finished' : `replay quit at run ${s.replay.runIndex + 1} of ${s.replay.runCount}`) : 'live session ended';
  const failed = s.runs.filter((r) => r.phase === 'failed' || r.phase === 'stalled').length;
  const head = `dlperf-top · ${where} · ${s.runs.length} run${s.runs.length === 1 ? '' : 's'}${failed ? ` · ${failed} failed or stalled` : ''}`;
  if ((s.groups?.length ?? 0) <= 1) return [truncate(head, w), ...runLines(s, w)];
  const many = s.runs.length > MAX_RUN_LINES;
  const listed = many ? { ...s, runs: s.runs.filter((r) => r.phase === 'failed' || r.phase === 'stalled') } : s;
  const runsHead = many ? (listed.runs.length ? 'failed or stalled runs:' : '') : 'runs:';
  return [truncate(head, w), ...boardLines(s, w), ...(runsHead ? [runsHead, ...runLines(listed, w)] : [])];
}
