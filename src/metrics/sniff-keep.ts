import { formats } from '../formats/registry.ts';
import { toArray, type LineParser } from '../formats/types.ts';

/**
 * While a file's format is unknown its lines are held (bounded). A 32-rank `NCCL_DEBUG=INFO`
 * start-up prints tens of thousands of lines before the first progress line, so the oldest held
 * lines must go, but never the ones that state the run's configuration (a PARAMETER line, an
 * argument dump, an nvidia-smi block): every format's parser reads each held line, and a line that
 * any of them turns into configuration or memory is kept. Identity and format detection then do
 * not depend on how many lines come first.
 */
export class SniffKeeper {
  private readonly parsers: LineParser[] = formats.map((f) => f.createParser());

  /** A keeper whose parsers have read these lines (in order): the state one kept all along would have. */
  static over(lines: readonly { payload: string }[]): SniffKeeper {
    const k = new SniffKeeper();
    for (const l of lines) k.keeps(l.payload);
    return k;
  }

  /** A keeper over the lines held so far (in order), each marked with what keeps() says of it. */
  static marking(lines: { payload: string; keep?: boolean }[]): SniffKeeper {
    const k = new SniffKeeper();
    for (const l of lines) l.keep = k.keeps(l.payload);
    return k;
  }

  /** True when some format reads configuration (or GPU memory) from this payload. */
  keeps(payload: string): boolean {
    let keep = false;
    // Every parser sees every line (they are stateful: an argument block, a table title).
    for (const p of this.parsers) {
      let recs;
      try {
        recs = toArray(p.parse(payload));
      } catch {
        continue;
      }
      for (const r of recs) if (r.kind === 'meta' || r.kind === 'memory') keep = true;
    }
    return keep;
  }
}
