/**
 * One node of the SSH live source: its connection's lifecycle. Connect (through the hop chain),
 * start the one SFTP session — or, where the server has no SFTP subsystem, say so and read over
 * short exec commands (exec-fs.ts); a server that refuses both is an error, retried slowly —
 * scan the node's files, then poll them until the link is lost or
 * the source stops; reconnect with backoff (a refused host key is final, an authentication
 * failure is retried every authRetryMs); quiet/stale when no bytes come. Files are handled by
 * NodeFiles, events by NodeReporter.
 */
import type { NodeState } from '../types.ts';
import type { RemoteFs } from './remote-fs.ts';
import { NoReaderError, openRemoteFs } from './open-remote-fs.ts';
import { backoffDelay, sleep } from './backoff.ts';
import { AuthError, HostKeyError, type Hop, openSshChain, type SshChain } from './connect.ts';
import { NodeFiles } from './node-files.ts';
import { NodeReporter } from './node-reporter.ts';
import { printable, type SshTarget, type TailContext } from './ssh-tail-context.ts';

/** Everything about one node: its connection, its files, its state. */
export class NodeTail {
  private readonly report: NodeReporter;
  private readonly files: NodeFiles;
  private chain: SshChain | null = null;
  private lastDataAt = 0;
  private firstDone!: () => void;
  /** Settles once the node has connected, or failed its first attempt, or stopped. */
  readonly first = new Promise<void>((r) => (this.firstDone = r));
  private loop: Promise<void> = Promise.resolve();
  private readonly pendingClients = new Set<{ destroy(): unknown }>();

  constructor(
    private readonly ctx: TailContext,
    target: SshTarget,
    private readonly hops: readonly Hop[],
  ) {
    this.report = new NodeReporter(ctx, target.node);
    this.files = new NodeFiles(ctx, target, this.report);
  }

  start(): void {
    this.loop = this.run().catch((err: unknown) => {
      this.report.setState('error', `internal error: ${(err as Error)?.message ?? String(err)}`);
      this.firstDone();
    });
  }

  async stop(): Promise<void> {
    const chain = this.chain;
    if (chain) {
      chain.end();
      await Promise.race([new Promise<void>((r) => chain.onLost(() => r())), sleep(2000)]);
      chain.destroy();
    }
    for (const c of this.pendingClients) c.destroy();
    await this.loop;
    this.files.reportPartialLines();
    this.report.setState('ended', 'stopped');
  }

  private describeTarget(): string {
    const t = this.hops[this.hops.length - 1]!;
    const jumps = this.hops.slice(0, -1).map((h) => h.label);
    if (this.hops[0]!.proxyCommand !== undefined) jumps.unshift('ProxyCommand');
    const via = jumps.length > 0 ? ` via ${jumps.join(', ')}` : '';
    return `${t.user}@${t.host} port ${t.port}${via}`;
  }

  private async run(): Promise<void> {
    const { settings, signal } = this.ctx;
    let attempt = 0;
    let everConnected = false;
    this.report.setState('connecting', `connecting to ${this.describeTarget()}`);
    while (!this.ctx.stopped()) {
      let reason: string;
      try {
        const chain = await openSshChain({
          hops: this.hops,
          ...(settings.agent ? { agent: settings.agent } : {}),
          keepaliveIntervalMs: settings.keepaliveIntervalMs,
          keepaliveCountMax: settings.keepaliveCountMax,
          readyTimeoutMs: settings.readyTimeoutMs,
          acceptNewFlag: settings.acceptNewFlag,
          onNote: (m) => this.report.fileStatus('', m),
          track: (c) => {
            this.pendingClients.add(c);
            c.once('close', () => this.pendingClients.delete(c));
          },
        });
        if (this.ctx.stopped()) {
          chain.destroy();
          break;
        }
        this.chain = chain;
        const lost = new Promise<string>((r) => chain.onLost(r));
        let lostWhy: string | null = null;
        void lost.then((why) => (lostWhy = why));
        let via = '';
        const fs = await Promise.race([
          openRemoteFs(chain, (m) => {
            via = `; ${m}`;
            this.report.fileStatus('', m);
          }),
          lost.then((why) => Promise.reject(new Error(why))),
        ]);
        this.files.attach(fs);
        this.lastDataAt = this.ctx.now();
        await Promise.race([this.files.scan(fs), lost]);
        if (this.ctx.stopped()) break;
        if (lostWhy !== null) throw new Error(lostWhy);
        attempt = 0;
        this.report.setState('streaming', `${everConnected ? 'reconnected' : 'connected'} to ${this.describeTarget()}${via}`);
        everConnected = true;
        this.firstDone();
        reason = `connection lost (${printable(await this.stream(fs, lost))})`;
      } catch (err) {
        if (this.ctx.stopped()) break;
        if (err instanceof HostKeyError) {
          this.report.setState('error', err.message);
          this.firstDone();
          return; // never retried in a loop: the user must act
        }
        if (err instanceof AuthError || err instanceof NoReaderError) {
          this.report.setState('error', `${err.message}; retrying in ${Math.round(settings.authRetryMs / 1000)} s`);
          this.firstDone();
          this.cleanup();
          await sleep(settings.authRetryMs, signal);
          continue;
        }
        reason = printable((err as Error)?.message ?? String(err));
      } finally {
        this.cleanup();
      }
      if (this.ctx.stopped()) break;
      const delay = backoffDelay(attempt++, settings.backoff);
      this.report.setState('reconnecting', `${reason}; reconnecting in ${(delay / 1000).toFixed(1)} s`);
      this.firstDone();
      await sleep(delay, signal);
    }
    this.firstDone();
  }

  private cleanup(): void {
    this.files.detach();
    const chain = this.chain;
    this.chain = null;
    chain?.destroy();
  }

  /** Poll all files until the connection is lost or the source stops; returns why it ended. */
  private async stream(fs: RemoteFs, lost: Promise<string>): Promise<string> {
    const { settings, signal } = this.ctx;
    let lostReason: string | null = null;
    void lost.then((r) => (lostReason = r));
    while (!this.ctx.stopped() && lostReason === null) {
      if (this.files.rescanDue(this.ctx.now())) {
        await Promise.race([this.files.scan(fs), lost]);
        if (lostReason !== null || this.ctx.stopped()) break;
      }
      const round = this.files.pollAll(fs, () => lostReason !== null);
      await Promise.race([round, lost]);
      if (lostReason !== null || this.ctx.stopped()) break;
      // `lost` settled first would have set lostReason: the round is done.
      const { bytes, more } = await round;
      const t = this.ctx.now();
      if (bytes > 0) this.lastDataAt = t;
      const idle = t - this.lastDataAt;
      const next: NodeState = idle >= settings.staleMs ? 'stale' : idle >= settings.quietMs ? 'quiet' : 'streaming';
      if (next !== this.report.state) {
        this.report.setState(next, next === 'streaming' ? undefined : `no new log bytes for ${Math.round(idle / 1000)} s`);
      }
      if (!more) await Promise.race([sleep(settings.pollMs, signal), lost]);
    }
    return lostReason ?? 'stopped';
  }
}
