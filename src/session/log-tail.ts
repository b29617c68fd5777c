import type { LogLine } from './types.ts';

/** Default bound of a file's retained tail, in lines. */
export const TAIL_LINES = 2000;
/** Default bound of a file's retained tail, in characters of log text (whichever bound is hit first). */
export const TAIL_CHARS = 256 * 1024;
/** Default bound of all the session's tails together, in characters of log text. */
export const TAILS_TOTAL_CHARS = 16 * 1024 * 1024;
/** What an idle file keeps when the session's bound is reached. */
const IDLE_KEEP_LINES = 200;

/**
 * A file's most recent raw lines for the log pane (scroll, search), bounded twice: at most
 * `maxLines` lines and `maxChars` characters of text, the oldest dropped first. The character
 * bound keeps a log of very long lines (a JSON dump per step) from holding megabytes per file.
 */
export class LogTail {
  // The lines as three parallel arrays from `head` on, not LogLine objects: at 1,024 live streams
  // the tails held 333k objects and as many boxed times (a heap snapshot of bench live-1024: ≈ 21
  // MB); a number array keeps its doubles unboxed. toArray() makes the objects for the one file shown.
  private texts: string[] = [];
  private lineNos: number[] = [];
  private times: number[] = [];
  private head = 0;
  private chars = 0;

  constructor(
    readonly maxLines = TAIL_LINES,
    readonly maxChars = TAIL_CHARS,
  ) {}

  /** Add a line; returns the change in retained characters. */
  push(line: LogLine): number {
    const before = this.chars;
    this.texts.push(line.text);
    this.lineNos.push(line.lineNo);
    this.times.push(line.time);
    this.chars += line.text.length;
    this.trim(this.maxLines, this.maxChars);
    return this.chars - before;
  }

  /**
   * push() of `n` lines in a row, line i `lengths[i]` characters long, number `lineNos[i]`, all at
   * `time`, with `onPush(delta)` called after each as push() would return it. A line that a later
   * one of the same call pushes out again is only counted: its text (`text(i)`) is never asked
   * for. The tail ends as after n push() calls.
   */
  pushMany(n: number, lengths: readonly number[], lineNos: readonly number[], time: number, text: (i: number) => string, onPush: (delta: number) => void): void {
    let size = this.size;
    let chars = this.chars;
    // Lines [kept, i] of this call are in the tail (virtually); the items before them are real.
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const before = chars;
      chars += lengths[i]!;
      size++;
      // trim(), over the real items first, then over this call's lines.
      while (size > this.maxLines || (chars > this.maxChars && size > 1)) {
        if (this.head < this.texts.length) chars -= this.texts[this.head++]!.length;
        else chars -= lengths[kept++]!;
        size--;
      }
      this.chars = chars;
      onPush(chars - before);
    }
    for (let i = kept; i < n; i++) {
      this.texts.push(text(i));
      this.lineNos.push(lineNos[i]!);
      this.times.push(time);
    }
    this.trim(this.maxLines, this.maxChars);
  }

  /** Drop the oldest lines until at most `lines` lines and `chars` characters are kept; returns the characters dropped. */
  trim(lines: number, chars = Infinity): number {
    const before = this.chars;
    while (this.size > lines || (this.chars > chars && this.size > 1)) {
      this.chars -= this.texts[this.head]!.length;
      this.head++;
    }
    // Compact once the dropped prefix is as large as what is kept (amortised O(1) per push).
    if (this.head > 1024 && this.head * 2 > this.texts.length) {
      this.texts = this.texts.slice(this.head);
      this.lineNos = this.lineNos.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return before - this.chars;
  }

  get retainedChars(): number {
    return this.chars;
  }

  /** Every kept line's text becomes `own(text)` (the same text: views of a decoded chunk must not pin it). */
  ownTexts(own: (s: string) => string): void {
    for (let i = this.head; i < this.texts.length; i++) this.texts[i] = own(this.texts[i]!);
  }

  get size(): number {
    return this.texts.length - this.head;
  }

  /** Oldest first. */
  toArray(): LogLine[] {
    const out = new Array<LogLine>(this.texts.length - this.head);
    for (let i = this.head, k = 0; i < this.texts.length; i++, k++) out[k] = { lineNo: this.lineNos[i]!, text: this.texts[i]!, time: this.times[i]! };
    return out;
  }
}

/**
 * Every file's tail, bounded as a whole too: past `totalChars`, the files written longest ago
 * (a finished run's) are cut back to their last 200 lines, then dropped, until the session is
 * under the bound again. The files being written keep their full tails.
 */
export class TailSet {
  private readonly tails = new Map<string, { tail: LogTail; seq: number }>();
  private total = 0;
  /** Pushes so far: each file's entry keeps the number of its last, for "written longest ago". */
  private seq = 0;

  constructor(
    readonly maxLines = TAIL_LINES,
    readonly maxChars = TAIL_CHARS,
    readonly totalChars = TAILS_TOTAL_CHARS,
  ) {}

  push(file: string, line: LogLine): void {
    if (this.maxLines === 0) return;
    // The order of last writes is a number per file, not the Map's order (a delete and a set per
    // line, 20,000 a second at 1,024 streams): only a shed, now and then, sorts by it.
    let e = this.tails.get(file);
    if (!e) this.tails.set(file, (e = { tail: new LogTail(this.maxLines, this.maxChars), seq: 0 }));
    e.seq = ++this.seq;
    this.total += e.tail.push(line);
    if (this.total > this.totalChars) this.shed(file);
  }

  /** push() of `n` lines of one file in a row (LogTail.pushMany: only the texts of the lines still kept at the end are made). */
  pushMany(file: string, n: number, lengths: readonly number[], lineNos: readonly number[], time: number, text: (i: number) => string): void {
    if (n === 0 || this.maxLines === 0) return;
    let e = this.tails.get(file);
    if (!e) this.tails.set(file, (e = { tail: new LogTail(this.maxLines, this.maxChars), seq: 0 }));
    e.seq = ++this.seq;
    // shed() never touches the file being written, so it may run amid the call, as after each push().
    e.tail.pushMany(n, lengths, lineNos, time, text, (delta) => {
      this.total += delta;
      if (this.total > this.totalChars) this.shed(file);
    });
  }

  private shed(keep: string): void {
    // Shed to 7/8 of the budget, not just under it: each shed walks the files (1,024 streams all
    // under IDLE_KEEP_LINES: every one of them), and shedding only to the bound made that walk
    // happen on every line pushed once the budget was reached (O(files) per line).
    const target = Math.floor((this.totalChars * 7) / 8);
    const byAge = [...this.tails].sort((a, b) => a[1].seq - b[1].seq);
    for (const pass of [IDLE_KEEP_LINES, 0]) {
      for (const [file, { tail }] of byAge) {
        if (this.total <= target) return;
        if (file === keep || tail.size === 0) continue;
        this.total -= tail.trim(pass);
        if (tail.size === 0) this.tails.delete(file);
      }
    }
    // Only the file being written is left: its own bound applies.
  }

  get(file: string): LogTail | undefined {
    return this.tails.get(file)?.tail;
  }

  delete(file: string): void {
    const e = this.tails.get(file);
    if (!e) return;
    this.total -= e.tail.retainedChars;
    this.tails.delete(file);
  }

  /** Characters of log text retained by every tail together. */
  get retainedChars(): number {
    return this.total;
  }
}
