/**
 * The slurm backend: the cluster's scheduler places the nodes. Each case is one `srun` (a job
 * with one task per node):
 *
 *   srun --nodes=N --ntasks=N --ntasks-per-node=1 --job-name=dlperf-top.<session>.<case>
 *        --output=<shared>/<session>/<case>/node%n.log --kill-on-bad-exit=1 [recipe slurm.args]
 *        bash -c '<task script>'
 *
 * The task script (node-script.ts) takes its node rank from SLURM_NODEID and the master address
 * and node list from `scontrol show hostnames $SLURM_JOB_NODELIST`, so torchrun/mpirun-style
 * commands get their rank arguments from the recipe template, never from hand edits. The node
 * logs are on the shared filesystem: they are tailed locally and archived from there. A failing
 * task makes Slurm kill the others (--kill-on-bad-exit); a stop is `scancel --signal=TERM` on the
 * job, then `scancel` (Slurm's own SIGTERM → KillWait → SIGKILL) after the grace period.
 * `srun` runs in its own process group, so a Ctrl-C in the terminal reaches only the launcher.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { open, mkdir, readFile, rm } from 'node:fs/promises';
import { sleep } from '../../sources/ssh/backoff.ts';
import { slurmTaskScript } from '../node-script.ts';
import type { PlannedCase } from '../plan.ts';
import { caseDeadline, caseOutcome, emitFileStatus, interruptReason, notStartedOutcome, parseRc, StopSwitch, timeoutReason } from './case-run.ts';
import { LogTail, type TailReader } from './log-tail.ts';
import { printable, type Backend, type CaseContext, type CaseOutcome } from './types.ts';

export interface SlurmBackendOptions {
  /** Programs (default from PATH). */
  readonly srun?: string;
  readonly scancel?: string;
  readonly squeue?: string;
  /** --partition for every case. */
  readonly partition?: string;
  /** Extra srun arguments for every case (after the recipe's). */
  readonly extraArgs?: readonly string[];
  /** Environment for srun/scancel (SLURM_CONF, …). Default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Log / exit-status poll period, default 500 ms. */
  readonly pollMs?: number;
}

const MAX_STDERR = 16 * 1024;

/** Job name of a case (unique per session and case). */
export function slurmJobName(session: string, c: PlannedCase): string {
  return `dlperf-top.${session}.${c.id}`;
}

class FileReader implements TailReader {
  constructor(private readonly path: string) {}
  async size(): Promise<number | null> {
    try {
      const fh = await open(this.path, 'r');
      try {
        return (await fh.stat()).size;
      } finally {
        await fh.close();
      }
    } catch {
      return null;
    }
  }
  async read(position: number, length: number): Promise<Buffer> {
    const fh = await open(this.path, 'r');
    try {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, position);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }
}

async function readRc(path: string): Promise<number | null> {
  return parseRc(await readFile(path, 'utf8').catch(() => null));
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    let out = '';
    let child: ChildProcess;
    try {
      child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ code: null, out: (err as Error).message });
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const add = (d: Buffer) => {
      if (out.length < MAX_STDERR) out += d.toString('utf8');
    };
    child.stdout?.on('data', add);
    child.stderr?.on('data', add);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, out: err.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

export function createSlurmBackend(opts: SlurmBackendOptions = {}): Backend {
  const srun = opts.srun ?? 'srun';
  const scancel = opts.scancel ?? 'scancel';
  const squeue = opts.squeue ?? 'squeue';
  const env = opts.env ?? process.env;
  const pollMs = opts.pollMs ?? 500;
  const stops = new StopSwitch();

  const nodeLabel = (_c: PlannedCase, k: number) => `node${k}`;
  const fileLabel = (c: PlannedCase, k: number) => `${c.nodes[0]!.runDir}/node${k}.log`;

  async function runCase(ctx: CaseContext): Promise<CaseOutcome> {
    const c = ctx.case;
    const startedAt = ctx.now();
    const runDir = c.nodes[0]!.runDir;
    const job = slurmJobName(ctx.plan.session, c);
    const grace = ctx.plan.stop_grace_s;
    const state = stops.begin();
    const nodes = c.nodes.map((pn) => {
      const lab = fileLabel(c, pn.node_rank);
      const out = notStartedOutcome(pn, null, nodeLabel(c, pn.node_rank), lab);
      return { pn, out, tail: new LogTail(out.node, lab, ctx.emit, ctx.now), reader: new FileReader(pn.log), rcPath: `${runDir}/node${pn.node_rank}.rc` };
    });
    const fileStatus = (n: (typeof nodes)[number], s: 'connecting' | 'streaming' | 'ended' | 'error', message?: string) => emitFileStatus(ctx, n.out, s, message);
    const outcome = (status: CaseOutcome['status'], reason: string | null, jobId: string | null): CaseOutcome => caseOutcome(ctx, startedAt, nodes.map((n) => n.out), status, reason, jobId);

    try {
      await rm(runDir, { recursive: true, force: true });
      await mkdir(runDir, { recursive: true });
      if (state.stop) return outcome('interrupted', 'interrupted before the case started', null);
      const args = [
        `--nodes=${c.num_nodes}`,
        `--ntasks=${c.num_nodes}`,
        '--ntasks-per-node=1',
        `--job-name=${job}`,
        `--output=${runDir}/node%n.log`,
        '--kill-on-bad-exit=1',
        ...(opts.partition ? [`--partition=${opts.partition}`] : []),
        ...c.slurmArgs,
        ...(opts.extraArgs ?? []),
        'bash',
        '-c',
        slurmTaskScript(c),
        'dlperf-top-node',
      ];
      for (const n of nodes) fileStatus(n, 'connecting', `case ${c.id}: submitted to Slurm as job ${job}`);
      let stderr = '';
      let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
      const child = spawn(srun, args, { env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
      const exitedP = new Promise<void>((resolve) => {
        child.on('error', (err) => {
          stderr += `cannot run ${srun}: ${err.message}`;
          exited ??= { code: null, signal: null };
          resolve();
        });
        child.on('close', (code, signal) => {
          exited ??= { code, signal };
          resolve();
        });
      });
      child.stderr?.on('data', (d: Buffer) => {
        if (stderr.length < MAX_STDERR) stderr += d.toString('utf8');
      });
      void exitedP.then(() => state.wake());

      const deadline = caseDeadline(ctx, startedAt);
      let status: CaseOutcome['status'] = 'ok';
      let reason: string | null = null;
      let stopSent = false;
      const cancel = async (force: boolean) => {
        if (force) {
          await run(scancel, ['--name', job, '--signal=KILL'], env);
          await run(scancel, ['--name', job], env);
          try {
            if (child.pid) process.kill(-child.pid, 'SIGKILL');
          } catch {
            // gone
          }
          return;
        }
        await run(scancel, ['--name', job, '--signal=TERM'], env);
      };
      const jobGone = async (timeoutMs: number): Promise<boolean> => {
        const end = Date.now() + timeoutMs;
        for (;;) {
          const r = await run(squeue, ['-h', '--name', job, '-o', '%i'], env);
          if (r.code === 0 && r.out.trim() === '') return true;
          if (Date.now() > end) return false;
          await sleep(250);
        }
      };
      const poll = async () => {
        for (const n of nodes) {
          const r = await n.tail.poll(n.reader).catch(() => ({ bytes: 0, more: false }));
          if (r.bytes > 0 && n.out.startedAt === null) {
            n.out.startedAt = ctx.now();
            n.out.state = 'ok';
            fileStatus(n, 'streaming', `case ${c.id}: running`);
          }
          if (n.out.exitCode === null) {
            const rc = await readRc(n.rcPath);
            if (rc !== null) {
              n.out.exitCode = rc;
              n.out.endedAt = ctx.now();
              n.out.startedAt ??= n.out.endedAt;
            }
          }
        }
      };

      let graceUntil = Infinity;
      while (exited === null) {
        await poll();
        if (state.stop && !stopSent) {
          stopSent = true;
          status = 'interrupted';
          reason = interruptReason(state.stop);
          state.forceNow = () => void cancel(true);
          await cancel(state.stop === 'force');
          graceUntil = ctx.now() + grace * 1000;
        } else if (!stopSent && ctx.now() > deadline) {
          stopSent = true;
          status = 'failed';
          reason = timeoutReason(ctx);
          state.forceNow = () => void cancel(true);
          await cancel(false);
          graceUntil = ctx.now() + grace * 1000;
        } else if (!stopSent) {
          const bad = nodes.find((n) => n.out.exitCode !== null && n.out.exitCode !== 0);
          if (bad) {
            // --kill-on-bad-exit stops the others; note the first cause.
            status = 'failed';
            reason = `node ${bad.pn.node_rank}: exited with status ${bad.out.exitCode}`;
          }
        }
        if (stopSent && ctx.now() > graceUntil) {
          graceUntil = Infinity;
          await cancel(true);
        }
        if (exited !== null) break;
        await sleep(pollMs, state.signal);
      }
      await exitedP;
      if (stopSent) {
        // srun returns as soon as the step is cancelled: give the tasks their grace period to
        // write their exit status, then make sure the job has left the queue (Slurm kills what is
        // left after its KillWait); SIGKILL it if it lingers.
        const until = ctx.now() + Math.max(1, grace) * 1000;
        while (ctx.now() < until && nodes.some((n) => n.out.exitCode === null && n.out.startedAt !== null)) {
          for (const n of nodes) if (n.out.exitCode === null) n.out.exitCode = await readRc(n.rcPath);
          await sleep(100);
        }
        if (!(await jobGone(60_000))) {
          await cancel(true);
          await jobGone(15_000);
        }
      }
      const jobId = (await readFile(`${runDir}/jobid`, 'utf8').catch(() => '')).trim() || null;
      const srunExit = exited as { code: number | null; signal: NodeJS.Signals | null } | null;
      for (const n of nodes) {
        await n.tail.drain(n.reader).catch(() => {});
        if (n.out.exitCode === null) n.out.exitCode = await readRc(n.rcPath);
        n.out.endedAt ??= ctx.now();
        if (n.out.startedAt !== null || (await n.reader.size()) !== null) {
          n.out.localLog = n.pn.log;
          n.out.startedAt ??= startedAt;
        }
        if (n.out.exitCode === 0) n.out.state = 'ok';
        else if (status === 'interrupted' || (reason !== null && n.out.exitCode !== null && n.out.exitCode >= 128)) n.out.state = n.out.startedAt !== null ? 'stopped' : 'not_started';
        else n.out.state = n.out.startedAt !== null ? 'failed' : 'not_started';
        if (n.out.exitCode !== null && n.out.exitCode !== 0) n.out.reason ??= `exited with status ${n.out.exitCode}`;
        fileStatus(n, 'ended', n.out.exitCode !== null ? `exit status ${n.out.exitCode}` : 'ended');
      }
      if (status === 'ok') {
        const bad = nodes.find((n) => n.out.exitCode !== 0);
        if (bad || srunExit?.code !== 0) {
          status = 'failed';
          const tail = printable(stderr.split('\n').filter((l) => l.trim()).slice(-3).join(' | '));
          reason = bad
            ? `node ${bad.pn.node_rank}: ${bad.out.exitCode === null ? 'no exit status (the task never ran or was killed)' : `exited with status ${bad.out.exitCode}`}${tail ? ` — srun: ${tail}` : ''}`
            : `srun exited with ${srunExit?.code ?? srunExit?.signal ?? '?'}${tail ? `: ${tail}` : ''}`;
        }
      }
      return outcome(status, reason, jobId);
    } finally {
      stops.end(state);
    }
  }

  return {
    kind: 'slurm',
    fileLabel,
    nodeLabel,
    runCase,
    stop(force: boolean) {
      stops.stop(force);
    },
    async close() {},
  };
}
