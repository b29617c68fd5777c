/**
 * Hosts for `launch --hosts/--cluster`, resolved the way live mode resolves them (ssh_config
 * aliases, HostName, User, Port, IdentityFile, ProxyJump, UserKnownHostsFile, accept-new), into
 * the hop chains `openSshChain` connects through.
 */
import { join } from 'node:path';
import type { Hop } from '../../sources/ssh/connect.ts';
import { loadSshClientContext } from '../../sources/ssh/ssh-client-context.ts';
import { expandTilde } from '../../sources/ssh/ssh-config-values.ts';
import { resolveHost } from '../../sources/ssh/ssh-host-resolve.ts';

export interface HostSpec {
  /** Name as given (alias): labels, {host}. */
  readonly name: string;
  /** Host to resolve (the alias, or the cluster file's host). */
  readonly host: string;
  readonly user?: string;
  readonly port?: number;
}

export interface SshResolveOptions {
  /** Default ~/.ssh/config (a missing file is fine). */
  readonly sshConfigPath?: string;
  readonly knownHostsPath?: string;
  readonly acceptNew?: boolean;
  readonly identityFiles?: readonly string[];
  /** ProxyJump for every host. */
  readonly jump?: string;
  readonly home?: string;
  readonly localUser?: string;
}

export interface ResolvedHost {
  readonly name: string;
  /** HostName after ssh_config: {master_addr}, {node_ips}. */
  readonly address: string;
  readonly user: string;
  readonly port: number;
  /** Jump hosts first, the target last. */
  readonly hops: readonly Hop[];
}


/** Resolve every host. Notes (unsupported options, …) go to `onNote`. */
export async function resolveSshHosts(specs: readonly HostSpec[], opts: SshResolveOptions = {}, onNote?: (m: string) => void): Promise<ResolvedHost[]> {
  const client = await loadSshClientContext(opts);
  const { env, home, config } = client;
  const seen = new Set<string>();
  const note = (m: string) => {
    if (seen.has(m)) return;
    seen.add(m);
    onNote?.(m);
  };
  const identities = (fromConfig: readonly string[]) => client.identities(fromConfig);
  return specs.map((t) => {
    const r = resolveHost(config, t.host, env, {
      ...(t.user !== undefined ? { user: t.user } : {}),
      ...(t.port !== undefined ? { port: t.port } : {}),
      ...(opts.jump !== undefined ? { proxyJump: opts.jump } : {}),
    });
    for (const n of r.notes) note(n);
    const knownHostsPath = expandTilde(opts.knownHostsPath ?? r.userKnownHostsFiles?.[0] ?? join(home, '.ssh', 'known_hosts'), home);
    const acceptNew = opts.acceptNew === true || r.strictHostKeyChecking === 'accept-new';
    const hops: Hop[] = r.proxyJump.map((j) => {
      const rj = resolveHost(config, j.host, env, {
        ...(j.user !== undefined ? { user: j.user } : {}),
        ...(j.port !== undefined ? { port: j.port } : {}),
      });
      if (rj.proxyJump.length > 0) note(`ProxyJump of jump host ${j.host} is not followed (list the whole chain instead)`);
      return { label: j.host, host: rj.hostName, port: rj.port, user: rj.user, identityFiles: identities(rj.identityFiles), acceptNew, knownHostsPath };
    });
    hops.push({ label: t.name, host: r.hostName, port: r.port, user: r.user, identityFiles: identities(r.identityFiles), acceptNew, knownHostsPath });
    return { name: t.name, address: r.hostName, user: r.user, port: r.port, hops };
  });
}
