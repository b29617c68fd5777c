/**
 * Follows one local file for the local tail source: opens it, reads appended bytes from the saved
 * offset into pooled buffers (at most one read step per buffer, looping to end of file), splits
 * lines, and handles copytruncate, rename rotation, deletion and re-creation. One `tick` runs at
 * a time; events that arrive meanwhile collapse into a single follow-up tick.
 *
 * Two ways to read: asynchronously (`fs.promises`, one buffer from the shared pool per step),
 * which a read that can block for long needs (NFS, Lustre: `--poll`, or a file on a network
 * filesystem), and synchronously on the open descriptor (`readSync` / `fstatSync`, one shared
 * buffer), for files on a local filesystem in fs events mode: there a read of what was just
 * appended comes from the page cache in microseconds, and the promise and thread-pool round trip
 * of the async call costs far more than the read itself. The source's scheduler calls `readNow`
 * for those; opening, rotation and errors always go through the async `tick`.
 */
import fs, { promises as fsp, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { NodeState, SourceEvent } from '../types.ts';
import { LineSplitter, type LineSink } from './line-splitter.ts';

/** What the tailers of one source share. */
export interface TailContext {
  emit(events: SourceEvent[]): void;
  now(): number;
  readonly stopped: boolean;
  readonly fromStart: boolean;
  readonly maxLineBytes: number;
  /** Waits for a free read buffer (bounds memory and concurrent reads). */
  acquireBuffer(): Promise<Buffer>;
  releaseBuffer(buf: Buffer): void;
  /** dev:ino → the tailer whose descriptor currently reads that file. */
  readonly holders: Map<string, FileTailer>;
  /** dev:ino → where reading stopped when a file was renamed away and nobody took it over yet. */
  readonly released: Map<string, ReleasedFile>;
  /**
   * Whether the file just opened may be read synchronously (a local filesystem in fs events
   * mode). Default: never. Needs `syncBuffer`.
   */
  useSyncIo?(abs: string): boolean | Promise<boolean>;
  /** The one read buffer of synchronous reads (never held across an await). */
  syncBuffer?(): Buffer;
  /**
   * Look once more this long after a tick that read bytes (default 50 ms; 0: never): for watchers
   * that drop events following another within a few ms.
   */
  readonly trailingCheckMs?: number;
}

/** What `readNow` did: all read, stopped at its budget with more to read, or left it to the async tick. */
export type ReadNow = 'done' | 'more' | 'async';

/** Read steps (buffers) per synchronous read before yielding to other work. */
const SYNC_STEPS = 4;

export interface ReleasedFile {
  readonly birth: number;
  readonly offset: number;
  readonly lineNo: number;
  readonly from: string;
  readonly expires: number;
}

interface Adoption {
  readonly ident: string;
  readonly birth: number;
  readonly splitter: LineSplitter;
  readonly offset: number;
  readonly from: string;
}

const RELEASED_TTL_MS = 60_000;
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

function errCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Node's messages already name the problem (`EACCES: permission denied, open '…'`). */
function describeError(e: unknown): string {
  const msg = errMessage(e);
  if (errCode(e) === 'ESTALE') return `${msg} (stale handle on a shared filesystem)`;
  return msg;
}

async function statOrNull(p: string): Promise<Stats | null> {
  try {
    return await fsp.stat(p);
  } catch {
    return null;
  }
}

const identOf = (st: Stats): string => `${st.dev}:${st.ino}`;

const yieldNow = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Whether readAvailable* read anything, and whether it stopped at its step budget. */
const NONE = 0;
const SOME = 1;
const MORE = 2;

export class FileTailer {
  fh: FileHandle | null = null;
  private ident: string | null = null;
  private birth = 0;
  private offset = 0;
  /** Lines that start before this offset are read (to count lines) but not emitted (fromStart=false). */
  private skipBefore = 0;
  private splitter: LineSplitter;
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
  /** Tailers of other names that found this tailer's file under their name (renamed to). */
  private waiters: FileTailer[] = [];
  private adopted: Adoption | null = null;
  private resolveFirst: (() => void) | null = null;
  private gotBytes = false;
  private trailing: NodeJS.Timeout | null = null;
  /** The open descriptor is read synchronously (see the file comment). */
  private syncIo = false;
  /** Check the name against the open file at the next tick, however recent the last check. */
  private identDue = false;
  /** Line events of the read in progress, and their time (see `sink`). */
  private batch: SourceEvent[] = [];
  private batchTime = 0;
  /** Where the splitter puts complete lines: straight into the batch (lines before skipBefore are only counted). */
  private readonly sink: LineSink = (text, offset, lineNo) => {
    if (offset < this.skipBefore) return;
    this.batch.push({ type: 'line', node: this.node, file: this.display, offset, lineNo, text, time: this.batchTime });
  };
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
    this.splitter = this.newSplitter();
    this.firstAttempt = new Promise((resolve) => {
      this.resolveFirst = resolve;
    });
  }

  private newSplitter(): LineSplitter {
    return new LineSplitter(this.ctx.maxLineBytes, (offset, lineNo, bytes) => {
      this.ctx.emit([
        {
          type: 'problem',
          problem: {
            input: this.display,
            file: this.display,
            line: lineNo,
            offset,
            kind: 'line_too_long',
            message: `line ${lineNo} of ${this.display} is ${bytes} bytes long; kept its first ${this.ctx.maxLineBytes} bytes`,
          },
          time: this.ctx.now(),
        },
      ]);
    });
  }

  setState(state: NodeState, message?: string): void {
    if (state === this.state && (message === undefined || message === this.message)) return;
    this.state = state;
    this.message = message;
    this.ctx.emit([
      {
        type: 'status',
        node: this.node,
        file: this.display,
        state,
        ...(message !== undefined ? { message } : {}),
        time: this.ctx.now(),
      },
    ]);
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

  /** Whether `readNow` can read this file (open, read synchronously, no tick in flight). */
  /** Open, and read asynchronously although fs events are in use: its filesystem is a network one. */
  get onNetworkFs(): boolean {
    return this.fh !== null && !this.syncIo && this.ctx.useSyncIo !== undefined;
  }

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
    if (!this.fh || (this.state !== 'streaming' && this.state !== 'quiet' && this.state !== 'stale')) return;
    const idle = this.ctx.now() - this.lastDataAt;
    if (idle >= staleMs) this.setState('stale', `no new bytes for ${Math.round(idle / 1000)} s`);
    else if (idle >= quietMs && this.state === 'streaming') this.setState('quiet', `no new bytes for ${Math.round(idle / 1000)} s`);
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
    if (this.ident && this.ctx.holders.get(this.ident) === this) this.ctx.holders.delete(this.ident);
    this.ident = null;
    if (fh) await fh.close().catch(() => undefined);
    this.settleFirst();
  }

  private async tick(): Promise<void> {
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

  private async open(): Promise<boolean> {
    let fh: FileHandle;
    try {
      fh = await fsp.open(this.abs, 'r');
    } catch (e) {
      const code = errCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        if (this.state === null || this.state === 'error' || (this.state === 'connecting' && this.message === undefined)) {
          this.setState('connecting', 'waiting for the file to appear');
        }
        return false;
      }
      this.setState('error', describeError(e));
      return false;
    }
    let st: Stats;
    try {
      st = await fh.stat();
    } catch (e) {
      await fh.close().catch(() => undefined);
      this.setState('error', describeError(e));
      return false;
    }
    if (this.ctx.stopped) {
      await fh.close().catch(() => undefined);
      return false;
    }
    if (!st.isFile()) {
      await fh.close().catch(() => undefined);
      this.setState('error', 'not a regular file');
      return false;
    }
    const ident = identOf(st);
    const birth = st.birthtimeMs;
    let syncIo = false;
    if (this.ctx.useSyncIo && this.ctx.syncBuffer) {
      try {
        syncIo = await this.ctx.useSyncIo(this.abs);
      } catch {
        syncIo = false;
      }
      if (this.ctx.stopped) {
        await fh.close().catch(() => undefined);
        return false;
      }
    }

    // Is this file being read under another name? Then this name is where it was renamed to
    // (rotation with a pattern that also matches the rotated name): take over from that reader
    // once it has finished its descriptor, instead of reading everything twice. A hard link
    // (the other name still points at the file) is simply read again.
    const holder = this.ctx.holders.get(ident);
    if (holder && holder !== this && holder.fh) {
      const hst = await statOrNull(holder.abs);
      const h = this.ctx.holders.get(ident);
      if ((!hst || identOf(hst) !== ident) && h && h !== this && h.fh) {
        await fh.close().catch(() => undefined);
        if (!h.waiters.includes(this)) h.waiters.push(this);
        this.setState('connecting', `renamed from ${h.display}; taking over from its reader`);
        h.schedule();
        return false;
      }
    }

    let note = this.reopenNote ?? undefined;
    const adopted = this.adopted;
    this.adopted = null;
    const rec = this.ctx.released.get(ident);
    if (adopted && adopted.ident === ident && adopted.birth === birth && st.size >= adopted.offset) {
      this.splitter = adopted.splitter;
      this.offset = adopted.offset;
      note = `renamed from ${adopted.from}: continuing at line ${adopted.splitter.lineNo + 1}`;
    } else if (rec && rec.birth === birth && rec.expires > performance.now() && st.size >= rec.offset) {
      this.ctx.released.delete(ident);
      this.splitter = this.newSplitter();
      this.splitter.reset(rec.offset, rec.lineNo);
      this.offset = rec.offset;
      note = `renamed from ${rec.from}: continuing at line ${rec.lineNo + 1}`;
    } else {
      this.splitter = this.newSplitter();
      this.offset = 0;
      this.skipBefore = this.initial && !this.everOpened && !this.ctx.fromStart ? st.size : 0;
    }
    this.fh = fh;
    this.syncIo = syncIo;
    this.ident = ident;
    this.birth = birth;
    if (!this.ctx.holders.has(ident)) this.ctx.holders.set(ident, this);
    this.everOpened = true;
    this.reopenNote = null;
    this.lastDataAt = this.ctx.now();
    this.setState('streaming', note);
    return true;
  }

  /** Let go of the current descriptor: hand it to a tailer of the name it was renamed to, or flush. */
  private async release(renamed: boolean): Promise<void> {
    const fh = this.fh!;
    const ident = this.ident!;
    this.fh = null;
    this.ident = null;
    if (this.ctx.holders.get(ident) === this) this.ctx.holders.delete(ident);
    const waiters = this.waiters;
    this.waiters = [];
    const heir = renamed ? waiters[0] : undefined;
    if (heir) {
      heir.adopted = { ident, birth: this.birth, splitter: this.splitter, offset: this.offset, from: this.display };
      this.splitter = this.newSplitter();
    } else {
      this.batchTime = this.ctx.now();
      this.splitter.flush(this.sink);
      this.emitBatch();
      if (renamed) {
        this.ctx.released.set(ident, {
          birth: this.birth,
          offset: this.offset,
          lineNo: this.splitter.lineNo,
          from: this.display,
          expires: performance.now() + RELEASED_TTL_MS,
        });
      }
    }
    await fh.close().catch(() => undefined);
    for (const w of waiters) w.schedule();
  }

  /** Read from the saved offset to end of file, one pooled buffer per step. */
  private async readToEof(): Promise<void> {
    const fh = this.fh;
    if (!fh) return;
    if (this.syncIo) {
      // Synchronous steps, yielding between every few buffers so that a long backlog (a big file
      // read from the start) leaves room for everything else.
      while (this.drainSync(fh, SYNC_STEPS)) {
        await yieldNow();
        if (this.ctx.stopped || this.fh !== fh) return;
      }
      return;
    }
    // Read first; only when nothing new came, ask the size (a file truncated below our offset
    // reads as empty). Under load this saves an fstat per read.
    if (await this.readAvailable(fh)) return;
    if (this.ctx.stopped || this.fh !== fh) return;
    const st = await fh.stat();
    if (st.size < this.offset) {
      this.truncated(st.size);
      await this.readAvailable(fh);
    }
  }

  /**
   * Synchronous `readToEof` of at most `steps` buffers (then the fstat for truncation when nothing
   * came). Returns true when it stopped at the budget with more to read.
   */
  private drainSync(fh: FileHandle, steps: number): boolean {
    const got = this.readAvailableSync(fh, steps);
    if (got !== NONE) return got === MORE;
    if (this.ctx.stopped || this.fh !== fh) return false;
    const size = fs.fstatSync(fh.fd).size;
    if (size >= this.offset) return false;
    this.truncated(size);
    return this.readAvailableSync(fh, steps) === MORE;
  }

  /** copytruncate (or truncated by hand): restart at offset 0 and line 1. */
  private truncated(size: number): void {
    // Whatever was pending was real content.
    this.batchTime = this.ctx.now();
    this.splitter.flush(this.sink);
    this.emitBatch();
    const was = this.offset;
    this.offset = 0;
    this.skipBefore = 0;
    this.splitter.reset(0, 0);
    this.lastDataAt = this.ctx.now();
    this.setState('streaming', `truncated (size ${size} < offset ${was}); ${RESTART}`);
  }

  /** Read from the offset to the current end. Returns true when any byte was read. */
  private async readAvailable(fh: FileHandle): Promise<boolean> {
    let any = false;
    for (;;) {
      if (this.ctx.stopped || this.fh !== fh) return any;
      const buf = await this.ctx.acquireBuffer();
      let n: number;
      try {
        if (this.ctx.stopped || this.fh !== fh) return any;
        ({ bytesRead: n } = await fh.read(buf, 0, buf.length, this.offset));
        if (n > 0) {
          this.batchTime = this.ctx.now();
          this.splitter.push(n === buf.length ? buf : buf.subarray(0, n), this.offset, this.sink);
          this.offset += n;
        }
      } finally {
        this.ctx.releaseBuffer(buf);
      }
      if (n === 0) return any;
      any = true;
      this.gotBytes = true;
      this.lastDataAt = this.batchTime;
      if (this.state !== 'streaming') this.setState('streaming');
      this.emitBatch();
      // A short read means end of file for now; the next change event (or check) reads on.
      if (n < buf.length) return any;
    }
  }

  /** `readAvailable` with readSync on the descriptor, at most `steps` buffers: NONE, SOME or MORE. */
  private readAvailableSync(fh: FileHandle, steps: number): number {
    const buf = this.ctx.syncBuffer!();
    let any = false;
    for (let k = 0; k < steps; k++) {
      if (this.ctx.stopped || this.fh !== fh) return any ? SOME : NONE;
      const n = fs.readSync(fh.fd, buf, 0, buf.length, this.offset);
      if (n === 0) return any ? SOME : NONE;
      this.batchTime = this.ctx.now();
      this.splitter.push(n === buf.length ? buf : buf.subarray(0, n), this.offset, this.sink);
      this.offset += n;
      any = true;
      this.lastDataAt = this.batchTime;
      if (this.state !== 'streaming') this.setState('streaming');
      this.emitBatch();
      if (n < buf.length) return SOME;
    }
    return MORE;
  }

  /** Emit the lines of the read in progress, in one batch. */
  private emitBatch(): void {
    if (this.batch.length === 0) return;
    const events = this.batch;
    this.batch = [];
    this.ctx.emit(events);
  }
}
