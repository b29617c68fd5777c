import { parseDateTimeUs } from '../timestamps.ts';

/** A number as logs print it: thousands separators (`5,856`), quotes (`'5.227'`), `nan`/`inf`. */
export function logNumber(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const s = raw.trim().replace(/^['"]|['"]$/g, '').replace(/,(?=\d{3}(?:\D|$))/g, '');
  if (/^[-+]?nan$/i.test(s)) return NaN;
  if (/^[-+]?inf(inity)?$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(s)) return undefined;
  return Number(s);
}

/** The value after `name` (`name: v`, `name v`, `name=v`) in a `|`- or `,`-separated line. */
export function fieldAfter(p: string, name: string): number | undefined {
  const i = p.indexOf(name);
  if (i < 0) return undefined;
  const m = /^\s*[:=]?\s*([-+]?[\d,]*\.?\d+(?:[eE][-+]?\d+)?|nan|inf)/i.exec(p.slice(i + name.length));
  return m ? logNumber(m[1]) : undefined;
}

/** `[2024-04-06 03:02:12]`, `[2022/06/02 16:17:31]`, `2025-06-16 22:30:50,322`, `[2023-04-21 19:36:50,424]` anywhere near the start → seconds. */
export function leadingDateTime(p: string): { us: number; s: number } | undefined {
  const m = /^\s*\[?(\d{4})[-/](\d{2})[-/](\d{2})[ T](\d{2}:\d{2}:\d{2}(?:[.,]\d{1,6})?)/.exec(p) ?? /\[titan\] (\d{4})-(\d{2})-(\d{2}) (\d{2}:\d{2}:\d{2}(?:,\d{1,6})?)/.exec(p);
  if (!m) return undefined;
  const us = parseDateTimeUs(`${m[1]}-${m[2]}-${m[3]} ${m[4]}`);
  return us === undefined ? undefined : { us, s: us / 1e6 };
}

/** Python `repr` of a flat dict (`{'loss': 3.55, 'epoch': '0.01'}`): keys to raw value text. */
export function pyDict(text: string): Map<string, string> | undefined {
  const a = text.indexOf('{');
  const b = text.lastIndexOf('}');
  if (a < 0 || b < a) return undefined;
  const out = new Map<string, string>();
  const re = /'([^']+)':\s*('[^']*'|"[^"]*"|[^,}]+)/g;
  const body = text.slice(a + 1, b);
  for (let m = re.exec(body); m; m = re.exec(body)) out.set(m[1]!, m[2]!.trim());
  return out.size ? out : undefined;
}

/** `H:MM:SS`, `MM:SS` or `D days, H:MM:SS` (tqdm elapsed) → seconds. */
export function clockSeconds(t: string): number | undefined {
  const parts = t.split(':').map(Number);
  if (parts.some((x) => !Number.isFinite(x))) return undefined;
  return parts.reduce((a, x) => a * 60 + x, 0);
}

/**
 * A tqdm bar: ` 23/1752 [01:05<1:23:14,  2.89s/it]` (also `it/s`, and postfix after the rate).
 * Returns the count, the elapsed seconds and seconds per iteration.
 */
export function tqdmBar(p: string): { n: number; total: number | null; elapsedS: number; secPerIt: number | null; postfix: string } | undefined {
  const m = /(\d+)\/(\d+|\?) \[((?:\d+:)?\d+:\d{2})<[^,\]]*,\s*([\d.]+|\?)(s\/it|it\/s)?([^\]]*)\]/.exec(p);
  if (!m) return undefined;
  const elapsedS = clockSeconds(m[3]!);
  if (elapsedS === undefined) return undefined;
  const v = Number(m[4]);
  const secPerIt = !Number.isFinite(v) || v <= 0 ? null : m[5] === 's/it' ? v : 1 / v;
  return { n: Number(m[1]), total: m[2] === '?' ? null : Number(m[2]), elapsedS, secPerIt, postfix: m[6] ?? '' };
}
