/**
 * The value syntax of ssh_config options, shared by the config reader and the cluster file:
 * port numbers, ProxyJump hops (`[user@]host[:port]`, `[user@][v6]:port`, `ssh://…`, comma
 * chains), `%` token expansion and `~` expansion. Pure.
 */

/** One hop of a ProxyJump chain, as written. */
export interface JumpSpec {
  readonly user?: string;
  readonly host: string;
  readonly port?: number;
}

/** A port number 1–65535 written in decimal, else undefined. */
export function parsePort(text: string): number | undefined {
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
