/**
 * A small glob matcher for the local tail (chokidar 4 has no glob support): `*`, `**`, `?`,
 * `[abc]` / `[a-z]` / `[!abc]`, `{a,b}` (nested, expanded up front) and `\` escapes.
 * Wildcards never match a leading `.` of a path component unless the pattern component
 * itself starts with `.` (shell convention), and never match `/`.
 *
 * A pattern is resolved against a cwd and split into a literal `base` directory (where watching
 * and walking start) and the remaining components, which are matched component by component.
 * Nothing here does IO except `walkPattern` and `resolveBase`.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { entryKind, identOf } from './fs-facts.ts';

type Segment =
  | { readonly kind: 'globstar' }
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'wild'; readonly re: RegExp; readonly dot: boolean };

export interface CompiledPattern {
  /** The pattern as given (one brace alternative of it). */
  readonly source: string;
  /** Absolute, normalised pattern. */
  readonly absolute: string;
  /** Literal leading directory of the pattern: an existing ancestor is found by `resolveBase`. */
  readonly base: string;
  /** Components after `base`. */
  readonly segments: readonly Segment[];
  /** True when the pattern has no wildcard at all (a plain path). */
  readonly literal: boolean;
  /** True when a `**` occurs (unbounded depth). */
  readonly globstar: boolean;
  /** Extra filter on the file name (used for directory arguments). */
  readonly acceptName?: (name: string) => boolean;
}

const MAGIC = /[*?[{]/;

/** Whether a string holds an unescaped glob character. */
export function hasMagic(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (MAGIC.test(c)) return true;
  }
  return false;
}

/** Expand `{a,b}` alternatives (nested allowed). A brace without a top-level comma stays literal. */
export function expandBraces(pattern: string): string[] {
  // Find the first top-level `{` that has a matching `}` with a comma at its level.
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c !== '{') continue;
    let depth = 0;
    const commas: number[] = [];
    let close = -1;
    for (let j = i; j < pattern.length; j++) {
      const d = pattern[j];
      if (d === '\\') {
        j++;
        continue;
      }
      if (d === '{') depth++;
      else if (d === '}') {
        depth--;
        if (depth === 0) {
          close = j;
          break;
        }
      } else if (d === ',' && depth === 1) commas.push(j);
    }
    if (close < 0) return [pattern];
    if (commas.length === 0) continue; // `{abc}`: literal braces, look further
    const pre = pattern.slice(0, i);
    const post = pattern.slice(close + 1);
    const cuts = [i, ...commas, close];
    const out: string[] = [];
    for (let k = 0; k + 1 < cuts.length; k++) {
      const alt = pattern.slice(cuts[k]! + 1, cuts[k + 1]!);
      for (const e of expandBraces(pre + alt + post)) out.push(e);
    }
    return out;
  }
  return [pattern];
}

function unescape(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function compileSegment(seg: string): Segment {
  if (seg === '**') return { kind: 'globstar' };
  if (!hasMagic(seg)) return { kind: 'literal', text: unescape(seg) };
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '\\' && i + 1 < seg.length) {
      re += escapeRe(seg[++i]!);
    } else if (c === '*') {
      while (seg[i + 1] === '*') i++;
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const end = seg.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = seg.slice(i + 1, end);
      let negate = false;
      if (body[0] === '!' || body[0] === '^') {
        negate = true;
        body = body.slice(1);
      }
      const cls = body.replace(/[\\\]^]/g, '\\$&');
      re += negate ? `[^/${cls}]` : `[${cls}]`;
      i = end;
    } else {
      re += escapeRe(c);
    }
  }
  return { kind: 'wild', re: new RegExp(`^${re}$`, 's'), dot: seg.startsWith('.') };
}

function matchSegment(seg: Segment, name: string): boolean {
  switch (seg.kind) {
    case 'literal':
      return seg.text === name;
    case 'wild':
      if (name.startsWith('.') && !seg.dot) return false;
      return seg.re.test(name);
    case 'globstar':
      return !name.startsWith('.');
  }
}

function splitAbs(p: string): string[] {
  return p.split('/').filter((s) => s.length > 0);
}

/**
 * Compile one pattern (no braces left: use `expandBraces` first). A plain path to a directory
 * should go through `directoryPattern` instead.
 */
export function compilePattern(pattern: string, cwd: string): CompiledPattern {
  const absolute = path.resolve(cwd, pattern);
  const parts = splitAbs(absolute);
  let i = 0;
  while (i < parts.length - 1 && !hasMagic(parts[i]!)) i++;
  const base = '/' + parts.slice(0, i).map(unescape).join('/');
  const segments = parts.slice(i).map(compileSegment);
  return {
    source: pattern,
    absolute,
    base,
    segments,
    literal: !hasMagic(absolute),
    globstar: segments.some((s) => s.kind === 'globstar'),
  };
}

/** Extensions that a directory argument skips: archives, checkpoints, images, compiled code. */
const SKIP_EXT =
  /\.(gz|tgz|bz2|xz|zst|zip|tar|7z|pt|pth|ckpt|bin|safetensors|npy|npz|h5|pkl|onnx|png|jpe?g|gif|svg|pdf|so|o|a|pyc|whl|sqlite|db|lock|swp)$/i;

/** Every (non-hidden) file below a directory, except obvious non-logs (archives, weights, images). */
export function directoryPattern(dir: string, cwd: string): CompiledPattern {
  const absolute = path.resolve(cwd, dir);
  return {
    source: dir,
    absolute: absolute + '/**/*',
    base: absolute,
    segments: [{ kind: 'globstar' }, compileSegment('*')],
    literal: false,
    globstar: true,
    acceptName: (name) => !SKIP_EXT.test(name),
  };
}

function relSegments(c: CompiledPattern, abs: string): string[] | null {
  if (c.base === '/') return splitAbs(abs);
  if (abs !== c.base && !abs.startsWith(c.base + '/')) return null;
  return splitAbs(abs.slice(c.base.length));
}

function matchFrom(names: readonly string[], ni: number, segs: readonly Segment[], si: number, partial: boolean): boolean {
  if (ni === names.length) {
    // Whole path consumed: a directory may still contain matches; a file needs every remaining
    // segment to be a `**` (which may match nothing).
    if (partial) return si < segs.length;
    for (let k = si; k < segs.length; k++) if (segs[k]!.kind !== 'globstar') return false;
    return true;
  }
  if (si === segs.length) return false;
  const seg = segs[si]!;
  if (seg.kind === 'globstar') {
    if (matchFrom(names, ni, segs, si + 1, partial)) return true;
    if (names[ni]!.startsWith('.')) return false;
    return matchFrom(names, ni + 1, segs, si, partial);
  }
  if (!matchSegment(seg, names[ni]!)) return false;
  return matchFrom(names, ni + 1, segs, si + 1, partial);
}

/** Whether an absolute file path matches the pattern. */
/**
 * Compile the source's arguments: a plain path naming a directory follows everything below it,
 * anything else is a file or glob (brace alternatives each compiled). Each compiled pattern is
 * mapped back to the argument it came from (for "no file matches X yet").
 */
export async function compileArgs(args: readonly string[], cwd: string): Promise<{ patterns: CompiledPattern[]; argOf: Map<CompiledPattern, string> }> {
  const patterns: CompiledPattern[] = [];
  const argOf = new Map<CompiledPattern, string>();
  for (const p of args) {
    if (!hasMagic(p)) {
      const st = await fsp.stat(path.resolve(cwd, p)).catch(() => null);
      if (st?.isDirectory()) {
        const c = directoryPattern(p, cwd);
        argOf.set(c, p);
        patterns.push(c);
        continue;
      }
    }
    for (const e of expandBraces(p)) {
      const c = compilePattern(e, cwd);
      argOf.set(c, p);
      patterns.push(c);
    }
  }
  return { patterns, argOf };
}

export function matchPath(c: CompiledPattern, abs: string): boolean {
  const names = relSegments(c, path.resolve(abs));
  if (!names || names.length === 0) return false;
  if (!matchFrom(names, 0, c.segments, 0, false)) return false;
  return c.acceptName ? c.acceptName(names[names.length - 1]!) : true;
}

/** Whether a directory (absolute) may hold matching files below it (used to prune walks and watches). */
export function couldContain(c: CompiledPattern, absDir: string): boolean {
  const abs = path.resolve(absDir);
  const names = relSegments(c, abs);
  if (names === null) {
    // An ancestor of the base holds it.
    return c.base === abs || c.base.startsWith(abs === '/' ? '/' : abs + '/');
  }
  return matchFrom(names, 0, c.segments, 0, true);
}

/**
 * Maximum depth below `root` a watcher needs (0: direct children only), or undefined when a
 * `**` makes it unbounded.
 */
export function watchDepth(c: CompiledPattern, root: string): number | undefined {
  if (c.globstar) return undefined;
  const below = root === c.base ? 0 : splitAbs(c.base).length - splitAbs(root).length;
  return below + c.segments.length - 1;
}

/** Deepest existing directory at or above the pattern's base (to watch or walk from). */
export async function resolveBase(c: CompiledPattern): Promise<string> {
  let dir = c.base;
  for (;;) {
    try {
      const st = await fsp.stat(dir);
      if (st.isDirectory()) return dir;
    } catch {
      // missing: go up
    }
    const up = path.dirname(dir);
    if (up === dir) return dir;
    dir = up;
  }
}

/**
 * Walk from the pattern's base and call `onFile` for every regular file that matches (symlinks
 * followed, directory cycles skipped). Unreadable directories are skipped silently.
 */
export async function walkPattern(c: CompiledPattern, onFile: (abs: string) => void, signal?: { aborted: boolean }): Promise<void> {
  if (c.literal) {
    try {
      const st = await fsp.stat(c.absolute);
      if (st.isFile() && matchPath(c, c.absolute)) onFile(c.absolute);
    } catch {
      // not there (yet)
    }
    return;
  }
  const seen = new Set<string>();
  const visit = async (dir: string): Promise<void> => {
    if (signal?.aborted) return;
    let st;
    try {
      st = await fsp.stat(dir);
    } catch {
      return;
    }
    const id = identOf(st);
    if (seen.has(id)) return;
    seen.add(id);
    let entries;
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (signal?.aborted) return;
      const k = await entryKind(dir, e);
      if (!k) continue;
      const { abs, isDir, isFile } = k;
      if (isFile && matchPath(c, abs)) onFile(abs);
      else if (isDir && couldContain(c, abs)) await visit(abs);
    }
  };
  await visit(c.base);
}
