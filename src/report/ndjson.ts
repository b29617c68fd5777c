import type { Flag } from '../core/types.ts';
import type { SessionSnapshot } from '../session/types.ts';

/** spec/ndjson.md: one JSON object per line. Keys are a public interface (schema 1). */
export function snapshotLine(s: SessionSnapshot, extra?: Record<string, unknown>): string {
  const obj = {
    type: 'snapshot',
    schema: 1,
    time: isoTime(s.now, s.clock),
    clock: s.clock,
    // `series` is not enumerable (session/snapshot.ts): spreads and JSON leave it out without reading it.
    runs: s.runs.map(({ first_seen: _f, last_seen: _l, key, ...r }) => ({ ...r, run: key })),
    // summary-json.md's groups[], so far (equal to `summary --format json`'s once the input ended).
    groups: s.groups,
    nodes: s.nodes,
    // The named sources (live): one each, with state, reason and files followed.
    ...(s.sources && s.sources.length ? { sources: s.sources } : {}),
    ...(s.replay ? { replay: { ...s.replay, runNames: undefined } } : {}),
    // launch: the sweep's cases pending / running / done / failed and the ETA (ms).
    ...(s.plan ? { plan: s.plan } : {}),
    totals: s.totals,
    ...extra,
  };
  return JSON.stringify(obj) + '\n';
}

export type StreamEvent =
  | { event: 'flag'; time: number; run: string; node: string; source: string; flag: Flag }
  | { event: 'phase'; time: number; run: string; node: string; source: string; phase: string }
  | { event: 'state'; time: number; node: string; source: string; state: string; reason?: string | null; message?: string; files?: number; reporting?: boolean };

export function eventLine(e: StreamEvent, clock: 'wall' | 'replay'): string {
  return JSON.stringify({ type: 'event', schema: 1, ...e, time: isoTime(e.time, clock) }) + '\n';
}

/** Session times are ms; in replay they are log times (which may be relative when the log has no date). */
function isoTime(ms: number, _clock: 'wall' | 'replay'): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? new Date(0).toISOString() : d.toISOString();
}
