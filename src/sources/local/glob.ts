/**
 * Globs for the local tail (chokidar 4 has no glob support), on kept libraries: picomatch matches
 * one path component (`*`, `?`, `[abc]` / `[a-z]` / `[!abc]`, `\` escapes), braces expands `{a,b}`
 * (nested) and `{1..4}` up front. This module adds what a tail needs around them: `**` across
 * components, the literal base directory to watch, pruning of directories that cannot match.
 * Wildcards never match a leading `.` of a path component unless the pattern component
 * itself starts with `.` (shell convention), and never match `/`.
 *
 * A pattern is resolved against a cwd and split into a literal `base` directory (where watching
 * and walking start) and the remaining components, which are matched component by component.
 * Nothing here does IO except `walkPattern` and `resolveBase`.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import braces from 'braces';
import picomatch from 'picomatch';
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

/** Whether a string holds an unescaped glob character (picomatch's scanner decides; parentheses are literal). */
export function hasMagic(s: string): boolean {
  return picomatch.scan(s, { noparen: true }).isGlob;
}

/**
 * Shell globs, not extglobs: `( ) | + @ !` outside a bracket class are literal characters in a log
 * file name (`r50(bs+1).log`), so they are escaped before picomatch compiles the component.
 */
function literalExtras(seg: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '\\' && i + 1 < seg.length) {
      out += c + seg[++i]!;
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      out += c;
      if (seg[i + 1] === '!' || seg[i + 1] === '^') out += seg[++i]!;
      if (seg[i + 1] === ']') out += seg[++i]!;
    } else out += '()|+@!'.includes(c) ? `\\${c}` : c;
  }
  return out;
}

/** Expand `{a,b}` alternatives (nested allowed) and `{1..3}` ranges; escapes are kept for the matcher. */
export function expandBraces(pattern: string): string[] {
  if (!pattern.includes('{')) return [pattern];
  return braces(pattern, { expand: true, keepEscaping: true } as braces.Options);
}

function unescape(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

function compileSegment(seg: string): Segment {
  if (seg === '**') return { kind: 'globstar' };
  if (!hasMagic(seg)) return { kind: 'literal', text: unescape(seg) };
  // posix: `[!abc]` is a negated class; nobrace: braces were expanded before compiling.
  const re = picomatch.makeRe(literalExtras(seg), { dot: seg.startsWith('.'), nobrace: true, noext: true, posix: true, strictSlashes: true });
  return { kind: 'wild', re, dot: seg.startsWith('.') };
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
 * followed, directory cycles skipped). A directory that cannot be listed is skipped; `onError`
 * hears why (other than its having gone: ENOENT, ENOTDIR), so resource limits are not silent.
 */
export async function walkPattern(
  c: CompiledPattern,
  onFile: (abs: string) => void,
  signal?: { aborted: boolean },
  onError?: (dir: string, err: unknown) => void,
): Promise<void> {
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
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') onError?.(dir, e);
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
