/**
 * Where reading one file stands: the byte offset, the line splitter (line numbers, a partial last
 * line), and the line events of the read in progress. A file renamed to another followed name
 * hands its cursor to that name's tailer, which continues the numbering (file-tailer.ts).
 */
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { SourceEvent } from '../types.ts';
import { HeadSniffer } from '../head-sniffer.ts';
import { LineSplitter, type LineSink } from './line-splitter.ts';
import type { TailContext } from './tail-context.ts';

/** Whether a synchronous read got nothing, some bytes, or stopped at its step budget with more to read. */
export const NONE = 0;
export const SOME = 1;
export const MORE = 2;
export type ReadSteps = typeof NONE | typeof SOME | typeof MORE;

/** What the cursor tells its tailer while reading. */
export interface ReadHooks {
  /** Still the descriptor to read (not stopped, not rotated away)? */
  current(): boolean;
  /** A buffer of bytes was taken (before its lines are emitted: state first, then lines). */
  chunk(): void;
  /** The file shrank below the offset (copytruncate): reading restarted at 0 and line 1. */
  truncated(size: number, was: number): void;
}

/** Buffers per synchronous read step (the scheduler's `readNow`, and `readToEnd` between yields). */
export const SYNC_STEPS = 4;

const yieldNow = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class ReadCursor {
  /** Offset of the next byte to read. */
  offset = 0;
  /** Lines that start before this offset are read (to count lines) but not emitted (fromStart=false). */
  skipBefore = 0;
  private readonly splitter: LineSplitter;
  /** Line events of the read in progress, and their time (see `sink`). */
  private batch: SourceEvent[] = [];
  private batchTime = 0;
  /** Where the splitter puts complete lines: straight into the batch (lines before skipBefore are only counted). */
  private readonly sink: LineSink = (text, offset, lineNo) => {
    if (offset < this.skipBefore) return;
    this.batch.push({ type: 'line', node: this.node, file: this.display, offset, lineNo, text, time: this.batchTime });
  };

  constructor(
    private readonly ctx: TailContext,
    /** Whose lines they are (changes when another name's tailer takes the cursor over). */
    public node: string,
    public display: string,
  ) {
    this.splitter = new LineSplitter(ctx.maxLineBytes, (offset, lineNo, bytes) => {
      ctx.emit([
        {
          type: 'problem',
          problem: {
            input: this.display,
            file: this.display,
            line: lineNo,
            offset,
            kind: 'line_too_long',
            message: `line ${lineNo} of ${this.display} is ${bytes} bytes long; kept its first ${ctx.maxLineBytes} bytes`,
          },
          time: ctx.now(),
        },
      ]);
    });
  }

  /** Lines emitted so far. */
  get lineNo(): number {
    return this.splitter.lineNo;
  }

  /** Time (event clock) of the bytes taken last. */
  get lastTime(): number {
    return this.batchTime;
  }

  /** Continue at `offset` after `lineNo` lines (nothing skipped, nothing pending). */
  resetTo(offset: number, lineNo: number): void {
    if (offset === 0) this.head.reset();
    this.splitter.reset(offset, lineNo);
    this.offset = offset;
    this.skipBefore = 0;
  }

  /** The first `n` bytes of `buf` were read at the offset: split them (lines wait in the batch). */
  take(buf: Buffer, n: number): void {
    this.batchTime = this.ctx.now();
    if (this.head.feed(buf, n, this.offset)) this.reportBinary();
    // A binary file's bytes are not lines (summary skips the file the same way); its offset moves on.
    if (!this.head.binary) {
      this.splitter.push(n === buf.length ? buf : buf.subarray(0, n), this.offset, this.sink);
      if (this.splitter.lineNo > 0) this.head.settle();
    }
    this.offset += n;
  }

  /**
   * Following stops with a line still unfinished (no newline yet): say so, as summary says it of a
   * file that ends without one. Live counts complete lines only (the writer may be mid-line); a
   * half-written progress line is therefore not a figure here, where summary takes it with a warning.
   */
  reportPartial(): void {
    if (this.splitter.pendingBytes === 0 || this.head.binary) return;
    const line = this.splitter.lineNo + 1;
    this.ctx.emit([
      {
        type: 'problem',
        problem: { input: this.display, file: this.display, line, offset: this.offset - this.splitter.pendingBytes, kind: 'partial_line', message: `${this.display}: the last line (${line}) had no newline when following stopped; not counted` },
        time: this.ctx.now(),
      },
    ]);
  }

  /** Whether the file's head is binary data (see head-sniffer.ts). */
  private readonly head = new HeadSniffer();

  private reportBinary(): void {
    // Lines of the head taken before the verdict (a short first read) are not given either.
    this.batch = [];
    this.ctx.emit([{ type: 'problem', problem: { input: this.display, file: this.display, offset: 0, kind: 'binary', message: `${this.display}: ${this.head.message}` }, time: this.ctx.now() }]);
  }

  /** The partial last line is real content (the file was truncated or let go): emit it too. */
  flush(): void {
    this.batchTime = this.ctx.now();
    this.splitter.flush(this.sink);
    this.emitBatch();
  }

  /** Emit the lines of the read in progress, in one batch. */
  emitBatch(): void {
    if (this.batch.length === 0) return;
    const events = this.batch;
    this.batch = [];
    this.ctx.emit(events);
  }

  /**
   * Read from the offset to end of file: synchronously into `syncBuf` when given (yielding between
   * every few buffers, so that a long backlog leaves room for everything else), else one pooled
   * buffer per asynchronous step. A file truncated below the offset reads as empty: only then is
   * its size asked (under load this saves an fstat per read).
   */
  async readToEnd(fh: FileHandle, syncBuf: Buffer | null, hooks: ReadHooks): Promise<void> {
    if (syncBuf) {
      while (this.drainSync(fh, syncBuf, SYNC_STEPS, hooks)) {
        await yieldNow();
        if (!hooks.current()) return;
      }
      return;
    }
    if (await this.readAsync(fh, hooks)) return;
    if (!hooks.current()) return;
    const st = await fh.stat();
    if (st.size < this.offset) {
      this.truncate(st.size, hooks);
      await this.readAsync(fh, hooks);
    }
  }

  /** At most `steps` synchronous buffers, then the truncation check when nothing came. True: more to read. */
  drainSync(fh: FileHandle, buf: Buffer, steps: number, hooks: ReadHooks): boolean {
    const got = this.readSync(fh, buf, steps, hooks);
    if (got !== NONE) return got === MORE;
    if (!hooks.current()) return false;
    const size = fs.fstatSync(fh.fd).size;
    if (size >= this.offset) return false;
    this.truncate(size, hooks);
    return this.readSync(fh, buf, steps, hooks) === MORE;
  }

  /** copytruncate (or truncated by hand): what was pending was real content; restart at 0 and line 1. */
  private truncate(size: number, hooks: ReadHooks): void {
    this.flush();
    const was = this.offset;
    this.resetTo(0, 0);
    hooks.truncated(size, was);
  }

  /** Asynchronous reads from the offset to the current end; true when any byte was read. */
  private async readAsync(fh: FileHandle, hooks: ReadHooks): Promise<boolean> {
    let any = false;
    for (;;) {
      if (!hooks.current()) return any;
      const buf = await this.ctx.acquireBuffer();
      let n: number;
      try {
        if (!hooks.current()) return any;
        ({ bytesRead: n } = await fh.read(buf, 0, buf.length, this.offset));
        if (n > 0) this.take(buf, n);
      } finally {
        this.ctx.releaseBuffer(buf);
      }
      if (n === 0) return any;
      any = true;
      hooks.chunk();
      this.emitBatch();
      // A short read means end of file for now; the next change event (or check) reads on.
      if (n < buf.length) return any;
    }
  }

  /** Synchronous reads into `buf`, at most `steps` buffers. */
  private readSync(fh: FileHandle, buf: Buffer, steps: number, hooks: ReadHooks): ReadSteps {
    let any = false;
    for (let k = 0; k < steps; k++) {
      if (!hooks.current()) return any ? SOME : NONE;
      const n = fs.readSync(fh.fd, buf, 0, buf.length, this.offset);
      if (n === 0) return any ? SOME : NONE;
      this.take(buf, n);
      any = true;
      hooks.chunk();
      this.emitBatch();
      if (n < buf.length) return SOME;
    }
    return MORE;
  }
}
