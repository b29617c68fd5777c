/**
 * The ssh backend: plain hosts reached with ssh2 (known_hosts, ssh_config, agent and ProxyJump
 * as in live mode; one connection per host, kept for the whole sweep).
 *
 * For each case:
 *   1. every node's connection is opened (or checked) and a preflight runs on each (setsid present,
 *      run directory created, working directory enterable); nothing starts unless all pass;
 *   2. all nodes are started together: `setsid bash -c '<node script>' > node<k>.log 2>&1 &`,
 *      which prints the new process group id;
 *   3. the node logs are tailed over SFTP into the live screen, and each node's `node<k>.rc`
 *      (written by the node script when the command ends) is watched; a process group that is
 *      gone without an exit status counts as killed;
 *   4. when one node fails, the case times out, or a stop is requested, the other nodes' process
 *      groups get SIGTERM and, after the grace period, SIGKILL — only the groups this backend
 *      started, never a pattern such as `pkill python3`;
 *   5. each node's log is downloaded over SFTP for the archive.
 * A dropped connection is re-opened (the node keeps running and logging meanwhile); a node out of
 * reach for longer than `lostTimeoutMs` fails the case.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClientChannel, SFTPWrapper } from 'ssh2';
import { openSshChain, type SshChain } from '../../sources/ssh/connect.ts';
import { sftpClose, sftpCode, sftpFstatSize, sftpOpen, sftpRead, SFTP_NO_SUCH_FILE } from '../../sources/ssh/sftp-ops.ts';
import { backoffDelay, DEFAULT_BACKOFF, sleep } from '../../sources/ssh/backoff.ts';
import type { SourceEvent } from '../../sources/types.ts';
import { aliveScript, bashLogin, MARK, parsePgid, parseScriptError, preflightScript, sshStartScript, stopScript } from '../node-script.ts';
import type { PlannedCase, PlannedNode } from '../plan.ts';
import { shQuoteAlways } from '../quote.ts';
import { LogTail, type TailReader } from './log-tail.ts';
import type { ResolvedHost } from './ssh-hosts.ts';
import { printable, type Backend, type CaseContext, type CaseOutcome, type NodeOutcome } from './types.ts';

export interface SshBackendOptions {
  readonly hosts: readonly ResolvedHost[];
  /** SSH_AUTH_SOCK path; default process.env.SSH_AUTH_SOCK; false → no agent. */
  readonly agent?: string | false;
  /** Log / exit-status poll period, default 500 ms. */
  readonly pollMs?: number;
  /** How often a running node's process group is checked for life, default 2 000 ms. */
  readonly aliveCheckMs?: number;
  /** A node out of reach this long fails the case, default 120 000 ms. */
  readonly lostTimeoutMs?: number;
  /** Limit for one remote script (preflight, start, stop), default 60 000 ms (plus the stop grace). */
  readonly execTimeoutMs?: number;
  readonly keepaliveIntervalMs?: number;
  readonly keepaliveCountMax?: number;
  readonly readyTimeoutMs?: number;
  readonly acceptNewFlag?: string;
  /** Host key added, identity skipped, …: things to tell the user. */
  readonly onNote?: (host: string, message: string) => void;
}

const MAX_EXEC_OUTPUT = 64 * 1024;

/** `bash -c '<script>'` for our control scripts (no login shell: quick). */
function bashPlain(script: string): string {
  return `bash -c ${shQuoteAlways(script)}`;
}

/** A remote path as sent over SFTP: `~/x` → `x` (relative paths are relative to the login directory). */
export function sftpPath(p: string): string {
  if (p === '~' || p === '~/') return '.';
  return p.startsWith('~/') ? p.slice(2) : p;
}

function errText(err: unknown): string {
  return printable((err as Error)?.message ?? String(err));
}

/** One host's connection (SSH + one SFTP session), re-opened on demand after a loss. */
class HostConn {
  chain: SshChain | null = null;
  sftp: SFTPWrapper | null = null;
  lost: string | null = null;
  private opening: Promise<void> | null = null;
  private attempts = 0;
  private nextAttemptAt = 0;
  closed = false;

  constructor(
    readonly host: ResolvedHost,
    private readonly opts: SshBackendOptions,
    private readonly agent: string | undefined,
  ) {}

  get connected(): boolean {
    return this.chain !== null && this.sftp !== null && this.lost === null;
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
    let sftp: SFTPWrapper;
    try {
      sftp = await new Promise<SFTPWrapper>((resolve, reject) => {
        chain.client.sftp((err, s) => (err ? reject(new Error(`cannot start the SFTP subsystem: ${err.message}`)) : resolve(s)));
      });
    } catch (err) {
      chain.destroy();
      throw err;
    }
    this.chain = chain;
    this.sftp = sftp;
    this.lost = null;
    chain.onLost((why) => {
      if (this.chain === chain) {
        this.lost = printable(why);
        this.sftp = null;
      }
    });
    sftp.once('close', () => {
      if (this.chain === chain) {
        this.lost ??= 'SFTP session closed';
        this.sftp = null;
        chain.destroy();
      }
    });
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
    this.sftp = null;
    chain?.destroy();
  }

  async close(): Promise<void> {
    this.closed = true;
    const chain = this.chain;
    this.chain = null;
    this.sftp = null;
    if (!chain) return;
    chain.end();
    await Promise.race([new Promise<void>((r) => chain.onLost(() => r())), sleep(1000)]);
    chain.destroy();
  }
}

/** SFTP reader of one file for LogTail (handle opened lazily, once per SFTP session). */
class SftpReader implements TailReader {
  private handle: Buffer | null = null;
  constructor(
    readonly sftp: SFTPWrapper,
    private readonly path: string,
  ) {}
  async size(): Promise<number | null> {
    if (!this.handle) {
      try {
        this.handle = await sftpOpen(this.sftp, this.path);
      } catch (err) {
        if (sftpCode(err) === SFTP_NO_SUCH_FILE) return null;
        throw err;
      }
    }
    return sftpFstatSize(this.sftp, this.handle);
  }
  async read(position: number, length: number): Promise<Buffer> {
    if (!this.handle) return Buffer.alloc(0);
    return sftpRead(this.sftp, this.handle, length, position);
  }
  async close(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    if (h) await sftpClose(this.sftp, h);
  }
}

/** Read a small file (an exit status); null when it does not exist. */
async function readSmall(sftp: SFTPWrapper, path: string, max = 64): Promise<string | null> {
  let h: Buffer;
  try {
    h = await sftpOpen(sftp, path);
  } catch (err) {
    if (sftpCode(err) === SFTP_NO_SUCH_FILE) return null;
    throw err;
  }
  try {
    return (await sftpRead(sftp, h, max, 0)).toString('utf8');
  } finally {
    await sftpClose(sftp, h);
  }
}

/** Is process `pid` there (its /proc entry)? null when /proc cannot be read over SFTP. */
function procAlive(sftp: SFTPWrapper, pid: number): Promise<boolean | null> {
  return new Promise((resolve) => {
    sftp.stat(`/proc/${pid}`, (err) => {
      if (!err) resolve(true);
      else resolve(sftpCode(err) === SFTP_NO_SUCH_FILE ? false : null);
    });
  });
}

function parseRc(text: string | null): number | null {
  if (text === null) return null;
  const m = /^\s*(\d{1,3})\s*$/.exec(text);
  return m ? Number(m[1]) : null;
}

interface NodeRun {
  pn: PlannedNode;
  conn: HostConn;
  out: NodeOutcome;
  tail: LogTail;
  reader: SftpReader | null;
  done: boolean;
  /** Ended without an exit status. */
  vanished: boolean;
  lostSince: number | null;
  lastAliveCheck: number;
  termSent: boolean;
  killSent: boolean;
}

export function createSshBackend(opts: SshBackendOptions): Backend {
  const pollMs = opts.pollMs ?? 500;
  const aliveCheckMs = opts.aliveCheckMs ?? 2000;
  const lostTimeoutMs = opts.lostTimeoutMs ?? 120_000;
  const execTimeoutMs = opts.execTimeoutMs ?? 60_000;
  const agent = opts.agent === undefined ? process.env.SSH_AUTH_SOCK || undefined : opts.agent || undefined;
  const conns = new Map<string, HostConn>();
  for (const h of opts.hosts) conns.set(h.name, new HostConn(h, opts, agent));

  /** The case being run: stop requests go to it. */
  let current: { stop: null | 'graceful' | 'force'; wake: () => void; forceNow: () => void } | null = null;

  const label = (pn: PlannedNode) => `${pn.host}:${pn.log}`;

  async function runCase(ctx: CaseContext): Promise<CaseOutcome> {
    const c = ctx.case;
    const startedAt = ctx.now();
    const grace = ctx.plan.stop_grace_s;
    let abort = new AbortController();
    const state = {
      stop: null as null | 'graceful' | 'force',
      wake: () => {
        abort.abort();
        abort = new AbortController();
      },
      forceNow: () => {},
    };
    current = state;
    const fileStatus = (n: NodeRun, s: 'connecting' | 'streaming' | 'reconnecting' | 'ended' | 'error', message?: string) =>
      ctx.emit([{ type: 'status', node: n.pn.host!, file: n.out.label, state: s, ...(message !== undefined ? { message } : {}), time: ctx.now() }]);

    const nodes: NodeRun[] = c.nodes.map((pn) => {
      const conn = conns.get(pn.host!);
      if (!conn) throw new Error(`internal: no connection for host ${pn.host}`);
      const lab = label(pn);
      return {
        pn,
        conn,
        out: {
          node_rank: pn.node_rank,
          host: pn.host,
          node: pn.host!,
          label: lab,
          remoteLog: pn.log,
          localLog: null,
          exitCode: null,
          state: 'not_started',
          reason: null,
          pgid: null,
          startedAt: null,
          endedAt: null,
        },
        tail: new LogTail(pn.host!, lab, (ev: SourceEvent[]) => ctx.emit(ev), ctx.now),
        reader: null,
        done: false,
        vanished: false,
        lostSince: null,
        lastAliveCheck: 0,
        termSent: false,
        killSent: false,
      };
    });
    const outcome = (status: CaseOutcome['status'], reason: string | null): CaseOutcome => {
      const starts = nodes.map((n) => n.out.startedAt);
      const skew = starts.every((s): s is number => s !== null) ? Math.max(...starts) - Math.min(...starts) : null;
      return { status, reason, startedAt, endedAt: ctx.now(), startSkewMs: skew, nodes: nodes.map((n) => n.out) };
    };
    const who = (n: NodeRun) => `node ${n.pn.node_rank} (${n.pn.host})`;

    try {
      // 1. Connections and preflight, all nodes, before anything starts.
      for (const n of nodes) fileStatus(n, 'connecting', `case ${c.id}: connecting to ${n.pn.host}`);
      const pre = await Promise.all(
        nodes.map(async (n): Promise<string | null> => {
          try {
            await n.conn.open();
            const r = await n.conn.exec(bashLogin(preflightScript(n.pn)), execTimeoutMs);
            if (r.code === 0 && r.out.includes(MARK.ready)) return null;
            return parseScriptError(r.out) ?? `preflight failed (exit ${r.code ?? '?'}): ${printable(r.out.split('\n').slice(-3).join(' '))}`;
          } catch (err) {
            return errText(err);
          }
        }),
      );
      if (state.stop) {
        for (const n of nodes) fileStatus(n, 'ended', 'not started: interrupted');
        return outcome('interrupted', 'interrupted before the case started');
      }
      const preFail = pre.findIndex((p) => p !== null);
      if (preFail >= 0) {
        nodes.forEach((n, i) => {
          if (pre[i]) n.out.reason = pre[i]!;
          fileStatus(n, 'error', pre[i] ?? 'not started: another node failed its check');
        });
        return outcome('failed', `${who(nodes[preFail]!)}: ${pre[preFail]}`);
      }

      // 2. Start every node together.
      const started = await Promise.all(
        nodes.map(async (n): Promise<string | null> => {
          try {
            const r = await n.conn.exec(bashLogin(sshStartScript(n.pn)), execTimeoutMs);
            const pgid = parsePgid(r.out);
            if (pgid === null) return parseScriptError(r.out) ?? `could not start (exit ${r.code ?? '?'}): ${printable(r.out.split('\n').slice(-3).join(' '))}`;
            n.out.pgid = pgid;
            n.out.startedAt = ctx.now();
            n.out.state = 'ok';
            fileStatus(n, 'streaming', `case ${c.id}: started on ${n.pn.host} (process group ${pgid})`);
            return null;
          } catch (err) {
            return errText(err);
          }
        }),
      );
      let reason: string | null = null;
      let status: CaseOutcome['status'] = 'ok';
      const startFail = started.findIndex((s) => s !== null);
      if (startFail >= 0) {
        nodes.forEach((n, i) => {
          if (started[i]) {
            n.out.reason = started[i]!;
            n.out.state = 'failed';
            n.done = true;
          }
        });
        reason = `${who(nodes[startFail]!)}: ${started[startFail]}`;
        status = 'failed';
      }

      // 3. Follow the logs and wait for every exit status.
      const deadline = ctx.plan.timeout_s !== null ? startedAt + ctx.plan.timeout_s * 1000 : Infinity;
      const pollNode = async (n: NodeRun): Promise<void> => {
        const now = ctx.now();
        if (!(await n.conn.ensure(now))) {
          n.lostSince ??= now;
          n.reader = null;
          fileStatus(n, 'reconnecting', `connection to ${n.pn.host} lost (${n.conn.lost ?? '?'}); the node keeps running, reconnecting`);
          if (now - n.lostSince > lostTimeoutMs) {
            n.done = true;
            n.out.state = 'lost';
            n.out.reason = `out of reach for ${Math.round(lostTimeoutMs / 1000)} s (${n.conn.lost ?? 'connection lost'}); its processes (group ${n.out.pgid}) may still be running`;
          }
          return;
        }
        if (n.lostSince !== null) {
          n.lostSince = null;
          fileStatus(n, 'streaming', `reconnected to ${n.pn.host}`);
        }
        const sftp = n.conn.sftp!;
        if (!n.reader || n.reader.sftp !== sftp) n.reader = new SftpReader(sftp, sftpPath(n.pn.log));
        try {
          for (let i = 0; i < 4; i++) if (!(await n.tail.poll(n.reader)).more) break;
          const rcPath = sftpPath(`${n.pn.runDir}/node${n.pn.node_rank}.rc`);
          let rc = parseRc(await readSmall(sftp, rcPath));
          if (rc === null && now - n.lastAliveCheck >= aliveCheckMs && n.out.pgid !== null) {
            n.lastAliveCheck = now;
            // /proc/<pgid> over SFTP (the group leader is the node script: it lives until the exit
            // status is written); a remote shell only where /proc cannot be read.
            let alive = await procAlive(sftp, n.out.pgid);
            if (alive === null) alive = !(await n.conn.exec(bashPlain(aliveScript(n.out.pgid)), execTimeoutMs)).out.includes(MARK.gone);
            if (!alive) {
              rc = parseRc(await readSmall(sftp, rcPath));
              if (rc === null) n.vanished = true;
            }
          }
          if (rc !== null || n.vanished) {
            n.done = true;
            n.out.exitCode = rc;
            n.out.endedAt = ctx.now();
          }
        } catch {
          // A lost connection shows up in ensure() next round; a read error is retried.
        }
      };

      while (status === 'ok') {
        if (state.stop) {
          status = 'interrupted';
          reason = state.stop === 'force' ? 'interrupted (forced)' : 'interrupted';
          break;
        }
        if (ctx.now() > deadline) {
          status = 'failed';
          reason = `timed out after ${ctx.plan.timeout_s} s (recipe timeout_s)`;
          break;
        }
        await Promise.all(nodes.filter((n) => !n.done).map(pollNode));
        const bad = nodes.find((n) => n.done && (n.vanished || n.out.state === 'lost' || (n.out.exitCode !== null && n.out.exitCode !== 0)));
        if (bad) {
          status = 'failed';
          bad.out.state = bad.out.state === 'lost' ? 'lost' : 'failed';
          if (bad.vanished) bad.out.reason = 'its processes ended without an exit status (killed?)';
          else if (bad.out.exitCode !== null) bad.out.reason = `exited with status ${bad.out.exitCode}`;
          reason = `${who(bad)}: ${bad.out.reason}`;
          break;
        }
        if (nodes.every((n) => n.done)) break;
        await sleep(pollMs, abort.signal);
      }

      // 4. Stop what still runs (only the process groups we started).
      const stopNodes = async (force: boolean): Promise<void> => {
        await Promise.all(
          nodes.map(async (n) => {
            if (n.done || n.out.pgid === null || !n.conn.connected) return;
            if (force ? n.killSent : n.termSent) return;
            if (force) n.killSent = true;
            else n.termSent = true;
            try {
              await n.conn.exec(bashPlain(stopScript(n.out.pgid, force ? 0 : grace)), execTimeoutMs + grace * 1000);
            } catch (err) {
              n.out.reason ??= `could not stop it: ${errText(err)}`;
            }
          }),
        );
      };
      const running = nodes.filter((n) => !n.done);
      if (running.length) {
        for (const n of running) fileStatus(n, 'streaming', `stopping (${reason ?? 'stop'})`);
        state.forceNow = () => void stopNodes(true);
        await stopNodes(state.stop === 'force');
        for (const n of running) {
          const now = ctx.now();
          if (n.conn.connected) {
            try {
              n.out.exitCode = parseRc(await readSmall(n.conn.sftp!, sftpPath(`${n.pn.runDir}/node${n.pn.node_rank}.rc`)));
            } catch {
              // keep null
            }
          }
          n.out.endedAt = now;
          if (n.out.state === 'ok') n.out.state = 'stopped';
          n.done = true;
        }
      }
      for (const n of nodes) {
        if (n.out.state === 'ok' && n.out.exitCode !== 0 && n.out.startedAt !== null) n.out.state = status === 'interrupted' ? 'stopped' : 'failed';
      }

      // 5. The rest of each log into the screen; a copy of each for the archive.
      const dir = ctx.stagingDir;
      await mkdir(dir, { recursive: true });
      await Promise.all(
        nodes.map(async (n) => {
          if (n.out.startedAt === null) {
            fileStatus(n, 'ended', n.out.reason ?? 'not started');
            return;
          }
          if (!n.conn.connected) await n.conn.ensure(Infinity).catch(() => false);
          const sftp = n.conn.connected ? n.conn.sftp : null;
          if (!sftp) {
            n.out.reason ??= 'its log could not be fetched (connection lost)';
            fileStatus(n, 'ended', n.out.reason ?? undefined);
            return;
          }
          try {
            if (!n.reader || n.reader.sftp !== sftp) n.reader = new SftpReader(sftp, sftpPath(n.pn.log));
            await n.tail.drain(n.reader);
            await n.reader.close();
          } catch {
            // the download below still gets the file
          }
          const local = join(dir, `node${n.pn.node_rank}.log`);
          try {
            await new Promise<void>((resolve, reject) => sftp.fastGet(sftpPath(n.pn.log), local, (err) => (err ? reject(err) : resolve())));
            n.out.localLog = local;
          } catch (err) {
            n.out.reason ??= `its log could not be fetched: ${errText(err)}`;
          }
          fileStatus(n, 'ended', n.out.exitCode !== null ? `exit status ${n.out.exitCode}` : (n.out.reason ?? 'ended'));
        }),
      );
      return outcome(status, reason);
    } finally {
      if (current === state) current = null;
    }
  }

  return {
    kind: 'ssh',
    fileLabel: (c: PlannedCase, k: number) => label(c.nodes[k]!),
    nodeLabel: (c: PlannedCase, k: number) => c.nodes[k]!.host!,
    runCase,
    stop(force: boolean) {
      const s = current;
      if (!s) return;
      if (force) {
        s.stop = 'force';
        s.forceNow();
      } else {
        s.stop ??= 'graceful';
      }
      s.wake();
    },
    async close() {
      await Promise.all([...conns.values()].map((c) => c.close()));
    },
  };
}
