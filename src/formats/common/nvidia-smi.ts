import type { LineParser, MemoryRecord } from '../types.ts';

/**
 * In-band `nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv` blocks (formats.md F17):
 * a header line, then one row per local GPU. Rows are read only right after a header, so that a
 * stray `… MiB` elsewhere is never mistaken for memory.
 */
export class NvidiaSmiBlock {
  private inBlock = false;

  /** Returns a memory record for a row, `true` for the header, undefined for anything else. */
  parse(payload: string): MemoryRecord | true | undefined {
    if (payload.includes('memory.used [MiB]')) {
      this.inBlock = true;
      return true;
    }
    if (!this.inBlock) return undefined;
    const m = /^\s*(?:\d+ %,\s*)?(\d+) MiB\s*$/.exec(payload);
    if (m) return { kind: 'memory', mib: Number(m[1]) };
    this.inBlock = false;
    return undefined;
  }
}

/**
 * A line parser that reads in-band nvidia-smi memory blocks itself (OneFlow's scripts print them
 * into the training log) and passes every other line to `parse`.
 */
export function withGpuMemory(parse: LineParser['parse']): LineParser {
  const smi = new NvidiaSmiBlock();
  return {
    parse(p) {
      const mem = smi.parse(p);
      if (mem !== undefined) return mem === true ? undefined : mem;
      return parse(p);
    },
  };
}
