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
 *
 * This module runs those phases; a host's connection is ssh-host-conn.ts, the per-node steps
 * (poll, stop, fetch the log) are ssh-node-run.ts, the SFTP reads ssh-sftp-files.ts.
 */
import { mkdir } from 'node:fs/promises';
import { sleep } from '../../sources/ssh/backoff.ts';
import { bashLogin, MARK, parsePgid, parseScriptError, preflightScript, sshStartScript } from '../node-script.ts';
import type { PlannedCase, PlannedNode } from '../plan.ts';
import { caseDeadline, caseOutcome, emitFileStatus, interruptReason, StopSwitch, timeoutReason } from './case-run.ts';
import { errText, HostConn, type HostConnOptions } from './ssh-host-conn.ts';
import type { ResolvedHost } from './ssh-hosts.ts';
import { collectNodeLog, newNodeRun, pollNode, settleStoppedNode, stopNode, type NodeFileState, type NodeRun, type NodeRunEnv } from './ssh-node-run.ts';
import { printable, type Backend, type CaseContext, type CaseOutcome } from './types.ts';

export { sftpPath } from './ssh-sftp-files.ts';

export interface SshBackendOptions extends HostConnOptions {
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
  const stops = new StopSwitch();

  const label = (pn: PlannedNode) => `${pn.host}:${pn.log}`;

  async function runCase(ctx: CaseContext): Promise<CaseOutcome> {
    const c = ctx.case;
    const startedAt = ctx.now();
    const grace = ctx.plan.stop_grace_s;
    const state = stops.begin();
    const fileStatus = (n: NodeRun, s: NodeFileState, message?: string) => emitFileStatus(ctx, n.out, s, message);

    const nodes: NodeRun[] = c.nodes.map((pn) => {
      const conn = conns.get(pn.host!);
      if (!conn) throw new Error(`internal: no connection for host ${pn.host}`);
      return newNodeRun(pn, conn, label(pn), ctx);
    });
    const outcome = (status: CaseOutcome['status'], reason: string | null): CaseOutcome => caseOutcome(ctx, startedAt, nodes.map((n) => n.out), status, reason);
    const who = (n: NodeRun) => `node ${n.pn.node_rank} (${n.pn.host})`;

    try {
      // 1. Connections and preflight, all nodes, before anything starts.
      for (const n of nodes) fileStatus(n, 'connecting', `connecting to ${n.pn.host} (case ${c.id})`);
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
      const deadline = caseDeadline(ctx, startedAt);
      const env: NodeRunEnv = { ctx, status: fileStatus, aliveCheckMs, lostTimeoutMs, execTimeoutMs };

      while (status === 'ok') {
        if (state.stop) {
          status = 'interrupted';
          reason = interruptReason(state.stop);
          break;
        }
        if (ctx.now() > deadline) {
          status = 'failed';
          reason = timeoutReason(ctx);
          break;
        }
        await Promise.all(nodes.filter((n) => !n.done).map((n) => pollNode(n, env)));
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
        await sleep(pollMs, state.signal);
      }

      // 4. Stop what still runs (only the process groups we started).
      const stopNodes = async (force: boolean): Promise<void> => {
        await Promise.all(nodes.map((n) => stopNode(n, force, grace, execTimeoutMs)));
      };
      const running = nodes.filter((n) => !n.done);
      if (running.length) {
        for (const n of running) fileStatus(n, 'streaming', `stopping (${reason ?? 'stop'})`);
        state.forceNow = () => void stopNodes(true);
        await stopNodes(state.stop === 'force');
        for (const n of running) await settleStoppedNode(n, ctx.now());
      }
      for (const n of nodes) {
        if (n.out.state === 'ok' && n.out.exitCode !== 0 && n.out.startedAt !== null) n.out.state = status === 'interrupted' ? 'stopped' : 'failed';
      }

      // 5. The rest of each log into the screen; a copy of each for the archive.
      const dir = ctx.stagingDir;
      await mkdir(dir, { recursive: true });
      await Promise.all(nodes.map((n) => collectNodeLog(n, dir, env)));
      return outcome(status, reason);
    } finally {
      stops.end(state);
    }
  }

  return {
    kind: 'ssh',
    fileLabel: (c: PlannedCase, k: number) => label(c.nodes[k]!),
    nodeLabel: (c: PlannedCase, k: number) => c.nodes[k]!.host!,
    runCase,
    stop(force: boolean) {
      stops.stop(force);
    },
    async close() {
      await Promise.all([...conns.values()].map((c) => c.close()));
    },
  };
}
