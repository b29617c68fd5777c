/**
 * What `ssh alias` would use for one host, per a parsed ssh_config: Host blocks matched by
 * pattern, `Match host/originalhost/user/localuser/all` evaluated (other criteria: block ignored
 * with a note), first value wins, IdentityFile accumulates, `%` tokens and `~` expanded,
 * ProxyJump parsed, ProxyCommand expanded (`%h %p %r %n %%`; run by connect.ts). Blocks brought in
 * by an Include inside a Host/Match block apply only where that block does. Command-line
 * overrides win. Pure.
 */
import { matchPatternList } from './pattern.ts';
import type { SshConfig, SshConfigBlock } from './ssh-config.ts';
import { expandTilde, expandTokens, type JumpSpec, parsePort, parseProxyJump } from './ssh-config-values.ts';

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
  /** ProxyCommand with its tokens expanded (only when there is no ProxyJump): its stdio is the connection. */
  readonly proxyCommand?: string;
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

/** What %h, %r, %n may hold when they go into a ProxyCommand. */
const SAFE_TOKEN = /^[A-Za-z0-9._:@%+\[\]-]+$/;

interface MatchContext {
  alias: string;
  hostName: string;
  user: string;
  localUser: string;
}

/** The Match criteria that can be evaluated, each with the name its pattern list is matched against. */
const MATCH_SUBJECTS = new Map<string, (ctx: MatchContext) => string>([
  ['host', (ctx) => ctx.hostName],
  ['originalhost', (ctx) => ctx.alias],
  ['user', (ctx) => ctx.user],
  ['localuser', (ctx) => ctx.localUser],
]);

/** Evaluate a Match line; returns null when a criterion cannot be evaluated. */
function evalMatch(args: readonly string[], ctx: MatchContext): boolean | null {
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
    const subject = MATCH_SUBJECTS.get(crit);
    if (subject === undefined) return null;
    let m = matchPatternList(subject(ctx), value.split(','));
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
  const where = (file: string | undefined, n: number): string => `${file ?? config.file ?? 'ssh config'}:${n}`;
  const first = new Map<string, string[]>();
  const identity: string[] = [];
  const knownHosts: string[] = [];
  let proxyKind: 'jump' | 'command' | null = null;
  let proxyValue = '';

  /** Does this block's own Host/Match line hold now? (A Match that cannot be evaluated: no, with a note.) */
  const holds = (block: SshConfigBlock): boolean => {
    if (block.kind === 'host') return matchPatternList(alias, block.patterns);
    if (block.kind === 'global') return true;
    const hn = first.get('hostname')?.[0];
    const ok = evalMatch(block.patterns, {
      alias,
      hostName: hn ? expandTokens(hn, { h: alias }) : alias,
      user: overrides.user ?? first.get('user')?.[0] ?? env.localUser,
      localUser: env.localUser,
    });
    if (ok === null) {
      const msg = `${where(block.file, block.line)}: Match ${block.patterns.join(' ')} is not supported, block ignored`;
      if (!notes.includes(msg)) notes.push(msg);
      return false;
    }
    return ok;
  };

  for (const block of config.blocks) {
    if (!(block.within ?? []).every(holds) || !holds(block)) continue;
    for (const opt of block.options) {
      if (opt.args.length === 0) continue;
      if (opt.key === 'identityfile') {
        identity.push(opt.args[0]!);
      } else if (opt.key === 'userknownhostsfile') {
        if (knownHosts.length === 0) knownHosts.push(...opt.args);
      } else if (opt.key === 'proxyjump' || opt.key === 'proxycommand') {
        if (proxyKind === null) {
          proxyKind = opt.key === 'proxyjump' ? 'jump' : 'command';
          proxyValue = opt.key === 'proxyjump' ? opt.args.join(' ') : opt.raw;
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
  }
  let proxyCommand: string | undefined;
  if (jumpText === undefined && proxyKind === 'command' && proxyValue.toLowerCase() !== 'none') {
    // The command is the user's own; only these names go into it, and never with shell syntax
    // in them (as OpenSSH 9.6 refuses too): a host name from a cluster file cannot inject.
    const unsafe = [hostName, user, alias].find((v) => !SAFE_TOKEN.test(v));
    if (unsafe !== undefined) {
      notes.push(`${alias}: ProxyCommand not run: "${unsafe}" has characters that are not allowed in a host or user name; connecting directly`);
    } else {
      proxyCommand = expandTokens(proxyValue, { h: hostName, p: String(port), r: user, n: alias }, (t) =>
        notes.push(`${alias}: token ${t} not supported in ProxyCommand, left as written`),
      );
    }
  }

  const strict = first.get('stricthostkeychecking')?.[0];
  return {
    alias,
    hostName,
    user,
    port,
    identityFiles,
    proxyJump,
    ...(proxyCommand !== undefined ? { proxyCommand } : {}),
    ...(strict !== undefined ? { strictHostKeyChecking: strict.toLowerCase() } : {}),
    ...(knownHosts.length > 0 ? { userKnownHostsFiles: knownHosts.map(expandPath) } : {}),
    notes,
  };
}
