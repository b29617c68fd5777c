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
 * writes them as one buffer, from `snapshotJson`'s texts).
 */
export function snapshotParts(s: SessionSnapshot, extra?: Record<string, unknown>): string[] {
  const j = snapshotJson(s, extra);
  if (typeof j === 'string') return [j];
  return [j.head, ...j.nodes.map((part, i) => (i > 0 ? ',' : '') + part.slice(1, -1)), j.tail];
}

/**
 * The snapshot's JSON texts as JSON.stringify makes them, not yet joined: `head` ends with
 * `"nodes":[`, each of `nodes` is a JSON array of up to NODES_PER_PART node objects (`[…]`), and
 * `tail` starts with the `]` that closes the nodes. The line is head + the arrays without their
 * brackets, joined by commas + tail (snapshotParts). Joining them as strings makes a concatenation
 * that is copied flat again when encoded (at 1,024 streams ≈ 5 % of the snapshot's cost):
 * writeSnapshotBuffer encodes them into one buffer where each text's first bracket overwrites the
 * byte before it. A string: the whole line (an extra key that names a head key).
 */
export function snapshotJson(s: SessionSnapshot, extra?: Record<string, unknown>): string | { head: string; nodes: string[]; tail: string } {
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
  if (extra && Object.keys(extra).some((k) => HEAD_KEYS.has(k))) return JSON.stringify({ ...head, nodes: s.nodes, ...tail }) + '\n';
  const h = JSON.stringify(head);
  const nodes: string[] = [];
  for (let i = 0; i < s.nodes.length; i += NODES_PER_PART) nodes.push(JSON.stringify(s.nodes.slice(i, i + NODES_PER_PART)));
  const t = JSON.stringify(tail);
  return { head: h.slice(0, -1) + ',"nodes":[', nodes, tail: t.length > 2 ? '],' + t.slice(1) + '\n' : ']}\n' };
}

/** snapshotBuffer's room to encode into, kept from one snapshot to the next (grown when a snapshot needs more). */
let scratch: Buffer | null = null;

/**
 * snapshotJson's texts encoded as UTF-8 into one buffer: the line's bytes, each text written
 * once. A node array's `[` lands on the byte before it (the head's `[`, or the `]` of the array
 * before, which becomes the comma between them); the tail's `]` lands on the last array's `]`.
 * The texts are encoded into a reused buffer with room for 3 bytes per UTF-16 unit (UTF-8's most)
 * and the bytes copied out: asking each text's UTF-8 length first cost more than the copy (the
 * node texts are two-byte strings when a flag's detail holds a "→": `Buffer.byteLength` took
 * ≈ 1 ms per 1,024-node snapshot, the copy ≈ 0.05 ms).
 */
export function snapshotBuffer(j: { head: string; nodes: string[]; tail: string }): Buffer {
  const m = j.nodes.length;
  let chars = j.head.length + j.tail.length;
  for (const part of j.nodes) chars += part.length;
  if (scratch === null || scratch.length < 3 * chars) scratch = Buffer.allocUnsafeSlow(3 * chars);
  const buf = scratch;
  let at = buf.write(j.head, 0, 'utf8');
  for (let k = 0; k < m; k++) {
    const pos = at - 1;
    at = pos + buf.write(j.nodes[k]!, pos, 'utf8');
    if (k > 0) buf[pos] = 0x2c;
  }
  at = (m > 0 ? at - 1 : at) + buf.write(j.tail, m > 0 ? at - 1 : at, 'utf8');
  // A copy: the stream may hold the buffer until the reader takes it, and the room is reused.
  const out = Buffer.allocUnsafeSlow(at);
  buf.copy(out, 0, 0, at);
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
