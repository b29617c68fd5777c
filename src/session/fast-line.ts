/**
 * The byte path for lines that reach the store one by one (live: local tails and SSH; see
 * SessionStore.feedEvent). Summary and `replay --speed max` hand the byte parsers spans of a
 * decoded chunk (pipeline/byte-feed.ts, pipeline/replay-bytes.ts); a live line arrives as its
 * own string with its event, so the parser reads that string instead: the same grammar, the same
 * record (formats/fast-progress.ts proves a line plain progress only when every char of it is
 * printable ASCII, where the source's UTF-8 decode and summary's latin1 decode give the same
 * string). A record means: what RunSet.line would make of this line and nothing else, so the store
 * calls RunSet.progressLine with it and skips unwrap, the string parse and the detector calls.
 *
 * What a live line costs is mostly the run model's string path, not its decode or its event (CPU
 * profile of 1,024 streams: RunSet.line ≈ 9 % of the process, the split into strings < 1 %), and
 * the log tail keeps every recent line's text anyway, so the line keeps its own string here.
 */
import { fastProgressParsers, type FastProgressParser } from '../formats/fast-progress.ts';
import type { IterRecord, LogFormat } from '../formats/types.ts';
import type { FileTrack } from '../metrics/file-track.ts';

/** Longest line given to the parser with its bytes (longer ones: the parser makes its own). */
const SCRATCH_BYTES = 4096;

export class FastLines {
  /** The format looked up last and its parser (consecutive lines mostly share a format). */
  private fmt: LogFormat | null = null;
  private parse: FastProgressParser | undefined;
  /** The line's latin1 bytes for the parsers that read numbers from bytes (one buffer, reused). */
  private readonly scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  /** Lines that became records (tests and benches count them). */
  count = 0;

  /**
   * The record of `text`, a line of `t`, when the byte parser of the track's locked format proves
   * it a plain progress line; undefined: take the string path (RunSet.line).
   */
  record(t: FileTrack, text: string): IterRecord | undefined {
    const f = t.format;
    if (f === null) return undefined;
    if (f !== this.fmt) {
      this.fmt = f;
      this.parse = fastProgressParsers[f.id];
    }
    const parse = this.parse;
    if (parse === undefined) return undefined;
    const n = text.length;
    let rec: IterRecord | undefined;
    if (n <= SCRATCH_BYTES) {
      // A latin1 write keeps the low byte of each char: for the ASCII lines the parsers accept (they
      // check S before reading B) B[i] === S.charCodeAt(i), as the contract wants.
      this.scratch.write(text, 0, n, 'latin1');
      rec = parse(text, 0, n, this.scratch, 0);
    } else rec = parse(text, 0, n);
    if (rec !== undefined) this.count++;
    return rec;
  }
}
