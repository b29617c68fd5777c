/**
 * The client side of an SSH connection, shared by live mode's SSH source and the launcher:
 * local user, home, host name, the parsed ~/.ssh/config (a missing or unreadable one is empty)
 * and the identity files to try. The only IO here is reading the config.
 */
import { homedir, hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { EMPTY_SSH_CONFIG, loadSshConfig, type SshConfig } from './ssh-config.ts';
import { expandTilde } from './ssh-config-values.ts';

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
    config = await loadSshConfig(configPath, { home, sshDir: join(home, '.ssh') });
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
