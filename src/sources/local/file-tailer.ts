/**
 * Follows one local file for the local tail source: its lifecycle (open, streaming / quiet /
 * stale / ended / error states), rotation (the name checked against the open file), deletion and
 * re-creation. Reading and copytruncate are the cursor's (read-cursor.ts), rename hand-over the
 * registry's (rename-handoff.ts). One `tick` runs at a time; events that arrive meanwhile
 * collapse into a single follow-up tick.
 *
 * Files on a local filesystem in fs events mode are read synchronously: a read of what was just
 * appended comes from the page cache in microseconds, and the promise and thread-pool round trip
 * of an async call costs far more. The source's scheduler calls `readNow` for those; opening,
 * rotation and errors always go through the async `tick`. Files that can block (NFS, Lustre) are
 * read asynchronously.
 *
 * A file idle for `idleCloseMs` (or the least recently read one, when the source's budget of open
 * descriptors is spent: open-files.ts) is "parked": its descriptor closed, its offset, partial line
 * and identity (dev:ino) kept. A parked file costs no descriptor; its check is a stat by name,
 * and a change (event, check) opens it again: the same file continues where it stopped, another
 * file at the name is a rotation. What a parked file got after its last read and before it was
 * renamed away is read only if the new name is followed too (the rename hand-over continues it).
 */
import fs, { promises as fsp, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { NodeState } from '../types.ts';
import { describeError, errCode, identOf, statOrNull } from './fs-facts.ts';
import { ReadCursor, SYNC_STEPS, type ReadHooks } from './read-cursor.ts';
import type { HandoffReader } from './rename-handoff.ts';
import type { TailContext } from './tail-context.ts';

export type { TailContext } from './tail-context.ts';

/** What `readNow` did: all read, stopped at its budget with more to read, or left it to the async tick. */
export type ReadNow = 'done' | 'more' | 'async';

/**
 * After a tick that read bytes, look once more this much later (unless the context says
 * otherwise): file watchers that drop events following another within a few ms (chokidar
 * throttles `change` with no trailing call) could make the last write of a burst wait for the
 * next event or slow check.
 */
const TRAILING_CHECK_MS = 50;
/** How often a busy file's name is checked for rotation (a stat by name). */
const IDENT_CHECK_MS = 1000;
const RESTART = 'reading from the start; line numbers restart at 1';

export class FileTailer implements HandoffReader {
  fh: FileHandle | null = null;
  private ident: string | null = null;
  private birth = 0;
  /** Offset, line numbers and pending lines of the open file. */
  private cursor: ReadCursor;
  state: NodeState | null = null;
  private message: string | undefined;
  /** opts.now() when bytes last arrived (or the file was opened). */
  lastDataAt = 0;
  /** Monotonic ms of the last tick start. */
  lastCheck = 0;
  /** When the name was last checked against the open file (rotation), ms of performance.now(). */
  private lastIdentCheck = 0;
  private running = false;
  private again = false;
  /** The tick loop in flight, if any. */
  current: Promise<void> = Promise.resolve();
  /** Status message for the next successful open (why it is reopened). */
  private reopenNote: string | null = null;
  private everOpened = false;
  private resolveFirst: (() => void) | null = null;
  private gotBytes = false;
  private trailing: NodeJS.Timeout | null = null;
  /** The open descriptor is read synchronously (see the file comment). */
  private syncIo = false;
  /** Check the name against the open file at the next tick, however recent the last check. */
  private identDue = false;
  /** Descriptor closed while idle; `ident`, `birth` and the cursor are kept to continue. */
  private parked = false;
  /** Settles after the first open attempt (opened, waiting, or failed). */
  readonly firstAttempt: Promise<void>;

  constructor(
    private readonly ctx: TailContext,
    readonly abs: string,
    readonly display: string,
    readonly node: string,
    /** Found when the source started (fromStart=false applies only to these). */
    private readonly initial: boolean,
  ) {
    this.cursor = new ReadCursor(ctx, node, display);
    this.firstAttempt = new Promise((resolve) => {
      this.resolveFirst = resolve;
    });
  }

  setState(state: NodeState, message?: string): void {
    if (state === this.state && (message === undefined || message === this.message)) return;
    this.state = state;
    this.message = message;
    this.ctx.emit([{ type: 'status', node: this.node, file: this.display, state, ...(message !== undefined ? { message } : {}), time: this.ctx.now() }]);
  }

  /** Ask for a tick; coalesces with one in flight. */
  schedule(): void {
    if (this.ctx.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.current = (async () => {
      try {
        do {
          this.again = false;
          this.lastCheck = performance.now();
          try {
            await this.tick();
          } catch (e) {
            try {
              if (!this.ctx.stopped) this.setState('error', describeError(e));
              // A descriptor that went bad (file replaced on the NFS server): let it go and
              // open the name afresh at the next check.
              if (errCode(e) === 'ESTALE' && this.fh) {
                this.reopenNote = `reopened after a stale handle; ${RESTART}`;
                await this.release(false);
              }
            } catch {
              // emit itself threw: nothing more to report to
            }
          }
        } while (this.again && !this.ctx.stopped);
      } finally {
        this.running = false;
        this.ctx.openFiles?.settled();
        this.settleFirst();
        const trailingMs = this.ctx.trailingCheckMs ?? TRAILING_CHECK_MS;
        if (this.gotBytes && trailingMs > 0 && !this.trailing && !this.ctx.stopped) {
          this.trailing = setTimeout(() => {
            this.trailing = null;
            this.schedule();
          }, trailingMs);
        }
        this.gotBytes = false;
      }
    })();
  }

  /** Whether the file is being followed through a descriptor, open or parked (the rename handoff asks). */
  get reading(): boolean {
    return this.fh !== null || this.parked;
  }

  /** Open, and read asynchronously although fs events are in use: its filesystem is a network one. */
  get onNetworkFs(): boolean {
    return (this.fh !== null || this.parked) && !this.syncIo && this.ctx.useSyncIo !== undefined;
  }

  /**
   * Close the descriptor, keeping where reading stands (see the file comment). Only between
   * reads; null when there is nothing to park or a read is in flight.
   */
  park(): Promise<void> | null {
    const fh = this.fh;
    if (!fh || this.running || this.ctx.stopped) return null;
    this.fh = null;
    this.parked = true;
    return fh
      .close()
      .catch(() => undefined)
      .finally(() => this.ctx.openFiles?.released(this));
  }

  /** Whether `readNow` can read this file (open, read synchronously, no tick in flight). */
  get readsNow(): boolean {
    return this.syncIo && this.fh !== null && !this.running && !this.identDue;
  }

  /** The name was created, removed or renamed: check it against the open file at the next tick. */
  nameChanged(): void {
    this.identDue = true;
  }

  /**
   * The scheduler's fast path for files read synchronously: read what was appended (at most
   * SYNC_STEPS buffers), check for truncation when nothing came, and check the name for rotation
   * at most every IDENT_CHECK_MS. Anything else (not open, a tick in flight, the name no longer
   * points at the open file, an error to report) is left to the async tick: 'async'.
   */
  readNow(): ReadNow {
    const fh = this.fh;
    if (!this.readsNow || !fh || this.ctx.stopped) return 'async';
    const mono = performance.now();
    this.lastCheck = mono;
    try {
      if (this.drainSync(fh, SYNC_STEPS)) return 'more';
      if (this.fh !== fh || this.ctx.stopped) return 'done';
      if (mono - this.lastIdentCheck < IDENT_CHECK_MS) return 'done';
      this.lastIdentCheck = mono;
      let pst: Stats | undefined;
      try {
        pst = fs.statSync(this.abs, { throwIfNoEntry: false });
      } catch (e) {
        const code = errCode(e);
        if (code !== 'ENOTDIR') return 'done'; // cannot tell: keep reading the descriptor
      }
      if (pst && identOf(pst) === this.ident) return 'done';
      this.identDue = true;
      return 'async';
    } catch {
      // Reported by the tick, which meets the same error.
      return 'async';
    }
  }

  private settleFirst(): void {
    const r = this.resolveFirst;
    this.resolveFirst = null;
    r?.();
  }

  /** Quiet / stale bookkeeping, from the source's maintenance timer. */
  checkIdle(quietMs: number, staleMs: number): void {
    if ((!this.fh && !this.parked) || (this.state !== 'streaming' && this.state !== 'quiet' && this.state !== 'stale')) return;
    const idle = this.ctx.now() - this.lastDataAt;
    if (idle >= staleMs) this.setState('stale', `no new bytes for ${Math.round(idle / 1000)} s`);
    else if (idle >= quietMs && this.state === 'streaming') this.setState('quiet', `no new bytes for ${Math.round(idle / 1000)} s`);
    const closeAfter = this.ctx.idleCloseMs;
    if (closeAfter !== undefined && this.fh && idle >= closeAfter) void this.park();
  }

  /** Close the descriptor (after the tick loop has settled) and report `ended`. */
  async close(): Promise<void> {
    if (this.trailing) clearTimeout(this.trailing);
    this.trailing = null;
    await this.current.catch(() => undefined);
    if (this.trailing) clearTimeout(this.trailing);
    this.trailing = null;
    const fh = this.fh;
    this.fh = null;
    this.parked = false;
    if (this.ident) this.ctx.handoff.drop(this.ident, this);
    this.ident = null;
    if (fh) await fh.close().catch(() => undefined);
    if (fh) this.ctx.openFiles?.released(this);
    this.settleFirst();
  }

  private async tick(): Promise<void> {
    // A parked file that did not change (same file at the name, same size) stays closed.
    if (this.parked && !this.identDue && this.parkedUnchanged()) return;
    if (!this.fh) {
      const ok = await this.open();
      this.settleFirst();
      if (!ok) return;
    }
    await this.readToEof();
    if (!this.fh || this.ctx.stopped) return;

    // Does the name still point at the file we read? A stat by name per read would dominate the
    // cost of following hundreds of busy files, so it is asked at most every IDENT_CHECK_MS.
    const mono = performance.now();
    if (!this.identDue && mono - this.lastIdentCheck < IDENT_CHECK_MS) return;
    this.identDue = false;
    this.lastIdentCheck = mono;
    let pst: Stats | null = null;
    try {
      pst = await fsp.stat(this.abs);
    } catch (e) {
      const code = errCode(e);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return; // cannot tell: keep reading the descriptor
    }
    if (pst && identOf(pst) === this.ident) return;
    if (this.ctx.stopped) return;

    // Rotated (the name now holds another file) or removed / renamed away: finish the old
    // descriptor first, then hand it over or let it go.
    await this.readToEof();
    if (!this.fh || this.ctx.stopped) return;
    const nlink = (await this.fh.stat()).nlink;
    await this.release(nlink > 0);
    if (!pst) {
      pst = await statOrNull(this.abs); // re-created meanwhile?
      if (!pst) {
        if (nlink > 0) {
          this.reopenNote = `rotated: new file; ${RESTART}`;
          this.setState('connecting', 'renamed away (rotated?); waiting for a new file');
        } else {
          this.reopenNote = `re-created; ${RESTART}`;
          this.setState('ended', 'deleted');
        }
        return;
      }
    }
    this.reopenNote = `rotated: new file; ${RESTART}`;
    if (await this.open()) await this.readToEof();
  }

  /** Cheap look at a parked file: a stat by name, no descriptor. True when nothing changed. */
  private parkedUnchanged(): boolean {
    let st: Stats | undefined;
    try {
      st = fs.statSync(this.abs, { throwIfNoEntry: false });
    } catch {
      return false;
    }
    return st !== undefined && identOf(st) === this.ident && st.size === this.cursor.offset;
  }

  /** Open the name: a descriptor within the source's budget. Null (state set) when it cannot be opened now. */
  private async openName(): Promise<FileHandle | null> {
    const budget = this.ctx.openFiles;
    await budget?.reserve(this, () => this.ctx.stopped);
    try {
      const fh = await fsp.open(this.abs, 'r');
      budget?.opened(this);
      return fh;
    } catch (e) {
      budget?.cancelled();
      const code = errCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        if (this.state === null || this.state === 'error' || (this.state === 'connecting' && this.message === undefined)) {
          this.setState('connecting', 'waiting for the file to appear');
        }
        return null;
      }
      // Out of descriptors or memory: a problem to report, not a file that is silently missing.
      if (code === 'EMFILE' || code === 'ENFILE' || code === 'ENOMEM') this.ctx.resourceLimit?.(this.display, e);
      this.setState('error', describeError(e));
      return null;
    }
  }

  /**
   * A parked file is opened again: the same file continues where it stopped (true, nothing to
   * say). Else the name now holds another file, or none: the parked one is let go (handed to
   * the tailer of the name it was renamed to, if one waits) and `fh` (if any) is a new file.
   */
  private async unpark(fh: FileHandle | null): Promise<boolean> {
    this.parked = false;
    if (fh) {
      let st: Stats | null = null;
      try {
        st = await fh.stat();
      } catch {
        st = null;
      }
      if (st && identOf(st) === this.ident && !this.ctx.stopped) {
        this.fh = fh;
        this.lastIdentCheck = performance.now();
        return true;
      }
    }
    const ident = this.ident!;
    this.ident = null;
    this.ctx.handoff.drop(ident, this);
    const waiters = this.ctx.handoff.takeWaiters(this);
    const heir = waiters[0];
    if (heir) {
      this.ctx.handoff.handOver(heir, ident, this.birth, this.cursor, this.display);
      this.cursor = new ReadCursor(this.ctx, this.node, this.display);
    } else {
      this.cursor.flush();
      this.ctx.handoff.record(ident, this.birth, this.cursor, this.display);
    }
    for (const w of waiters) w.schedule();
    this.reopenNote = `rotated: new file; ${RESTART}`;
    if (!fh) this.setState('connecting', 'renamed away or deleted while idle; waiting for a new file');
    return false;
  }

  private async open(): Promise<boolean> {
    const fh = await this.openName();
    if (this.parked) {
      if (await this.unpark(fh)) return true;
      if (!fh) return false;
    }
    if (!fh) return false;
    let st: Stats;
    try {
      st = await fh.stat();
    } catch (e) {
      return this.giveUp(fh, describeError(e));
    }
    if (this.ctx.stopped) return this.giveUp(fh);
    if (!st.isFile()) return this.giveUp(fh, 'not a regular file');
    const ident = identOf(st);
    const birth = st.birthtimeMs;
    let syncIo = false;
    if (this.ctx.useSyncIo && this.ctx.syncBuffer) {
      try {
        syncIo = await this.ctx.useSyncIo(this.abs);
      } catch {
        syncIo = false;
      }
      if (this.ctx.stopped) return this.giveUp(fh);
    }

    // Is this file being read under another name? Then this name is where it was renamed to
    // (rotation with a pattern that also matches the rotated name): take over from that reader
    // once it has finished its descriptor, instead of reading everything twice. A hard link
    // (the other name still points at the file) is simply read again.
    const reader = await this.ctx.handoff.readerToWaitFor(ident, this);
    if (reader) {
      await fh.close().catch(() => undefined);
      this.ctx.openFiles?.released(this);
      this.setState('connecting', `renamed from ${reader.display}; taking over from its reader`);
      reader.schedule();
      return false;
    }

    let note = this.reopenNote ?? undefined;
    const resume = this.ctx.handoff.resume(this, ident, birth, st.size);
    if (resume && 'cursor' in resume) {
      this.cursor = resume.cursor;
      this.cursor.node = this.node;
      this.cursor.display = this.display;
      note = `renamed from ${resume.from}: continuing at line ${resume.cursor.lineNo + 1}`;
    } else if (resume) {
      this.cursor = new ReadCursor(this.ctx, this.node, this.display);
      this.cursor.resetTo(resume.offset, resume.lineNo);
      note = `renamed from ${resume.from}: continuing at line ${resume.lineNo + 1}`;
    } else {
      this.cursor = new ReadCursor(this.ctx, this.node, this.display);
      this.cursor.skipBefore = this.initial && !this.everOpened && !this.ctx.fromStart ? st.size : 0;
    }
    this.fh = fh;
    this.syncIo = syncIo;
    this.ident = ident;
    this.birth = birth;
    this.ctx.handoff.hold(ident, this);
    this.everOpened = true;
    this.reopenNote = null;
    this.lastDataAt = this.ctx.now();
    this.setState('streaming', note);
    return true;
  }

  /** Close a descriptor just opened and not kept; with `error`, say why. Always false (not opened). */
  private async giveUp(fh: FileHandle, error?: string): Promise<false> {
    await fh.close().catch(() => undefined);
    this.ctx.openFiles?.released(this);
    if (error !== undefined) this.setState('error', error);
    return false;
  }

  /** Let go of the current descriptor: hand it to a tailer of the name it was renamed to, or flush. */
  private async release(renamed: boolean): Promise<void> {
    const fh = this.fh!;
    const ident = this.ident!;
    this.fh = null;
    this.ident = null;
    this.ctx.handoff.drop(ident, this);
    const waiters = this.ctx.handoff.takeWaiters(this);
    const heir = renamed ? waiters[0] : undefined;
    if (heir) {
      this.ctx.handoff.handOver(heir, ident, this.birth, this.cursor, this.display);
      this.cursor = new ReadCursor(this.ctx, this.node, this.display);
    } else {
      this.cursor.flush();
      if (renamed) this.ctx.handoff.record(ident, this.birth, this.cursor, this.display);
    }
    await fh.close().catch(() => undefined);
    this.ctx.openFiles?.released(this);
    for (const w of waiters) w.schedule();
  }

  /** Read from the saved offset to end of file (see ReadCursor.readToEnd). */
  private async readToEof(): Promise<void> {
    const fh = this.fh;
    if (!fh) return;
    await this.cursor.readToEnd(fh, this.syncIo ? this.ctx.syncBuffer!() : null, this.hooks(fh, true));
  }

  /** Synchronous read of at most `steps` buffers (then the truncation check when nothing came); true: more to read. */
  private drainSync(fh: FileHandle, steps: number): boolean {
    return this.cursor.drainSync(fh, this.ctx.syncBuffer!(), steps, this.hooks(fh, false));
  }

  /** What the cursor tells this tailer while it reads `fh` (`tick`: inside a tick, which looks once more after bytes). */
  private hooks(fh: FileHandle, tick: boolean): ReadHooks {
    return {
      current: () => !this.ctx.stopped && this.fh === fh,
      chunk: () => {
        if (tick && !this.syncIo) this.gotBytes = true;
        this.ctx.openFiles?.touch(this);
        this.lastDataAt = this.cursor.lastTime;
        if (this.state !== 'streaming') this.setState('streaming');
      },
      truncated: (size, was) => {
        this.lastDataAt = this.ctx.now();
        this.setState('streaming', `truncated (size ${size} < offset ${was}); ${RESTART}`);
      },
    };
  }
}
