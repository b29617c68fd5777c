/**
 * Open one authenticated ssh2 connection, directly or through a ProxyJump chain (each hop
 * reached by `forwardOut` on the previous one and passed as `sock`). Every hop's host key is
 * checked against known_hosts (see known-hosts.ts). Auth: the agent, then identity files.
 */
import { readFileSync } from 'node:fs';
// ssh2 is CommonJS: Node's ESM loader sees only its default export (vitest's loader hides this).
import ssh2 from 'ssh2';
import type { ConnectConfig, ParsedKey } from 'ssh2';

const { Client, utils } = ssh2;
type Client = InstanceType<typeof ssh2.Client>;
import type { Duplex } from 'node:stream';
import { loadKnownHosts, preferredHostKeyAlgorithms, verifyHostKey } from './known-hosts.ts';
import { type ProxyStream, spawnProxyCommand } from './proxy-command.ts';

/** One machine to connect to. */
export interface Hop {
  /** Name shown in messages (node name or alias). */
  readonly label: string;
  /** Address to connect to (HostName). */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Identity files to try, in order (after the agent). */
  readonly identityFiles: readonly string[];
  /** Whether unknown host keys may be added (accept-new). */
  readonly acceptNew: boolean;
  readonly knownHostsPath: string;
  /** ssh_config ProxyCommand (tokens expanded): run, and its stdio used as the socket (first hop only). */
  readonly proxyCommand?: string;
}

export interface ConnectOptions {
  /** Jump hosts first, the target last. */
  readonly hops: readonly Hop[];
  /** SSH_AUTH_SOCK path; empty/undefined → no agent. */
  readonly agent?: string;
  readonly keepaliveIntervalMs: number;
  readonly keepaliveCountMax: number;
  readonly readyTimeoutMs: number;
  readonly acceptNewFlag?: string;
  /** Host key added, key skipped, …: things to tell the user. */
  readonly onNote?: (message: string) => void;
  /** Clients are registered here as soon as they exist so a stop() can destroy them. */
  readonly track?: (client: Client) => void;
}

/** A host key was refused (unknown without accept-new, changed, revoked): do not retry in a loop. */
export class HostKeyError extends Error {
  override name = 'HostKeyError';
}

/** Authentication failed on a hop (may be retried slowly). */
export class AuthError extends Error {
  override name = 'AuthError';
}

export interface SshChain {
  /** The connection to the target. */
  readonly client: Client;
  /** All clients, jump hosts first. */
  readonly clients: readonly Client[];
  /** Calls `cb` once, when any hop's connection closes, with the last error seen (if any). */
  onLost(cb: (reason: string) => void): void;
  /** End all connections (target first). */
  end(): void;
  /** Destroy all sockets now. */
  destroy(): void;
}

const lastErrors = new WeakMap<Client, string>();

/** Load the private keys that parse without a passphrase; report the others. */
function loadKeys(paths: readonly string[], note: (m: string) => void): Array<{ path: string; key: ParsedKey }> {
  const out: Array<{ path: string; key: ParsedKey }> = [];
  for (const path of paths) {
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch {
      continue; // absent identity files are skipped, as ssh does
    }
    const parsed = utils.parseKey(data);
    if (parsed instanceof Error) {
      note(`identity ${path} skipped: ${/passphrase/i.test(parsed.message) ? 'it is encrypted (load it into ssh-agent)' : parsed.message}`);
      continue;
    }
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (key) out.push({ path, key });
  }
  return out;
}

function connectHop(hop: Hop, opts: ConnectOptions, sock: Duplex | undefined): Promise<Client> {
  const note = opts.onNote ?? (() => {});
  const client = new Client();
  opts.track?.(client);
  const keys = loadKeys(hop.identityFiles, note);
  const auth: NonNullable<ConnectConfig['authHandler']> = [];
  if (opts.agent) auth.push({ type: 'agent', username: hop.user, agent: opts.agent } as never);
  for (const k of keys) auth.push({ type: 'publickey', username: hop.user, key: k.key } as never);
  // No key at all: connect anyway (method `none`, as ssh does), so that a host that is not there
  // (a typo of an alias: no HostName, no IdentityFile, no DNS), a closed port or a refused host key
  // is what is said; a server that wants a key ends in "no way to authenticate" below.
  const noKey = auth.length === 0;
  if (noKey) auth.push({ type: 'none', username: hop.user } as never);
  let refusal: string | null = null;
  const known = loadKnownHosts(hop.knownHostsPath);
  let proxy: ProxyStream | null = null;
  const where = (): string => (proxy ? `${hop.label} (through ${proxy.describe()})` : `${hop.label} (${hop.host} port ${hop.port})`);

  return new Promise<Client>((resolve, reject) => {
    let settled = false;
    /** `err` is built when the failure is final: a ProxyCommand's exit status is known by then. */
    const fail = (err: Error | (() => Error)): void => {
      if (settled) return;
      settled = true;
      client.removeListener('ready', onReady);
      const make = (): Error => (typeof err === 'function' ? err() : err);
      if (!proxy) {
        client.destroy();
        return reject(make());
      }
      // The command's end is what explains a proxied connection that failed: wait for it briefly.
      void Promise.race([proxy.exited, new Promise((r) => setTimeout(r, 500))]).then(() => {
        const e = make();
        client.destroy();
        reject(e);
      });
    };
    const onReady = (): void => {
      if (settled) return;
      settled = true;
      client.removeListener('error', onError);
      client.removeListener('close', onClose);
      // Errors after the handshake (keepalive timeout, reset) end in 'close': remember the reason.
      client.on('error', (err: Error) => {
        lastErrors.set(client, err.message);
      });
      resolve(client);
    };
    const onError = (err: Error & { level?: string }): void => {
      if (refusal !== null) return fail(new HostKeyError(refusal));
      if (err.level === 'agent') {
        // ssh2 goes on with the next method (identity files) after an agent failure.
        note(`ssh-agent at ${opts.agent ?? '?'} not usable (${err.message}); trying identity files`);
        return;
      }
      if (err.level === 'client-authentication' && !/All configured authentication methods failed/.test(err.message)) {
        // A key that could not sign: ssh2 moves on to the next key.
        note(`authentication as ${hop.user}@${hop.label}: ${err.message}`);
        return;
      }
      if (err.level === 'client-authentication' && noKey) {
        return fail(new AuthError(`no way to authenticate as ${hop.user}@${hop.label}: no ssh-agent (SSH_AUTH_SOCK) and no usable identity file`));
      }
      if (err.level === 'client-authentication') {
        const tried = [opts.agent ? 'agent' : null, ...keys.map((k) => k.path)].filter(Boolean);
        return fail(
          new AuthError(
            `authentication as ${hop.user}@${hop.label} failed (tried: ${tried.length ? tried.join(', ') : 'no agent and no identity file found'})`,
          ),
        );
      }
      fail(() => new Error(`${where()}: ${err.message}`));
    };
    const onClose = (): void => {
      if (refusal !== null) return fail(new HostKeyError(refusal));
      fail(() => new Error(`${where()}: connection closed during handshake`));
    };
    client.once('ready', onReady);
    client.on('error', onError);
    client.once('close', onClose);

    if (!sock && hop.proxyCommand !== undefined) {
      proxy = spawnProxyCommand(hop.proxyCommand);
      proxy.on('error', (err: Error) => fail(() => new Error(`${where()}: ${err.message}`)));
      sock = proxy;
    }
    const config: ConnectConfig = {
      host: hop.host,
      port: hop.port,
      username: hop.user,
      readyTimeout: opts.readyTimeoutMs,
      keepaliveInterval: opts.keepaliveIntervalMs,
      keepaliveCountMax: opts.keepaliveCountMax,
      authHandler: auth,
      algorithms: { serverHostKey: preferredHostKeyAlgorithms(known, hop.host, hop.port) as never },
      hostVerifier: (key: Buffer): boolean => {
        const r = verifyHostKey({
          knownHostsPath: hop.knownHostsPath,
          label: hop.label,
          host: hop.host,
          port: hop.port,
          key,
          acceptNew: hop.acceptNew,
          ...(opts.acceptNewFlag !== undefined ? { acceptNewFlag: opts.acceptNewFlag } : {}),
        });
        if (!r.ok) {
          refusal = r.message;
          return false;
        }
        if (r.message) note(r.message);
        return true;
      },
      ...(sock ? { sock: sock as never } : {}),
    };
    try {
      client.connect(config);
    } catch (err) {
      fail(err as Error);
    }
  });
}

function forwardOut(client: Client, host: string, port: number, label: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
      if (err) reject(new Error(`jump host could not open a channel to ${label} (${host} port ${port}): ${err.message}`));
      else resolve(stream as unknown as Duplex);
    });
  });
}

/** Connect through the hops (jump hosts first, target last). */
export async function openSshChain(opts: ConnectOptions): Promise<SshChain> {
  const clients: Client[] = [];
  const destroyAll = (): void => {
    for (const c of [...clients].reverse()) c.destroy();
  };
  try {
    let sock: Duplex | undefined;
    for (let i = 0; i < opts.hops.length; i++) {
      const hop = opts.hops[i]!;
      const client = await connectHop(hop, opts, sock);
      clients.push(client);
      const next = opts.hops[i + 1];
      if (next) sock = await forwardOut(client, next.host, next.port, next.label);
    }
  } catch (err) {
    destroyAll();
    throw err;
  }
  const target = clients[clients.length - 1]!;
  let lost: string | null = null;
  const lostCbs: Array<(reason: string) => void> = [];
  // Losing any hop loses the target: close the rest with it.
  clients.forEach((c, i) =>
    c.once('close', () => {
      if (lost === null) {
        const why = lastErrors.get(c) ?? 'connection closed';
        lost = i === clients.length - 1 ? why : `jump host ${opts.hops[i]!.label}: ${why}`;
        for (const cb of lostCbs) cb(lost);
      }
      destroyAll();
    }),
  );
  return {
    client: target,
    clients,
    onLost: (cb) => {
      if (lost !== null) cb(lost);
      else lostCbs.push(cb);
    },
    end: () => {
      for (const c of [...clients].reverse()) c.end();
    },
    destroy: destroyAll,
  };
}
