import type { LogLine } from './types.ts';

/** Default bound of a file's retained tail, in lines. */
export const TAIL_LINES = 2000;
/** Default bound of a file's retained tail, in characters of log text (whichever bound is hit first). */
export const TAIL_CHARS = 256 * 1024;

/**
 * A file's most recent raw lines for the log pane (scroll, search), bounded twice: at most
 * `maxLines` lines and `maxChars` characters of text, the oldest dropped first. The character
 * bound keeps a log of very long lines (a JSON dump per step) from holding megabytes per file.
 */
export class LogTail {
  private items: LogLine[] = [];
  private head = 0;
  private chars = 0;

  constructor(
    readonly maxLines = TAIL_LINES,
    readonly maxChars = TAIL_CHARS,
  ) {}

  push(line: LogLine): void {
    this.items.push(line);
    this.chars += line.text.length;
    while (this.size > this.maxLines || (this.chars > this.maxChars && this.size > 1)) {
      this.chars -= this.items[this.head]!.text.length;
      this.head++;
    }
    // Compact once the dropped prefix is as large as what is kept (amortised O(1) per push).
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  get size(): number {
    return this.items.length - this.head;
  }

  /** Oldest first. */
  toArray(): LogLine[] {
    return this.items.slice(this.head);
  }
}
