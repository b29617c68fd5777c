/**
 * The `*` matcher shared by OpenSSH host patterns (pattern.ts) and remote file globs
 * (remote-glob.ts): iterative, with a single backtrack point (the last `*`), so it runs in
 * about linear time and never backtracks catastrophically. What one pattern element matches is
 * up to the caller.
 */

/**
 * Match a text of `textLength` elements against a pattern of `patternLength` elements.
 * `matches(pi, ti)`: does pattern element `pi` match text element `ti` by itself (tried first);
 * `isStar(pi)`: is pattern element `pi` a `*` (any run of elements, the empty one included).
 */
export function starMatch(
  textLength: number,
  patternLength: number,
  matches: (pi: number, ti: number) => boolean,
  isStar: (pi: number) => boolean,
): boolean {
  let ti = 0;
  let pi = 0;
  let starP = -1;
  let starT = 0;
  while (ti < textLength) {
    if (pi < patternLength && matches(pi, ti)) {
      ti++;
      pi++;
    } else if (pi < patternLength && isStar(pi)) {
      starP = pi++;
      starT = ti;
    } else if (starP >= 0) {
      pi = starP + 1;
      ti = ++starT;
    } else {
      return false;
    }
  }
  while (pi < patternLength && isStar(pi)) pi++;
  return pi === patternLength;
}
