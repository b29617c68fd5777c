/**
 * Hosts for `launch --hosts/--cluster`, resolved the way live mode resolves them (ssh_config
 * aliases, HostName, User, Port, IdentityFile, ProxyJump, UserKnownHostsFile, accept-new), into
 * the hop chains `openSshChain` connects through.
 */
import type { Hop } from '../../sources/ssh/connect.ts';
import { resolveHopChain } from '../../sources/ssh/hop-chain.ts';
import { loadSshClientContext } from '../../sources/ssh/ssh-client-context.ts';

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
  const seen = new Set<string>();
  const note = (m: string) => {
    if (seen.has(m)) return;
    seen.add(m);
    onNote?.(m);
  };
  return specs.map((t) => {
    const target = { label: t.name, host: t.host, user: t.user, port: t.port, jump: opts.jump };
    const { resolved: r, hops } = resolveHopChain(client, target, opts, note);
    return { name: t.name, address: r.hostName, user: r.user, port: r.port, hops };
  });
}
