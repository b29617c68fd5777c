/**
 * Follows one node log that only grows (we created it for this case): reads what was appended
 * since the last poll through a small reader interface (SFTP on a node, fs on a shared
 * filesystem), cuts it into lines and hands them over as `line` SourceEvents. `finish()` gives the
 * last line even without its newline.
 */
import type { SourceEvent } from '../../sources/types.ts';
import { LineCutter } from '../../sources/ssh/line-cutter.ts';

export interface TailReader {
  /** Current size, or null while the file does not exist. */
  size(): Promise<number | null>;
  read(position: number, length: number): Promise<Buffer>;
}

export class LogTail {
  private readonly cutter: LineCutter;
  constructor(
    readonly node: string,
    readonly label: string,
    private readonly emit: (events: SourceEvent[]) => void,
    private readonly now: () => number,
    private readonly maxReadBytes = 1 << 20,
    maxLineBytes = 1 << 20,
  ) {
    this.cutter = new LineCutter(maxLineBytes);
  }

  get offset(): number {
    return this.cutter.position;
  }

  /** Read what is new (at most maxReadBytes); returns whether more is waiting. */
  async poll(reader: TailReader): Promise<{ bytes: number; more: boolean }> {
    const size = await reader.size();
    if (size === null || size <= this.offset) return { bytes: 0, more: false };
    const want = Math.min(size - this.offset, this.maxReadBytes);
    const buf = await reader.read(this.offset, want);
    if (buf.length === 0) return { bytes: 0, more: false };
    const lines = this.cutter.push(buf);
    if (lines.length) {
      const time = this.now();
      this.emit(lines.map((l) => ({ type: 'line', node: this.node, file: this.label, offset: l.offset, lineNo: l.lineNo, text: l.text, time })));
    }
    return { bytes: buf.length, more: size > this.offset };
  }

  /** Read to the end (bounded by `maxRounds` polls), then emit the unfinished last line. */
  async drain(reader: TailReader, maxRounds = 64): Promise<void> {
    for (let i = 0; i < maxRounds; i++) {
      const r = await this.poll(reader);
      if (!r.more) break;
    }
    this.finish();
  }

  /** Emit the held partial line, if any. */
  finish(): void {
    const last = this.cutter.flush();
    if (last) this.emit([{ type: 'line', node: this.node, file: this.label, offset: last.offset, lineNo: last.lineNo, text: last.text, time: this.now() }]);
  }
}
