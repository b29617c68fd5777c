/**
 * Log clocks. Times are parsed as UTC wall-clock fields (the log never says its zone), which keeps
 * differences exact and results independent of the machine's time zone.
 */

const DATE_TIME = /(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d{1,6}))?/;

/** `2020-09-15 14:29:13.473765` (also `,473` python-logging millis) → whole microseconds since epoch. */
export function parseDateTimeUs(text: string): number | undefined {
  const fast = fastDateTimeUs(text, 0);
  if (fast !== undefined) return fast;
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  if (Number.isNaN(ms)) return undefined;
  return ms * 1000 + fractionUs(m[7]);
}

let cachedDay = '';
let cachedDayMs = 0;

const digit = (s: string, i: number): number => {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1000;
};

/**
 * Hot path for the canonical `YYYY-MM-DD HH:MM:SS.ffffff` at `at` (every dllogger line): fixed
 * offsets, the day's start cached. Returns undefined for anything else (the regex path handles it).
 */
export function fastDateTimeUs(s: string, at: number): number | undefined {
  if (s.length < at + 26 || s.charCodeAt(at + 4) !== 45 || s.charCodeAt(at + 10) !== 32 || s.charCodeAt(at + 13) !== 58 || s.charCodeAt(at + 19) !== 46) return undefined;
  const day = s.slice(at, at + 10);
  if (day !== cachedDay) {
    const ms = Date.UTC(+day.slice(0, 4), +day.slice(5, 7) - 1, +day.slice(8, 10));
    if (Number.isNaN(ms)) return undefined;
    cachedDay = day;
    cachedDayMs = ms;
  }
  const h = digit(s, at + 11) * 10 + digit(s, at + 12);
  const mi = digit(s, at + 14) * 10 + digit(s, at + 15);
  const se = digit(s, at + 17) * 10 + digit(s, at + 18);
  let frac = 0;
  for (let i = at + 20; i < at + 26; i++) frac = frac * 10 + digit(s, i);
  if (h < 0 || mi < 0 || se < 0 || frac < 0) return undefined;
  return (cachedDayMs + ((h * 60 + mi) * 60 + se) * 1000) * 1000 + frac;
}

function fractionUs(frac: string | undefined): number {
  if (!frac) return 0;
  return Number(frac.padEnd(6, '0'));
}

const ABSL = /^[IWEF](\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{1,6}) /;

/**
 * absl/glog prefix `I0826 21:42:23.001036 140540494919424 file.py:133] ` → microseconds since
 * 00:00 of Jan 1 of an arbitrary leap year: the prefix has month and day but no year. DLPerf parses
 * only the time of day, so a run crossing midnight breaks its script; ours keeps the date.
 */
export function parseAbslUs(text: string): number | undefined {
  const m = ABSL.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(2000, +m[1]! - 1, +m[2]!, +m[3]!, +m[4]!, +m[5]!);
  if (Number.isNaN(ms)) return undefined;
  return ms * 1000 + fractionUs(m[6]);
}

/** A trailing Unix epoch float, as OneFlow appends to its progress lines. */
export function trailingEpochSeconds(text: string): number | undefined {
  const m = /\s(1\d{9}(?:\.\d+)?)\s*$/.exec(text);
  return m ? Number(m[1]) : undefined;
}
