import type { ReadStream } from 'node:fs';

/**
 * Bytes read from disk by input streams (plain files, archives before gunzip), for the progress
 * bar: compared with the inputs' sizes on disk it gives a percentage and an ETA that hold for
 * compressed archives too. Polled (ReadStream.bytesRead), so it costs nothing per chunk.
 */
const active = new Set<{ readonly bytesRead: number }>();
let closed = 0;

/** Meter a reader that counts its own `bytesRead` (plain files: input-streams.ts); call the result when it is done. */
export function meterReader(r: { readonly bytesRead: number }): () => void {
  active.add(r);
  return () => {
    if (!active.delete(r)) return;
    closed += r.bytesRead;
  };
}

export function meterStream(rs: ReadStream): ReadStream {
  active.add(rs);
  rs.once('close', () => {
    closed += rs.bytesRead;
    active.delete(rs);
  });
  return rs;
}

/** Total bytes read so far by every metered stream of this process. */
export function diskBytesRead(): number {
  let n = closed;
  for (const rs of active) n += rs.bytesRead;
  return n;
}
