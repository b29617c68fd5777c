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
 * It also keeps the count of lines that look like progress lines of the file's format but gave no
 * record (RunSet tells them by the format's progressLike; nothing here reads text).
 */
export interface DamageLine extends LineAt {
  detail: string;
}

/** Throughput above this (samples/s) is not a training run's (a printed figure, or the window's own: trust.ts). */
export const ABSURD_THROUGHPUT = 1e9;
/** Prints remembered to recognise an exact repeat (ranks tee'd into one file interleave closely). */
const RECENT = 256;

/**
 * Hot path (every progress line): no allocation unless something is wrong. A repeat must reuse an
 * iteration number already seen in its epoch, so the recent prints are compared only then.
 */
export class DamageCheck {
  duplicates = 0;
  firstDuplicate: DamageLine | null = null;
  /** Restarts seen (the first few kept as proof). */
  resets: DamageLine[] = [];
  resetCount = 0;
  implausible = 0;
  firstImplausible: DamageLine | null = null;
  /** Lines that look like progress lines but could not be read (not counted), and the first of them. */
  unreadable = 0;
  firstUnreadable: LineAt | null = null;
  /** The last inspect() saw the counter start over. */
  reset = false;
  /**
   * The last RECENT prints, grown as prints come (a 2-line log must not cost 256 slots) and then
   * reused as a ring. Only the fields `same` compares, packed (FIELDS numbers a print, a presence
   * bit per field): holding the records themselves kept 256 objects and their boxed numbers per
   * file alive (≈ 30 MB at 1,024 live streams), and every one of them reached the old generation.
   */
  private recent = new Float64Array(0);
  private present = new Uint16Array(0);
  private count = 0;
  private next = 0;
  private last: IterRecord | null = null;
  private maxIter = -Infinity;
  private epoch: number | undefined = undefined;
  /** Every rank prints each iteration into the file (the format's normal shape): a repeat is another rank. */
  repeatsAreRanks = false;

  /** The record to use (impossible values removed), or null for an exact repeat (counted once). */
  inspect(r: IterRecord, lineNo: number, text: string): IterRecord | null {
    this.reset = false;
    if ((r.epoch ?? 0) !== (this.epoch ?? 0)) {
      this.epoch = r.epoch;
      this.maxIter = -Infinity;
    }
    if (!this.repeatsAreRanks && r.iter <= this.maxIter && this.isRepeat(r)) {
      this.duplicates++;
      this.firstDuplicate ??= { lineNo, text, detail: `iteration ${r.iter} printed again, identically` };
      return null;
    }
    if (r.iter > this.maxIter) this.maxIter = r.iter;
    this.remember(r);

    let rec = r;
    const bad = implausibleField(r);
    if (bad) {
      this.implausible++;
      this.firstImplausible ??= { lineNo, text, detail: bad.detail };
      rec = { ...r };
      if (bad.throughput) delete rec.throughput;
      if (bad.latency) delete rec.latencyS;
    }
    const p = this.last;
    if (p && (((p.epoch ?? 0) === (rec.epoch ?? 0) && rec.iter < p.iter) || (rec.epoch !== undefined && p.epoch !== undefined && rec.epoch < p.epoch))) {
      this.reset = true;
      this.resetCount++;
      const where = (x: IterRecord) => `iteration ${x.iter}${x.epoch !== undefined ? ` (epoch ${x.epoch})` : ''}`;
      if (this.resets.length < 5) this.resets.push({ lineNo, text, detail: `the iteration counter goes back from ${where(p)} to ${where(rec)}: the process restarted` });
      // A restart forgets what the earlier process printed: its prints are not repeats of the new ones.
      this.count = 0;
      this.next = 0;
      this.remember(r);
      this.maxIter = r.iter;
    }
    this.last = rec;
    return rec;
  }

  /** A line that looks like a progress line of the file's format gave no record: it is not counted. */
  noteUnreadable(lineNo: number, text: string): void {
    this.unreadable++;
    this.firstUnreadable ??= { lineNo, text };
  }

  /** Adds a print to the ring (at its end while it grows, then over the oldest). */
  private remember(r: IterRecord): void {
    if (this.count < RECENT) {
      if (this.count * FIELDS === this.recent.length) {
        const cap = Math.min(RECENT, Math.max(8, this.count * 2));
        const grown = new Float64Array(cap * FIELDS);
        grown.set(this.recent);
        this.recent = grown;
        const bits = new Uint16Array(cap);
        bits.set(this.present);
        this.present = bits;
      }
      this.count++;
    }
    // fieldsOf and presence, written out (every progress line comes here).
    const o = this.next * FIELDS;
    const R = this.recent;
    const bits = put(R, o, r.iter, 0) | put(R, o + 1, r.epoch, 1) | put(R, o + 2, r.timeUs ?? r.time, 2) | put(R, o + 3, r.throughput, 3) | put(R, o + 4, r.latencyS, 4) | put(R, o + 5, r.loss, 5) | put(R, o + 6, r.rank, 6);
    this.present[this.next] = bits;
    if (++this.next === RECENT) this.next = 0;
  }

  private isRepeat(r: IterRecord): boolean {
    const v = fieldsOf(r);
    const bits = presence(v);
    for (let i = 0; i < this.count; i++) {
      // `same`: every field equal (===, so a NaN never is), or absent on both.
      if (this.present[i] !== bits) continue;
      const o = i * FIELDS;
      let eq = true;
      for (let k = 0; k < FIELDS && eq; k++) if (bits & (1 << k) && this.recent[o + k] !== v[k]) eq = false;
      if (eq) return true;
    }
    return false;
  }

  /**
   * The file ended: no more prints come. Drops the recent prints and keeps the counts and the
   * proof lines, as texts of their own (`own`: not views into a chunk string).
   */
  release(own: (s: string) => string): void {
    this.recent = new Float64Array(0);
    this.present = new Uint16Array(0);
    this.count = 0;
    this.next = 0;
    this.last = null;
    this.ownTexts(own);
  }

  /** The proof lines become texts of their own (`own`), nothing dropped (release() without the drop). */
  ownTexts(own: (s: string) => string): void {
    if (this.firstDuplicate) this.firstDuplicate.text = own(this.firstDuplicate.text);
    if (this.firstImplausible) this.firstImplausible.text = own(this.firstImplausible.text);
    if (this.firstUnreadable) this.firstUnreadable.text = own(this.firstUnreadable.text);
    for (const r of this.resets) r.text = own(r.text);
  }
}

/**
 * Everything a print says is the same: it is the same print. These fields (iteration, epoch,
 * clock, throughput, latency, loss, rank), compared with ===, absent equal to absent only.
 */
const FIELDS = 7;
/** Bit k: field k holds a number; bit FIELDS + k: it is null (null === null, as `same` had it). */
function presence(v: readonly (number | null | undefined)[]): number {
  let bits = 0;
  for (let k = 0; k < FIELDS; k++) {
    if (v[k] === null) bits |= 1 << (FIELDS + k);
    else if (v[k] !== undefined) bits |= 1 << k;
  }
  return bits;
}
/** Stores field k of a print at R[i] (absent and null as 0) and returns its presence bits, as presence() gives them. */
function put(R: Float64Array, i: number, v: number | null | undefined, k: number): number {
  if (v === undefined) {
    R[i] = 0;
    return 0;
  }
  if (v === null) {
    R[i] = 0;
    return 1 << (FIELDS + k);
  }
  R[i] = v;
  return 1 << k;
}
const scratch: (number | undefined)[] = new Array(FIELDS);
function fieldsOf(r: IterRecord): (number | undefined)[] {
  scratch[0] = r.iter;
  scratch[1] = r.epoch;
  scratch[2] = r.timeUs ?? r.time;
  scratch[3] = r.throughput;
  scratch[4] = r.latencyS;
  scratch[5] = r.loss;
  scratch[6] = r.rank;
  return scratch;
}

function implausibleField(r: IterRecord): { throughput: boolean; latency: boolean; detail: string } | null {
  const t = r.throughput;
  const badT = t !== undefined && !(t >= 0 && t <= ABSURD_THROUGHPUT);
  const l = r.latencyS;
  const badL = l !== undefined && !(l > 0 && l < Infinity);
  if (!badT && !badL) return null;
  const what = badT ? `throughput ${String(t)}` : `latency ${String(l)} s`;
  return { throughput: badT, latency: badL, detail: `iteration ${r.iter} prints ${what}: not a possible value; left out of every mean, median and rolling value` };
}
