import { formatById } from '../formats/registry.ts';
import { aggregate, type AggregateOptions, type GroupReport } from './aggregate.ts';
import type { RunReport } from './run-report.ts';

/** `a.localeCompare(b, 'en', { numeric: true })`, with one collator (localeCompare with options builds one per call: 0.7 s for 3,000 runs). */
export const BY_SOURCE = new Intl.Collator('en', { numeric: true }).compare;

/**
 * The sweep's scaling table from run reports: `summary`'s groups and the live board's (NDJSON
 * `groups[]`, the `g` view) are this one function, so at the end of a replay they are equal.
 * Sorts `runs` in place by source (the order `summary` prints them), then groups them with each
 * format's rounding (DLPerf's NGC scripts round a run's figure before the median).
 *
 * `aggregate` adds group-level findings (an `outlier` repeat) to the member runs' `flags`: callers
 * that keep reports between calls (the live session) pass copies, see {@link withOwnFlags}.
 */
export function reportGroups(runs: RunReport[], opts: Omit<AggregateOptions, 'roundTo'> = {}): GroupReport[] {
  runs.sort((a, b) => BY_SOURCE(a.source, b.source));
  return aggregate(runs, {
    aggregate: opts.aggregate ?? 'median',
    ...(opts.outlier ? { outlier: opts.outlier } : {}),
    ...(opts.scaling ? { scaling: opts.scaling } : {}),
    roundTo: (r) => (r.format ? formatById(r.format)?.window.roundTo : undefined),
  });
}

/** A report whose `flags` array is its own, so grouping it again does not add a finding twice. */
export function withOwnFlags(r: RunReport): RunReport {
  return { ...r, flags: [...r.flags] };
}
