/**
 * Incremental byte → line splitter for one file (private to the local tail). Splits on `\n`
 * (dropping a `\r` before it), keeps a partial last line until its newline arrives, tracks the
 * byte offset of every line's first byte and 1-based line numbers. Bytes are split before
 * decoding, so a UTF-8 sequence cut across two reads decodes correctly. A line longer than
 * `maxLineBytes` is cut to that many bytes (the rest is dropped until its newline, keeping line
 * numbers right) and reported through `onLong`.
 */

export interface SplitLine {
  readonly text: string;
  readonly offset: number;
  readonly lineNo: number;
}

/** Receives each complete line (no intermediate object per line). */
export type LineSink = (text: string, offset: number, lineNo: number) => void;

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  /** Offset of the first byte of the pending (partial) line. */
  private lineStart = 0;
  /** Bytes of the pending line dropped because it grew past maxLineBytes. */
  private dropped = 0;
  /** Number of lines emitted so far (the next line is lineNo + 1). */
  lineNo = 0;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLong?: (offset: number, lineNo: number, bytes: number) => void,
  ) {}

  /** Forget everything and continue at `offset` with the given line count. */
  reset(offset = 0, lineNo = 0): void {
    this.pending = [];
    this.pendingLen = 0;
    this.dropped = 0;
    this.lineStart = offset;
    this.lineNo = lineNo;
  }

  /** Bytes held for an unfinished line. */
  get pendingBytes(): number {
    return this.pendingLen + this.dropped;
  }

  /**
   * Feed `chunk`, whose first byte sits at file offset `offset` (must equal the end of what was
   * fed before). Complete lines go to `out`. The chunk may be a reusable buffer: nothing
   * keeps a reference to it.
   */
  push(chunk: Buffer, offset: number, out: LineSink): void {
    let i = 0;
    const n = chunk.length;
    if (this.pendingLen === 0 && this.dropped === 0) this.lineStart = offset;
    while (i < n) {
      const nl = chunk.indexOf(10, i);
      if (nl < 0) {
        this.hold(chunk, i, n);
        return;
      }
      if (this.pendingLen === 0 && this.dropped === 0 && nl - i <= this.maxLineBytes) {
        // Fast path: the whole line is inside this chunk.
        const end = nl > i && chunk[nl - 1] === 13 ? nl - 1 : nl;
        out(chunk.toString('utf8', i, end), offset + i, ++this.lineNo);
      } else {
        this.hold(chunk, i, nl);
        this.finishLine(out);
      }
      i = nl + 1;
      this.lineStart = offset + i;
    }
  }

  /** Emit the pending partial line, if any, as a line (the file ended without a newline). */
  flush(out: LineSink): void {
    if (this.pendingLen > 0 || this.dropped > 0) this.finishLine(out, false);
  }

  private hold(chunk: Buffer, from: number, to: number): void {
    if (to <= from) return;
    const room = this.maxLineBytes - this.pendingLen;
    const take = Math.min(room, to - from);
    if (take > 0) {
      // Copy: the chunk is a reusable read buffer.
      this.pending.push(Buffer.from(chunk.subarray(from, from + take)));
      this.pendingLen += take;
    }
    this.dropped += to - from - Math.max(take, 0);
  }

  private finishLine(out: LineSink, stripCr = true): void {
    let buf: Buffer;
    if (this.pending.length === 1) buf = this.pending[0]!;
    else if (this.pending.length === 0) buf = Buffer.alloc(0);
    else buf = Buffer.concat(this.pending, this.pendingLen);
    let end = buf.length;
    if (stripCr && this.dropped === 0 && end > 0 && buf[end - 1] === 13) end--;
    const lineNo = ++this.lineNo;
    if (this.dropped > 0) this.onLong?.(this.lineStart, lineNo, this.pendingLen + this.dropped);
    out(buf.toString('utf8', 0, end), this.lineStart, lineNo);
    this.pending = [];
    this.pendingLen = 0;
    this.dropped = 0;
  }
}
