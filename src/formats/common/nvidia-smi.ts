import type { MemoryRecord } from '../types.ts';

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
