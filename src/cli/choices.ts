/**
 * Values checked against a known set, with a did-you-mean: the command line never lets a typo
 * pass silently (`--fail-on ib_fallbak` would otherwise be a CI gate that never fires).
 */
import { UserError } from './errors.ts';

/** Edit distance (insert, delete, substitute, adjacent swap), small strings only. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest known word when it is close enough to be a typo (or the word is a prefix of it). */
export function closest(word: string, known: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(w, k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  if (best !== undefined && bestD <= Math.max(1, Math.min(3, Math.floor(best.length / 3)))) return best;
  const prefixed = known.filter((k) => w.length >= 2 && k.toLowerCase().startsWith(w));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** `did you mean 'x'?` or '' */
export function didYouMean(word: string, known: readonly string[]): string {
  const c = closest(word, known);
  return c ? `; did you mean '${c}'?` : '';
}

/** `value` if it is one of `known`, else a usage error naming the flag, the suggestion and the whole list. */
export function oneOf<T extends string>(flag: string, value: string, known: readonly T[]): T {
  if ((known as readonly string[]).includes(value)) return value as T;
  throw new UserError(`${flag} '${value}' is not known${didYouMean(value, known)}`, `expected one of: ${known.join(', ')}`);
}

/** A comma-separated / repeated list, every item checked with {@link oneOf}. */
export function listOf<T extends string>(flag: string, values: readonly string[], known: readonly T[]): T[] {
  return values
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => oneOf(flag, s, known));
}
