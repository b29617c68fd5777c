import type { IterRecord } from '../formats/types.ts';
import type { LineAt } from './window-tracker.ts';

/**
 * Damage a file's progress records can show before they reach the window and the rolling values
 * (format-agnostic: it reads records, never log text), with the lines that prove it:
 * - a print repeated exactly (two ranks tee'd into one file): counted once;
 * - the iteration counter starting over (a restarted process);
 * - a throughput or latency that cannot be true (negative, NaN, infinite, absurd): dropped from
 *   the record so it never enters a mean, a median or a rolling value.
 * A repeated iteration number with another clock or other values (fp16 loss-scale backoff) is not damage.
 */
export interface DamageLine extends LineAt {
  detail: string;
}

/** Throughput above this (samples/s) is not a training run's. */
const ABSURD_THROUGHPUT = 1e9;
/** Prints remembered to recognise an exact repeat (ranks tee'd into one file interleave closely). */
const RECENT = 256;

export type Verdict = { kind: 'duplicate' } | { kind: 'ok'; record: IterRecord; reset: boolean };

export class DamageCheck {
  duplicates = 0;
  firstDuplicate: DamageLine | null = null;
  /** Restarts seen (the first few kept as proof). */
  resets: DamageLine[] = [];
  resetCount = 0;
  implausible = 0;
  firstImplausible: DamageLine | null = null;
  private readonly recent = new Set<string>();
  private readonly order: string[] = [];
  private last: IterRecord | null = null;

  inspect(r: IterRecord, at: LineAt): Verdict {
    const key = recordKey(r);
    if (this.recent.has(key)) {
      this.duplicates++;
      this.firstDuplicate ??= { ...at, detail: `iteration ${r.iter} printed again, identically` };
      return { kind: 'duplicate' };
    }
    this.recent.add(key);
    this.order.push(key);
    if (this.order.length > RECENT) this.recent.delete(this.order.shift()!);

    let rec = r;
    const bad = implausibleField(r);
    if (bad) {
      this.implausible++;
      this.firstImplausible ??= { ...at, detail: bad.detail };
      rec = { ...r };
      if (bad.throughput) delete rec.throughput;
      if (bad.latency) delete rec.latencyS;
    }
    const p = this.last;
    let reset = false;
    if (p && (p.epoch ?? 0) === (rec.epoch ?? 0) && rec.iter < p.iter) reset = true;
    if (p && rec.epoch !== undefined && p.epoch !== undefined && rec.epoch < p.epoch) reset = true;
    if (reset) {
      this.resetCount++;
      const where = (x: IterRecord) => `iteration ${x.iter}${x.epoch !== undefined ? ` (epoch ${x.epoch})` : ''}`;
      if (this.resets.length < 5) this.resets.push({ ...at, detail: `the iteration counter goes back from ${where(p!)} to ${where(rec)}: the process restarted` });
      // A restart forgets what the earlier process printed: its prints are not repeats of the new ones.
      this.recent.clear();
      this.order.length = 0;
      this.recent.add(key);
      this.order.push(key);
    }
    this.last = rec;
    return { kind: 'ok', record: rec, reset };
  }
}

/** Everything a print says: two prints with the same key are the same print. */
function recordKey(r: IterRecord): string {
  return `${r.epoch ?? ''}|${r.iter}|${r.timeUs ?? r.time ?? ''}|${r.throughput ?? ''}|${r.latencyS ?? ''}|${r.loss ?? ''}|${r.rank ?? ''}`;
}

function implausibleField(r: IterRecord): { throughput: boolean; latency: boolean; detail: string } | null {
  const t = r.throughput;
  const badT = t !== undefined && (!Number.isFinite(t) || t < 0 || t > ABSURD_THROUGHPUT);
  const l = r.latencyS;
  const badL = l !== undefined && (!Number.isFinite(l) || l <= 0);
  if (!badT && !badL) return null;
  const what = badT ? `throughput ${String(t)}` : `latency ${String(l)} s`;
  return { throughput: badT, latency: badL, detail: `iteration ${r.iter} prints ${what}: not a possible value; left out of every mean, median and rolling value` };
}
