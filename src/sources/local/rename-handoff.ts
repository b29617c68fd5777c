/**
 * Rotation by rename, when the rotated name is followed too (`train.log` → `train.log.1` under
 * `train.log*`): the file must be read once, its numbering continued under the new name. This
 * registry knows which tailer reads which file (dev:ino), which tailers wait to take a file over
 * from the reader of its old name, the cursors handed over, and where reading stopped for files
 * renamed away that nobody has taken over yet (kept for a minute).
 */
import { performance } from 'node:perf_hooks';
import { identOf, statOrNull } from './fs-facts.ts';
import type { ReadCursor } from './read-cursor.ts';

/** What the registry needs of a tailer. */
export interface HandoffReader {
  readonly abs: string;
  readonly display: string;
  /** Whether it has the file open. */
  readonly reading: boolean;
}

/** A file renamed away that no tailer took over yet: where its reading stopped. */
export interface ReleasedFile {
  readonly birth: number;
  readonly offset: number;
  readonly lineNo: number;
  readonly from: string;
  readonly expires: number;
}

/** A descriptor handed over on rename: the file, and where its reading stands. */
interface Adoption {
  readonly ident: string;
  readonly birth: number;
  readonly cursor: ReadCursor;
  readonly from: string;
}

/** Where a tailer that just opened a file continues: a cursor handed to it, or a recorded position. */
export type Resume = { readonly cursor: ReadCursor; readonly from: string } | { readonly offset: number; readonly lineNo: number; readonly from: string };

const RELEASED_TTL_MS = 60_000;

export class RenameHandoff<T extends HandoffReader> {
  /** dev:ino → the tailer whose descriptor currently reads that file. */
  private readonly holders = new Map<string, T>();
  private readonly released = new Map<string, ReleasedFile>();
  /** Reader → tailers of other names that found its file under their name (renamed to). */
  private readonly waiters = new Map<T, T[]>();
  private readonly adopted = new Map<T, Adoption>();

  hold(ident: string, t: T): void {
    if (!this.holders.has(ident)) this.holders.set(ident, t);
  }

  drop(ident: string, t: T): void {
    if (this.holders.get(ident) === t) this.holders.delete(ident);
  }

  /**
   * `t` opened file `ident`. Is it being read under another name that no longer points at it?
   * Then `t` is where it was renamed to: `t` waits for that reader to finish its descriptor (and
   * gets its cursor); the reader is returned (to be woken). A hard link (the other name still
   * points at the file) is simply read again: null.
   */
  async readerToWaitFor(ident: string, t: T): Promise<T | null> {
    const holder = this.holders.get(ident);
    if (!holder || holder === t || !holder.reading) return null;
    const hst = await statOrNull(holder.abs);
    const h = this.holders.get(ident);
    if ((hst && identOf(hst) === ident) || !h || h === t || !h.reading) return null;
    const ws = this.waiters.get(h) ?? [];
    if (!ws.includes(t)) ws.push(t);
    this.waiters.set(h, ws);
    return h;
  }

  /** Where `t` continues in the file it opened (`size` bytes now), if it takes one over; else null. */
  resume(t: T, ident: string, birth: number, size: number): Resume | null {
    const a = this.adopted.get(t);
    this.adopted.delete(t);
    if (a && a.ident === ident && a.birth === birth && size >= a.cursor.offset) return { cursor: a.cursor, from: a.from };
    const rec = this.released.get(ident);
    if (rec && rec.birth === birth && rec.expires > performance.now() && size >= rec.offset) {
      this.released.delete(ident);
      return { offset: rec.offset, lineNo: rec.lineNo, from: rec.from };
    }
    return null;
  }

  /** The tailers waiting to take over `t`'s file (they are forgotten here; wake them). */
  takeWaiters(t: T): T[] {
    const ws = this.waiters.get(t) ?? [];
    this.waiters.delete(t);
    return ws;
  }

  /** Hand `t`'s cursor of file `ident` to `heir`. */
  handOver(heir: T, ident: string, birth: number, cursor: ReadCursor, from: string): void {
    this.adopted.set(heir, { ident, birth, cursor, from });
  }

  /** File `ident` was renamed away and nobody took it over: remember where its reading stopped. */
  record(ident: string, birth: number, cursor: ReadCursor, from: string): void {
    this.released.set(ident, { birth, offset: cursor.offset, lineNo: cursor.lineNo, from, expires: performance.now() + RELEASED_TTL_MS });
  }

  /**
   * `t` lets go of file `ident` (rotated, renamed away, deleted, or a parked file whose name now
   * holds another): with `renamed`, its cursor goes to the first tailer waiting to take the file
   * over, else where reading stopped is recorded; otherwise the cursor's partial line is flushed.
   * Returns the cursor `t` goes on with (a fresh one when its own was handed over) and the
   * waiters, to be woken once `t` has closed its descriptor.
   */
  letGo(t: T, ident: string, birth: number, cursor: ReadCursor, renamed: boolean, fresh: () => ReadCursor): { cursor: ReadCursor; waiters: T[] } {
    this.drop(ident, t);
    const waiters = this.takeWaiters(t);
    const heir = renamed ? waiters[0] : undefined;
    if (heir) {
      this.handOver(heir, ident, birth, cursor, t.display);
      return { cursor: fresh(), waiters };
    }
    cursor.flush();
    if (renamed) this.record(ident, birth, cursor, t.display);
    return { cursor, waiters };
  }

  /** Forget positions older than their time to live (monotonic `now`). */
  expire(now: number): void {
    for (const [k, r] of this.released) if (r.expires <= now) this.released.delete(k);
  }
}
