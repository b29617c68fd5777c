/**
 * What `live` says about its named sources outside the NDJSON stream: a stderr line per change of
 * a source's state in headless mode, and the `--exit-when-done` verdict (a named source that
 * never delivered a line, or ended in error, fails the run: exit 5; every source delivered but no
 * run was recognised: exit 3, as summary; README "Exit codes").
 */
import type { InputProblem } from '../core/types.ts';
import type { SourceView } from '../session/source-registry.ts';
import type { SessionStore } from '../session/store.ts';
import { visible } from '../shared/sanitize.ts';
import { isRecognisedRun } from '../metrics/run-report.ts';
import { EXIT } from './errors.ts';

/** `dlperf-top: source nodns:/x.log (node nodns): error: cannot resolve host`. */
export function sourceStateLine(v: SourceView): string {
  const node = v.source.startsWith(`${v.node}:`) ? '' : ` (node ${visible(v.node)})`;
  const why = v.reason ? `: ${visible(v.reason)}` : v.reporting ? '' : ': no line yet';
  return `dlperf-top: source ${visible(v.source)}${node} is ${v.state}${why}\n`;
}

/** A source's problem on stderr, as summary writes its problems (the file named where the message does not start with it). */
export function problemLine(p: InputProblem): string {
  const file = p.file ?? p.input;
  const text = p.message.startsWith(`${file}: `) || p.message.startsWith(`${file}:`) ? p.message : `${file}: ${p.message}`;
  return `dlperf-top: ${visible(text)}\n`;
}

const missingText = (v: SourceView): string => `${visible(v.source)} (${v.state}${v.reason ? `: ${visible(v.reason)}` : v.reporting ? '' : ', no line'})`;

export interface ExitVerdict {
  code: number;
  /** Sources that never delivered a line or are in error, as the final snapshot lists them. */
  missing: SourceView[];
  /** The stderr line naming them (empty when none). */
  message: string;
}

/**
 * `gaveUpAfterS`: the session ended on `--missing-after` (said on the stderr line). `lost`: sources
 * that delivered lines and were still reconnecting when the session ended (lostSources, taken
 * before the quiet runs' files were ended, which would show them as `ended`).
 */
export function exitVerdict(store: SessionStore, gaveUpAfterS?: number, lost: readonly SourceView[] = []): ExitVerdict {
  const missing = [...store.sources.missing()];
  for (const l of lost) if (!missing.some((m) => m.source === l.source)) missing.push(l);
  if (missing.length === 0) {
    // Every source delivered, but no line of any matched a log format (or they were binary): what
    // summary and replay say of the same files, exit 3.
    const snap = store.getSnapshot();
    if (!snap.runs.some(isRecognisedRun)) {
      const names = store.sources.views(() => undefined).map((v) => visible(v.source));
      return { code: EXIT.noRuns, missing, message: `dlperf-top: no run recognised in ${names.join(', ')} (${snap.totals.files} file(s) read)\n` };
    }
    return { code: EXIT.ok, missing, message: '' };
  }
  const total = store.sources.size;
  const lostSet = new Set(lost.map((l) => l.source));
  const kinds = [
    missing.some((v) => !v.reporting) ? 'never delivered a line' : '',
    missing.some((v) => v.reporting && v.state === 'error' && !lostSet.has(v.source)) ? 'ended in error' : '',
    lost.length > 0 ? `lost ${missing.length === 1 ? 'its' : 'their'} connection` : '',
  ].filter(Boolean);
  const what = kinds.length === 1 ? kinds[0] : `${kinds.slice(0, -1).join(', ')} or ${kinds.at(-1)}`;
  const gaveUp = gaveUpAfterS !== undefined ? ` (gave up after ${gaveUpAfterS} s: --missing-after)` : '';
  return {
    code: EXIT.inputErrors,
    missing,
    message: `dlperf-top: ${missing.length} of ${total} source${total === 1 ? '' : 's'} ${what}${gaveUp}: ${missing.map(missingText).join('; ')}\n`,
  };
}

/**
 * Sources that delivered lines and are reconnecting (the connection dropped, ssh retries): what
 * they have not sent yet is still on their node, so a quiet run is not done while one of them is
 * within `--missing-after` of losing it (see the timer in live-command.ts).
 */
export function lostSources(store: SessionStore): SourceView[] {
  return store.sources.views(() => undefined).filter((v) => v.reporting && v.state === 'reconnecting');
}

/** Nothing more will come without the user: every named source is in error (and none reports). */
export function allSourcesFailed(store: SessionStore): boolean {
  const views = store.sources.views(() => undefined);
  return views.length > 0 && views.every((v) => !v.reporting && v.state === 'error');
}

/**
 * `--exit-when-done` with no run to wait for (no source delivered a line): the session ends once
 * every named source failed, or once `missingAfterMs` passed since the start — a source still
 * retrying then (connection refused, not in DNS, a file that never appears) counts as missing
 * (exit 5) instead of holding a CI gate forever. With runs, their end decides (finishQuietRuns).
 */
export function nothingToWaitFor(store: SessionStore, missingAfterMs: number): boolean {
  if (store.runSet.runs.size > 0 || store.sources.size === 0) return false;
  return allSourcesFailed(store) || store.now() - store.startedAt >= missingAfterMs;
}
