/**
 * A closed pipe is a normal end (`dlperf-top summary … | head -1`): when stdout's reader goes
 * away (EPIPE), writes are dropped from then on instead of crashing, and `closed` fires so that
 * a command that follows (live, replay) stops, finishes its archive and exits 0.
 */
import { Writable } from 'node:stream';

export interface GuardedOutput {
  readonly stream: NodeJS.WritableStream;
  /** Aborted when the reader went away. */
  readonly closed: AbortSignal;
}

const GONE = new Set(['EPIPE', 'ECONNRESET', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

export function guardOutput(target: NodeJS.WritableStream): GuardedOutput {
  const ac = new AbortController();
  target.on('error', (e: NodeJS.ErrnoException) => {
    // The reader is gone (or the stream is unusable): nothing more can be said there.
    if (!GONE.has(e.code ?? '')) process.exitCode ??= 1;
    ac.abort();
  });
  const stream = new Writable({
    // Strings go through as they are: the target encodes them once (a copy to a Buffer here first
    // cost live --headless 8 % of its CPU at 1,024 streams: half a megabyte per snapshot).
    decodeStrings: false,
    write(chunk: Buffer | string, _enc, cb) {
      if (ac.signal.aborted) return cb();
      let ok: boolean;
      try {
        ok = target.write(chunk);
      } catch {
        ac.abort();
        return cb();
      }
      if (ok) return cb();
      const done = () => {
        target.removeListener('drain', done);
        ac.signal.removeEventListener('abort', done);
        cb();
      };
      target.on('drain', done);
      ac.signal.addEventListener('abort', done);
    },
  });
  return { stream, closed: ac.signal };
}

/** stderr: a reader that went away must not crash the command either (its messages are lost). */
export function quietOnClose(target: NodeJS.WritableStream): NodeJS.WritableStream {
  target.on('error', () => undefined);
  return target;
}

/**
 * Calls `stop` on SIGINT, SIGTERM and SIGHUP (a terminal that went away); returns the un-register.
 * Not on SIGPIPE: it is the process's, raised by a write to any pipe whose reader left — a
 * ProxyCommand that exited before the SSH handshake ended `live --headless` at once, every source
 * still "connecting". Without a listener Node ignores it, and stdout's reader going away is seen
 * as EPIPE on stdout (guardOutput's `closed`).
 */
export function onStopSignals(stop: () => void): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, stop);
  return () => {
    for (const s of signals) process.removeListener(s, stop);
  };
}
