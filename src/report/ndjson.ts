import type { Flag } from '../core/types.ts';
import type { SessionSnapshot } from '../session/types.ts';

/** spec/ndjson.md: one JSON object per line. Keys are a public interface (schema 1). */
export function snapshotLine(s: SessionSnapshot, extra?: Record<string, unknown>): string {
  return snapshotParts(s, extra).join('');
}

/** Nodes per piece of `snapshotParts`: ≈ 0.5 KB each, so a piece stays well under V8's large-object size (128 KiB). */
const NODES_PER_PART = 96;

/** The keys of a snapshot object before `nodes`, and `nodes` itself (extra keys must not collide with them). */
const HEAD_KEYS = new Set(['type', 'schema', 'time', 'clock', 'runs', 'groups', 'nodes']);

/**
 * The snapshot line in pieces whose concatenation is `snapshotLine`'s text, byte for byte: the
 * keys before `nodes`, the nodes in slices of NODES_PER_PART, the keys after. At 1,024 streams a
 * snapshot is ≈ 0.5 MB: as one string it is allocated in V8's large-object space (old
 * generation, freed only by full collections: ten a second filled the heap's slack and the RSS),
 * and one character above U+00FF anywhere (the window rule's "→") makes the whole text two-byte,
 * whose UTF-8 encoding for the pipe cost ≈ 4× a one-byte string's. In pieces, each is young
 * garbage, and only the pieces that hold such a character are two-byte (ndjson-presenter.ts
 * writes them as one buffer).
 */
export function snapshotParts(s: SessionSnapshot, extra?: Record<string, unknown>): string[] {
  const head = {
    type: 'snapshot',
    schema: 1,
    time: isoTime(s.now, s.clock),
    clock: s.clock,
    // `series` is not enumerable (session/snapshot.ts): spreads and JSON leave it out without reading it.
    runs: s.runs.map(({ first_seen: _f, last_seen: _l, key, ...r }) => ({ ...r, run: key })),
    // summary-json.md's groups[], so far (equal to `summary --format json`'s once the input ended).
    groups: s.groups,
  };
  const tail = {
    // The named sources (live): one each, with state, reason and files followed.
    ...(s.sources && s.sources.length ? { sources: s.sources } : {}),
    ...(s.replay ? { replay: { ...s.replay, runNames: undefined } } : {}),
    // launch: the sweep's cases pending / running / done / failed and the ETA (ms).
    ...(s.plan ? { plan: s.plan } : {}),
    totals: s.totals,
    ...extra,
  };
  // An extra key that names a head key would take that key's place in one object: say it the same way.
  if (extra && Object.keys(extra).some((k) => HEAD_KEYS.has(k))) return [JSON.stringify({ ...head, nodes: s.nodes, ...tail }) + '\n'];
  const out: string[] = [];
  const h = JSON.stringify(head);
  out.push(h.slice(0, -1) + ',"nodes":[');
  for (let i = 0; i < s.nodes.length; i += NODES_PER_PART) {
    const part = JSON.stringify(s.nodes.slice(i, i + NODES_PER_PART));
    out.push((i > 0 ? ',' : '') + part.slice(1, -1));
  }
  const t = JSON.stringify(tail);
  out.push(t.length > 2 ? '],' + t.slice(1) + '\n' : ']}\n');
  return out;
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
