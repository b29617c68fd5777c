/**
 * The state and read path of one followed local file (file-tailer.ts has its lifecycle): the
 * descriptor, identity and cursor; the status it reports; the synchronous fast path the
 * scheduler calls (`readNow`); parking (the descriptor closed while idle, position kept).
 */
import fs, { type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { NodeState } from '../types.ts';
import { errCode, identOf } from './fs-facts.ts';
import { ReadCursor, SYNC_STEPS, type ReadHooks } from './read-cursor.ts';
import type { HandoffReader } from './rename-handoff.ts';
import type { TailContext } from './tail-context.ts';

/** What `readNow` did: all read, stopped at its budget with more to read, or left it to the async tick. */
export type ReadNow = 'done' | 'more' | 'async';

/** How often a busy file's name is checked for rotation (a stat by name). */
export const IDENT_CHECK_MS = 1000;
export const RESTART = 'reading from the start; line numbers restart at 1';

export abstract class TailerBase implements HandoffReader {
  fh: FileHandle | null = null;
  protected ident: string | null = null;
  protected birth = 0;
  /** Offset, line numbers and pending lines of the open file. */
  protected cursor: ReadCursor;
  state: NodeState | null = null;
  protected message: string | undefined;
  /** opts.now() when bytes last arrived (or the file was opened). */
  lastDataAt = 0;
  /** Monotonic ms of the last tick start. */
  lastCheck = 0;
  /** When the name was last checked against the open file (rotation), ms of performance.now(). */
  protected lastIdentCheck = 0;
  protected running = false;
  protected again = false;
  /** The tick loop in flight, if any. */
  current: Promise<void> = Promise.resolve();
  /** Status message for the next successful open (why it is reopened). */
  protected reopenNote: string | null = null;
  protected everOpened = false;
  protected resolveFirst: (() => void) | null = null;
  protected gotBytes = false;
  protected trailing: NodeJS.Timeout | null = null;
  /** The open descriptor is read synchronously (see the file comment). */
  protected syncIo = false;
  /** Check the name against the open file at the next tick, however recent the last check. */
  protected identDue = false;
  /** Descriptor closed while idle; `ident`, `birth` and the cursor are kept to continue. */
  protected parked = false;
  /** Settles after the first open attempt (opened, waiting, or failed). */
  readonly firstAttempt: Promise<void>;

  constructor(
    protected readonly ctx: TailContext,
    readonly abs: string,
    readonly display: string,
    readonly node: string,
    /** Found when the source started (fromStart=false applies only to these). */
    protected readonly initial: boolean,
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

  /** Following stops: an unfinished last line is said (ReadCursor.reportPartial). */
  reportPartialLine(): void {
    this.cursor.reportPartial();
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

  protected settleFirst(): void {
    const r = this.resolveFirst;
    this.resolveFirst = null;
    r?.();
  }

  protected freshCursor(): ReadCursor {
    return new ReadCursor(this.ctx, this.node, this.display);
  }

  /** Read from the saved offset to end of file (see ReadCursor.readToEnd). */
  protected async readToEof(): Promise<void> {
    const fh = this.fh;
    if (!fh) return;
    await this.cursor.readToEnd(fh, this.syncIo ? this.ctx.syncBuffer!() : null, this.hooks(fh, true));
  }

  /** Synchronous read of at most `steps` buffers (then the truncation check when nothing came); true: more to read. */
  protected drainSync(fh: FileHandle, steps: number): boolean {
    // The hooks of `fh` made once, not per read (three closures each time, 10,000 reads a second at 1,024 busy files).
    if (this.syncHooksOf !== fh) {
      this.syncHooksOf = fh;
      this.syncHooks = this.hooks(fh, false);
    }
    return this.cursor.drainSync(fh, this.ctx.syncBuffer!(), steps, this.syncHooks!);
  }

  private syncHooksOf: FileHandle | null = null;
  private syncHooks: ReadHooks | null = null;

  /** What the cursor tells this tailer while it reads `fh` (`tick`: inside a tick, which looks once more after bytes). */
  protected hooks(fh: FileHandle, tick: boolean): ReadHooks {
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
