import type { SessionStore } from '../session/store.ts';
import { eventLine, snapshotBuffer, snapshotJson } from './ndjson.ts';

/** Snapshots longer than this (characters) are written as one buffer of their pieces (see `writeSnapshot`). */
const BUFFER_FROM = 64 * 1024;

/**
 * One write of the snapshot (ndjson.ts `snapshotJson`): a short one as a string, a long one encoded
 * text by text into one buffer (snapshotBuffer), so that neither a 0.5 MB string nor a two-byte
 * copy of it is made.
 */
function writeSnapshot(out: NodeJS.WritableStream, j: ReturnType<typeof snapshotJson>): void {
  if (typeof j === 'string') {
    out.write(j);
    return;
  }
  let chars = j.head.length + j.tail.length;
  for (const p of j.nodes) chars += p.length;
  if (chars < BUFFER_FROM) {
    out.write(j.head + j.nodes.map((p, i) => (i > 0 ? ',' : '') + p.slice(1, -1)).join('') + j.tail);
    return;
  }
  out.write(snapshotBuffer(j));
}

/**
 * Headless presenter (live and replay): an event line per finding, phase change and node state
 * change as they happen, and a snapshot whenever `snapshot()` is called (on an interval by the
 * caller, and once more at exit). Writes to `out` only: diagnostics belong on stderr.
 */
export function attachNdjson(store: SessionStore, out: NodeJS.WritableStream, clock: 'wall' | 'replay') {
  const off = store.onEvent((e) => {
    if (e.kind === 'flag') {
      out.write(eventLine({ event: 'flag', time: e.entry.time, run: e.entry.run, node: e.entry.node, source: e.entry.file, flag: e.entry.flag }, clock));
    } else if (e.kind === 'phase') {
      out.write(eventLine({ event: 'phase', time: e.time, run: e.run, node: e.node, source: e.file, phase: e.phase }, clock));
    } else if (e.kind === 'problem') {
      // Counted in the snapshots' totals.problems; said on stderr by headless live (not an NDJSON event).
    } else if (e.kind === 'source') {
      const v = e.view;
      out.write(eventLine({ event: 'state', time: e.time, node: v.node, source: v.source, state: v.state, reason: v.reason, ...(v.message !== undefined ? { message: v.message } : {}), files: v.files, reporting: v.reporting }, clock));
    } else {
      out.write(eventLine({ event: 'state', time: e.time, node: e.node, source: e.file, state: e.state, ...(e.message !== undefined ? { message: e.message } : {}) }, clock));
    }
  });
  // Periodic snapshots the reader had no time for (see `periodic`), said in the next one written.
  let skipped = 0;
  const write = (fresh: boolean, extra?: Record<string, unknown>): void => {
    writeSnapshot(out, snapshotJson(store.flush({ fresh }), skipped ? { snapshots_skipped: skipped, ...extra } : extra));
  };
  return {
    /** A snapshot with every run's report made now (the last one: `extra`, keys of the final snapshot only, `exit`). */
    snapshot(extra?: Record<string, unknown>) {
      write(true, extra);
    },
    /**
     * The snapshot of an interval, unless the reader has not taken the previous one yet (the
     * output's buffer is not empty): each snapshot supersedes the one before, so a slow reader
     * gets the newest state when it is ready instead of a queue of stale ones, and the queue does
     * not grow without bound (at 1,024 streams and --interval 0.1, half a megabyte per snapshot: a
     * reader a few seconds behind held hundreds of them in memory here). Nothing is built for a
     * skipped one. Events are never skipped. Returns whether it wrote.
     */
    periodic(): boolean {
      if (((out as { writableLength?: number }).writableLength ?? 0) > 0) {
        skipped++;
        return false;
      }
      // A run's report may be up to the store's analysisEveryMs old here (only lines came since).
      write(false);
      return true;
    },
    detach() {
      off();
    },
  };
}
