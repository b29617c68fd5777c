import type { IterRecord, ThroughputMethod, WindowSpec } from '../formats/types.ts';
import type { ClockJump } from './clock-check.ts';
import { median } from './rolling.ts';
import { pyRound } from './round.ts';
import { WindowTracker, type Phase, type WindowResult, type WindowShortfall } from './window-tracker.ts';

/** Reports kept per file: far more than any benchmark prints; beyond it the window stops growing (said in the rule). */
export const STORED_REPORTS_CAP = 500_000;
/** Progress lines whose text is kept for evidence (a clock jump, the window's ends). */
const TEXT_CAP = 4_000;

/** The figure of a stored window, with what only this tracker knows. */
export interface StoredResult extends WindowResult {
  /** Mean model TFLOP/s per GPU over the window's reports, where the log prints it. */
  tflopsPerGpu: number | null;
}

/** Warmup reports under the `auto` rule: the first 10 % of `n` reports, never fewer than 3. */
export function autoWarmup(n: number): number {
  return Math.max(3, Math.ceil(n / 10));
}

/** Window specs the streaming tracker cannot compute alone (they need the whole series or the world size). */
export function needsStore(spec: WindowSpec): boolean {
  return spec.start === 'auto' || !!spec.keepSeries || !!spec.perDevice || !!spec.perNode || !!spec.acrossRanks || !!spec.meanOfRates;
}

/** The tracker for a format's window: the streaming one, or the stored one where the spec needs it. */
export function makeTracker(spec: WindowSpec, override?: { start: number; end: number | null }, method?: ThroughputMethod): WindowTracker {
  return needsStore(spec) ? new StoredWindow(spec, override, method) : new WindowTracker(spec, override, method);
}

/**
 * A window computed from the file's whole series of reports (bounded: {@link STORED_REPORTS_CAP}):
 * - `auto` windows, whose start depends on how many reports the log ends up with;
 * - every-rank formats, whose report of an iteration is the median across the ranks' lines;
 * - per-device figures, multiplied by the world size (known only once the log has said it);
 * - DLPerf's mean-of-rates (total batch / each line's latency, then the mean).
 * The series is turned into one report per iteration with a global figure, then replayed through
 * the streaming {@link WindowTracker}: one implementation of the window arithmetic for every format.
 */
export class StoredWindow extends WindowTracker {
  private readonly recs: IterRecord[] = [];
  private done = false;
  private capped = false;
  private cacheKey = '';
  private cached: StoredResult | WindowShortfall | null = null;
  private readonly base: WindowSpec;
  private readonly overridden: boolean;

  private readonly chosen: ThroughputMethod | undefined;
  /** The streaming tracker of the last computation (its clock check is the window's). */
  private inner: WindowTracker | null = null;
  /** Line numbers of the stored reports, for the clock check's evidence... */
  private readonly lineNos: number[] = [];
  /** ...and their text for the first {@link TEXT_CAP} (later ones: the line number alone; memory). */
  private readonly texts: string[] = [];

  constructor(spec: WindowSpec, override?: { start: number; end: number | null }, method?: ThroughputMethod) {
    super(spec, override, method);
    this.chosen = method;
    this.base = spec;
    this.overridden = !!override;
  }

  override get phase(): Phase {
    const n = this.reportCount();
    const s = this.spec;
    if (s.start === 'auto') {
      if (n <= autoWarmup(n)) return 'warmup';
      return this.done ? 'done' : 'measuring';
    }
    const at = s.unit === 'line' ? n : (this.recs[this.recs.length - 1]?.iter ?? -Infinity);
    const start = s.start === 'first' ? 1 : s.start;
    if (at < start) return 'warmup';
    if ((s.end !== null && at >= s.end) || this.done) return 'done';
    return 'measuring';
  }

  override get progress(): number | null {
    return this.spec.unit === 'line' ? this.reportCount() : this.lastIter;
  }

  override get lastIter(): number | null {
    return this.recs[this.recs.length - 1]?.iter ?? null;
  }

  override push(r: IterRecord, lineNo = 0, text = ''): Phase {
    if (this.recs.length >= STORED_REPORTS_CAP) {
      this.capped = true;
      return this.phase;
    }
    const prev = this.recs[this.recs.length - 1];
    this.recs.push(r);
    this.lineNos.push(lineNo);
    if (this.texts.length < TEXT_CAP) this.texts.push(text.slice(0, 300));
    // Counted as reportCount() does, in O(1) per line (phase is read on every progress line).
    if (!(this.base.skipIterAtMost !== undefined && r.iter <= this.base.skipIterAtMost)) {
      const repeat = prev !== undefined && prev.iter === r.iter && (this.base.acrossRanks !== undefined || this.base.unit === 'iter');
      if (!repeat) this.nReports++;
    }
    return this.phase;
  }

  override end(): void {
    this.done = true;
  }

  override release(own: (s: string) => string): void {
    super.release(own);
    for (let i = 0; i < this.texts.length; i++) this.texts[i] = own(this.texts[i]!);
    // A figure computed already holds the inner tracker's boundary lines.
    this.inner?.release(own);
  }

  override ownTexts(own: (s: string) => string): void {
    super.ownTexts(own);
    for (let i = 0; i < this.texts.length; i++) this.texts[i] = own(this.texts[i]!);
    this.inner?.ownTexts(own);
  }

  override get clockJump(): ClockJump | null {
    return this.inner?.clockJump ?? null;
  }

  /** Reports so far (every-rank lines of one iteration count once; iterations the spec skips do not). */
  private reportCount(): number {
    return this.nReports;
  }

  private nReports = 0;
  /** The stored index of each report of the last reports() call (its last line for an every-rank group). */
  private repLines: number[] = [];

  /** One report per iteration, with a global figure (null: what is missing to make one). */
  private reports(totalBatch: number | null, worldSize: number | null, nodes: number | null): IterRecord[] | string {
    const s = this.base;
    let out: IterRecord[] = [];
    const lines: number[] = (this.repLines = []);
    if (s.acrossRanks) {
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      for (let i = 0; i < this.recs.length; ) {
        let j = i;
        while (j < this.recs.length && this.recs[j]!.iter === this.recs[i]!.iter) j++;
        const group = this.recs.slice(i, j);
        // The report's clock is its last line's (DLPerf's time scripts take line k × ranks).
        const rep: IterRecord = { ...group[group.length - 1]! };
        if (s.acrossRanks === 'mean') {
          const lat = group.filter((r) => r.latencyS !== undefined).map((r) => r.latencyS!);
          const thr = group.filter((r) => r.throughput !== undefined).map((r) => r.throughput!);
          if (lat.length) rep.latencyS = mean(lat);
          if (thr.length) rep.throughput = mean(thr);
        } else {
          const rates = group.map((r) => r.throughput ?? (r.latencyS && totalBatch ? totalBatch / r.latencyS : NaN));
          if (rates.some((x) => !Number.isFinite(x))) return 'configuration unknown (batch size, GPUs or nodes): cannot turn latency into samples/s';
          rep.throughput = median(rates)!;
          const lat = group.filter((r) => r.latencyS !== undefined).map((r) => r.latencyS!);
          if (lat.length) rep.latencyS = median(lat)!;
        }
        out.push(rep);
        lines.push(j - 1);
        i = j;
      }
    } else {
      // A line printed again for the same iteration (every rank of a node, a restarted print) counts once.
      let last: number | null = null;
      this.recs.forEach((r, k) => {
        if (r.iter === last && s.unit === 'iter') return;
        last = r.iter;
        out.push(r);
        lines.push(k);
      });
    }
    if (s.meanOfRates) {
      if (!totalBatch) return 'configuration unknown (batch size, GPUs or nodes): cannot turn latency into samples/s';
      out = out.map((r) => {
        if (!r.latencyS) return r;
        const rate = totalBatch / r.latencyS;
        const { latencyS: _l, ...rest } = r;
        return { ...rest, throughput: s.roundLineTo !== undefined ? pyRound(rate, s.roundLineTo) : rate };
      });
    }
    if (s.perDevice) {
      if (!worldSize) return 'world size unknown (neither the log nor the path says how many GPUs): cannot turn the per-device figure into the cluster figure';
      out = out.map((r) => (r.throughput === undefined ? r : { ...r, throughput: r.throughput * worldSize }));
    }
    if (s.perNode) {
      if (!nodes) return 'node count unknown (neither the log nor the path says it): cannot turn the per-node figure into the cluster figure';
      out = out.map((r) => (r.throughput === undefined ? r : { ...r, throughput: r.throughput * nodes }));
    }
    return out;
  }

  override result(totalBatch: number | null, worldSize: number | null = null, nodes: number | null = null): StoredResult | WindowShortfall {
    const key = `${this.recs.length}|${totalBatch}|${worldSize}|${nodes}|${this.done}`;
    if (key === this.cacheKey && this.cached) return this.cached;
    this.cacheKey = key;
    this.cached = this.compute(totalBatch, worldSize, nodes);
    return this.cached;
  }

  private compute(totalBatch: number | null, worldSize: number | null, nodes: number | null): StoredResult | WindowShortfall {
    const reps = this.reports(totalBatch, worldSize, nodes);
    const lastIter = this.lastIter;
    if (typeof reps === 'string') return { reason: reps, lastIter };
    const s = this.spec;
    // The reports carry a global figure now: the plain window arithmetic applies.
    const inner: WindowSpec = { unit: s.unit, start: s.start, end: s.end };
    for (const k of ['skipIterAtMost', 'itersPerLine', 'roundTo', 'preferReported', 'minLines', 'published', 'reportedIncludesStart', 'roundEachTo', 'startAtLastRepeat', 'reportedExcludesEnd'] as const) if (s[k] !== undefined) (inner as unknown as Record<string, unknown>)[k] = s[k];
    if (s.start === 'auto') {
      const n = reps.length;
      const w = autoWarmup(n);
      if (n <= w) return { reason: `log ends before its window starts (${n} reports; the first ${w} are warmup, 10 % and never fewer than 3)`, lastIter };
      inner.unit = 'line';
      inner.start = w;
      inner.end = null;
    }
    // A line with both a printed figure and a latency: the printed figure is the reported one.
    const feed = reps.map((r) => (r.throughput !== undefined && r.latencyS !== undefined && (s.perDevice || s.perNode || s.meanOfRates || s.acrossRanks === 'median') ? { ...r, latencyS: undefined } : r));
    const t = new WindowTracker(inner, undefined, this.chosen);
    this.inner = t;
    for (let k = 0; k < feed.length; k++) {
      const at = this.repLines[k] ?? -1;
      if (t.push(feed[k]!, this.lineNos[at] ?? 0, this.texts[at] ?? '') === 'done') break;
    }
    t.end();
    const res = t.result(totalBatch);
    if ('reason' in res) return res;
    // Latency and TFLOP/s over the same reports as the figure.
    const inWin = reps.filter((r) => r.iter > res.startIter && r.iter <= res.endIter && !r.skipped);
    const lat = inWin.filter((r) => r.latencyS !== undefined).map((r) => r.latencyS!);
    const tf = inWin.filter((r) => r.tflops !== undefined).map((r) => r.tflops!);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return {
      ...res,
      latencyMs: res.latencyMs ?? (lat.length ? mean(lat) * 1000 : null),
      tflopsPerGpu: tf.length ? mean(tf) : null,
    };
  }

  /** The window this tracker uses, in words, for the run's `window_rule`. */
  rule(): string {
    const n = this.reportCount();
    const cap = this.capped ? `; only the first ${STORED_REPORTS_CAP} reports kept` : '';
    if (this.spec.start === 'auto') return `auto: the first ${autoWarmup(n)} of ${n} reports are warmup (10 %, never fewer than 3), then to the last report${cap}`;
    return describeSpec(this.spec, this.overridden) + cap;
  }
}

/** A window spec in words. */
export function describeSpec(s: WindowSpec, overridden: boolean): string {
  const src = overridden ? '--window' : 'format';
  const what = s.unit === 'line' ? 'counted report' : 'iteration';
  const start = s.start === 'first' ? 'the first report' : `${what} ${s.start}`;
  const end = s.end === null ? 'the last report' : `${what} ${s.end}`;
  const skip = s.skipIterAtMost !== undefined ? ` (iterations ≤ ${s.skipIterAtMost} not counted)` : '';
  return `${src}: ${start} → ${end}${skip}`;
}
