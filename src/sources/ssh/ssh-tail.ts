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
 *
 * This module holds the options and wires the nodes up; one node's connection lifecycle is in
 * node-tail.ts, its files in node-files.ts, its events in node-reporter.ts.
 */
import type { LiveSource, LiveSourceOptions } from '../types.ts';
import { type BackoffPolicy, DEFAULT_BACKOFF } from './backoff.ts';
import { resolveHopChain } from './hop-chain.ts';
import { NodeTail } from './node-tail.ts';
import { loadSshClientContext } from './ssh-client-context.ts';
import type { SshTarget, TailContext, TailSettings } from './ssh-tail-context.ts';

export type { SshTarget } from './ssh-tail-context.ts';

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

/** Create the SSH live source. Configuration problems are reported as events, never thrown. */
export function createSshSource(opts: SshSourceOptions): LiveSource {
  const abort = new AbortController();
  let stopped = false;
  let nodes: NodeTail[] = [];
  let started: Promise<void> | null = null;
  const agentOpt = opts.agent === undefined ? process.env.SSH_AUTH_SOCK : opts.agent || undefined;
  const settings: TailSettings = {
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
  const ctx: TailContext = {
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
    const notesSeen = new Set<string>();
    const noteProblem = (node: string, message: string): void => {
      if (notesSeen.has(message)) return;
      notesSeen.add(message);
      ctx.emit([{ type: 'problem', problem: { input: node, file: client.configPath, kind: 'skipped', message }, time: opts.now() }]);
    };
    nodes = opts.targets.map((t) => {
      const target = { label: t.host, host: t.host, user: t.user, port: t.port, jump: t.jump ?? opts.jump };
      const { hops } = resolveHopChain(client, target, opts, (m) => noteProblem(t.node, m));
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
