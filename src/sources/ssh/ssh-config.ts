/**
 * A reader for `~/.ssh/config`: enough of OpenSSH's semantics to connect the way `ssh host`
 * would. Host blocks with `*`/`?`/`!` patterns, first value wins (IdentityFile accumulates),
 * HostName, User, Port, IdentityFile (`~`, `%h`/`%u`/`%r`/`%p`/`%n`/`%d`/`%l`/`%%`), ProxyJump
 * (`[user@]host[:port]`, `ssh://…`, comma chains), StrictHostKeyChecking, UserKnownHostsFile.
 * `Include` and `Match exec`/`canonical`/`final`/… are not evaluated: they are ignored with a note.
 * Parsing is pure; `loadSshConfig` is the only IO.
 */
import { readFile } from 'node:fs/promises';
import { homedir, hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { matchPatternList } from './pattern.ts';

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

/** One hop of a ProxyJump chain, as written. */
export interface JumpSpec {
  readonly user?: string;
  readonly host: string;
  readonly port?: number;
}

/** What the config says about one host (after command-line overrides). */
export interface ResolvedHost {
  /** The name the user gave (matched against Host patterns). */
  readonly alias: string;
  /** Where to connect (HostName, or the alias). */
  readonly hostName: string;
  readonly user: string;
  readonly port: number;
  /** Identity files from the config, expanded (`~`, tokens). Empty when none is configured. */
  readonly identityFiles: readonly string[];
  /** ProxyJump chain, first hop first; empty for a direct connection. */
  readonly proxyJump: readonly JumpSpec[];
  readonly strictHostKeyChecking?: string;
  readonly userKnownHostsFiles?: readonly string[];
  readonly notes: readonly string[];
}

export interface ResolveEnv {
  readonly localUser: string;
  readonly home: string;
  readonly localHost?: string;
}

export interface ResolveOverrides {
  readonly user?: string;
  readonly port?: number;
  /** ProxyJump given on the command line / cluster file (wins over the config). */
  readonly proxyJump?: string;
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

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/**
 * Parse a ProxyJump value: comma-separated hops, each `[user@]host[:port]`, `[user@][v6]:port`
 * or `ssh://[user@]host[:port]`. `none` → no hops. Throws on a malformed hop.
 */
export function parseProxyJump(value: string): JumpSpec[] {
  const v = value.trim();
  if (v === '' || v.toLowerCase() === 'none') return [];
  return v.split(',').map((raw) => {
    let hop = raw.trim();
    if (hop.startsWith('ssh://')) hop = hop.slice(6).replace(/\/$/, '');
    let user: string | undefined;
    const at = hop.lastIndexOf('@');
    if (at >= 0) {
      user = hop.slice(0, at);
      hop = hop.slice(at + 1);
      if (user === '') throw new Error(`ProxyJump hop "${raw.trim()}": empty user name`);
    }
    let host = hop;
    let port: number | undefined;
    const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(hop);
    if (v6) {
      host = v6[1]!;
      if (v6[2] !== undefined) port = parsePort(v6[2]) ?? badPort(raw, v6[2]);
    } else {
      const colon = hop.indexOf(':');
      if (colon >= 0 && hop.indexOf(':', colon + 1) < 0) {
        host = hop.slice(0, colon);
        port = parsePort(hop.slice(colon + 1)) ?? badPort(raw, hop.slice(colon + 1));
      }
    }
    if (host === '' || /[\s/]/.test(host)) throw new Error(`ProxyJump hop "${raw.trim()}": bad host name`);
    return { host, ...(user !== undefined ? { user } : {}), ...(port !== undefined ? { port } : {}) };
  });
}

function badPort(raw: string, port: string): never {
  throw new Error(`ProxyJump hop "${raw.trim()}": bad port "${port}"`);
}

/** Expand `%` tokens; unknown tokens are left as written and reported through `onUnknown`. */
export function expandTokens(text: string, tokens: Record<string, string>, onUnknown?: (token: string) => void): string {
  return text.replace(/%(.)/g, (whole, ch: string) => {
    if (ch === '%') return '%';
    const v = tokens[ch];
    if (v === undefined) {
      onUnknown?.(whole);
      return whole;
    }
    return v;
  });
}

/** `~` and `~/…` → home directory. (`~user` is not expanded.) */
export function expandTilde(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return home.replace(/\/+$/, '') + path.slice(1);
  return path;
}

/** Evaluate a Match line; returns null when a criterion cannot be evaluated. */
function evalMatch(args: readonly string[], ctx: { alias: string; hostName: string; user: string; localUser: string }): boolean | null {
  if (args.length === 1 && args[0]!.toLowerCase() === 'all') return true;
  let i = 0;
  let result = true;
  while (i < args.length) {
    let crit = args[i++]!.toLowerCase();
    let negate = false;
    if (crit.startsWith('!')) {
      negate = true;
      crit = crit.slice(1);
    }
    if (crit === 'all') continue;
    const value = args[i++];
    if (value === undefined) return null;
    const list = value.split(',');
    let m: boolean;
    switch (crit) {
      case 'host':
        m = matchPatternList(ctx.hostName, list);
        break;
      case 'originalhost':
        m = matchPatternList(ctx.alias, list);
        break;
      case 'user':
        m = matchPatternList(ctx.user, list);
        break;
      case 'localuser':
        m = matchPatternList(ctx.localUser, list);
        break;
      default:
        return null;
    }
    if (negate) m = !m;
    if (!m) result = false;
  }
  return result;
}

/**
 * What `ssh alias` would use, per the config: first obtained value of each keyword wins,
 * IdentityFile accumulates. Overrides (from the command line / cluster file) win over the config.
 */
export function resolveHost(config: SshConfig, alias: string, env: ResolveEnv, overrides: ResolveOverrides = {}): ResolvedHost {
  const notes: string[] = [...config.notes];
  const where = (n: number): string => `${config.file ?? 'ssh config'}:${n}`;
  const first = new Map<string, string[]>();
  const identity: string[] = [];
  const knownHosts: string[] = [];
  let proxyKind: 'jump' | 'command' | null = null;
  let proxyValue = '';

  for (const block of config.blocks) {
    if (block.kind === 'host') {
      if (!matchPatternList(alias, block.patterns)) continue;
    } else if (block.kind === 'match') {
      const hn = first.get('hostname')?.[0];
      const ok = evalMatch(block.patterns, {
        alias,
        hostName: hn ? expandTokens(hn, { h: alias }) : alias,
        user: overrides.user ?? first.get('user')?.[0] ?? env.localUser,
        localUser: env.localUser,
      });
      if (ok === null) {
        notes.push(`${where(block.line)}: Match ${block.patterns.join(' ')} is not supported, block ignored`);
        continue;
      }
      if (!ok) continue;
    }
    for (const opt of block.options) {
      if (opt.args.length === 0) continue;
      if (opt.key === 'identityfile') {
        identity.push(opt.args[0]!);
      } else if (opt.key === 'userknownhostsfile') {
        if (knownHosts.length === 0) knownHosts.push(...opt.args);
      } else if (opt.key === 'proxyjump' || opt.key === 'proxycommand') {
        if (proxyKind === null) {
          proxyKind = opt.key === 'proxyjump' ? 'jump' : 'command';
          proxyValue = opt.args.join(' ');
        }
      } else if (!first.has(opt.key)) {
        first.set(opt.key, [...opt.args]);
      }
    }
  }

  let hostName = alias;
  const hn = first.get('hostname')?.[0];
  if (hn !== undefined) hostName = expandTokens(hn, { h: alias }, (t) => notes.push(`HostName: token ${t} not supported`));

  const user = overrides.user ?? first.get('user')?.[0] ?? env.localUser;

  let port = 22;
  const portText = first.get('port')?.[0];
  if (portText !== undefined) {
    const p = parsePort(portText);
    if (p === undefined) notes.push(`Port "${portText}" for ${alias} is not a port number, using 22`);
    else port = p;
  }
  if (overrides.port !== undefined) port = overrides.port;

  const tokens: Record<string, string> = {
    h: hostName,
    n: alias,
    u: env.localUser,
    r: user,
    p: String(port),
    d: env.home,
    l: env.localHost ?? '',
    L: (env.localHost ?? '').split('.')[0] ?? '',
  };
  const expandPath = (p: string): string =>
    expandTokens(expandTilde(p, env.home), tokens, (t) => notes.push(`${alias}: token ${t} not supported in "${p}"`));
  const identityFiles = identity.filter((p) => p.toLowerCase() !== 'none').map(expandPath);

  let proxyJump: JumpSpec[] = [];
  const jumpText = overrides.proxyJump ?? (proxyKind === 'jump' ? proxyValue : undefined);
  if (jumpText !== undefined) {
    try {
      proxyJump = parseProxyJump(jumpText);
    } catch (err) {
      notes.push(`${alias}: ${(err as Error).message}; connecting directly`);
    }
  } else if (proxyKind === 'command' && proxyValue.toLowerCase() !== 'none') {
    notes.push(`${alias}: ProxyCommand is not supported (use ProxyJump); connecting directly`);
  }

  const strict = first.get('stricthostkeychecking')?.[0];
  return {
    alias,
    hostName,
    user,
    port,
    identityFiles,
    proxyJump,
    ...(strict !== undefined ? { strictHostKeyChecking: strict.toLowerCase() } : {}),
    ...(knownHosts.length > 0 ? { userKnownHostsFiles: knownHosts.map(expandPath) } : {}),
    notes,
  };
}

/** What resolving hosts needs on the client side: who and where we are, the config, the keys to try. */
export interface SshClientContext {
  env: { localUser: string; home: string; localHost: string };
  home: string;
  configPath: string;
  config: SshConfig;
  /** Identity files to try: the given ones (`~` expanded), then the config's; OpenSSH's defaults when none. */
  identities(fromConfig: readonly string[]): string[];
}

const DEFAULT_IDENTITY_NAMES = ['id_ed25519', 'id_rsa', 'id_ecdsa'];

/** Build the client context shared by live mode's SSH source and the launcher (a missing config is fine). */
export async function loadSshClientContext(opts: { home?: string; localUser?: string; sshConfigPath?: string; identityFiles?: readonly string[] }): Promise<SshClientContext> {
  const home = opts.home ?? homedir();
  let localUser = opts.localUser;
  if (localUser === undefined) {
    try {
      localUser = userInfo().username;
    } catch {
      localUser = process.env['USER'] ?? 'root';
    }
  }
  const configPath = expandTilde(opts.sshConfigPath ?? join(home, '.ssh', 'config'), home);
  let config: SshConfig = EMPTY_SSH_CONFIG;
  try {
    config = await loadSshConfig(configPath);
  } catch {
    config = EMPTY_SSH_CONFIG;
  }
  return {
    env: { localUser, home, localHost: hostname() },
    home,
    configPath,
    config,
    identities(fromConfig) {
      const list = [...(opts.identityFiles ?? []).map((p) => expandTilde(p, home)), ...fromConfig];
      return list.length > 0 ? list : DEFAULT_IDENTITY_NAMES.map((n) => join(home, '.ssh', n));
    },
  };
}
