/**
 * The files one node of the SSH live source follows, all through the node's one RemoteFs (one
 * SFTP session, or exec commands where the server has no SFTP subsystem):
 * paths and globs expanded (re-scanned every rescanMs), each file opened and polled through a
 * RemoteFile, files that are missing or cannot be read reported and tried again at the next
 * scan. A file keeps its position across reconnects: it is opened again in the new session.
 */
import { posix } from 'node:path';
import type { NodeReporter } from './node-reporter.ts';
import { RemoteFile } from './remote-file.ts';
import type { RemoteFs } from './remote-fs.ts';
import { expandRemoteGlob, hasGlob } from './remote-glob.ts';
import { SFTP_NO_SUCH_FILE, sftpCode, sftpReason } from './sftp-ops.ts';
import { printable, type SshTarget, type TailContext } from './ssh-tail-context.ts';

/** What one round of polls read. */
export interface PollTotals {
  /** Bytes read from all files. */
  bytes: number;
  /** Some file has more bytes waiting than one poll reads. */
  more: boolean;
}

export class NodeFiles {
  private readonly files = new Map<string, RemoteFile>();
  /** The live session's RemoteFs, null between connections. */
  private fs: RemoteFs | null = null;
  private lastRescan = 0;
  /** Followed files that could not be opened again (their rows say why until they open). */
  private readonly down = new Set<string>();

  constructor(
    private readonly ctx: TailContext,
    private readonly target: SshTarget,
    private readonly reporter: NodeReporter,
  ) {}

  /** Following stops: each file's unfinished last line is said (as the local tail says it). */
  reportPartialLines(): void {
    for (const f of this.files.values()) {
      const line = f.partialLine;
      if (line !== null) this.reporter.problem(f.label, 'partial_line', `${f.label}: the last line (${line}) had no newline when following stopped; not counted`);
    }
  }

  /** A new session is up: it is the one files are opened and read in now. */
  attach(fs: RemoteFs): void {
    this.fs = fs;
  }

  /** The session is gone: every file forgets its handle, keeps its position. */
  detach(): void {
    this.fs = null;
    for (const f of this.files.values()) f.detach();
  }

  rescanDue(now: number): boolean {
    return now - this.lastRescan >= this.ctx.settings.rescanMs;
  }

  /**
   * Poll every file open in `fs` once (and check its identity when due). A read failure is
   * reported and the file closed, to be opened again at the next scan, unless the session is
   * abandoned (`abandoned()`, the source stopping, or another session taking over).
   */
  async pollAll(fs: RemoteFs, abandoned: () => boolean): Promise<PollTotals> {
    const { settings } = this.ctx;
    let bytes = 0;
    let more = false;
    const open = [...this.files.values()].filter((f) => f.isOpenOn(fs));
    // Over exec, the sizes of all files come from one command: only files that changed get one
    // of their own (an idle node costs one short command per poll, whatever its file count).
    let sizes: ReadonlyArray<number | null> | null = null;
    if (fs.sizes && open.length > 0) {
      try {
        sizes = await fs.sizes(open.map((f) => f.handleOn(fs)!));
      } catch {
        sizes = null; // each file asks for itself below, and reports its own error
      }
    }
    await Promise.all(
      open.map(async (f, i) => {
        if (!f.isOpenOn(fs)) return;
        try {
          const known = sizes?.[i] ?? undefined;
          const due = f.identityCheckDue(this.ctx.now(), settings.identityCheckMs);
          if (known !== undefined && known === f.offset && !due) return;
          const r = await f.poll(fs, known);
          bytes += r.bytes;
          more ||= r.more;
          if (due) await f.checkIdentity(fs, this.ctx.now());
        } catch (err) {
          if (abandoned() || this.ctx.stopped() || this.fs !== fs) return;
          // sftp-server opens a directory without complaint; its reads then fail with a bare "Failure".
          const isDir = await fs.readdir(f.path).then(
            () => true,
            () => false,
          );
          this.reporter.problem(f.label, 'unreadable', isDir ? 'cannot open: is a directory' : `read failed (${printable(sftpReason(err))}); will open it again`);
          await f.close(fs).catch(() => {});
        }
      }),
    );
    return { bytes, more };
  }

  /** Path as sent over SFTP: `~/x` → `x` (SFTP resolves relative paths against the login directory). */
  private static sftpPath(p: string): string {
    if (p === '~' || p === '~/') return '.';
    const q = posix.normalize(p.startsWith('~/') ? p.slice(2) : p);
    return q === './' ? '.' : q.length > 1 ? q.replace(/\/$/, '') : q;
  }

  private label(path: string): string {
    const shown = path.startsWith('/') ? path : path === '.' ? '~' : `~/${path}`;
    return `${this.target.host}:${printable(shown)}`;
  }

  /** Expand globs, open new files, re-open files that are not open (missing before, or after a reconnect). */
  async scan(fs: RemoteFs): Promise<void> {
    this.lastRescan = this.ctx.now();
    const { settings } = this.ctx;
    for (const raw of this.target.paths) {
      const p = NodeFiles.sftpPath(raw);
      if (hasGlob(p)) {
        const res = await expandRemoteGlob(fs, p, settings.maxFiles);
        const key = this.label(p);
        if (res.paths.length === 0) {
          this.reporter.problem(key, 'unreadable', `no file matches ${printable(raw)} yet; looking again every ${Math.round(settings.rescanMs / 1000)} s`);
        } else {
          this.reporter.resolved(key);
        }
        for (const path of res.paths) await this.ensure(fs, path);
      } else {
        // `\*` etc. name a literal wildcard character.
        await this.ensure(fs, p.replace(/\\([*?[\]\\])/g, '$1'));
      }
    }
  }

  private async ensure(fs: RemoteFs, path: string): Promise<void> {
    let f = this.files.get(path);
    if (f?.isOpenOn(fs)) return;
    if (!f) {
      if (this.files.size >= this.ctx.settings.maxFiles) {
        this.reporter.problem(this.label(path), 'skipped', `more than ${this.ctx.settings.maxFiles} files on ${this.target.node}; not followed`);
        return;
      }
      f = new RemoteFile(path, this.label(path), this.reporter, this.ctx.settings.maxReadBytes, this.ctx.settings.maxLineBytes);
    }
    try {
      const outcome = await f.open(fs, this.ctx.now());
      if (!this.files.has(path)) this.files.set(path, f);
      this.reporter.resolved(f.label);
      const wasDown = this.down.delete(path);
      if (outcome === 'new') this.reporter.fileStatus(f.label, 'following');
      else if (outcome === 'replaced') this.reporter.fileStatus(f.label, 'file was replaced while disconnected; reading it from the start');
      else if (wasDown) this.reporter.fileStatus(f.label, 'can be opened again; following');
    } catch (err) {
      if (this.ctx.stopped() || this.fs !== fs) return; // the session is gone: not a file problem
      const missing = sftpCode(err) === SFTP_NO_SUCH_FILE;
      const why = missing ? `no such file on ${this.target.host} yet; looking again every ${Math.round(this.ctx.settings.rescanMs / 1000)} s` : `cannot open: ${printable(sftpReason(err))}`;
      this.reporter.problem(f.label, 'unreadable', why);
      // A file followed before (opened again after a reconnect, or after a failed read) is not
      // streaming while it cannot be opened: the reconnect said `streaming` for every file of the node.
      if (this.files.has(path)) {
        this.down.add(path);
        this.reporter.fileDown(f.label, missing ? 'waiting' : 'error', why);
      }
      // (A known file keeps its position and identity, to resume it when it comes back.)
    }
  }
}
