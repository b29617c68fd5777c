/**
 * Promise wrappers over the few ssh2 SFTP requests the tail uses (open, fstat, read, close,
 * readdir). Paths go to the server as SFTP strings: never through a shell.
 */
import type { FileEntryWithStats, SFTPWrapper } from 'ssh2';

/** SFTP status codes (draft-ietf-secsh-filexfer-02). */
export const SFTP_EOF = 1;
export const SFTP_NO_SUCH_FILE = 2;
export const SFTP_PERMISSION_DENIED = 3;

export function sftpCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Short reason for a failed SFTP request. */
export function sftpReason(err: unknown): string {
  switch (sftpCode(err)) {
    case SFTP_NO_SUCH_FILE:
      return 'no such file';
    case SFTP_PERMISSION_DENIED:
      return 'permission denied';
    default:
      return (err as Error)?.message ?? String(err);
  }
}

export function sftpOpen(sftp: SFTPWrapper, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    sftp.open(path, 'r', (err, handle) => (err ? reject(err) : resolve(handle)));
  });
}

export function sftpFstatSize(sftp: SFTPWrapper, handle: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    sftp.fstat(handle, (err, st) => (err ? reject(err) : resolve(Number(st.size))));
  });
}

/** Read up to `len` bytes at `position`; returns the bytes read (fewer at EOF, empty past it). */
export function sftpRead(sftp: SFTPWrapper, handle: Buffer, len: number, position: number): Promise<Buffer> {
  if (len <= 0) return Promise.resolve(Buffer.alloc(0));
  const buf = Buffer.allocUnsafe(len);
  return new Promise((resolve, reject) => {
    sftp.read(handle, buf, 0, len, position, (err, bytesRead) => {
      if (err) {
        if (sftpCode(err) === SFTP_EOF) resolve(Buffer.alloc(0));
        else reject(err);
        return;
      }
      resolve(buf.subarray(0, bytesRead));
    });
  });
}

export function sftpClose(sftp: SFTPWrapper, handle: Buffer): Promise<void> {
  return new Promise((resolve) => {
    try {
      sftp.close(handle, () => resolve());
    } catch {
      resolve();
    }
  });
}

export function sftpReaddir(sftp: SFTPWrapper, path: string): Promise<FileEntryWithStats[]> {
  return new Promise((resolve, reject) => {
    sftp.readdir(path, (err, list) => (err ? reject(err) : resolve(list)));
  });
}

const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;

export function fileType(mode: number | undefined): number {
  return (mode ?? 0) & S_IFMT;
}
