/**
 * One host's connection for the ssh launch backend: an ssh2 chain (ProxyJump hops, known_hosts,
 * agent, keepalives as in live mode) plus one way to read the node's files (`fs`: the SFTP session,
 * or short exec commands where the server has no SFTP subsystem, as in live mode), re-opened with
 * backoff after a loss, and `exec` for the backend's small control scripts (bounded output, time limit).
 */
import type { ClientChannel } from 'ssh2';
import { openSshChain, type SshChain } from '../../sources/ssh/connect.ts';
import { backoffDelay, DEFAULT_BACKOFF, sleep } from '../../sources/ssh/backoff.ts';
import { openRemoteFs } from '../../sources/ssh/open-remote-fs.ts';
import { type RemoteFs, SftpFs } from '../../sources/ssh/remote-fs.ts';
import type { ResolvedHost } from './ssh-hosts.ts';
import { printable } from './types.ts';

/** Connection settings (part of SshBackendOptions). */
export interface HostConnOptions {
  readonly keepaliveIntervalMs?: number;
  readonly keepaliveCountMax?: number;
  readonly readyTimeoutMs?: number;
  readonly acceptNewFlag?: string;
  /** Host key added, identity skipped, …: things to tell the user. */
  readonly onNote?: (host: string, message: string) => void;
}

const MAX_EXEC_OUTPUT = 64 * 1024;

export function errText(err: unknown): string {
  return printable((err as Error)?.message ?? String(err));
}

/** One host's connection (SSH + its file reader), re-opened on demand after a loss. */
export class HostConn {
  chain: SshChain | null = null;
  /** How the node's files are read (SFTP, or exec where the server has no SFTP subsystem). */
  fs: RemoteFs | null = null;
  lost: string | null = null;
  private opening: Promise<void> | null = null;
  private attempts = 0;
  private nextAttemptAt = 0;
  closed = false;

  constructor(
    readonly host: ResolvedHost,
    private readonly opts: HostConnOptions,
    private readonly agent: string | undefined,
  ) {}

  get connected(): boolean {
    return this.chain !== null && this.fs !== null && this.lost === null;
  }

  /** Connect now (first connection of a case: errors are the caller's). */
  async open(): Promise<void> {
    if (this.connected) return;
    this.opening ??= this.doOpen().finally(() => (this.opening = null));
    return this.opening;
  }

  /** Reconnect if due (backoff); true when connected. Never throws. */
  async ensure(now: number): Promise<boolean> {
    if (this.connected) return true;
    if (this.closed || now < this.nextAttemptAt) return false;
    try {
      await this.open();
      this.attempts = 0;
      return true;
    } catch (err) {
      this.lost = errText(err);
      this.nextAttemptAt = now + backoffDelay(this.attempts++, DEFAULT_BACKOFF);
      return false;
    }
  }

  private async doOpen(): Promise<void> {
    this.drop();
    const chain = await openSshChain({
      hops: this.host.hops,
      ...(this.agent ? { agent: this.agent } : {}),
      keepaliveIntervalMs: this.opts.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: this.opts.keepaliveCountMax ?? 3,
      readyTimeoutMs: this.opts.readyTimeoutMs ?? 20_000,
      acceptNewFlag: this.opts.acceptNewFlag ?? '--accept-new',
      onNote: (m) => this.opts.onNote?.(this.host.name, m),
    });
    if (this.closed) {
      chain.destroy();
      throw new Error('closed');
    }
    let fs: RemoteFs;
    try {
      fs = await openRemoteFs(chain, (m) => this.opts.onNote?.(this.host.name, m));
    } catch (err) {
      chain.destroy();
      throw err;
    }
    this.chain = chain;
    this.fs = fs;
    this.lost = null;
    chain.onLost((why) => {
      if (this.chain === chain) {
        this.lost = printable(why);
        this.fs = null;
      }
    });
    if (fs instanceof SftpFs) {
      fs.sftp.once('close', () => {
        if (this.chain === chain) {
          this.lost ??= 'SFTP session closed';
          this.fs = null;
          chain.destroy();
        }
      });
    }
  }

  /** Run a command; resolves with its exit code (null if the channel closed without one) and output. */
  exec(command: string, timeoutMs: number): Promise<{ code: number | null; out: string }> {
    const chain = this.chain;
    if (!chain || this.lost !== null) return Promise.reject(new Error(this.lost ?? 'not connected'));
    return new Promise((resolve, reject) => {
      let out = '';
      let settled = false;
      let channel: ClientChannel | null = null;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        channel?.close();
        reject(new Error(`no answer in ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      const add = (d: Buffer) => {
        if (out.length < MAX_EXEC_OUTPUT) out += d.toString('utf8').slice(0, MAX_EXEC_OUTPUT - out.length);
      };
      try {
        chain.client.exec(command, (err, ch) => {
          if (err) {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            reject(err);
            return;
          }
          channel = ch;
          let code: number | null = null;
          ch.on('exit', (c: number | null) => {
            if (typeof c === 'number') code = c;
          });
          ch.on('data', add);
          ch.stderr.on('data', add);
          ch.on('close', (c?: number | null) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve({ code: typeof c === 'number' ? c : code, out });
          });
        });
      } catch (err) {
        settled = true;
        clearTimeout(timer);
        reject(err as Error);
      }
    });
  }

  drop(): void {
    const chain = this.chain;
    this.chain = null;
    this.fs = null;
    chain?.destroy();
  }

  async close(): Promise<void> {
    this.closed = true;
    const chain = this.chain;
    this.chain = null;
    this.fs = null;
    if (!chain) return;
    chain.end();
    await Promise.race([new Promise<void>((r) => chain.onLost(() => r())), sleep(1000)]);
    chain.destroy();
  }
}
