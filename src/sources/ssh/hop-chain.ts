/**
 * One host resolved, through ssh_config, into the chain of hops `openSshChain` connects through:
 * its ProxyJump hosts first (each resolved in turn; their own ProxyJump is not followed), the
 * host last, all with the same known_hosts file and accept-new choice. A ProxyCommand (of the
 * host, or of its first jump host) is carried on the first hop for connect.ts to run. Shared by live mode's
 * SSH source and the launcher's `--hosts/--cluster`.
 */
import { join } from 'node:path';
import type { Hop } from './connect.ts';
import type { SshClientContext } from './ssh-client-context.ts';
import { expandTilde } from './ssh-config-values.ts';
import { type ResolvedHost, resolveHost } from './ssh-host-resolve.ts';

/** A host as given on the command line or in a cluster file. */
export interface HopTarget {
  /** Label of the last hop (the jump hosts are labelled by their names). */
  readonly label: string;
  /** Host name or ssh_config alias. */
  readonly host: string;
  readonly user?: string;
  readonly port?: number;
  /** ProxyJump that wins over ssh_config's. */
  readonly jump?: string;
}

export interface HopChainOptions {
  /** Default: ssh_config UserKnownHostsFile, else ~/.ssh/known_hosts. */
  readonly knownHostsPath?: string;
  /** Accept (and record) unknown host keys; also on when ssh_config says accept-new. */
  readonly acceptNew?: boolean;
}

/** Resolve `target` and its jump hosts. Notes (unsupported options, …) go to `note`, in order. */
export function resolveHopChain(
  client: SshClientContext,
  target: HopTarget,
  opts: HopChainOptions,
  note: (message: string) => void,
): { resolved: ResolvedHost; hops: Hop[] } {
  const { env, home, config } = client;
  const r = resolveHost(config, target.host, env, {
    ...(target.user !== undefined ? { user: target.user } : {}),
    ...(target.port !== undefined ? { port: target.port } : {}),
    ...(target.jump !== undefined ? { proxyJump: target.jump } : {}),
  });
  for (const n of r.notes) note(n);
  const knownHostsPath = expandTilde(opts.knownHostsPath ?? r.userKnownHostsFiles?.[0] ?? join(home, '.ssh', 'known_hosts'), home);
  const acceptNew = opts.acceptNew === true || r.strictHostKeyChecking === 'accept-new';
  const hops: Hop[] = r.proxyJump.map((j, i) => {
    const rj = resolveHost(config, j.host, env, {
      ...(j.user !== undefined ? { user: j.user } : {}),
      ...(j.port !== undefined ? { port: j.port } : {}),
    });
    if (rj.proxyJump.length > 0) note(`ProxyJump of jump host ${j.host} is not followed (list the whole chain instead)`);
    // The first jump host may itself be reached through a ProxyCommand (a bastion behind a gateway).
    if (rj.proxyCommand !== undefined && i > 0) note(`ProxyCommand of jump host ${j.host} is not run (only the first hop's is)`);
    const proxy = i === 0 && rj.proxyCommand !== undefined ? { proxyCommand: rj.proxyCommand } : {};
    return { label: j.host, host: rj.hostName, port: rj.port, user: rj.user, identityFiles: client.identities(rj.identityFiles), acceptNew, knownHostsPath, ...proxy };
  });
  const proxy = hops.length === 0 && r.proxyCommand !== undefined ? { proxyCommand: r.proxyCommand } : {};
  hops.push({ label: target.label, host: r.hostName, port: r.port, user: r.user, identityFiles: client.identities(r.identityFiles), acceptNew, knownHostsPath, ...proxy });
  return { resolved: r, hops };
}
