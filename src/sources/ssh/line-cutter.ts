/**
 * Minimal incremental byte-chunk → line splitter for the SSH tail (private to this module):
 * splits on `\n`, strips one `\r` before it, holds the partial last line until its newline,
 * tracks the byte offset and 1-based number of every line, and bounds memory by cutting a line
 * longer than `maxLineBytes` (the rest of it, up to its newline, is dropped).
 */

export interface CutLine {
  /** Byte offset of the line's first byte. */
  readonly offset: number;
  readonly lineNo: number;
  readonly text: string;
  /** True when the line was longer than maxLineBytes and was cut. */
  readonly truncated?: boolean;
}

export class LineCutter {
  private parts: Buffer[] = [];
  private partLen = 0;
  /** Offset of the first byte of the held partial line. */
  private lineStart = 0;
  /** Offset just past the last byte pushed. */
  private end = 0;
  private lineNo = 0;
  /** Dropping the tail of an over-long line until its newline. */
  private skipping = false;

  constructor(private readonly maxLineBytes = 1024 * 1024) {}

  /** Offset just past the last byte pushed (where the next chunk must start). */
  get position(): number {
    return this.end;
  }

  /** Number of the last complete line. */
  get lines(): number {
    return this.lineNo;
  }

  /** Bytes held for the unfinished last line. */
  get pending(): number {
    return this.partLen;
  }

  /** Forget everything and start again at `offset` (line numbers restart at 1). */
  reset(offset = 0): void {
    this.parts = [];
    this.partLen = 0;
    this.lineStart = offset;
    this.end = offset;
    this.lineNo = 0;
    this.skipping = false;
  }

  /** Move past the next `n` bytes without making lines of them (a binary file's bytes). */
  skip(n: number): void {
    this.parts = [];
    this.partLen = 0;
    this.end += n;
    this.lineStart = this.end;
    this.skipping = false;
  }

  /** Feed the next bytes (which start at `position`); returns the lines they complete. */
  push(chunk: Buffer): CutLine[] {
    const out: CutLine[] = [];
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const segEnd = nl < 0 ? chunk.length : nl;
      if (!this.skipping) this.append(chunk.subarray(start, segEnd), out);
      this.end += segEnd - start;
      if (nl < 0) break;
      this.end += 1;
      if (this.skipping) this.skipping = false; // the newline ends a line that was already cut
      else out.push(this.finish());
      this.lineStart = this.end;
      start = nl + 1;
    }
    return out;
  }

  /** The held partial line as a final line (file replaced / finished), or null when none. */
  flush(): CutLine | null {
    if (this.partLen === 0 || this.skipping) {
      this.skipping = false;
      this.lineStart = this.end;
      return null;
    }
    const line = this.finish();
    this.lineStart = this.end;
    return line;
  }

  private append(bytes: Buffer, out: CutLine[]): void {
    if (this.partLen + bytes.length > this.maxLineBytes) {
      const room = this.maxLineBytes - this.partLen;
      if (room > 0) {
        this.parts.push(Buffer.from(bytes.subarray(0, room)));
        this.partLen += room;
      }
      out.push({ ...this.finish(), truncated: true });
      this.skipping = true;
      return;
    }
    if (bytes.length > 0) {
      // Copy: the chunk buffer may be reused by the caller.
      this.parts.push(Buffer.from(bytes));
      this.partLen += bytes.length;
    }
  }

  private finish(): CutLine {
    const buf = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partLen);
    let len = buf.length;
    if (len > 0 && buf[len - 1] === 0x0d) len--;
    const line: CutLine = { offset: this.lineStart, lineNo: ++this.lineNo, text: buf.toString('utf8', 0, len) };
    this.parts = [];
    this.partLen = 0;
    return line;
  }
}
