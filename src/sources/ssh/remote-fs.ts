/**
 * How one node's files are read: the few operations the tail needs (open, size, read a byte
 * range, close, list a directory), over SFTP when the server has the subsystem, else over short
 * exec commands (exec-fs.ts). Handles are opaque and belong to the RemoteFs that made them (one
 * per connection). Errors carry SFTP status codes (`code`), so sftpCode/sftpReason read both.
 */
import type { SFTPWrapper } from 'ssh2';
import { fileType, S_IFDIR, S_IFLNK, S_IFREG, sftpClose, sftpFstatSize, sftpOpen, sftpRead, sftpReaddir } from './sftp-ops.ts';

export type RemoteHandle = object;

/** A directory entry: its name and type (S_IFREG, S_IFDIR or S_IFLNK; others are left out). */
export interface RemoteDirEntry {
  readonly name: string;
  readonly type: number;
}

export interface RemoteFs {
  /** How bytes are read: shown in messages. */
  readonly via: 'sftp' | 'exec';
  open(path: string): Promise<RemoteHandle>;
  size(h: RemoteHandle): Promise<number>;
  /** Up to `len` bytes at `position` (fewer at EOF, empty past it). */
  read(h: RemoteHandle, len: number, position: number): Promise<Buffer>;
  close(h: RemoteHandle): Promise<void>;
  /** The sizes of several files in one round trip (null: that one cannot be read now). */
  sizes?(handles: readonly RemoteHandle[]): Promise<Array<number | null>>;
  /** Size, then up to `len` bytes at `position`, in one round trip (where that saves one). */
  sizeAndRead?(h: RemoteHandle, position: number, len: number): Promise<{ size: number; bytes: Buffer }>;
  readdir(path: string): Promise<RemoteDirEntry[]>;
  /**
   * What tells files apart where the reader knows it (exec: the inode): two handles with the same
   * identity hold the same file. Absent or null: the head bytes decide (remote-file.ts).
   */
  identity?(h: RemoteHandle): string | null;
  /** Whether the handle's file is no longer at the path it was opened at (exec: renamed away, seen by a poll). */
  moved?(h: RemoteHandle): boolean;
}

/** Read exactly `len` bytes at `position` unless EOF comes first. */
export async function readFully(fs: RemoteFs, h: RemoteHandle, len: number, position: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < len) {
    const b = await fs.read(h, len - got, position + got);
    if (b.length === 0) break;
    parts.push(b);
    got += b.length;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, got);
}

/** The SFTP session of one connection as a RemoteFs (handles are SFTP handles). */
export class SftpFs implements RemoteFs {
  readonly via = 'sftp' as const;
  constructor(readonly sftp: SFTPWrapper) {}
  open(path: string): Promise<RemoteHandle> {
    return sftpOpen(this.sftp, path);
  }
  size(h: RemoteHandle): Promise<number> {
    return sftpFstatSize(this.sftp, h as Buffer);
  }
  read(h: RemoteHandle, len: number, position: number): Promise<Buffer> {
    return sftpRead(this.sftp, h as Buffer, len, position);
  }
  close(h: RemoteHandle): Promise<void> {
    return sftpClose(this.sftp, h as Buffer);
  }
  async readdir(path: string): Promise<RemoteDirEntry[]> {
    const list = await sftpReaddir(this.sftp, path);
    const out: RemoteDirEntry[] = [];
    for (const e of list) {
      const type = fileType(e.attrs?.mode);
      if (type === S_IFREG || type === S_IFDIR || type === S_IFLNK) out.push({ name: e.filename, type });
    }
    return out;
  }
}
