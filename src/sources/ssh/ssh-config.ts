/**
 * A reader for `~/.ssh/config`: the file's syntax, enough of OpenSSH's to connect the way
 * `ssh host` would. Lines become options grouped into blocks (global, `Host` patterns, `Match`
 * arguments); `Keyword value`, `Keyword=value`, quoting and `\` escapes. `Include` is not
 * followed: it is ignored with a note, like a line that cannot be parsed. Parsing is pure;
 * `loadSshConfig` is the only IO.
 *
 * Related modules: ssh-host-resolve.ts (what a host resolves to: Host/Match, first value wins,
 * HostName, User, Port, IdentityFile, ProxyJump, StrictHostKeyChecking, UserKnownHostsFile),
 * ssh-config-values.ts (ports, ProxyJump hops, `%` tokens, `~`), ssh-client-context.ts (the
 * local side: user, home, loaded config, identities).
 */
import { readFile } from 'node:fs/promises';

export interface SshConfigOption {
  /** Keyword, lower-cased (`hostname`, `identityfile`, …). */
  readonly key: string;
  readonly args: readonly string[];
  readonly line: number;
}

export interface SshConfigBlock {
  /** `global` holds the options before the first Host/Match line. */
  readonly kind: 'global' | 'host' | 'match';
  /** Host patterns (`host`), or the raw Match arguments (`match`). */
  readonly patterns: readonly string[];
  readonly line: number;
  readonly options: SshConfigOption[];
}

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

/** Parse config text. Never throws: problems become notes. */
export function parseSshConfig(text: string, file?: string): SshConfig {
  const blocks: SshConfigBlock[] = [];
  const notes: string[] = [];
  const where = (n: number): string => `${file ?? 'ssh config'}:${n}`;
  let current: SshConfigBlock = { kind: 'global', patterns: [], line: 0, options: [] };
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
      current = { kind: 'host', patterns: args, line: lineNo, options: [] };
      blocks.push(current);
    } else if (key === 'match') {
      current = { kind: 'match', patterns: args, line: lineNo, options: [] };
      blocks.push(current);
    } else if (key === 'include') {
      notes.push(`${where(lineNo)}: Include is not followed (${args.join(' ')}); put the hosts you need in this file`);
    } else {
      current.options.push({ key, args, line: lineNo });
    }
  }
  return { ...(file !== undefined ? { file } : {}), blocks, notes };
}

/** Read and parse a config file; a missing file is an empty config. */
export async function loadSshConfig(path: string): Promise<SshConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { file: path, blocks: [], notes: [] };
    return { file: path, blocks: [], notes: [`${path}: cannot read (${(err as Error).message}), ignored`] };
  }
  return parseSshConfig(text, path);
}
