/**
 * The SSH live source: tails log files on many nodes at once.
 *
 * One ssh2 connection per node (optionally through ProxyJump hosts) and ONE SFTP session per
 * connection through which every file of that node is polled (fstat + read from the saved
 * offset every pollMs). No remote command or shell is ever run, so nothing is left behind on the
 * node when we stop or lose the link, and a node with many rank logs stays within sshd's
 * MaxSessions. Globs are expanded with SFTP readdir and re-scanned every rescanMs.
 *
 * Events: `line` (file = `host:/path`), `status` per node (file = '') — connecting → streaming
 * → quiet (no bytes for quietMs) → stale (staleMs) → reconnecting → streaming … → ended, or
 * error (host key refused: not retried; auth failure: retried every authRetryMs) — `status` per
 * file (file = `host:/path`, state = the node's) for truncation/replacement/opening, and
 * `problem` for files that cannot be found or read (reported once, retried at every re-scan).
 */
import { join, posix } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import type { InputProblem } from '../../core/types.ts';
import type { LiveSource, LiveSourceOptions, NodeState, SourceEvent } from '../types.ts';
import { backoffDelay, type BackoffPolicy, DEFAULT_BACKOFF, sleep } from './backoff.ts';
import { AuthError, HostKeyError, type Hop, openSshChain, type SshChain } from './connect.ts';
import type { CutLine } from './line-cutter.ts';
import { RemoteFile, type RemoteFileEvents } from './remote-file.ts';
import { expandRemoteGlob, hasGlob } from './remote-glob.ts';
import { SFTP_NO_SUCH_FILE, sftpCode, sftpReason } from './sftp-ops.ts';
import { expandTilde, loadSshClientContext, resolveHost } from './ssh-config.ts';

export interface SshTarget {
  /** Node label used on events. */
  readonly node: string;
  /** Host name or ssh_config alias. */
  readonly host: string;
  readonly user?: string;
  readonly port?: number;
  /** Remote paths or globs (absolute, or relative to the login directory; `~/` allowed). */
  readonly paths: readonly string[];
  /** ProxyJump for this node (wins over the source-wide `jump` and ssh_config). */
  readonly jump?: string;
}

export interface SshSourceOptions extends LiveSourceOptions {
  readonly targets: readonly SshTarget[];
  /** Default ~/.ssh/config (a missing file is fine). */
  readonly sshConfigPath?: string;
  /** Default: ssh_config UserKnownHostsFile, else ~/.ssh/known_hosts. */
  readonly knownHostsPath?: string;
  /** Add unknown host keys to known_hosts and accept them (never a changed key). */
  readonly acceptNew?: boolean;
  /** Tried after the agent, before ssh_config IdentityFiles; defaults ~/.ssh/id_{ed25519,rsa,ecdsa} when none. */
  readonly identityFiles?: readonly string[];
  /** SSH_AUTH_SOCK path; default process.env.SSH_AUTH_SOCK; false or '' → no agent. */
  readonly agent?: string | false;
  /** ProxyJump for every node (`[user@]host[:port][,…]`). */
  readonly jump?: string;
  /** Poll interval per file, default 500 ms. */
  readonly pollMs?: number;
  /** SSH keepalive interval, default 15 000 ms. */
  readonly keepaliveIntervalMs?: number;
  /** Unanswered keepalives before the link is declared dead, default 3 (≈ 45 s). */
  readonly keepaliveCountMax?: number;
  /** Reconnect backoff, default { initialMs: 500, maxMs: 10 000 } with jitter. */
  readonly reconnect?: BackoffPolicy;
  /** Glob re-scan / missing-file retry interval, default 5 000 ms. */
  readonly rescanMs?: number;
  /** How often to check that a path still names the file being read, default 5 000 ms. */
  readonly identityCheckMs?: number;
  /** No new bytes for this long → quiet (default 10 000 ms). */
  readonly quietMs?: number;
  /** No new bytes for this long → stale (default 60 000 ms). */
  readonly staleMs?: number;
  /** Delay between attempts after an authentication failure, default 60 000 ms. */
  readonly authRetryMs?: number;
  /** Handshake timeout per hop, default 20 000 ms. */
  readonly readyTimeoutMs?: number;
  /** Most bytes read from one file per poll, default 1 MiB. */
  readonly maxReadBytes?: number;
  /** Longer lines are cut (and reported), default 1 MiB. */
  readonly maxLineBytes?: number;
  /** Most files followed per node, default 1 000. */
  readonly maxFilesPerNode?: number;
  /** Flag named in the unknown-host message, default `--accept-new`. */
  readonly acceptNewFlag?: string;
  /** For tests: home directory and local user name. */
  readonly home?: string;
  readonly localUser?: string;
}

interface Settings {
  pollMs: number;
  rescanMs: number;
  identityCheckMs: number;
  quietMs: number;
  staleMs: number;
  authRetryMs: number;
  backoff: BackoffPolicy;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  readyTimeoutMs: number;
  maxReadBytes: number;
  maxLineBytes: number;
  maxFiles: number;
  agent: string | undefined;
  acceptNewFlag: string;
}

interface SourceCtx {
  readonly settings: Settings;
  readonly now: () => number;
  emit(events: SourceEvent[]): void;
  readonly signal: AbortSignal;
  stopped(): boolean;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/** Hostile names (remote file names, server messages) are made printable before use in messages. */
function printable(s: string): string {
  return s.replace(CONTROL, '?');
}

function openSftp(chain: SshChain): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => {
    chain.client.sftp((err, sftp) => (err ? reject(new Error(`cannot start the SFTP subsystem: ${err.message}`)) : resolve(sftp)));
  });
}

/** Everything about one node: its connection, its files, its state. */
class NodeTail implements RemoteFileEvents {
  private state: NodeState | null = null;
  private readonly files = new Map<string, RemoteFile>();
  private readonly reported = new Map<string, string>();
  private chain: SshChain | null = null;
  /** The live SFTP session, null between connections. */
  private sftp: SFTPWrapper | null = null;
  private lastDataAt = 0;
  private lastRescan = 0;
  private firstDone!: () => void;
  readonly first = new Promise<void>((r) => (this.firstDone = r));
  private loop: Promise<void> = Promise.resolve();
  private readonly pendingClients = new Set<{ destroy(): unknown }>();

  constructor(
    private readonly ctx: SourceCtx,
    private readonly target: SshTarget,
    private readonly hops: readonly Hop[],
  ) {}

  start(): void {
    this.loop = this.run().catch((err: unknown) => {
      this.setState('error', `internal error: ${(err as Error)?.message ?? String(err)}`);
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
    this.setState('ended', 'stopped');
  }

  // ---- events ---------------------------------------------------------------------------

  private setState(state: NodeState, message?: string): void {
    if (state === this.state && message === undefined) return;
    this.state = state;
    this.ctx.emit([
      { type: 'status', node: this.target.node, file: '', state, ...(message !== undefined ? { message } : {}), time: this.ctx.now() },
    ]);
  }

  /** A message about one file (state 'streaming': the file is being followed) or, with file '', about the node. */
  private fileStatus(label: string, message: string): void {
    const state: NodeState = label === '' ? (this.state ?? 'connecting') : 'streaming';
    this.ctx.emit([{ type: 'status', node: this.target.node, file: label, state, message, time: this.ctx.now() }]);
  }

  /** Report a file problem once per distinct message (it is retried silently). */
  private problem(file: string, kind: InputProblem['kind'], message: string): void {
    if (this.reported.get(file) === message) return;
    this.reported.set(file, message);
    this.ctx.emit([{ type: 'problem', problem: { input: `${this.target.node}`, file, kind, message }, time: this.ctx.now() }]);
  }

  lines(file: RemoteFile, lines: CutLine[]): void {
    const time = this.ctx.now();
    const events: SourceEvent[] = lines.map((l) => ({
      type: 'line',
      node: this.target.node,
      file: file.label,
      offset: l.offset,
      lineNo: l.lineNo,
      text: l.text,
      time,
    }));
    for (const l of lines) {
      if (l.truncated) {
        events.push({
          type: 'problem',
          problem: {
            input: this.target.node,
            file: file.label,
            line: l.lineNo,
            offset: l.offset,
            kind: 'line_too_long',
            message: `line ${l.lineNo} is longer than ${this.ctx.settings.maxLineBytes} bytes; cut`,
          },
          time,
        });
      }
    }
    this.ctx.emit(events);
  }

  note(file: RemoteFile, message: string): void {
    this.fileStatus(file.label, message);
  }

  // ---- connection loop --------------------------------------------------------------------

  private describeTarget(): string {
    const t = this.hops[this.hops.length - 1]!;
    const via = this.hops.length > 1 ? ` via ${this.hops.slice(0, -1).map((h) => h.label).join(', ')}` : '';
    return `${t.user}@${t.host} port ${t.port}${via}`;
  }

  private async run(): Promise<void> {
    const { settings, signal } = this.ctx;
    let attempt = 0;
    let everConnected = false;
    this.setState('connecting', `connecting to ${this.describeTarget()}`);
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
          onNote: (m) => this.fileStatus('', m),
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
        const sftp = await Promise.race([openSftp(chain), lost.then((why) => Promise.reject(new Error(why)))]);
        // The SFTP channel closing (subsystem killed) is a lost connection too.
        sftp.once('close', () => chain.destroy());
        this.sftp = sftp;
        this.lastDataAt = this.ctx.now();
        await Promise.race([this.scan(sftp), lost]);
        if (this.ctx.stopped()) break;
        if (lostWhy !== null) throw new Error(lostWhy);
        attempt = 0;
        this.setState('streaming', everConnected ? `reconnected to ${this.describeTarget()}` : `connected to ${this.describeTarget()}`);
        everConnected = true;
        this.firstDone();
        reason = `connection lost (${printable(await this.stream(sftp, lost))})`;
      } catch (err) {
        if (this.ctx.stopped()) break;
        if (err instanceof HostKeyError) {
          this.setState('error', err.message);
          this.firstDone();
          return; // never retried in a loop: the user must act
        }
        if (err instanceof AuthError) {
          this.setState('error', `${err.message}; retrying in ${Math.round(settings.authRetryMs / 1000)} s`);
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
      this.setState('reconnecting', `${reason}; reconnecting in ${(delay / 1000).toFixed(1)} s`);
      this.firstDone();
      await sleep(delay, signal);
    }
    this.firstDone();
  }

  private cleanup(): void {
    this.sftp = null;
    for (const f of this.files.values()) f.detach();
    const chain = this.chain;
    this.chain = null;
    chain?.destroy();
  }

  /** Poll all files until the connection is lost or the source stops; returns why it ended. */
  private async stream(sftp: SFTPWrapper, lost: Promise<string>): Promise<string> {
    const { settings, signal } = this.ctx;
    let lostReason: string | null = null;
    void lost.then((r) => (lostReason = r));
    while (!this.ctx.stopped() && lostReason === null) {
      if (this.ctx.now() - this.lastRescan >= settings.rescanMs) {
        await Promise.race([this.scan(sftp), lost]);
        if (lostReason !== null || this.ctx.stopped()) break;
      }
      let bytes = 0;
      let more = false;
      const round = Promise.all(
        [...this.files.values()].map(async (f) => {
          if (!f.isOpenOn(sftp)) return;
          try {
            const r = await f.poll(sftp);
            bytes += r.bytes;
            more ||= r.more;
            if (f.identityCheckDue(this.ctx.now(), settings.identityCheckMs)) await f.checkIdentity(sftp, this.ctx.now());
          } catch (err) {
            if (lostReason !== null || this.ctx.stopped() || this.sftp !== sftp) return;
            this.problem(f.label, 'unreadable', `read failed (${printable(sftpReason(err))}); will open it again`);
            await f.close(sftp).catch(() => {});
          }
        }),
      );
      await Promise.race([round, lost]);
      if (lostReason !== null || this.ctx.stopped()) break;
      const t = this.ctx.now();
      if (bytes > 0) this.lastDataAt = t;
      const idle = t - this.lastDataAt;
      const next: NodeState = idle >= settings.staleMs ? 'stale' : idle >= settings.quietMs ? 'quiet' : 'streaming';
      if (next !== this.state) {
        this.setState(next, next === 'streaming' ? undefined : `no new log bytes for ${Math.round(idle / 1000)} s`);
      }
      if (!more) await Promise.race([sleep(settings.pollMs, signal), lost]);
    }
    return lostReason ?? 'stopped';
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
  private async scan(sftp: SFTPWrapper): Promise<void> {
    this.lastRescan = this.ctx.now();
    const { settings } = this.ctx;
    for (const raw of this.target.paths) {
      const p = NodeTail.sftpPath(raw);
      if (hasGlob(p)) {
        const res = await expandRemoteGlob(sftp, p, settings.maxFiles);
        const key = this.label(p);
        if (res.paths.length === 0) {
          this.problem(key, 'unreadable', `no file matches ${printable(raw)} yet; looking again every ${Math.round(settings.rescanMs / 1000)} s`);
        } else {
          this.reported.delete(key);
        }
        for (const path of res.paths) await this.ensure(sftp, path);
      } else {
        // `\*` etc. name a literal wildcard character.
        await this.ensure(sftp, p.replace(/\\([*?[\]\\])/g, '$1'));
      }
    }
  }

  private async ensure(sftp: SFTPWrapper, path: string): Promise<void> {
    let f = this.files.get(path);
    if (f?.isOpenOn(sftp)) return;
    if (!f) {
      if (this.files.size >= this.ctx.settings.maxFiles) {
        this.problem(this.label(path), 'skipped', `more than ${this.ctx.settings.maxFiles} files on ${this.target.node}; not followed`);
        return;
      }
      f = new RemoteFile(path, this.label(path), this, this.ctx.settings.maxReadBytes, this.ctx.settings.maxLineBytes);
    }
    try {
      const outcome = await f.open(sftp, this.ctx.now());
      if (!this.files.has(path)) this.files.set(path, f);
      this.reported.delete(f.label);
      if (outcome === 'new') this.fileStatus(f.label, 'following');
      else if (outcome === 'replaced') this.fileStatus(f.label, 'file was replaced while disconnected; reading it from the start');
    } catch (err) {
      if (this.ctx.stopped() || this.sftp !== sftp) return; // the session is gone: not a file problem
      if (sftpCode(err) === SFTP_NO_SUCH_FILE) {
        this.problem(f.label, 'unreadable', `no such file on ${this.target.host} yet; looking again every ${Math.round(this.ctx.settings.rescanMs / 1000)} s`);
      } else {
        this.problem(f.label, 'unreadable', `cannot open: ${printable(sftpReason(err))}`);
      }
      // (A known file keeps its position and identity, to resume it when it comes back.)
    }
  }
}


/** Create the SSH live source. Configuration problems are reported as events, never thrown. */
export function createSshSource(opts: SshSourceOptions): LiveSource {
  const abort = new AbortController();
  let stopped = false;
  let nodes: NodeTail[] = [];
  let started: Promise<void> | null = null;
  const agentOpt = opts.agent === undefined ? process.env.SSH_AUTH_SOCK : opts.agent || undefined;
  const settings: Settings = {
    pollMs: opts.pollMs ?? 500,
    rescanMs: opts.rescanMs ?? 5000,
    identityCheckMs: opts.identityCheckMs ?? 5000,
    quietMs: opts.quietMs ?? 10_000,
    staleMs: opts.staleMs ?? 60_000,
    authRetryMs: opts.authRetryMs ?? 60_000,
    backoff: opts.reconnect ?? DEFAULT_BACKOFF,
    keepaliveIntervalMs: opts.keepaliveIntervalMs ?? 15_000,
    keepaliveCountMax: opts.keepaliveCountMax ?? 3,
    readyTimeoutMs: opts.readyTimeoutMs ?? 20_000,
    maxReadBytes: opts.maxReadBytes ?? 1024 * 1024,
    maxLineBytes: opts.maxLineBytes ?? 1024 * 1024,
    maxFiles: opts.maxFilesPerNode ?? 1000,
    agent: agentOpt || undefined,
    acceptNewFlag: opts.acceptNewFlag ?? '--accept-new',
  };
  const ctx: SourceCtx = {
    settings,
    now: opts.now,
    signal: abort.signal,
    stopped: () => stopped,
    emit(events) {
      if (events.length === 0) return;
      try {
        opts.emit(events);
      } catch (err) {
        // A consumer bug must not be mistaken for a read error: surface it like an EventEmitter would.
        queueMicrotask(() => {
          throw err;
        });
      }
    },
  };

  async function setup(): Promise<void> {
    const client = await loadSshClientContext(opts);
    const { env, home, config, configPath } = client;
    const notesSeen = new Set<string>();
    const noteProblem = (node: string, message: string): void => {
      if (notesSeen.has(message)) return;
      notesSeen.add(message);
      ctx.emit([{ type: 'problem', problem: { input: node, file: configPath, kind: 'skipped', message }, time: opts.now() }]);
    };
    const identities = (fromConfig: readonly string[]) => client.identities(fromConfig);
    nodes = opts.targets.map((t) => {
      const r = resolveHost(config, t.host, env, {
        ...(t.user !== undefined ? { user: t.user } : {}),
        ...(t.port !== undefined ? { port: t.port } : {}),
        ...((t.jump ?? opts.jump) !== undefined ? { proxyJump: (t.jump ?? opts.jump)! } : {}),
      });
      for (const n of r.notes) noteProblem(t.node, n);
      const knownHostsPath = expandTilde(opts.knownHostsPath ?? r.userKnownHostsFiles?.[0] ?? join(home, '.ssh', 'known_hosts'), home);
      const acceptNew = opts.acceptNew === true || r.strictHostKeyChecking === 'accept-new';
      const hops: Hop[] = r.proxyJump.map((j) => {
        const rj = resolveHost(config, j.host, env, {
          ...(j.user !== undefined ? { user: j.user } : {}),
          ...(j.port !== undefined ? { port: j.port } : {}),
        });
        if (rj.proxyJump.length > 0) noteProblem(t.node, `ProxyJump of jump host ${j.host} is not followed (list the whole chain instead)`);
        return {
          label: j.host,
          host: rj.hostName,
          port: rj.port,
          user: rj.user,
          identityFiles: identities(rj.identityFiles),
          acceptNew,
          knownHostsPath,
        };
      });
      hops.push({ label: t.host, host: r.hostName, port: r.port, user: r.user, identityFiles: identities(r.identityFiles), acceptNew, knownHostsPath });
      return new NodeTail(ctx, t, hops);
    });
    if (stopped) return;
    for (const n of nodes) n.start();
    await Promise.all(nodes.map((n) => n.first));
  }

  return {
    start() {
      started ??= setup();
      return started;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      abort.abort();
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}
