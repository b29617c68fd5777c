/** Number, duration and text formatting for the screen. Pure; no clock reads. */

const DASH = '—';

/** Throughput-like rates: `3988.9`, `12345`, `1.23M`. */
export function fmtRate(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** Compact axis label, at most 6 characters: `3.99k`, `812`, `0.51`. */
export function fmtAxis(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(a >= 1e7 ? 1 : 2)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(a >= 1e4 ? 1 : 2)}k`;
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** Relative value as a signed percentage: `-12.3 %`, `+0.4 %`. */
export function fmtPct(x: number | null | undefined, signed = true): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return DASH;
  const p = x * 100;
  const s = p.toFixed(1);
  const sign = signed && p >= 0.05 ? '+' : '';
  return `${sign}${s === '-0.0' ? '0.0' : s} %`;
}

/** Elapsed time: `0:07`, `12:03`, `1:02:03`. Negative values get a leading `-`. */
export function fmtDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return DASH;
  const neg = ms < 0;
  const total = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const body = h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}` : `${m}:${String(s).padStart(2, '0')}`;
  return neg ? `-${body}` : body;
}

/** A time relative to the session start: `+0:42`. */
export function fmtOffset(time: number, start: number): string {
  const d = time - start;
  return d < 0 ? fmtDuration(d) : `+${fmtDuration(d)}`;
}

/** Age of the last line: `0s`, `42s`, `3m`, `2h`, `5d`. */
export function fmtAge(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return DASH;
  if (s < 60) return `${Math.floor(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** Step time in seconds: `0.123s`, `1.50s`, `12.0s`. */
export function fmtStep(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return DASH;
  if (s < 1) return `${s.toFixed(3)}s`;
  if (s < 10) return `${s.toFixed(2)}s`;
  return `${s.toFixed(1)}s`;
}

/** Replay speed: `1×`, `60×`, `max`. */
export function fmtSpeed(speed: number | 'max'): string {
  return speed === 'max' ? 'max' : `${speed}×`;
}

/** Multiplier such as a speedup: `14.20×`. */
export function fmtTimes(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return DASH;
  return `${x.toFixed(2)}×`;
}

/** Cut `text` to `width` characters, ending with `…` when cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text;
  if (width === 1) return '…';
  return `${text.slice(0, width - 1)}…`;
}

/** Left-aligned cell of exactly `width` characters. */
export function padEnd(text: string, width: number): string {
  return truncate(text, width).padEnd(width);
}

/** Right-aligned cell of exactly `width` characters. */
export function padStart(text: string, width: number): string {
  return truncate(text, width).padStart(width);
}

/**
 * A source path as short as `width`: the `host:` prefix goes (the node column shows it), then
 * leading directories, keeping the file name: `node1:/logs/run/oneflow.log` → `…/oneflow.log`.
 */
export function shortenSource(source: string, width: number): string {
  const path = source.replace(/^[^/:]+:(?=\/|[^/]*\/)/, '');
  if (path.length <= width) return path;
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (base.length + 2 <= width) return `…/${base}`.slice(0, width);
  return `…${path.slice(path.length - (width - 1))}`;
}
