/**
 * How a node's files are read once its SSH connection is up: the SFTP subsystem where the server
 * has one, else short exec commands (exec-fs.ts), with a note saying why. Shared by live mode's
 * SSH source (node-tail.ts) and the ssh launch backend (launch/backends/ssh-host-conn.ts).
 */
import type { SFTPWrapper } from 'ssh2';
import type { SshChain } from './connect.ts';
import { ExecFs } from './exec-fs.ts';
import { type RemoteFs, SftpFs } from './remote-fs.ts';
import { printable } from './ssh-tail-context.ts';

function openSftp(chain: SshChain): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => {
    chain.client.sftp((err, sftp) => (err ? reject(new Error(`cannot start the SFTP subsystem: ${err.message}`)) : resolve(sftp)));
  });
}

/** The server offers no way to read files (no SFTP subsystem, exec refused): retried slowly. */
export class NoReaderError extends Error {
  override name = 'NoReaderError';
}

/**
 * The node's RemoteFs: SFTP, else exec (with `note` saying why). A lost connection while
 * trying is thrown as is (reconnect); a server that refuses both is a NoReaderError.
 */
export async function openRemoteFs(chain: SshChain, note: (m: string) => void): Promise<RemoteFs> {
  let sftpWhy: string;
  try {
    const sftp = await openSftp(chain);
    // The SFTP channel closing (subsystem killed) is a lost connection too.
    sftp.once('close', () => chain.destroy());
    return new SftpFs(sftp);
  } catch (err) {
    sftpWhy = (err as Error).message;
  }
  // sshd answers a subsystem request it has no entry for with a plain failure.
  const reason = /subsystem/i.test(sftpWhy) ? 'server has no SFTP subsystem' : `SFTP did not start (${printable(sftpWhy)})`;
  const fs = new ExecFs(chain.client);
  try {
    await fs.probe();
  } catch (err) {
    throw new NoReaderError(`${reason}, and ${printable((err as Error).message)}`);
  }
  note(`${reason}; reading over exec`);
  return fs;
}
