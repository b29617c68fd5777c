/**
 * A reader for `~/.ssh/config`: the file's syntax, enough of OpenSSH's to connect the way
 * `ssh host` would. Lines become options grouped into blocks (global, `Host` patterns, `Match`
 * arguments); `Keyword value`, `Keyword=value`, quoting and `\` escapes. `Include` is followed
 * as OpenSSH does (globs, several files per line, files without an absolute path relative to
 * ~/.ssh, at most 16 levels deep): an Include inside a Host/Match block makes the included
 * blocks conditional on that block too (`within`). Parsing is pure given the reader of included
 * files; `loadSshConfig` (and the reader in ssh-config-include.ts) is the only IO.
 *
 * Related modules: ssh-host-resolve.ts (what a host resolves to: Host/Match, first value wins,
 * HostName, User, Port, IdentityFile, ProxyJump, StrictHostKeyChecking, UserKnownHostsFile),
 * ssh-config-values.ts (ports, ProxyJump hops, `%` tokens, `~`), ssh-client-context.ts (the
 * local side: user, home, loaded config, identities).
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { includeReader } from './ssh-config-include.ts';

export interface SshConfigOption {
  /** Keyword, lower-cased (`hostname`, `identityfile`, …). */
  readonly key: string;
  readonly args: readonly string[];
  /** The value as written (quotes kept): ProxyCommand is run from it, as OpenSSH does. */
  readonly raw: string;
  readonly line: number;
}

export interface SshConfigBlock {
  /** `global` holds the options before the first Host/Match line. */
  readonly kind: 'global' | 'host' | 'match';
  /** Host patterns (`host`), or the raw Match arguments (`match`). */
  readonly patterns: readonly string[];
  readonly line: number;
  readonly options: SshConfigOption[];
  /** The file the block is in (an included file), when not the top one. */
  readonly file?: string;
  /**
   * Host/Match blocks an `Include` of this block sat in (outermost first): the block applies
   * only when each of them does too (OpenSSH: an Include in an inactive block matches nothing).
   */
  readonly within?: readonly SshConfigBlock[];
}

/** One file an Include pattern named: its text, or why it could not be read. */
export type IncludedFile = { readonly path: string; readonly text: string } | { readonly path: string; readonly error: string };

/** Expands one Include argument (a path or glob, as written) into files, in glob order. */
export type IncludeReader = (pattern: string) => readonly IncludedFile[];

/** OpenSSH's READCONF_MAX_DEPTH. */
const MAX_INCLUDE_DEPTH = 16;

export interface SshConfig {
  readonly file?: string;
  readonly blocks: readonly SshConfigBlock[];
  /** Things read but not honoured (Include, unsupported Match criteria, bad lines). */
  readonly notes: readonly string[];
}

export const EMPTY_SSH_CONFIG: SshConfig = { blocks: [], notes: [] };

/** Split a config line into words: whitespace-separated, `"…"`/`'…'` quoting, `\` escapes. */
export function splitArgs(text: string): string[] | null {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && (text[i + 1] === '"' || text[i + 1] === '\\')) cur += text[++i];
      else cur += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === ' ' || ch === '\t') {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else if (ch === '\\' && i + 1 < text.length && /[\s"'\\]/.test(text[i + 1]!)) {
      cur += text[++i];
      inWord = true;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) return null;
  if (inWord) out.push(cur);
  return out;
}

/** Parse config text. Never throws: problems become notes. `include` reads Include'd files (none without it). */
export function parseSshConfig(text: string, file?: string, include?: IncludeReader): SshConfig {
  const blocks: SshConfigBlock[] = [];
  const notes: string[] = [];
  parseInto(text, file, [], 0, { blocks, notes, ...(include ? { include } : {}) });
  return { ...(file !== undefined ? { file } : {}), blocks, notes };
}

interface ParseSink {
  readonly blocks: SshConfigBlock[];
  readonly notes: string[];
  readonly include?: IncludeReader;
}

/** Parse one file's lines into `sink`, its blocks conditional on `within`. */
function parseInto(text: string, file: string | undefined, within: readonly SshConfigBlock[], depth: number, sink: ParseSink): void {
  const { blocks, notes } = sink;
  const where = (n: number): string => `${file ?? 'ssh config'}:${n}`;
  const extra = (): Partial<SshConfigBlock> => ({ ...(depth > 0 && file !== undefined ? { file } : {}), ...(within.length > 0 ? { within } : {}) });
  let current: SshConfigBlock = { kind: 'global', patterns: [], line: 0, options: [], ...extra() };
  blocks.push(current);
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    // `Keyword value`, `Keyword=value`, `Keyword = value`.
    const m = /^([A-Za-z][A-Za-z0-9]*)(?:\s*=\s*|\s+)(.*)$/.exec(line) ?? /^([A-Za-z][A-Za-z0-9]*)$/.exec(line);
    if (!m) {
      notes.push(`${where(lineNo)}: cannot parse line, ignored`);
      continue;
    }
    const key = m[1]!.toLowerCase();
    const args = splitArgs(m[2] ?? '');
    if (args === null) {
      notes.push(`${where(lineNo)}: unterminated quote, line ignored`);
      continue;
    }
    if (key === 'host') {
      if (args.length === 0) notes.push(`${where(lineNo)}: Host without patterns`);
      current = { kind: 'host', patterns: args, line: lineNo, options: [], ...extra() };
      blocks.push(current);
    } else if (key === 'match') {
      current = { kind: 'match', patterns: args, line: lineNo, options: [], ...extra() };
      blocks.push(current);
    } else if (key === 'include') {
      if (!sink.include) {
        notes.push(`${where(lineNo)}: Include ${args.join(' ')} not read (no reader for included files)`);
        continue;
      }
      if (depth + 1 > MAX_INCLUDE_DEPTH) {
        notes.push(`${where(lineNo)}: Include nested more than ${MAX_INCLUDE_DEPTH} deep, not followed`);
        continue;
      }
      // Included blocks hold only where the block holding the Include does.
      const inner = current.kind === 'global' ? (current.within ?? []) : [...(current.within ?? []), current];
      for (const pattern of args) {
        for (const f of sink.include(pattern)) {
          if ('error' in f) notes.push(`${where(lineNo)}: Include ${f.path}: ${f.error}, ignored`);
          else parseInto(f.text, f.path, inner, depth + 1, sink);
        }
      }
      // The rest of this block goes on after the included blocks, under the same condition.
      current = { kind: current.kind, patterns: current.patterns, line: current.line, options: [], ...(current.file !== undefined ? { file: current.file } : {}), ...(current.within ? { within: current.within } : {}) };
      blocks.push(current);
    } else {
      current.options.push({ key, args, raw: (m[2] ?? '').trim(), line: lineNo });
    }
  }
}

/**
 * Read and parse a config file, following its Includes (relative ones under `sshDir`, by
 * default the config file's own directory — ~/.ssh for ~/.ssh/config); a missing file is an
 * empty config.
 */
export async function loadSshConfig(path: string, opts: { home?: string; sshDir?: string } = {}): Promise<SshConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { file: path, blocks: [], notes: [] };
    return { file: path, blocks: [], notes: [`${path}: cannot read (${(err as Error).message}), ignored`] };
  }
  return parseSshConfig(text, path, includeReader({ sshDir: opts.sshDir ?? dirname(path), ...(opts.home !== undefined ? { home: opts.home } : {}) }));
}
