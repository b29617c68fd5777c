/**
 * Log clocks. Times are parsed as UTC wall-clock fields (the log never says its zone), which keeps
 * differences exact and results independent of the machine's time zone.
 */

const DATE_TIME = /(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d{1,6}))?/;

/** `2020-09-15 14:29:13.473765` (also `,473` python-logging millis) → whole microseconds since epoch. */
export function parseDateTimeUs(text: string): number | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  if (Number.isNaN(ms)) return undefined;
  return ms * 1000 + fractionUs(m[7]);
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
