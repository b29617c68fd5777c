/**
 * Host key checking against an OpenSSH `known_hosts` file: plain names, `[host]:port`, comma
 * lists, wildcard/negated patterns, hashed `|1|salt|hash` names (HMAC-SHA1), `@revoked` (always
 * refused). `@cert-authority` lines are ignored (host certificates are not supported).
 *
 * Policy (like `StrictHostKeyChecking accept-new`, but only when asked): a known, matching key is
 * accepted; an unknown host is refused unless `acceptNew`, in which case its key is appended; a
 * key that differs from the known one(s) is ALWAYS refused, as is a revoked key.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { matchPatternList } from './pattern.ts';

export type KnownHostNames =
  | { readonly kind: 'patterns'; readonly patterns: readonly string[] }
  | { readonly kind: 'hashed'; readonly salt: Buffer; readonly hash: Buffer };

export interface KnownHostEntry {
  readonly line: number;
  readonly marker?: 'revoked' | 'cert-authority';
  readonly names: KnownHostNames;
  readonly keyType: string;
  readonly key: Buffer;
}

export interface KnownHosts {
  readonly file?: string;
  readonly entries: readonly KnownHostEntry[];
  readonly notes: readonly string[];
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The key type written inside an SSH public key blob (`ssh-ed25519`, `ssh-rsa`, …). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > blob.length) return 'unknown';
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** `SHA256:<base64 without padding>`, as `ssh-keygen -l` prints it. */
export function fingerprintSha256(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** Parse known_hosts text. Never throws: bad lines become notes. */
export function parseKnownHosts(text: string, file?: string): KnownHosts {
  const entries: KnownHostEntry[] = [];
  const notes: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/[ \t]+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]!.startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else {
        notes.push(`${file ?? 'known_hosts'}:${lineNo}: unknown marker ${m}, line ignored`);
        continue;
      }
    }
    if (fields.length < 3) {
      notes.push(`${file ?? 'known_hosts'}:${lineNo}: too few fields, line ignored`);
      continue;
    }
    const [hostField, keyType, keyB64] = fields as [string, string, string];
    let names: KnownHostNames;
    if (hostField.startsWith('|1|')) {
      const parts = hostField.split('|');
      const salt = Buffer.from(parts[2] ?? '', 'base64');
      const hash = Buffer.from(parts[3] ?? '', 'base64');
      if (parts.length !== 4 || salt.length !== 20 || hash.length !== 20) {
        notes.push(`${file ?? 'known_hosts'}:${lineNo}: bad hashed host name, line ignored`);
        continue;
      }
      names = { kind: 'hashed', salt, hash };
    } else {
      names = { kind: 'patterns', patterns: hostField.split(',').filter((p) => p !== '') };
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(keyB64)) {
      notes.push(`${file ?? 'known_hosts'}:${lineNo}: key is not base64, line ignored`);
      continue;
    }
    const key = Buffer.from(keyB64, 'base64');
    if (keyTypeOf(key) !== keyType) {
      notes.push(`${file ?? 'known_hosts'}:${lineNo}: key type ${keyType} does not match the key, line ignored`);
      continue;
    }
    entries.push({ line: lineNo, ...(marker ? { marker } : {}), names, keyType, key });
  }
  return { ...(file !== undefined ? { file } : {}), entries, notes };
}

/** Read a known_hosts file; a missing file has no entries. */
export function loadKnownHosts(path: string): KnownHosts {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { file: path, entries: [], notes: [] };
    return { file: path, entries: [], notes: [`${path}: cannot read (${(err as Error).message})`] };
  }
  return parseKnownHosts(text, path);
}

/** Does the entry's host field cover this lookup name (`host` or `[host]:port`)? */
export function entryMatches(entry: KnownHostEntry, name: string): boolean {
  if (entry.names.kind === 'hashed') {
    const h = createHmac('sha1', entry.names.salt).update(name).digest();
    return h.length === entry.names.hash.length && timingSafeEqual(h, entry.names.hash);
  }
  return matchPatternList(name, entry.names.patterns);
}

export type HostKeyVerdict =
  | { readonly status: 'ok'; readonly entry: KnownHostEntry }
  | { readonly status: 'unknown' }
  | { readonly status: 'changed'; readonly known: readonly KnownHostEntry[] }
  | { readonly status: 'revoked'; readonly entry: KnownHostEntry };

/** Compare a presented key (raw SSH blob) with what the file knows for host:port. */
export function checkHostKey(known: KnownHosts, host: string, port: number, key: Buffer): HostKeyVerdict {
  const name = knownHostsName(host, port);
  // A revoked key is refused whatever host line it sits on.
  for (const e of known.entries) {
    if (e.marker === 'revoked' && e.key.equals(key)) return { status: 'revoked', entry: e };
  }
  const forHost = known.entries.filter((e) => e.marker === undefined && entryMatches(e, name));
  const match = forHost.find((e) => e.key.equals(key));
  if (match) return { status: 'ok', entry: match };
  if (forHost.length > 0) return { status: 'changed', known: forHost };
  return { status: 'unknown' };
}

const HOSTKEY_ALGOS: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};
const DEFAULT_ALGOS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/**
 * Host key algorithms in preference order, the known types for this host first (as OpenSSH
 * does), so that a server with several host keys presents the one we know.
 */
export function preferredHostKeyAlgorithms(known: KnownHosts, host: string, port: number): string[] {
  const name = knownHostsName(host, port);
  const first: string[] = [];
  for (const e of known.entries) {
    if (e.marker !== undefined || !entryMatches(e, name)) continue;
    for (const a of HOSTKEY_ALGOS[e.keyType] ?? []) if (!first.includes(a)) first.push(a);
  }
  return [...first, ...DEFAULT_ALGOS.filter((a) => !first.includes(a))];
}

/** Host names that may be written into known_hosts as they are. */
const SAFE_HOST = /^[A-Za-z0-9._:%-]+$/;

/**
 * Append `name keytype base64` (name in `[host]:port` form when port ≠ 22) to known_hosts,
 * creating the file (0600) and its directory (0700) when needed. Returns the line written.
 */
export function appendKnownHost(path: string, host: string, port: number, key: Buffer): string {
  if (!SAFE_HOST.test(host)) throw new Error(`refusing to write host name ${JSON.stringify(host)} to ${path}`);
  const type = keyTypeOf(key);
  if (!/^[A-Za-z0-9@.-]+$/.test(type)) throw new Error('refusing to write a host key of unknown type');
  const line = `${knownHostsName(host, port)} ${type} ${key.toString('base64')}`;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let prefix = '';
  try {
    const st = statSync(path);
    if (st.size > 0) {
      const text = readFileSync(path);
      if (text[text.length - 1] !== 0x0a) prefix = '\n';
    }
  } catch {
    // new file
  }
  appendFileSync(path, `${prefix}${line}\n`, { mode: 0o600 });
  return line;
}

export interface VerifyOptions {
  readonly knownHostsPath: string;
  /** Alias shown to the user (node name or config alias). */
  readonly label: string;
  readonly host: string;
  readonly port: number;
  readonly key: Buffer;
  readonly acceptNew: boolean;
  /** The command-line flag that enables accept-new, for the message. */
  readonly acceptNewFlag?: string;
}

export type VerifyResult =
  | { readonly ok: true; readonly added?: string; readonly message?: string }
  | { readonly ok: false; readonly reason: 'unknown' | 'changed' | 'revoked'; readonly message: string };

/** Printable, one-line form of a possibly hostile string. */
function show(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** Decide on a presented host key: the policy described at the top of this file. */
export function verifyHostKey(opts: VerifyOptions): VerifyResult {
  const known = loadKnownHosts(opts.knownHostsPath);
  const name = knownHostsName(opts.host, opts.port);
  const type = keyTypeOf(opts.key);
  const fp = fingerprintSha256(opts.key);
  const flag = opts.acceptNewFlag ?? '--accept-new';
  const who = opts.label === opts.host ? show(name) : `${show(opts.label)} (${show(name)})`;
  const verdict = checkHostKey(known, opts.host, opts.port, opts.key);
  switch (verdict.status) {
    case 'ok':
      return { ok: true };
    case 'revoked':
      return {
        ok: false,
        reason: 'revoked',
        message:
          `Host key for ${who} is REVOKED (${show(opts.knownHostsPath)} line ${verdict.entry.line}): ` +
          `${type} key fingerprint ${fp}. Refusing to connect.`,
      };
    case 'changed': {
      const sameType = verdict.known.filter((e) => e.keyType === type);
      const ref = (sameType[0] ?? verdict.known[0])!;
      const detail =
        sameType.length > 0
          ? `The ${type} host key for ${who} differs from the one in ${show(opts.knownHostsPath)} (line ${ref.line}).`
          : `${who} presented a ${type} host key, but ${show(opts.knownHostsPath)} (line ${ref.line}) only knows ${[
              ...new Set(verdict.known.map((e) => e.keyType)),
            ].join(', ')} key(s) for it.`;
      return {
        ok: false,
        reason: 'changed',
        message:
          `WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED for ${who}! ${detail} ` +
          `Someone could be eavesdropping on you right now (man-in-the-middle attack), or the host key has just been changed. ` +
          `The fingerprint of the key sent by the remote host is ${fp}. Refusing to connect (${flag} never overrides a changed key). ` +
          `If the change is expected, remove the old key with: ssh-keygen -R '${show(name)}' -f ${show(opts.knownHostsPath)}`,
      };
    }
    case 'unknown': {
      if (!opts.acceptNew) {
        return {
          ok: false,
          reason: 'unknown',
          message:
            `Host ${who} is not in ${show(opts.knownHostsPath)}: its ${type} key fingerprint is ${fp}. ` +
            `Refusing to connect to an unknown host. Check the fingerprint, then re-run with ${flag} to add it ` +
            `to known_hosts (or connect once with ssh).`,
        };
      }
      try {
        const added = appendKnownHost(opts.knownHostsPath, opts.host, opts.port, opts.key);
        return { ok: true, added, message: `Permanently added ${show(name)} (${type} ${fp}) to ${show(opts.knownHostsPath)}` };
      } catch (err) {
        return {
          ok: true,
          message: `Accepted new host ${show(name)} (${type} ${fp}) but could not add it to ${show(opts.knownHostsPath)}: ${(err as Error).message}`,
        };
      }
    }
  }
}
