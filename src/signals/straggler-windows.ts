/**
 * Straggler sources (b) per-node compute / data-loading time and (c) arrival lag, both judged on
 * per-file iteration windows against the median of the other files. See `straggler.ts`.
 */
import type { Flag } from '../core/types.ts';
import { unwrap } from '../formats/unwrap.ts';
import type { FileTrack } from '../metrics/file-track.ts';
import { iterAt, itersOf, timeAt, type IterWindow } from '../metrics/iter-windows.ts';
import { median } from '../metrics/rolling.ts';
import { evidenceText } from './evidence.ts';
import { medianWithout, MIN_ARRIVAL_LAG_S, pct, type StragglerOptions } from './straggler-options.ts';

export interface FileWindows {
  f: FileTrack;
  /** Valid windows by key. */
  byKey: Map<number, IterWindow>;
  /** Keys in order. */
  keys: number[];
  span: number;
}

interface Streak {
  len: number;
  values: number[];
  /** The window whose slowness completed the streak (its evidence). */
  hit: IterWindow | null;
  /** Raw figures of the hit window: the file's value and the others' median. */
  mine: number;
  others: number;
}

/**
 * Longest run of consecutive windows (of `fw`, in key order) for which `judge` says slow. A window
 * the others lack breaks the run. Returns the longest streak (ties: the earliest).
 */
function longestStreak(fw: FileWindows, judge: (w: IterWindow) => { slow: boolean; value: number; mine: number; others: number } | null, persistence: number): Streak | null {
  let best: Streak | null = null;
  let cur: Streak = { len: 0, values: [], hit: null, mine: 0, others: 0 };
  for (const k of fw.keys) {
    const w = fw.byKey.get(k)!;
    const j = judge(w);
    if (!j || !j.slow) {
      cur = { len: 0, values: [], hit: null, mine: 0, others: 0 };
      continue;
    }
    cur.len++;
    cur.values.push(j.value);
    if (cur.len === persistence) {
      cur.hit = w;
      cur.mine = j.mine;
      cur.others = j.others;
    }
    if (cur.len >= persistence && (!best || cur.len > best.len)) best = { ...cur, values: [...cur.values] };
  }
  return best;
}

export function windowsOf(files: readonly FileTrack[], minPrints: number, maxWindows = Infinity): FileWindows[] {
  return files.map((f) => {
    let byKey = new Map<number, IterWindow>();
    for (const w of f.iterWindows.windows(f.ended)) if (w.n >= minPrints) byKey.set(w.key, w);
    let keys = [...byKey.keys()].sort((a, b) => a - b);
    if (keys.length > maxWindows) {
      // Only the most recent windows (a live run of many files: "is it slow now").
      keys = keys.slice(-maxWindows);
      byKey = new Map(keys.map((k) => [k, byKey.get(k)!]));
    }
    return { f, byKey, keys, span: f.iterWindows.span };
  });
}

/** Per key, each file's value sorted with its owner, for "median of the others". */
function othersIndex(fws: readonly FileWindows[], value: (w: IterWindow) => number | null): Map<number, { sorted: number[]; pos: Map<FileWindows, number> }> {
  const byKey = new Map<number, { fw: FileWindows; v: number }[]>();
  for (const fw of fws) {
    for (const [k, w] of fw.byKey) {
      const v = value(w);
      if (v === null || !Number.isFinite(v)) continue;
      let list = byKey.get(k);
      if (!list) byKey.set(k, (list = []));
      list.push({ fw, v });
    }
  }
  const out = new Map<number, { sorted: number[]; pos: Map<FileWindows, number> }>();
  for (const [k, list] of byKey) {
    if (list.length < 2) continue;
    list.sort((a, b) => a.v - b.v);
    out.set(k, { sorted: list.map((x) => x.v), pos: new Map(list.map((x, i) => [x.fw, i])) });
  }
  return out;
}

function windowFlag(fw: FileWindows, st: Streak, confidence: 'confirmed' | 'suspected', detail: string): Flag {
  const ev = st.hit!.evidence;
  const text = ev ? evidenceText(unwrap(ev.text).payload) : `(window from iteration ${st.hit!.firstIter})`;
  return {
    kind: 'straggler',
    confidence,
    evidence: text,
    ...(ev ? { line: ev.lineNo, time: ev.time } : {}),
    file: fw.f.file,
    node: fw.f.node,
    detail,
  };
}

export interface Candidate {
  flag: Flag;
  /** Lower is stronger: 0 `--log-straggler`, 1 compute, 2 data loading, 3 arrival. */
  strength: number;
  label: string;
}

export function computeCandidates(fws: FileWindows[], o: Required<StragglerOptions>, peers: string): Candidate[] {
  const out: Candidate[] = [];
  const idx = othersIndex(fws, (w) => w.compute);
  if (idx.size === 0) return out;
  const dataIdx = othersIndex(fws, (w) => w.data);
  const stepOf = (k: number, fw: FileWindows): number | null => {
    const c = idx.get(k);
    const d = dataIdx.get(k);
    const pc = c?.pos.get(fw);
    const pd = d?.pos.get(fw);
    const oc = c && pc !== undefined ? medianWithout(c.sorted, pc) : null;
    const od = d && pd !== undefined ? medianWithout(d.sorted, pd) : null;
    return oc === null ? null : oc + (od ?? 0);
  };
  for (const fw of fws) {
    const iters = fw.span;
    const compute = longestStreak(
      fw,
      (w) => {
        const e = idx.get(w.key);
        const p = e?.pos.get(fw);
        if (!e || p === undefined || w.compute === null) return null;
        const others = medianWithout(e.sorted, p);
        if (others === null || others <= 0) return null;
        const rel = w.compute / others - 1;
        return { slow: rel >= o.minRelative, value: rel, mine: w.compute, others };
      },
      o.persistence,
    );
    if (compute) {
      const med = median(compute.values)!;
      out.push({
        strength: 1,
        label: 'compute time',
        flag: windowFlag(
          fw,
          compute,
          'confirmed',
          `${pct(med)} compute time vs the ${peers}' median over ${compute.len} consecutive windows of ${iters} iterations ` +
            `(window medians ${compute.mine.toFixed(4)} s vs ${compute.others.toFixed(4)} s where it first qualified; rule: ≥ ${pct(o.minRelative).slice(1)} for ≥ ${o.persistence} windows)`,
        ),
      });
    }
    const data = longestStreak(
      fw,
      (w) => {
        const e = dataIdx.get(w.key);
        const p = e?.pos.get(fw);
        if (!e || p === undefined || w.data === null) return null;
        const others = medianWithout(e.sorted, p);
        const step = stepOf(w.key, fw);
        if (others === null || step === null || step <= 0) return null;
        const extra = (w.data - others) / step;
        return { slow: extra >= o.minRelative, value: extra, mine: w.data, others };
      },
      o.persistence,
    );
    if (data) {
      const med = median(data.values)!;
      out.push({
        strength: 2,
        label: 'data-loading time',
        flag: windowFlag(
          fw,
          data,
          'confirmed',
          `data loading adds ${pct(med)} of a step vs the ${peers}' median over ${data.len} consecutive windows of ${iters} iterations ` +
            `(window medians ${data.mine.toFixed(4)} s vs ${data.others.toFixed(4)} s where it first qualified)`,
        ),
      });
    }
  }
  return out;
}

/** First index of `v` in ascending `s` (v is in s). */
function lowerBound(s: Float64Array, v: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function arrivalCandidates(fws: FileWindows[], o: Required<StragglerOptions>, peers: string): Candidate[] {
  const out: Candidate[] = [];
  const timed = fws.filter((fw) => [...fw.byKey.values()].some((w) => w.timed > 0));
  if (timed.length < 2) return out;
  const steps = timed.map((fw) => fw.f.medianStepS()).filter((v): v is number => v !== null && v > 0);
  const step = median(steps);
  const threshold = Math.max(o.minRelative * (step ?? 0), MIN_ARRIVAL_LAG_S);
  // Per key, per iteration: every file's log time, in a typed array indexed by the file's place
  // in `timed` (NaN: no print). A repeated iteration number (fp16 skip) keeps the file's last
  // print. Then the present times sorted, for "median of the others": the file's own time is
  // found in them by binary search (which of equal times it is does not matter: leaving out any
  // one of equal values leaves the same list). At 1,024 files this was a Map per iteration and
  // a sort of [file, time] pairs, ≈ 170 ms a refresh, most of it garbage.
  const slot = new Map<FileWindows, number>();
  timed.forEach((fw, i) => slot.set(fw, i));
  const times = new Map<number, Map<number, Float64Array>>();
  for (let fi = 0; fi < timed.length; fi++) {
    const fw = timed[fi]!;
    for (const [k, w] of fw.byKey) {
      let perIter = times.get(k);
      if (!perIter) times.set(k, (perIter = new Map()));
      for (let i = 0; i < w.timed; i++) {
        const it = iterAt(w, i);
        let byFile = perIter.get(it);
        if (!byFile) perIter.set(it, (byFile = new Float64Array(timed.length).fill(NaN)));
        byFile[fi] = timeAt(w, i);
      }
    }
  }
  const sortedTimes = new Map<number, Map<number, { byFile: Float64Array; sorted: Float64Array }>>();
  for (const [k, perIter] of times) {
    const m = new Map<number, { byFile: Float64Array; sorted: Float64Array }>();
    for (const [it, byFile] of perIter) {
      let n = 0;
      for (let i = 0; i < byFile.length; i++) if (!Number.isNaN(byFile[i]!)) n++;
      if (n < 2) continue;
      const sorted = new Float64Array(n);
      n = 0;
      for (let i = 0; i < byFile.length; i++) if (!Number.isNaN(byFile[i]!)) sorted[n++] = byFile[i]!;
      sorted.sort();
      m.set(it, { byFile, sorted });
    }
    sortedTimes.set(k, m);
  }
  for (const fw of timed) {
    const fi = slot.get(fw)!;
    const st = longestStreak(
      fw,
      (w) => {
        const m = sortedTimes.get(w.key);
        if (!m) return null;
        const lags: number[] = [];
        for (const it of new Set(itersOf(w))) {
          const e = m.get(it);
          if (!e) continue;
          const v = e.byFile[fi]!;
          if (Number.isNaN(v)) continue;
          const p = lowerBound(e.sorted, v);
          const others = medianWithout(e.sorted, p);
          if (others !== null) lags.push(v - others);
        }
        // Too few shared iterations to judge this window.
        if (lags.length < Math.max(2, Math.ceil(w.timed / 2))) return null;
        const lag = median(lags)!;
        return { slow: lag >= threshold, value: lag, mine: lag, others: threshold };
      },
      o.persistence,
    );
    if (!st) continue;
    const med = median(st.values)!;
    out.push({
      strength: 3,
      label: 'late lines',
      flag: windowFlag(
        fw,
        st,
        'suspected',
        `its lines for the same iteration carry a log time ${(med * 1000).toFixed(0)} ms after the ${peers}' median over ${st.len} consecutive windows of ${fw.span} iterations ` +
          `(threshold ${(threshold * 1000).toFixed(0)} ms = max(${pct(o.minRelative).slice(1)} of a ${step !== null ? `${(step * 1000).toFixed(0)} ms` : 'unknown'} step, ${MIN_ARRIVAL_LAG_S * 1000} ms); log clocks are per node, so clock skew reads the same)`,
      ),
    });
  }
  return out;
}
