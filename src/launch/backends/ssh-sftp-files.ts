/**
 * The small reads the ssh launch backend makes on a node, through the connection's RemoteFs (SFTP,
 * or exec commands where the server has no SFTP subsystem): remote paths as SFTP takes them, the
 * log reader LogTail polls, small files (exit statuses), /proc checks and the log's download.
 */
import { createWriteStream } from 'node:fs';
import type { RemoteFs, RemoteHandle } from '../../sources/ssh/remote-fs.ts';
import { SftpFs } from '../../sources/ssh/remote-fs.ts';
import { sftpCode, SFTP_NO_SUCH_FILE } from '../../sources/ssh/sftp-ops.ts';
import type { TailReader } from './log-tail.ts';

/** A remote path as sent over SFTP: `~/x` → `x` (relative paths are relative to the login directory). */
export function sftpPath(p: string): string {
  if (p === '~' || p === '~/') return '.';
  return p.startsWith('~/') ? p.slice(2) : p;
}

/** Reader of one file for LogTail (handle opened lazily, once per connection's RemoteFs). */
export class RemoteFileReader implements TailReader {
  private handle: RemoteHandle | null = null;
  constructor(
    readonly fs: RemoteFs,
    private readonly path: string,
  ) {}
  async size(): Promise<number | null> {
    if (!this.handle) {
      try {
        this.handle = await this.fs.open(this.path);
      } catch (err) {
        if (sftpCode(err) === SFTP_NO_SUCH_FILE) return null;
        throw err;
      }
    }
    return this.fs.size(this.handle);
  }
  async read(position: number, length: number): Promise<Buffer> {
    if (!this.handle) return Buffer.alloc(0);
    return this.fs.read(this.handle, length, position);
  }
  async close(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    if (h) await this.fs.close(h);
  }
}

/** Read a small file (an exit status); null when it does not exist. */
export async function readSmall(fs: RemoteFs, path: string, max = 64): Promise<string | null> {
  let h: RemoteHandle;
  try {
    h = await fs.open(path);
  } catch (err) {
    if (sftpCode(err) === SFTP_NO_SUCH_FILE) return null;
    throw err;
  }
  try {
    return (await fs.read(h, max, 0)).toString('utf8');
  } finally {
    await fs.close(h);
  }
}

/** Is process `pid` there (its /proc entry)? null when that cannot be told over this reader (exec: the caller's script asks). */
export function procAlive(fs: RemoteFs, pid: number): Promise<boolean | null> {
  if (!(fs instanceof SftpFs)) return Promise.resolve(null);
  return new Promise((resolve) => {
    fs.sftp.stat(`/proc/${pid}`, (err) => {
      if (!err) resolve(true);
      else resolve(sftpCode(err) === SFTP_NO_SUCH_FILE ? false : null);
    });
  });
}

/** Bytes per exec read while downloading (one short command each; SFTP uses fastGet). */
const DOWNLOAD_CHUNK = 4 << 20;

/** Copy the remote file to `local` (SFTP's fastGet, else byte ranges over the reader). */
export async function download(fs: RemoteFs, path: string, local: string): Promise<void> {
  if (fs instanceof SftpFs) {
    await new Promise<void>((resolve, reject) => fs.sftp.fastGet(path, local, (err) => (err ? reject(err) : resolve())));
    return;
  }
  const h = await fs.open(path);
  const out = createWriteStream(local, { flags: 'w' });
  const done = new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.once('finish', resolve);
  });
  try {
    for (let pos = 0; ; ) {
      const b = await fs.read(h, DOWNLOAD_CHUNK, pos);
      if (b.length === 0) break;
      pos += b.length;
      if (!out.write(b)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
  } finally {
    out.end();
    await fs.close(h).catch(() => {});
  }
  await done;
}
