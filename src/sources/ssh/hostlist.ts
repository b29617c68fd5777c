/**
 * pdsh / Slurm hostlist expansion: `node[01-16]`, `gpu[1-3,7]`, `a[1-2]b[3-4]`, `h1,h2`.
 * Zero padding is kept (`[01-16]` → `01` … `16`; the width is that of the range's first bound).
 * Pure: no IO. Throws HostlistError with a message naming the problem.
 */

export class HostlistError extends Error {
  override name = 'HostlistError';
}

/** Refuse expansions larger than this (a typo like `n[1-99999999]` must not eat memory). */
export const MAX_HOSTLIST_HOSTS = 65_536;

const LITERAL = /^[A-Za-z0-9._-]*$/;

/** Split on commas that are not inside brackets. */
function splitTopLevel(spec: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of spec) {
    if (ch === '[') {
      if (depth > 0) throw new HostlistError(`nested "[" in hostlist "${spec}"`);
      depth++;
    } else if (ch === ']') {
      if (depth === 0) throw new HostlistError(`unbalanced "]" in hostlist "${spec}"`);
      depth--;
    }
    if (ch === ',' && depth === 0) {
      items.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  if (depth !== 0) throw new HostlistError(`unclosed "[" in hostlist "${spec}"`);
  items.push(cur);
  return items;
}

/** Expand the inside of one bracket group (`01-16`, `1-3,7`) to its strings. */
function expandRange(body: string, spec: string, limit: number): string[] {
  const out: string[] = [];
  for (const part of body.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new HostlistError(`bad range "${part}" in hostlist "${spec}" (expected N or N-M)`);
    const loText = m[1]!;
    const hiText = m[2] ?? loText;
    const lo = Number(loText);
    const hi = Number(hiText);
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi)) {
      throw new HostlistError(`range "${part}" in hostlist "${spec}" is too large`);
    }
    if (hi < lo) throw new HostlistError(`range "${part}" in hostlist "${spec}" goes backwards`);
    if (out.length + (hi - lo + 1) > limit) {
      throw new HostlistError(`hostlist "${spec}" expands to more than ${MAX_HOSTLIST_HOSTS} hosts`);
    }
    const width = loText.length > 1 && loText.startsWith('0') ? loText.length : 0;
    for (let i = lo; i <= hi; i++) out.push(width ? String(i).padStart(width, '0') : String(i));
  }
  return out;
}

/** Expand one comma-free item (`a[1-2]b[3-4]`) to its host names, in order. */
function expandItem(item: string, spec: string): string[] {
  let results = [''];
  let rest = item;
  while (rest.length > 0) {
    const open = rest.indexOf('[');
    const literal = open < 0 ? rest : rest.slice(0, open);
    if (!LITERAL.test(literal)) throw new HostlistError(`bad character in hostlist "${spec}" (in "${literal}")`);
    results = results.map((r) => r + literal);
    if (open < 0) break;
    const close = rest.indexOf(']', open);
    // splitTopLevel already guaranteed balance.
    const body = rest.slice(open + 1, close);
    const values = expandRange(body, spec, MAX_HOSTLIST_HOSTS);
    if (results.length * values.length > MAX_HOSTLIST_HOSTS) {
      throw new HostlistError(`hostlist "${spec}" expands to more than ${MAX_HOSTLIST_HOSTS} hosts`);
    }
    const next: string[] = [];
    for (const r of results) for (const v of values) next.push(r + v);
    results = next;
    rest = rest.slice(close + 1);
  }
  return results;
}

/**
 * Expand a hostlist to host names, in order, keeping duplicates out (first occurrence wins).
 * Whitespace around comma-separated items is ignored; an empty item is an error.
 */
export function expandHostlist(spec: string): string[] {
  const trimmed = spec.trim();
  if (trimmed === '') throw new HostlistError('empty hostlist');
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of splitTopLevel(trimmed)) {
    const item = raw.trim();
    if (item === '') throw new HostlistError(`empty item in hostlist "${spec}"`);
    for (const host of expandItem(item, spec)) {
      if (host === '') throw new HostlistError(`empty host name in hostlist "${spec}"`);
      if (!seen.has(host)) {
        seen.add(host);
        out.push(host);
        if (out.length > MAX_HOSTLIST_HOSTS) {
          throw new HostlistError(`hostlist "${spec}" expands to more than ${MAX_HOSTLIST_HOSTS} hosts`);
        }
      }
    }
  }
  return out;
}

/** True when the string uses hostlist syntax (brackets or commas) rather than naming one host. */
export function isHostlist(spec: string): boolean {
  return /[[\],]/.test(spec);
}
