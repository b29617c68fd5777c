/**
 * OpenSSH host patterns (ssh_config `Host`, known_hosts host fields): `*` matches any run of
 * characters, `?` exactly one, a leading `!` negates. Matching is case-insensitive, like OpenSSH
 * (which lower-cases host names before matching). Pure, no regular expressions built from input.
 */
import { starMatch } from './star-match.ts';

/** Does `text` match the wildcard `pattern` (`*`, `?`; everything else literal)? */
export function wildcardMatch(text: string, pattern: string): boolean {
  const t = text.toLowerCase();
  const p = pattern.toLowerCase();
  // A `*` is tried first as a literal (against a `*` in the text), then as the wildcard.
  return starMatch(
    t.length,
    p.length,
    (pi, ti) => p[pi] === '?' || p[pi] === t[ti],
    (pi) => p[pi] === '*',
  );
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
