/**
 * Reading a node's files over exec channels, for servers without the SFTP subsystem (locked-down
 * login nodes). Every operation is one short-lived command that ends by itself — nothing is left
 * running on the node: per poll one command for the sizes of all the node's files (`wc -c <`),
 * then, for each file that grew, one giving the bytes after the offset (`tail -c +N | head -c M`);
 * a directory listing (a `for` loop over the names). The scripts are constant text run by
 * `sh -c SCRIPT sh ARG…`; paths and numbers arrive only as positional parameters, each one
 * single-quoted word (src/launch/quote.ts) for the login shell and then used as `"$1"`, which sh
 * never splits, globs or expands further. No descriptor stays open between commands, so a handle
 * is a path and the inode it named when opened (`ls -diL`): every command on it checks the inode
 * first, and when the path names another file now (rotated by rename: `x.log` → `x.log.1`, a new
 * `x.log`) the handle follows its file to its new name in the same directory (`ls -aiL` there),
 * as an SFTP handle keeps the old file. The tail then finishes the old file and reads the new one
 * from 0 (remote-file.ts), every line once. A file gone from its directory reads as ended.
 * At most `maxChannels` commands run at once (sshd's MaxSessions is 10 by default); each has a
 * time limit and a bounded output.
 */
import type ssh2 from 'ssh2';
import type { ClientChannel } from 'ssh2';
import { shQuoteAlways } from '../../launch/quote.ts';
import type { RemoteDirEntry, RemoteFs, RemoteHandle } from './remote-fs.ts';
import { S_IFDIR, S_IFLNK, S_IFREG, SFTP_NO_SUCH_FILE, SFTP_PERMISSION_DENIED } from './sftp-ops.ts';

type Client = InstanceType<typeof ssh2.Client>;

/** Exit statuses of the scripts below, mapped to SFTP codes / reasons. */
const EXIT_NO_SUCH_FILE = 2;
const EXIT_PERMISSION = 3;
const EXIT_IS_DIR = 21;
/** Paths per size query, in bytes: well inside the 32 KiB an SSH packet is sure to carry. */
const MAX_ARGS_BYTES = 16 * 1024;

const EXIT_MOVED = 5;

/**
 * A link whose target is missing or loops is "no such file", as sftp-server says (it answered
 * "permission denied": `latest.log -> run42.log` before run42.log is written was an error); only
 * one whose target cannot be reached for want of permission is "permission denied".
 */
const CHECK =
  '[ -e "$1" ] || { [ -L "$1" ] && LC_ALL=C ls -dL -- "$1" 2>&1 | grep -q "ermission denied" && exit 3; exit 2; }; [ -d "$1" ] && exit 21; [ -r "$1" ] || exit 3';
/** `$i`: the inode `$1` names (digits only: `ls -di` may pad it with spaces). */
const INODE = 'i=$(ls -diL -- "$1" 2>/dev/null) || exit 2; i=${i#"${i%%[0-9]*}"}; i=${i%%[!0-9]*}';
/** The path still names the file of inode `$2`, else exit 5 (the handle then looks for it). */
const SAME = `${CHECK}; ${INODE}; [ "$i" = "$2" ] || exit ${EXIT_MOVED}`;
/**
 * The path still named inode `$2` after the command read it, else exit 5 (its output is then not
 * used: the handle finds the file and runs it again). A rename rotation can land between SAME and
 * the read: without this the new file's size or bytes were taken for the old file's.
 */
const STILL = `${INODE}; [ "$i" = "$2" ] || exit ${EXIT_MOVED}`;
/** The scripts each operation runs (exported for the tests that run them under a local sh). */
export const SCRIPTS = {
  open: `${CHECK}; ${INODE}; echo "$i"`,
  size: `${SAME}; s=$(wc -c < "$1") || exit 1; ${STILL}; echo "$s"`,
  // $3 = first byte (1-based), $4 = most bytes. head ends the pipe; tail stops on SIGPIPE.
  read: `${SAME}; tail -c "+$3" -- "$1" | head -c "$4"; ${STILL}`,
  // Pairs (path, inode); one line per file: its size, `m` when the path names another file now,
  // `-` when it cannot be read now.
  sizes:
    'while [ $# -gt 1 ]; do f=$1; w=$2; shift 2; if [ -r "$f" ] && [ ! -d "$f" ]; then i=$(ls -diL -- "$f" 2>/dev/null) || { echo -; continue; }; ' +
    'i=${i#"${i%%[0-9]*}"}; i=${i%%[!0-9]*}; if [ "$i" != "$w" ]; then echo m; elif s=$(wc -c < "$f"); then ' +
    // The inode again after the size (a rotation between the two gave the new file's size).
    'j=$(ls -diL -- "$f" 2>/dev/null); j=${j#"${j%%[0-9]*}"}; j=${j%%[!0-9]*}; if [ "$j" = "$w" ]; then echo $s; else echo m; fi; else echo -; fi; else echo -; fi; done',
  // The size on a line of its own, then the bytes: one command per poll.
  sizeRead: `${SAME}; s=$(wc -c < "$1") || exit 1; echo $s; tail -c "+$3" -- "$1" | head -c "$4"; ${STILL}`,
  // Inode and name of every entry of a directory (where a renamed file went).
  inodes: 'cd -- "$1" 2>/dev/null || exit 2; ls -aiL 2>/dev/null; exit 0',
  readdir:
    'cd -- "$1" 2>/dev/null || { [ -e "$1" ] && exit 3; exit 2; }; for f in * .*; do case $f in .|..) continue;; esac; ' +
    'if [ -d "$f" ]; then t=d; elif [ -f "$f" ]; then t=f; elif [ -L "$f" ]; then t=l; else continue; fi; printf "%s/%s\\0" "$t" "$f"; done',
  probe: 'command -v tail >/dev/null && command -v head >/dev/null && command -v wc >/dev/null && command -v ls >/dev/null && echo dlperf-exec-ok',
};

/** An error shaped like an SFTP status error. */
export class ExecFsError extends Error {
  override name = 'ExecFsError';
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }
}

interface RunResult {
  code: number | null;
  signal: string | null;
  out: Buffer;
  err: string;
}

/**
 * A file as the exec reader holds it: the inode it had when opened, and the name it has now
 * (`at`: the opened path until the file is renamed away from it). `gone`: no name in its
 * directory holds it any more; it reads as ended (its last size, no bytes).
 */
interface PathHandle {
  readonly path: string;
  readonly ino: string;
  at: string;
  gone: boolean;
  lastSize: number;
}

export interface ExecFsOptions {
  /** Most commands at once on the connection (default 4). */
  readonly maxChannels?: number;
  /** Time limit of one command (default 20 s). */
  readonly timeoutMs?: number;
}

export class ExecFs implements RemoteFs {
  readonly via = 'exec' as const;
  private running = 0;
  private readonly queue: Array<() => void> = [];
  private readonly maxChannels: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly client: Client,
    opts: ExecFsOptions = {},
  ) {
    this.maxChannels = opts.maxChannels ?? 4;
    this.timeoutMs = opts.timeoutMs ?? 20_000;
  }

  /** Can files be read over exec here? Resolves, or rejects with the reason (exec refused, tools missing). */
  async probe(): Promise<void> {
    let r: RunResult;
    try {
      r = await this.run(SCRIPTS.probe, [], 1024);
    } catch (err) {
      throw new ExecFsError(`the server refused exec too (${(err as Error).message})`);
    }
    if (r.code !== 0 || !r.out.toString('utf8').includes('dlperf-exec-ok')) {
      const why = r.err.trim().split('\n').slice(-1)[0] || `exit status ${r.code ?? r.signal ?? 'none'}`;
      throw new ExecFsError(`commands cannot run there (sh with tail, head and wc is needed: ${why})`);
    }
  }

  async open(path: string): Promise<RemoteHandle> {
    const r = this.check(await this.run(SCRIPTS.open, [path], 64), path);
    const ino = r.out.toString('latin1').trim();
    if (!/^\d+$/.test(ino)) throw new ExecFsError(`unexpected inode "${ino.slice(0, 40)}"`);
    return { path, ino, at: path, gone: false, lastSize: 0 } satisfies PathHandle;
  }

  /** Renamed away from its path (or gone): the tail checks the path now, not at its next periodic check. */
  moved(h: RemoteHandle): boolean {
    const ph = h as PathHandle;
    return ph.gone || ph.at !== ph.path;
  }

  /** Inode of the file a handle holds: two handles on the same inode hold the same file. */
  identity(h: RemoteHandle): string | null {
    return (h as PathHandle).ino ?? null;
  }

  /**
   * Run a command on a handle's file; when its name names another file now (exit 5), find the
   * file's new name in the same directory and run it there. `null`: the file is gone.
   */
  private async onFile(h: PathHandle, script: string, extra: readonly string[], maxOut: number): Promise<RunResult | null> {
    for (let tries = 0; tries < 3 && !h.gone; tries++) {
      const r = await this.run(script, [h.at, h.ino, ...extra], maxOut);
      if (r.code !== EXIT_MOVED && !(r.code === EXIT_NO_SUCH_FILE && tries === 0)) return this.check(r, h.at);
      if (!(await this.relocate(h))) break;
    }
    return null;
  }

  /** Where did the file go: the name in its directory that has its inode now (rename rotation). */
  private async relocate(h: PathHandle): Promise<boolean> {
    const slash = h.at.lastIndexOf('/');
    const dir = slash < 0 ? '.' : slash === 0 ? '/' : h.at.slice(0, slash);
    const r = await this.run(SCRIPTS.inodes, [dir], 16 * 1024 * 1024);
    if (r.code === 0) {
      for (const line of r.out.toString('utf8').split('\n')) {
        const m = /^\s*(\d+) (.+)$/.exec(line);
        if (!m || m[1] !== h.ino || m[2] === '.' || m[2] === '..') continue;
        h.at = dir === '.' && slash < 0 ? m[2]! : `${dir === '/' ? '' : dir}/${m[2]}`;
        return true;
      }
    }
    h.gone = true;
    return false;
  }

  async size(h: RemoteHandle): Promise<number> {
    const ph = h as PathHandle;
    const r = await this.onFile(ph, SCRIPTS.size, [], 64);
    if (r === null) return ph.lastSize;
    const n = Number(r.out.toString('utf8').trim());
    if (!Number.isSafeInteger(n) || n < 0) throw new ExecFsError(`unexpected size "${r.out.toString('utf8').trim().slice(0, 40)}"`);
    ph.lastSize = n;
    return n;
  }

  async read(h: RemoteHandle, len: number, position: number): Promise<Buffer> {
    if (len <= 0) return Buffer.alloc(0);
    const r = await this.onFile(h as PathHandle, SCRIPTS.read, [String(position + 1), String(len)], len);
    return r === null ? Buffer.alloc(0) : r.out;
  }

  async sizes(handles: readonly RemoteHandle[]): Promise<Array<number | null>> {
    const out: Array<number | null> = [];
    // Several commands when the paths are long: an exec request has to fit in one SSH packet.
    for (let i = 0; i < handles.length; ) {
      const batch: PathHandle[] = [];
      let len = 0;
      while (i < handles.length && (batch.length === 0 || len < MAX_ARGS_BYTES)) {
        const h = handles[i++] as PathHandle;
        batch.push(h);
        len += Buffer.byteLength(h.at) + h.ino.length + 6;
      }
      const r = this.check(await this.run(SCRIPTS.sizes, batch.flatMap((h) => [h.at, h.ino]), batch.length * 24), batch[0]!.at);
      const lines = r.out.toString('latin1').split('\n');
      for (let k = 0; k < batch.length; k++) {
        const t = lines[k]?.trim();
        const n = Number(t);
        if (t === 'm') {
          // Renamed away (or gone): the file's own size, where it is now.
          out.push(await this.size(batch[k]!).catch(() => null));
          continue;
        }
        const ok = t !== undefined && t !== '-' && t !== '' && Number.isSafeInteger(n) && n >= 0;
        if (ok) batch[k]!.lastSize = n;
        out.push(ok ? n : null);
      }
    }
    return out;
  }

  async sizeAndRead(h: RemoteHandle, position: number, len: number): Promise<{ size: number; bytes: Buffer }> {
    const ph = h as PathHandle;
    const r = await this.onFile(ph, SCRIPTS.sizeRead, [String(position + 1), String(Math.max(0, len))], len + 32);
    if (r === null) return { size: Math.max(ph.lastSize, position), bytes: Buffer.alloc(0) };
    const nl = r.out.indexOf(0x0a);
    const size = Number(r.out.subarray(0, Math.max(0, nl)).toString('latin1').trim());
    if (nl < 0 || !Number.isSafeInteger(size) || size < 0) throw new ExecFsError(`unexpected size "${r.out.subarray(0, 40).toString('latin1')}"`);
    ph.lastSize = size;
    return { size, bytes: r.out.subarray(nl + 1) };
  }

  async close(): Promise<void> {
    // Nothing is held open between commands.
  }

  async readdir(path: string): Promise<RemoteDirEntry[]> {
    const r = this.check(await this.run(SCRIPTS.readdir, [path], 16 * 1024 * 1024), path);
    const out: RemoteDirEntry[] = [];
    for (const rec of r.out.toString('utf8').split('\0')) {
      const slash = rec.indexOf('/');
      if (slash !== 1) continue;
      const t = rec[0];
      out.push({ name: rec.slice(2), type: t === 'd' ? S_IFDIR : t === 'f' ? S_IFREG : S_IFLNK });
    }
    return out;
  }

  /** Turn a failed command into the error the tail understands. */
  private check(r: RunResult, path: string): RunResult {
    if (r.code === 0) return r;
    if (r.code === EXIT_NO_SUCH_FILE) throw new ExecFsError('no such file', SFTP_NO_SUCH_FILE);
    if (r.code === EXIT_PERMISSION) throw new ExecFsError('permission denied', SFTP_PERMISSION_DENIED);
    if (r.code === EXIT_IS_DIR) throw new ExecFsError('is a directory', 4);
    const why = r.err.trim().split('\n').slice(-1)[0] ?? '';
    throw new ExecFsError(`reading ${path} over exec failed (${r.code !== null ? `exit status ${r.code}` : r.signal ? `killed by ${r.signal}` : 'channel closed'}${why ? `: ${why}` : ''})`);
  }

  private async run(script: string, args: readonly string[], maxOut: number): Promise<RunResult> {
    await this.slot();
    try {
      return await this.exec(`sh -c ${shQuoteAlways(script)} sh ${args.map(shQuoteAlways).join(' ')}`, maxOut);
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }

  private slot(): Promise<void> {
    if (this.running < this.maxChannels) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.queue.push(() => {
        this.running++;
        resolve();
      }),
    );
  }

  private exec(command: string, maxOut: number): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let channel: ClientChannel | null = null;
      const parts: Buffer[] = [];
      let got = 0;
      let err = '';
      let code: number | null = null;
      let signal: string | null = null;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        channel?.close();
        reject(new ExecFsError(`no answer in ${Math.round(this.timeoutMs / 1000)} s`));
      }, this.timeoutMs);
      const done = (e: Error | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (e) reject(e);
        else resolve({ code, signal, out: parts.length === 1 ? parts[0]! : Buffer.concat(parts, got), err });
      };
      try {
        this.client.exec(command, (e, ch) => {
          if (e) return done(new ExecFsError(e.message));
          channel = ch;
          ch.on('data', (d: Buffer) => {
            // More than asked for means the command misbehaved: keep only what was asked.
            const take = Math.min(d.length, maxOut - got);
            if (take > 0) {
              parts.push(take === d.length ? d : d.subarray(0, take));
              got += take;
            }
          });
          ch.stderr.on('data', (d: Buffer) => {
            if (err.length < 2048) err += d.toString('utf8').slice(0, 2048 - err.length);
          });
          ch.on('exit', (c: number | null, sig?: string) => {
            if (typeof c === 'number') code = c;
            if (typeof sig === 'string') signal = sig;
          });
          ch.on('close', () => done(null));
        });
      } catch (e) {
        done(e as Error);
      }
    });
  }
}
