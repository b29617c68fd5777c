/**
 * Char-code readers shared by the byte-level progress parsers (fast-progress.ts): numbers read
 * exactly as `Number(text)` reads them, unsigned integers, the plain-tail proof and Open MPI's
 * ctime prefix. `tokEnd` / `digitsEnd` are where the last read ended (live ESM bindings; only
 * these functions assign them: single-threaded, consumed at once).
 */

export const C_SPACE = 32;
export const C_LT = 60;

/** 10^k, exact for k ≤ 22. */
export const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

export const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** End of the token `numTok` read last (-1: not a numeric token). */
export let tokEnd = 0;

/**
 * The numeric token at `a` (up to a space or `e`), as `Number(token)` reads it: exact without a
 * slice for plain decimals of at most 15 digits (m / 10^k with both exact is correctly rounded),
 * else `Number` itself. Chars other than those of a JS number literal (digits . + - e E) make it
 * not a numeric token: tokEnd = -1.
 */
export function numTok(S: string, a: number, e: number): number {
  let i = a;
  let m = 0;
  let digits = 0;
  let frac = -1;
  let plain = true;
  let c = S.charCodeAt(i);
  const neg = c === 45;
  if (neg || c === 43) i++;
  for (; i < e; i++) {
    c = S.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (frac >= 0) frac++;
    } else if (c === 46 && frac < 0) frac = 0;
    else if (c === C_SPACE) break;
    else if (c === 46 || c === 45 || c === 43 || c === 101 || c === 69) plain = false;
    else {
      tokEnd = -1;
      return NaN;
    }
  }
  if (i === a) {
    tokEnd = -1;
    return NaN;
  }
  tokEnd = i;
  if (!plain || digits === 0 || digits > 15) return Number(S.slice(a, i));
  const v = frac > 0 ? m / POW10[frac]! : m;
  return neg ? -v : v;
}

/** An unsigned decimal integer as `+digits` gives it; sets `digitsEnd`. NaN when there are no digits. */
export let digitsEnd = 0;
export function uint(S: string, a: number, e: number): number {
  let i = a;
  let v = 0;
  while (i < e && isDigit(S.charCodeAt(i))) v = v * 10 + (S.charCodeAt(i++) - 48);
  digitsEnd = i;
  if (i === a) return NaN;
  return i - a > 15 ? Number(S.slice(a, i)) : v;
}

/**
 * True when `S[a, e)` is printable ASCII without `<` and without `nan`/`inf` in any case: what
 * unwrap leaves alone and what no progress-line detector (nan-loss) reacts to.
 */
export function plainTail(S: string, a: number, e: number): boolean {
  for (let i = a; i < e; i++) {
    const c = S.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === C_LT) return false;
    const l = c | 0x20;
    if (l === 0x6e /* n */ && i + 2 < e && (S.charCodeAt(i + 1) | 0x20) === 0x61 && (S.charCodeAt(i + 2) | 0x20) === 0x6e) return false;
    if (l === 0x69 /* i */ && i + 2 < e && (S.charCodeAt(i + 1) | 0x20) === 0x6e && (S.charCodeAt(i + 2) | 0x20) === 0x66) return false;
  }
  return true;
}

export const upper = (c: number): boolean => c >= 65 && c <= 90;
export const lower = (c: number): boolean => c >= 97 && c <= 122;

/** `Wed Jun  1 10:54:47 2022` (the ctime prefix Open MPI's --timestamp-output puts before its tag). */
export function ctimeAt(S: string, p: number): boolean {
  return (
    upper(S.charCodeAt(p)) && lower(S.charCodeAt(p + 1)) && lower(S.charCodeAt(p + 2)) && S.charCodeAt(p + 3) === C_SPACE &&
    upper(S.charCodeAt(p + 4)) && lower(S.charCodeAt(p + 5)) && lower(S.charCodeAt(p + 6)) && S.charCodeAt(p + 7) === C_SPACE &&
    (S.charCodeAt(p + 8) === C_SPACE || isDigit(S.charCodeAt(p + 8))) && isDigit(S.charCodeAt(p + 9)) && S.charCodeAt(p + 10) === C_SPACE &&
    isDigit(S.charCodeAt(p + 11)) && isDigit(S.charCodeAt(p + 12)) && S.charCodeAt(p + 13) === 58 &&
    isDigit(S.charCodeAt(p + 14)) && isDigit(S.charCodeAt(p + 15)) && S.charCodeAt(p + 16) === 58 &&
    isDigit(S.charCodeAt(p + 17)) && isDigit(S.charCodeAt(p + 18)) && S.charCodeAt(p + 19) === C_SPACE &&
    isDigit(S.charCodeAt(p + 20)) && isDigit(S.charCodeAt(p + 21)) && isDigit(S.charCodeAt(p + 22)) && isDigit(S.charCodeAt(p + 23))
  );
}

/*
 * The same readers over bytes: `B[i]` is the char code at `i - d` of the latin1 string `S` (the
 * byte path decodes a window of the chunk into S and still has the chunk). A typed-array load is
 * cheaper than `charCodeAt` on a string (no representation check per char); S is only read for
 * `Number`'s fallback. tokEnd / digitsEnd are then byte positions.
 */

/** numTok over the bytes B[a, e). */
export function numTokB(B: Uint8Array, a: number, e: number, S: string, d: number): number {
  let i = a;
  let m = 0;
  let digits = 0;
  let frac = -1;
  let plain = true;
  let c = B[i]!;
  const neg = c === 45;
  if (neg || c === 43) i++;
  for (; i < e; i++) {
    c = B[i]!;
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (frac >= 0) frac++;
    } else if (c === 46 && frac < 0) frac = 0;
    else if (c === C_SPACE) break;
    else if (c === 46 || c === 45 || c === 43 || c === 101 || c === 69) plain = false;
    else {
      tokEnd = -1;
      return NaN;
    }
  }
  if (i === a) {
    tokEnd = -1;
    return NaN;
  }
  tokEnd = i;
  if (!plain || digits === 0 || digits > 15) return Number(S.slice(a - d, i - d));
  const v = frac > 0 ? m / POW10[frac]! : m;
  return neg ? -v : v;
}

/** uint over the bytes B[a, e). */
export function uintB(B: Uint8Array, a: number, e: number, S: string, d: number): number {
  let i = a;
  let v = 0;
  let c = 0;
  while (i < e && (c = B[i]!) >= 48 && c <= 57) {
    v = v * 10 + (c - 48);
    i++;
  }
  digitsEnd = i;
  if (i === a) return NaN;
  return i - a > 15 ? Number(S.slice(a - d, i - d)) : v;
}
