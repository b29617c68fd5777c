/**
 * Python's `round(x, n)`: round half to even on the exact binary value. DLPerf's scripts round each
 * run's figure with it, so ties must break the same way to reproduce their numbers.
 */
export function pyRound(x: number, digits = 2): number {
  if (!Number.isFinite(x)) return x;
  // toFixed rounds the exact binary value (ties away from zero); only an exact tie differs from
  // Python, and toFixed(100) shows the exact decimal expansion, so a tie is visible there.
  const exact = Math.abs(x).toFixed(100);
  const dot = exact.indexOf('.');
  const tail = exact.slice(dot + 1 + digits);
  if (/^50*$/.test(tail)) {
    const truncated = Number(exact.slice(0, dot + 1 + digits));
    const lastDigit = Number(exact[digits === 0 ? dot - 1 : dot + digits] ?? '0');
    const up = lastDigit % 2 === 1;
    const mag = up ? Number((truncated + 10 ** -digits).toFixed(digits)) : truncated;
    return Math.sign(x) * mag;
  }
  return Number(x.toFixed(digits));
}

/** Format with fixed decimals for tables (never used on numbers that feed further math). */
export function fmt(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  return x.toFixed(digits);
}
