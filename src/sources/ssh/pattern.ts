/**
 * OpenSSH host patterns (ssh_config `Host`, known_hosts host fields): `*` matches any run of
 * characters, `?` exactly one, a leading `!` negates. Matching is case-insensitive, like OpenSSH
 * (which lower-cases host names before matching). Pure, no regular expressions built from input.
 */

/** Does `text` match the wildcard `pattern` (`*`, `?`; everything else literal)? */
export function wildcardMatch(text: string, pattern: string): boolean {
  const t = text.toLowerCase();
  const p = pattern.toLowerCase();
  // Iterative matcher with single backtrack point: linear-ish, no catastrophic backtracking.
  let ti = 0;
  let pi = 0;
  let starP = -1;
  let starT = 0;
  while (ti < t.length) {
    const pc = p[pi];
    if (pi < p.length && (pc === '?' || pc === t[ti])) {
      ti++;
      pi++;
    } else if (pi < p.length && pc === '*') {
      starP = pi++;
      starT = ti;
    } else if (starP >= 0) {
      pi = starP + 1;
      ti = ++starT;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/**
 * OpenSSH pattern-list semantics: any matching negated pattern → no match (`false`), otherwise
 * any matching positive pattern → match. Patterns are given already split.
 */
export function matchPatternList(text: string, patterns: readonly string[]): boolean {
  let matched = false;
  for (const raw of patterns) {
    if (raw.startsWith('!')) {
      if (wildcardMatch(text, raw.slice(1))) return false;
    } else if (wildcardMatch(text, raw)) {
      matched = true;
    }
  }
  return matched;
}
