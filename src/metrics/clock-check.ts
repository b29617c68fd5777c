import type { IterRecord } from '../formats/types.ts';
import { median } from './rolling.ts';
import type { LineAt } from './window-tracker.ts';

/** Time going backwards, or leaping, between two consecutive prints inside the measuring window. */
export interface ClockJump {
  kind: 'backwards' | 'leap';
  from: LineAt | null;
  to: LineAt | null;
  /** Seconds between the two prints (negative: backwards). */
  seconds: number;
  /** Median seconds per iteration before the jump (leaps), for the message. */
  typicalS: number | null;
  detail: string;
}

/** A leap is an interval this many times longer per iteration than the median before it... */
const LEAP_FACTOR = 10;
/** ...and longer than this in absolute terms (tiny intervals jitter by more than 10×). */
const LEAP_MIN_S = 2;
const HISTORY = 32;

/**
 * Watches the log clock of one file's prints. Only a jump inside the window spoils the figure
 * (the timestamps method reads the window's two ends; a leap between them is in its wall time).
 * Bounded: the last {@link HISTORY} intervals.
 */
export class ClockCheck {
  jump: ClockJump | null = null;
  private prev: IterRecord | null = null;
  private prevLineNo = 0;
  private prevText = '';
  private perIter: number[] = [];

  /** Feed a print before the window logic sees it; `inWindow`: the window has started before it. */
  observe(r: IterRecord, lineNo: number, text: string, inWindow: boolean): void {
    const t = seconds(r);
    if (t === null) return;
    const p = this.prev;
    const pt = p ? seconds(p) : null;
    if (p && pt !== null) {
      const dt = t - pt;
      const di = Math.max(1, r.iter - p.iter);
      // The median is taken only where a jump is possible (it sorted 32 values for every print of the window).
      if (inWindow && !this.jump) {
        if (dt < 0) {
          const typical = this.typical();
          this.jump = { kind: 'backwards', from: this.prevText || this.prevLineNo ? { lineNo: this.prevLineNo, text: this.prevText } : null, to: text || lineNo ? { lineNo, text } : null, seconds: dt, typicalS: typical, detail: `the log clock goes back ${fmt(-dt)} s between iteration ${p.iter} and iteration ${r.iter}, inside the measuring window` };
        } else if (dt > LEAP_MIN_S && this.perIter.length >= 3 && leaps(dt / di, this.typical()!)) {
          const typical = this.typical()!;
          this.jump = {
            kind: 'leap',
            from: this.prevText || this.prevLineNo ? { lineNo: this.prevLineNo, text: this.prevText } : null,
            to: text || lineNo ? { lineNo, text } : null,
            seconds: dt,
            typicalS: typical,
            detail: `the log clock leaps ${fmt(dt)} s between iteration ${p.iter} and iteration ${r.iter} (${fmt(dt / di)} s per iteration; ${fmt(typical)} s before), inside the measuring window`,
          };
        }
      }
      if (dt > 0) {
        this.perIter.push(dt / di);
        if (this.perIter.length > HISTORY) this.perIter.shift();
      }
    }
    this.prev = r;
    this.prevLineNo = lineNo;
    this.prevText = text;
  }

  /** Median seconds per iteration of the recent intervals (null below 3). */
  private typical(): number | null {
    return this.perIter.length >= 3 ? median(this.perIter) : null;
  }

  /** The file ended: keep the jump (its lines as texts of their own), drop the history. */
  release(own: (s: string) => string): void {
    this.prev = null;
    this.prevText = '';
    this.perIter = [];
    this.ownTexts(own);
  }

  /** Every text kept becomes a text of its own (`own`), nothing dropped. */
  ownTexts(own: (s: string) => string): void {
    this.prevText = own(this.prevText);
    if (this.jump?.from) this.jump.from.text = own(this.jump.from.text);
    if (this.jump?.to) this.jump.to.text = own(this.jump.to.text);
  }
}

/** `perIterS` is a leap over a positive `typical` (per iteration). */
function leaps(perIterS: number, typical: number): boolean {
  return typical > 0 && perIterS > LEAP_FACTOR * typical;
}

function seconds(r: IterRecord): number | null {
  if (r.timeUs !== undefined) return r.timeUs / 1e6;
  return r.time ?? null;
}

function fmt(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3);
}
