/**
 * One node of a case under the ssh backend, and what the backend does to it: follow its log and
 * watch for its exit status (reconnecting meanwhile), stop its process group, and fetch its log
 * for the archive. ssh.ts runs the case's phases over all nodes with these.
 */
import { join } from 'node:path';
import type { SourceEvent } from '../../sources/types.ts';
import { aliveScript, MARK, stopScript } from '../node-script.ts';
import type { PlannedNode } from '../plan.ts';
import { shQuoteAlways } from '../quote.ts';
import { notStartedOutcome, parseRc } from './case-run.ts';
import { LogTail } from './log-tail.ts';
import { errText, type HostConn } from './ssh-host-conn.ts';
import { download, procAlive, readSmall, RemoteFileReader, sftpPath } from './ssh-sftp-files.ts';
import type { CaseContext, NodeOutcome } from './types.ts';

export interface NodeRun {
  pn: PlannedNode;
  conn: HostConn;
  out: NodeOutcome;
  tail: LogTail;
  reader: RemoteFileReader | null;
  done: boolean;
  /** Ended without an exit status. */
  vanished: boolean;
  lostSince: number | null;
  lastAliveCheck: number;
  termSent: boolean;
  killSent: boolean;
}

export type NodeFileState = 'connecting' | 'streaming' | 'reconnecting' | 'ended' | 'error';

/** What the node operations need from the running case. */
export interface NodeRunEnv {
  readonly ctx: CaseContext;
  /** A status event for the node's file. */
  status(n: NodeRun, s: NodeFileState, message?: string): void;
  readonly aliveCheckMs: number;
  readonly lostTimeoutMs: number;
  readonly execTimeoutMs: number;
}

/** `bash -c '<script>'` for our control scripts (no login shell: quick). */
export function bashPlain(script: string): string {
  return `bash -c ${shQuoteAlways(script)}`;
}

/** The record of a node that has not started yet. */
export function newNodeRun(pn: PlannedNode, conn: HostConn, label: string, ctx: CaseContext): NodeRun {
  return {
    pn,
    conn,
    out: notStartedOutcome(pn, pn.host, pn.host!, label),
    tail: new LogTail(pn.host!, label, (ev: SourceEvent[]) => ctx.emit(ev), ctx.now),
    reader: null,
    done: false,
    vanished: false,
    lostSince: null,
    lastAliveCheck: 0,
    termSent: false,
    killSent: false,
  };
}

/** Path of the node's exit-status file, as SFTP takes it. */
function rcPath(n: NodeRun): string {
  return sftpPath(`${n.pn.runDir}/node${n.pn.node_rank}.rc`);
}

/**
 * One poll of a running node: reconnect if needed (a node out of reach for lostTimeoutMs is
 * lost), read its new log lines, and look for its exit status (or for its process group gone).
 */
export async function pollNode(n: NodeRun, env: NodeRunEnv): Promise<void> {
  const { ctx, lostTimeoutMs } = env;
  const now = ctx.now();
  if (!(await n.conn.ensure(now))) {
    n.lostSince ??= now;
    n.reader = null;
    env.status(n, 'reconnecting', `connection to ${n.pn.host} lost (${n.conn.lost ?? '?'}); the node keeps running, reconnecting`);
    if (now - n.lostSince > lostTimeoutMs) {
      n.done = true;
      n.out.state = 'lost';
      n.out.reason = `out of reach for ${Math.round(lostTimeoutMs / 1000)} s (${n.conn.lost ?? 'connection lost'}); its processes (group ${n.out.pgid}) may still be running`;
    }
    return;
  }
  if (n.lostSince !== null) {
    n.lostSince = null;
    env.status(n, 'streaming', `reconnected to ${n.pn.host}`);
  }
  const fs = n.conn.fs!;
  if (!n.reader || n.reader.fs !== fs) n.reader = new RemoteFileReader(fs, sftpPath(n.pn.log));
  try {
    for (let i = 0; i < 4; i++) if (!(await n.tail.poll(n.reader)).more) break;
    let rc = parseRc(await readSmall(fs, rcPath(n)));
    if (rc === null && now - n.lastAliveCheck >= env.aliveCheckMs && n.out.pgid !== null) {
      n.lastAliveCheck = now;
      // /proc/<pgid> over SFTP (the group leader is the node script: it lives until the exit
      // status is written); a remote shell only where /proc cannot be read.
      let alive = await procAlive(fs, n.out.pgid);
      if (alive === null) alive = !(await n.conn.exec(bashPlain(aliveScript(n.out.pgid)), env.execTimeoutMs)).out.includes(MARK.gone);
      if (!alive) {
        rc = parseRc(await readSmall(fs, rcPath(n)));
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
}

/** SIGTERM (then SIGKILL after `graceS`) or SIGKILL now to the node's process group — once each. */
export async function stopNode(n: NodeRun, force: boolean, graceS: number, execTimeoutMs: number): Promise<void> {
  if (n.done || n.out.pgid === null || !n.conn.connected) return;
  if (force ? n.killSent : n.termSent) return;
  if (force) n.killSent = true;
  else n.termSent = true;
  try {
    await n.conn.exec(bashPlain(stopScript(n.out.pgid, force ? 0 : graceS)), execTimeoutMs + graceS * 1000);
  } catch (err) {
    n.out.reason ??= `could not stop it: ${errText(err)}`;
  }
}

/** After a stop: the exit status the node wrote, if any; the node counts as ended. */
export async function settleStoppedNode(n: NodeRun, now: number): Promise<void> {
  if (n.conn.connected) {
    try {
      n.out.exitCode = parseRc(await readSmall(n.conn.fs!, rcPath(n)));
    } catch {
      // keep null
    }
  }
  n.out.endedAt = now;
  if (n.out.state === 'ok') n.out.state = 'stopped';
  n.done = true;
}

/** The rest of the node's log into the screen, and a copy of it in `dir` for the archive. */
export async function collectNodeLog(n: NodeRun, dir: string, env: Pick<NodeRunEnv, 'status'>): Promise<void> {
  if (n.out.startedAt === null) {
    env.status(n, 'ended', n.out.reason ?? 'not started');
    return;
  }
  if (!n.conn.connected) await n.conn.ensure(Infinity).catch(() => false);
  const fs = n.conn.connected ? n.conn.fs : null;
  if (!fs) {
    n.out.reason ??= 'its log could not be fetched (connection lost)';
    env.status(n, 'ended', n.out.reason ?? undefined);
    return;
  }
  try {
    if (!n.reader || n.reader.fs !== fs) n.reader = new RemoteFileReader(fs, sftpPath(n.pn.log));
    await n.tail.drain(n.reader);
    await n.reader.close();
  } catch {
    // the download below still gets the file
  }
  const local = join(dir, `node${n.pn.node_rank}.log`);
  try {
    await download(fs, sftpPath(n.pn.log), local);
    n.out.localLog = local;
  } catch (err) {
    n.out.reason ??= `its log could not be fetched: ${errText(err)}`;
  }
  env.status(n, 'ended', n.out.exitCode !== null ? `exit status ${n.out.exitCode}` : (n.out.reason ?? 'ended'));
}
