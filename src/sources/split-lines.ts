/**
 * Incremental, synchronous line splitter for byte streams (log files, archive members, stdin).
 *
 * - Fed Buffer chunks of any size; emits complete lines with the byte offset of their first byte
 *   and their 1-based line number; holds a partial last line until its newline arrives.
 * - `\n` and `\r\n` end a line (the `\r` of CRLF is stripped); a bare `\r` stays inside the line.
 * - Lines are decoded as UTF-8 once complete, so a multi-byte character split between chunks is
 *   decoded correctly (a newline byte never occurs inside a UTF-8 sequence).
 * - Lines longer than `maxLineBytes` are cut (on a character boundary) and the rest, up to the
 *   newline, is discarded; held bytes never exceed `maxLineBytes + 1`.
 * - NUL bytes that START a line (what a `copytruncate` hole leaves before the text) are skipped: the
 *   line is read from its first text byte, and the first such run is reported as `nul_bytes`.
 *   Other lines holding a NUL byte are dropped and counted; the first one is reported as `binary`.
 *
 * The hot path uses `Buffer.indexOf` and one `toString` per line; no per-byte JS loop, no string
 * concatenation.
 */

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

/** How many bytes `looksBinary` inspects. */
export const BINARY_SNIFF_BYTES = 4096;

/** A line as the splitter delivers it. */
export interface SplitLine {
  readonly text: string;
  /** Byte offset of the first byte of the line in the stream. */
  readonly offset: number;
  /** 1-based line number. */
  readonly lineNo: number;
  /** True for the held last line returned by `flush()` (no newline at the end of the stream). */
  readonly partial: boolean;
}

/** A problem the splitter found (the caller adds input/file context). */
export interface SplitProblem {
  readonly kind: 'line_too_long' | 'binary' | 'nul_bytes';
  readonly line: number;
  readonly offset: number;
  readonly message: string;
}

export interface LineSplitterOptions {
  /** Longest line kept, in bytes (without terminator); longer lines are cut. Default 64 KiB. */
  maxLineBytes?: number;
  /** Called for problems, synchronously, before the line concerned is delivered. */
  onProblem?: (problem: SplitProblem) => void;
  /** How many `line_too_long` problems are reported one by one before they are only counted. Default 20. */
  maxTooLongReports?: number;
}

/** Receives each complete line (fast path: no intermediate object). */
export type LineSink = (text: string, offset: number, lineNo: number) => void;

/**
 * Offered each line that lies whole in one chunk, as bytes `chunk[start, end)` (terminator
 * excluded), before any string is made: returns true when it consumed the line (then `sink`
 * does not get it). Lines cut for length, lines with NUL bytes and lines spanning chunks never
 * reach it. (The byte-level progress-line path, pipeline/byte-feed.ts.)
 */
export type SpanSink = (chunk: Buffer, start: number, end: number, offset: number, lineNo: number) => boolean;

const EMPTY = Buffer.alloc(0);

export class LineSplitter {
  readonly maxLineBytes: number;
  /** Lines cut because they were longer than `maxLineBytes`. */
  tooLongLines = 0;
  /** Lines dropped because they held a NUL byte. */
  binaryLines = 0;

  private readonly onProblem: ((problem: SplitProblem) => void) | undefined;
  private maxTooLongReports: number;
  /** Offset of the next chunk's first byte. */
  private base = 0;
  private lineNo = 0;
  /** A line is in progress (bytes seen since the last newline). */
  private started = false;
  private pend: Buffer[] = [];
  private pendLen = 0;
  private pendOffset = 0;
  /** The line in progress went past the cap: its remaining bytes are discarded. */
  private discarding = false;
  private pendNul = false;
  private binaryReported = false;

  constructor(opts: LineSplitterOptions = {}) {
    const max = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxLineBytes must be a positive integer, got ${max}`);
    this.maxLineBytes = max;
    this.onProblem = opts.onProblem;
    this.maxTooLongReports = opts.maxTooLongReports ?? 20;
  }

  /** Number of lines delivered or dropped so far (the last line number used). */
  get lineCount(): number {
    return this.lineNo;
  }

  /** Bytes fed so far. */
  get bytesSeen(): number {
    return this.base;
  }

  /** Feed one chunk; each complete line goes to `span` (when given, and it takes it) or to `sink`. */
  feed(chunk: Buffer, sink: LineSink, span?: SpanSink): void {
    const len = chunk.length;
    if (len === 0) return;
    const base = this.base;
    const max = this.maxLineBytes;
    let nul = chunk.indexOf(0);
    let start = 0;
    while (start < len) {
      if (!this.started && chunk[start] === 0) {
        // A NUL run at the start of a line (a copytruncate hole): read from the first text byte.
        // (A line of NUL bytes only is binary data: dropped below, as any line holding NUL bytes.)
        let k = start;
        while (k < len && chunk[k] === 0) k++;
        if (!(k < len && chunk[k] === 10 && this.nulFrom < 0)) {
          if (this.nulFrom < 0) this.nulFrom = base + start;
          start = k;
          nul = chunk.indexOf(0, start);
          continue;
        }
      }
      if (this.nulFrom >= 0 && !this.started) {
        const from = this.nulFrom;
        this.nulFrom = -1;
        if (chunk[start] === 10) {
          this.dropNul(++this.lineNo, from);
          start++;
          continue;
        }
        this.skipNul(from);
      }
      const nl = chunk.indexOf(10, start);
      const end = nl === -1 ? len : nl;
      let hasNul = false;
      if (nul !== -1 && nul < end) {
        hasNul = true;
        nul = nl === -1 ? -1 : chunk.indexOf(0, nl + 1);
      }
      if (nl === -1) {
        this.hold(chunk, start, len, base, hasNul);
        break;
      }
      if (!this.started) {
        // Fast path: the whole line lies in this chunk.
        const lineNo = ++this.lineNo;
        const offset = base + start;
        let e = nl;
        if (e > start && chunk[e - 1] === 13) e--;
        if (hasNul) {
          this.dropNul(lineNo, offset);
        } else if (e - start > max) {
          this.reportTooLong(lineNo, offset);
          sink(chunk.toString('utf8', start, utf8Boundary(chunk, start, start + max)), offset, lineNo);
        } else if (span === undefined || !span(chunk, start, e, offset, lineNo)) {
          sink(chunk.toString('utf8', start, e), offset, lineNo);
        }
      } else {
        this.hold(chunk, start, nl, base, hasNul);
        const line = this.finishHeld(false);
        if (line !== null) sink(line.text, line.offset, line.lineNo);
      }
      start = nl + 1;
    }
    this.base = base + len;
  }

  /** Feed one chunk and get its complete lines as objects. */
  push(chunk: Buffer): SplitLine[] {
    const out: SplitLine[] = [];
    this.feed(chunk, (text, offset, lineNo) => {
      out.push({ text, offset, lineNo, partial: false });
    });
    return out;
  }

  /**
   * End of stream: returns the held partial line (flagged `partial`), or null when the stream
   * ended with a newline (or the held line was dropped for holding NUL bytes).
   */
  flush(): SplitLine | null {
    if (!this.started) {
      this.reportTooLongSummary();
      return null;
    }
    const line = this.finishHeld(true);
    this.reportTooLongSummary();
    return line;
  }

  /** Append bytes [s, e) of the line in progress, respecting the cap. */
  private hold(chunk: Buffer, s: number, e: number, base: number, hasNul: boolean): void {
    if (!this.started) {
      this.started = true;
      this.pendOffset = base + s;
    }
    if (hasNul && !this.pendNul) {
      this.pendNul = true;
      this.pend = [];
      this.pendLen = 0;
    }
    if (this.discarding || this.pendNul) return;
    const n = e - s;
    if (n === 0) return;
    // Keep one byte beyond the cap: it may be the `\r` of a CRLF that arrives in the next chunk.
    const room = this.maxLineBytes + 1 - this.pendLen;
    const take = n <= room ? n : room;
    // Copy: the caller may reuse its buffer, and a slice would pin the whole chunk.
    this.pend.push(Buffer.from(chunk.subarray(s, s + take)));
    this.pendLen += take;
    if (take < n) this.discarding = true;
  }

  private finishHeld(partial: boolean): SplitLine | null {
    const lineNo = ++this.lineNo;
    const offset = this.pendOffset;
    const wasNul = this.pendNul;
    const discarding = this.discarding;
    const pend = this.pend;
    const pendLen = this.pendLen;
    this.started = false;
    this.pend = [];
    this.pendLen = 0;
    this.discarding = false;
    this.pendNul = false;
    if (wasNul) {
      this.dropNul(lineNo, offset);
      return null;
    }
    const buf = pend.length === 0 ? EMPTY : pend.length === 1 ? pend[0]! : Buffer.concat(pend, pendLen);
    let e = buf.length;
    if (!partial && !discarding && e > 0 && buf[e - 1] === 13) e--;
    if (discarding || e > this.maxLineBytes) {
      this.reportTooLong(lineNo, offset);
      e = utf8Boundary(buf, 0, Math.min(e, this.maxLineBytes));
    }
    return { text: buf.toString('utf8', 0, e), offset, lineNo, partial };
  }

  /** NUL bytes skipped at line starts (copytruncate holes). */
  nulRuns = 0;
  private nulReported = false;
  /** Offset where a skipped NUL run at a line start began (-1: none pending). */
  private nulFrom = -1;

  private skipNul(offset: number): void {
    this.nulRuns++;
    if (this.nulReported) return;
    this.nulReported = true;
    this.onProblem?.({
      kind: 'nul_bytes',
      line: this.lineNo + 1,
      offset,
      message: `NUL bytes from offset ${offset} before line ${this.lineNo + 1} (a copytruncate hole?): skipped, read from the first text byte`,
    });
  }

  private dropNul(lineNo: number, offset: number): void {
    this.binaryLines++;
    if (this.binaryReported) return;
    this.binaryReported = true;
    this.onProblem?.({
      kind: 'binary',
      line: lineNo,
      offset,
      message: `line ${lineNo} holds NUL bytes (binary data); lines with NUL bytes are dropped`,
    });
  }

  private reportTooLong(lineNo: number, offset: number): void {
    this.tooLongLines++;
    if (this.tooLongLines > this.maxTooLongReports) return;
    this.onProblem?.({
      kind: 'line_too_long',
      line: lineNo,
      offset,
      message: `line ${lineNo} is longer than ${this.maxLineBytes} bytes; it was cut`,
    });
  }

  private reportTooLongSummary(): void {
    const more = this.tooLongLines - this.maxTooLongReports;
    if (more <= 0) return;
    this.maxTooLongReports = this.tooLongLines; // report the summary once
    this.onProblem?.({
      kind: 'line_too_long',
      line: this.lineNo,
      offset: this.base,
      message: `${more} more line(s) longer than ${this.maxLineBytes} bytes were cut`,
    });
  }
}

/**
 * Largest `e <= end` such that `buf[start, e)` does not end inside a UTF-8 sequence
 * (used to cut a too-long line without producing U+FFFD).
 */
export function utf8Boundary(buf: Buffer, start: number, end: number): number {
  let i = end - 1;
  const stop = Math.max(start, end - 4);
  while (i >= stop && ((buf[i] ?? 0) & 0xc0) === 0x80) i--;
  if (i < stop) return end; // no lead byte nearby: invalid data, cut anywhere
  const b = buf[i] ?? 0;
  if (b < 0xc0) return end; // ASCII (or stray continuation bytes)
  const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
  return end - i < need ? i : end;
}

// Control bytes that occur in text logs: \b \t \n \v \f \r and ESC.
const TEXT_CONTROLS = (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 27);

/**
 * Whether the start of a file looks like binary data rather than text: a NUL byte in the first
 * 4 KiB, or more than 30% of those bytes being control characters or invalid UTF-8.
 */
export function looksBinary(buf: Buffer): boolean {
  const n = Math.min(buf.length, BINARY_SNIFF_BYTES);
  if (n === 0) return false;
  const nul = buf.indexOf(0);
  if (nul !== -1 && nul < n) return true;
  let bad = 0;
  let i = 0;
  while (i < n) {
    const b = buf[i]!;
    if (b < 0x80) {
      if (b < 0x20 ? (TEXT_CONTROLS & (1 << b)) === 0 : b === 0x7f) bad++;
      i++;
      continue;
    }
    const need = b >= 0xf5 ? -1 : b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : b >= 0xc2 ? 1 : -1;
    if (need < 0) {
      bad++;
      i++;
      continue;
    }
    if (i + need >= n) break; // sequence cut by the sample's end: not evidence either way
    let ok = true;
    for (let j = 1; j <= need; j++) {
      if ((buf[i + j]! & 0xc0) !== 0x80) {
        ok = false;
        break;
      }
    }
    if (ok) {
      i += need + 1;
    } else {
      bad++;
      i++;
    }
  }
  return bad * 10 > n * 3;
}
