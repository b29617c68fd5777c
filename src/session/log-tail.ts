import type { LogLine } from './types.ts';

/** Default bound of a file's retained tail, in lines. */
export const TAIL_LINES = 2000;
/** Default bound of a file's retained tail, in characters of log text (whichever bound is hit first). */
export const TAIL_CHARS = 256 * 1024;
/** Default bound of all the session's tails together, in characters of log text. */
export const TAILS_TOTAL_CHARS = 16 * 1024 * 1024;
/** What an idle file keeps when the session's bound is reached. */
const IDLE_KEEP_LINES = 200;
/** Smallest line and byte rooms a tail starts with (they double as needed). */
const MIN_LINES = 16;
const MIN_BYTES = 1024;

/**
 * A file's most recent raw lines for the log pane (scroll, search), bounded twice: at most
 * `maxLines` lines and `maxChars` characters of text, the oldest dropped first. The character
 * bound keeps a log of very long lines (a JSON dump per step) from holding megabytes per file.
 *
 * Stored packed: the texts as UTF-8 bytes in one buffer per file, line numbers, times and extents
 * in typed arrays (rings that grow to the bound). Kept as a string and an object per line, the
 * tails (16 MiB of text at 1,024 streams) were most of live mode's old generation: every line
 * lived long enough to be promoted, and died there, which kept the heap (and the RSS) at about
 * three times what was alive. Packed, a line's string dies young and the bytes live outside the
 * JS heap. Lines are decoded when the log pane reads a tail (`toArray`: one file at a time), and
 * what was decoded is kept for the next read while it is still in the tail.
 */
export class LogTail {
  private bytes: Buffer = Buffer.alloc(0);
  /** Bytes in use: [byteStart, byteEnd) of `bytes`. */
  private byteStart = 0;
  private byteEnd = 0;
  private lineNos = new Float64Array(0);
  private times = new Float64Array(0);
  private starts = new Int32Array(0);
  private lens = new Int32Array(0);
  private charsOf = new Int32Array(0);
  /** Ring of lines: the oldest at `head`, `n` of them. */
  private head = 0;
  private n = 0;
  private chars = 0;
  /** Lines pushed so far: the oldest kept is number `pushed - n`. */
  private pushed = 0;
  /** Lines decoded by the last `toArray`, the first being number `decodedFirst`. */
  private decoded: LogLine[] = [];
  private decodedFirst = 0;

  constructor(
    readonly maxLines = TAIL_LINES,
    readonly maxChars = TAIL_CHARS,
  ) {}

  /** Add a line; returns the change in retained characters. */
  push(line: LogLine): number {
    const before = this.chars;
    if (this.n === this.lineNos.length) {
      if (this.n < this.maxLines) this.growLines(Math.min(this.maxLines, Math.max(MIN_LINES, this.n * 2)));
      else this.dropOldest();
    }
    const text = line.text;
    // Room for the worst case (3 UTF-8 bytes per UTF-16 unit) without measuring the text first.
    this.roomFor(text.length * 3);
    const written = text.length === 0 ? 0 : this.bytes.write(text, this.byteEnd, 'utf8');
    const cap = this.lineNos.length;
    let i = this.head + this.n;
    if (i >= cap) i -= cap;
    this.lineNos[i] = line.lineNo;
    this.times[i] = line.time;
    this.starts[i] = this.byteEnd;
    this.lens[i] = written;
    this.charsOf[i] = text.length;
    this.byteEnd += written;
    this.n++;
    this.pushed++;
    this.chars += text.length;
    this.trim(this.maxLines, this.maxChars);
    return this.chars - before;
  }

  /** Drop the oldest lines until at most `lines` lines and `chars` characters are kept; returns the characters dropped. */
  trim(lines: number, chars = Infinity): number {
    const before = this.chars;
    while (this.n > lines || (this.chars > chars && this.n > 1)) this.dropOldest();
    if (before !== this.chars) this.shrink();
    return before - this.chars;
  }

  get retainedChars(): number {
    return this.chars;
  }

  get size(): number {
    return this.n;
  }

  /** Oldest first. */
  toArray(): LogLine[] {
    const first = this.pushed - this.n;
    const end = this.decodedFirst + this.decoded.length;
    // Reuse what the last read decoded and is still kept; decode the rest.
    const kept = first >= this.decodedFirst && first <= end ? this.decoded.slice(first - this.decodedFirst) : [];
    for (let k = first + kept.length; k < this.pushed; k++) kept.push(this.lineAt(k - first));
    this.decoded = kept;
    this.decodedFirst = first;
    return kept.slice();
  }

  /** The line `k` places after the oldest kept. */
  private lineAt(k: number): LogLine {
    let i = this.head + k;
    if (i >= this.lineNos.length) i -= this.lineNos.length;
    const s = this.starts[i]!;
    return { lineNo: this.lineNos[i]!, text: this.bytes.toString('utf8', s, s + this.lens[i]!), time: this.times[i]! };
  }

  private dropOldest(): void {
    const i = this.head;
    this.chars -= this.charsOf[i]!;
    this.byteStart = this.starts[i]! + this.lens[i]!;
    this.head = i + 1 === this.lineNos.length ? 0 : i + 1;
    this.n--;
    if (this.n === 0) {
      this.head = 0;
      this.byteStart = this.byteEnd = 0;
    }
  }

  /** Line rings of `cap` entries, the kept lines moved to their start (oldest first). */
  private growLines(cap: number): void {
    this.lineNos = this.reorder(this.lineNos, new Float64Array(cap));
    this.times = this.reorder(this.times, new Float64Array(cap));
    this.starts = this.reorder(this.starts, new Int32Array(cap));
    this.lens = this.reorder(this.lens, new Int32Array(cap));
    this.charsOf = this.reorder(this.charsOf, new Int32Array(cap));
    this.head = 0;
  }

  private reorder<T extends Float64Array | Int32Array>(old: T, next: T): T {
    for (let k = 0; k < this.n; k++) next[k] = old[(this.head + k) % old.length]!;
    return next;
  }

  /** At least `need` free bytes after `byteEnd`: the kept bytes move to the front, or to a larger buffer. */
  private roomFor(need: number): void {
    if (this.byteEnd + need <= this.bytes.length) return;
    const used = this.byteEnd - this.byteStart;
    let size = this.bytes.length;
    if (used + need > size) size = Math.max(MIN_BYTES, 2 * size, used + need);
    this.moveBytes(size);
  }

  /** Keep the used bytes at the start of a buffer of `size` bytes (this one when it is that size). */
  private moveBytes(size: number): void {
    const from = this.byteStart;
    const used = this.byteEnd - from;
    if (size === this.bytes.length) this.bytes.copyWithin(0, from, this.byteEnd);
    else {
      // Not from Buffer's shared pool: a small tail would pin an 8 KiB slab.
      const next = Buffer.allocUnsafeSlow(size);
      this.bytes.copy(next, 0, from, this.byteEnd);
      this.bytes = next;
    }
    const cap = this.lineNos.length;
    for (let k = 0; k < this.n; k++) {
      const i = (this.head + k) % cap;
      this.starts[i] = this.starts[i]! - from;
    }
    this.byteStart = 0;
    this.byteEnd = used;
  }

  /** After a large cut (a shed idle file): give back rooms four times larger than what is kept. */
  private shrink(): void {
    const used = this.byteEnd - this.byteStart;
    if (this.bytes.length > MIN_BYTES && this.bytes.length > 4 * used) this.moveBytes(Math.max(MIN_BYTES, 2 * used));
    const cap = this.lineNos.length;
    if (cap > MIN_LINES && cap > 4 * this.n) this.growLines(Math.max(MIN_LINES, 2 * this.n));
  }

  /** Drop the lines the last `toArray` decoded (another file is on screen now). */
  forgetDecoded(): void {
    this.decoded = [];
    this.decodedFirst = this.pushed;
  }
}

/**
 * Every file's tail, bounded as a whole too: past `totalChars`, the files written longest ago
 * (a finished run's) are cut back to their last 200 lines, then dropped, until the session is
 * under the bound again. The files being written keep their full tails.
 */
export class TailSet {
  /** In order of last write, oldest first (a write moves a file to the end). */
  private readonly tails = new Map<string, LogTail>();
  private total = 0;
  /** The tail `read` decoded last: the only one that keeps decoded lines. */
  private lastRead: LogTail | undefined;

  constructor(
    readonly maxLines = TAIL_LINES,
    readonly maxChars = TAIL_CHARS,
    readonly totalChars = TAILS_TOTAL_CHARS,
  ) {}

  push(file: string, line: LogLine): void {
    let tail = this.tails.get(file);
    if (tail) this.tails.delete(file);
    else tail = new LogTail(this.maxLines, this.maxChars);
    this.tails.set(file, tail);
    this.total += tail.push(line);
    if (this.total > this.totalChars) this.shed(file);
  }

  private shed(keep: string): void {
    // Shed to 7/8 of the budget, not just under it: each shed walks the files (1,024 streams all
    // under IDLE_KEEP_LINES: every one of them), and shedding only to the bound made that walk
    // happen on every line pushed once the budget was reached (O(files) per line).
    const target = Math.floor((this.totalChars * 7) / 8);
    for (const pass of [IDLE_KEEP_LINES, 0]) {
      for (const [file, tail] of this.tails) {
        if (this.total <= target) return;
        if (file === keep) continue;
        this.total -= tail.trim(pass);
        if (tail.size === 0) {
          this.tails.delete(file);
          if (this.lastRead === tail) this.lastRead = undefined;
        }
      }
    }
    // Only the file being written is left: its own bound applies.
  }

  get(file: string): LogTail | undefined {
    return this.tails.get(file);
  }

  /** A file's lines, oldest first (the log pane): decoded lines are kept for this file only. */
  read(file: string): LogLine[] {
    const t = this.tails.get(file);
    if (t !== this.lastRead) this.lastRead?.forgetDecoded();
    this.lastRead = t;
    return t?.toArray() ?? [];
  }

  delete(file: string): void {
    const t = this.tails.get(file);
    if (!t) return;
    this.total -= t.retainedChars;
    this.tails.delete(file);
    if (this.lastRead === t) this.lastRead = undefined;
  }

  /** Characters of log text retained by every tail together. */
  get retainedChars(): number {
    return this.total;
  }
}
