/**
 * Which files live on a network or cluster filesystem, where a read can block for long and
 * inotify misses other machines' writes: they are read asynchronously, and checked every poll
 * period even in fs events mode (local-tail.ts).
 */
import { promises as fsp } from 'node:fs';

/** Filesystem types (statfs f_type, Linux) of network and cluster filesystems. */
const NETWORK_FS = new Set([
  0x6969, // NFS
  0x517b, // SMB
  0xff534d42, // CIFS
  0xfe534d42, // SMB2
  0x0bd00bd0, // Lustre
  0x47504653, // GPFS
  0x00c36400, // Ceph
  0x19830326, // BeeGFS
  0x65735546, // FUSE (sshfs, gcsfuse, ...)
  0x01021997, // 9p
  0x5346414f, // AFS
  0x6b414653, // kAFS
  0x73757245, // Coda
  0x7461636f, // OCFS2
  0x01161970, // GFS2
  0xaad7aaea, // PanFS
  0x20030528, // OrangeFS
  0x564c, // NCP
]);

/**
 * Whether a file is on a local filesystem, where synchronous reads are safe (statfs follows a
 * symlink to wherever its target lives). Unknown: no. Off Linux: yes (no statfs types to go by).
 */
export function onLocalFs(abs: string): Promise<boolean> {
  if (process.platform !== 'linux') return Promise.resolve(true);
  return fsp.statfs(abs).then(
    (s) => !NETWORK_FS.has(s.type),
    () => false,
  );
}
