/**
 * The small SFTP reads the ssh launch backend makes on a node: remote paths as SFTP takes them,
 * the log reader LogTail polls, small files (exit statuses) and /proc checks.
 */
import type { SFTPWrapper } from 'ssh2';
import { sftpClose, sftpCode, sftpFstatSize, sftpOpen, sftpRead, SFTP_NO_SUCH_FILE } from '../../sources/ssh/sftp-ops.ts';
import type { TailReader } from './log-tail.ts';

/** A remote path as sent over SFTP: `~/x` → `x` (relative paths are relative to the login directory). */
export function sftpPath(p: string): string {
  if (p === '~' || p === '~/') return '.';
  return p.startsWith('~/') ? p.slice(2) : p;
}

/** SFTP reader of one file for LogTail (handle opened lazily, once per SFTP session). */
export class SftpReader implements TailReader {
  private handle: Buffer | null = null;
  constructor(
    readonly sftp: SFTPWrapper,
    private readonly path: string,
  ) {}
  async size(): Promise<number | null> {
    if (!this.handle) {
      try {
        this.handle = await sftpOpen(this.sftp, this.path);
      } catch (err) {
        if (sftpCode(err) === SFTP_NO_SUCH_FILE) return null;
        throw err;
      }
    }
    return sftpFstatSize(this.sftp, this.handle);
  }
  async read(position: number, length: number): Promise<Buffer> {
    if (!this.handle) return Buffer.alloc(0);
    return sftpRead(this.sftp, this.handle, length, position);
  }
  async close(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    if (h) await sftpClose(this.sftp, h);
  }
}

/** Read a small file (an exit status); null when it does not exist. */
export async function readSmall(sftp: SFTPWrapper, path: string, max = 64): Promise<string | null> {
  let h: Buffer;
  try {
    h = await sftpOpen(sftp, path);
  } catch (err) {
    if (sftpCode(err) === SFTP_NO_SUCH_FILE) return null;
    throw err;
  }
  try {
    return (await sftpRead(sftp, h, max, 0)).toString('utf8');
  } finally {
    await sftpClose(sftp, h);
  }
}

/** Is process `pid` there (its /proc entry)? null when /proc cannot be read over SFTP. */
export function procAlive(sftp: SFTPWrapper, pid: number): Promise<boolean | null> {
  return new Promise((resolve) => {
    sftp.stat(`/proc/${pid}`, (err) => {
      if (!err) resolve(true);
      else resolve(sftpCode(err) === SFTP_NO_SUCH_FILE ? false : null);
    });
  });
}
