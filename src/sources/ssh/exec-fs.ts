/**
 * Reading a node's files over exec channels, for servers without the SFTP subsystem (locked-down
 * login nodes). Every operation is one short-lived command that ends by itself — nothing is left
 * running on the node: per poll one command for the sizes of all the node's files (`wc -c <`),
 * then, for each file that grew, one giving the bytes after the offset (`tail -c +N | head -c M`);
 * a directory listing (a `for` loop over the names). The scripts are constant text run by
 * `sh -c SCRIPT sh ARG…`; paths and numbers arrive only as positional parameters, each one
 * single-quoted word (src/launch/quote.ts) for the login shell and then used as `"$1"`, which sh
 * never splits, globs or expands further. A handle is the path itself (no descriptor stays open
 * between commands), so a file rotated by rename is seen as rewritten: lines written to the old
 * file after the last poll are not read (SFTP keeps the old file open and reads them).
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

const CHECK = '[ -e "$1" ] || [ -L "$1" ] || exit 2; [ -d "$1" ] && exit 21; [ -r "$1" ] || exit 3';
const SCRIPTS = {
  open: `${CHECK}; exit 0`,
  size: `${CHECK}; wc -c < "$1"`,
  // $2 = first byte (1-based), $3 = most bytes. head ends the pipe; tail stops on SIGPIPE.
  read: `${CHECK}; tail -c "+$2" -- "$1" | head -c "$3"`,
  // One line per file: its size, or `-` when it cannot be read now.
  sizes: 'for f; do if [ -r "$f" ] && [ ! -d "$f" ]; then s=$(wc -c < "$f") && echo $s || echo -; else echo -; fi; done',
  // The size on a line of its own, then the bytes: one command per poll.
  sizeRead: `${CHECK}; s=$(wc -c < "$1") || exit 1; echo $s; tail -c "+$2" -- "$1" | head -c "$3"`,
  readdir:
    'cd -- "$1" 2>/dev/null || { [ -e "$1" ] && exit 3; exit 2; }; for f in * .*; do case $f in .|..) continue;; esac; ' +
    'if [ -d "$f" ]; then t=d; elif [ -f "$f" ]; then t=f; elif [ -L "$f" ]; then t=l; else continue; fi; printf "%s/%s\\0" "$t" "$f"; done',
  probe: 'command -v tail >/dev/null && command -v head >/dev/null && command -v wc >/dev/null && echo dlperf-exec-ok',
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

interface PathHandle {
  readonly path: string;
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
    this.check(await this.run(SCRIPTS.open, [path], 0), path);
    return { path } satisfies PathHandle;
  }

  async size(h: RemoteHandle): Promise<number> {
    const { path } = h as PathHandle;
    const r = this.check(await this.run(SCRIPTS.size, [path], 64), path);
    const n = Number(r.out.toString('utf8').trim());
    if (!Number.isSafeInteger(n) || n < 0) throw new ExecFsError(`unexpected size "${r.out.toString('utf8').trim().slice(0, 40)}"`);
    return n;
  }

  async read(h: RemoteHandle, len: number, position: number): Promise<Buffer> {
    if (len <= 0) return Buffer.alloc(0);
    const { path } = h as PathHandle;
    const r = this.check(await this.run(SCRIPTS.read, [path, String(position + 1), String(len)], len), path);
    return r.out;
  }

  async sizes(handles: readonly RemoteHandle[]): Promise<Array<number | null>> {
    const out: Array<number | null> = [];
    // Several commands when the paths are long: an exec request has to fit in one SSH packet.
    for (let i = 0; i < handles.length; ) {
      const batch: string[] = [];
      let len = 0;
      while (i < handles.length && (batch.length === 0 || len < MAX_ARGS_BYTES)) {
        const p = (handles[i++] as PathHandle).path;
        batch.push(p);
        len += Buffer.byteLength(p) + 3;
      }
      const r = this.check(await this.run(SCRIPTS.sizes, batch, batch.length * 24), batch[0]!);
      const lines = r.out.toString('latin1').split('\n');
      for (let k = 0; k < batch.length; k++) {
        const n = Number(lines[k]?.trim());
        out.push(lines[k] !== undefined && lines[k]!.trim() !== '-' && Number.isSafeInteger(n) && n >= 0 ? n : null);
      }
    }
    return out;
  }

  async sizeAndRead(h: RemoteHandle, position: number, len: number): Promise<{ size: number; bytes: Buffer }> {
    const { path } = h as PathHandle;
    const r = this.check(await this.run(SCRIPTS.sizeRead, [path, String(position + 1), String(Math.max(0, len))], len + 32), path);
    const nl = r.out.indexOf(0x0a);
    const size = Number(r.out.subarray(0, Math.max(0, nl)).toString('latin1').trim());
    if (nl < 0 || !Number.isSafeInteger(size) || size < 0) throw new ExecFsError(`unexpected size "${r.out.subarray(0, 40).toString('latin1')}"`);
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
