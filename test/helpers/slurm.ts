/**
 * A real single-host Slurm for integration tests (Debian's slurm-wlm + munge; .ci/run installs
 * them from .ci/packages-extra):
 *
 *   const slurm = await startSlurm();   // munged, slurmctld -D, slurmd -D on localhost, node idle
 *   spawn('srun', [...], { env: slurm.env });   // env carries SLURM_CONF
 *   await slurm.stop();                 // stops the three daemons, removes the temp dir
 *
 * Everything lives in a temp dir: slurm.conf (ClusterName, SlurmctldHost=localhost, one node
 * `localhost`, partition `debug`, proctrack/linuxproc and task/none so no cgroup setup is needed,
 * select/cons_tres, free ports), the munge key (copied from /etc/munge/munge.key, or created), the
 * munge socket, state and spool directories, logs. If a daemon is missing or does not come up,
 * `startSlurm` throws with what it saw (tests must fail, not skip).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './sshd.ts';

const execFileP = promisify(execFile);

export const SLURM_BINARIES = ['munged', 'slurmctld', 'slurmd', 'srun', 'sinfo', 'scancel', 'scontrol', 'squeue'] as const;

export interface SlurmFixture {
  readonly dir: string;
  readonly confPath: string;
  /** process.env plus SLURM_CONF: give it to srun, sinfo, scancel, … */
  readonly env: NodeJS.ProcessEnv;
  /** The daemons' logs (for failure messages). */
  logs(): string;
  /** Job names in the queue (any state). */
  queue(): Promise<string[]>;
  stop(): Promise<void>;
}

function which(bin: string): string | null {
  for (const d of (process.env.PATH ?? '/usr/bin:/bin').split(':').concat(['/usr/sbin', '/sbin'])) {
    const p = join(d, bin);
    if (existsSync(p)) return p;
  }
  return null;
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startSlurm(): Promise<SlurmFixture> {
  const missing = SLURM_BINARIES.filter((b) => which(b) === null);
  if (missing.length) {
    throw new Error(`Slurm is not installed (missing: ${missing.join(', ')}): apt-get install -y slurm-wlm munge (see .ci/packages-extra) to run the slurm backend test`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'dlperf-slurm-'));
  const user = userInfo().username;
  const procs: Array<{ name: string; proc: ChildProcess; out: string }> = [];
  const logs = () =>
    procs.map((p) => `--- ${p.name} (exit ${p.proc.exitCode ?? p.proc.signalCode ?? 'running'}):\n${p.out.slice(-4000)}`).join('\n') +
    ['slurmctld.log', 'slurmd.log', 'munged.log']
      .map((f) => {
        try {
          return `\n--- ${f}:\n${readFileSync(join(dir, f), 'utf8').slice(-4000)}`;
        } catch {
          return '';
        }
      })
      .join('');

  const stop = async (): Promise<void> => {
    for (const p of [...procs].reverse()) {
      if (p.proc.exitCode !== null || p.proc.signalCode !== null) continue;
      const exited = new Promise<void>((r) => p.proc.once('exit', () => r()));
      p.proc.kill('SIGTERM');
      const t = setTimeout(() => p.proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    for (const d of ['state', 'spool', 'munge']) await mkdir(join(dir, d), { recursive: true, mode: 0o700 });
    // munge: the system key if we can read it, else a fresh one (only this fixture uses it).
    const key = join(dir, 'munge', 'munge.key');
    let keyBytes: Buffer;
    try {
      keyBytes = readFileSync('/etc/munge/munge.key');
    } catch {
      keyBytes = randomBytes(1024);
    }
    await writeFile(key, keyBytes, { mode: 0o600 });
    chmodSync(key, 0o600);
    const sock = join(dir, 'munge', 'munge.socket');
    const [ctldPort, dPort] = [await freePort(), await freePort()];
    const cpuCount = Math.max(1, Math.min(2, cpus().length));
    const confPath = join(dir, 'slurm.conf');
    await writeFile(
      confPath,
      [
        'ClusterName=dlperftest',
        'SlurmctldHost=localhost',
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${dPort}`,
        `SlurmUser=${user}`,
        `SlurmdUser=${user}`,
        'AuthType=auth/munge',
        'CredType=cred/munge',
        `AuthInfo=socket=${sock}`,
        `StateSaveLocation=${join(dir, 'state')}`,
        `SlurmdSpoolDir=${join(dir, 'spool')}`,
        `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
        `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
        `SlurmctldLogFile=${join(dir, 'slurmctld.log')}`,
        `SlurmdLogFile=${join(dir, 'slurmd.log')}`,
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'SelectType=select/cons_tres',
        'SwitchType=switch/none',
        'MpiDefault=none',
        'JobAcctGatherType=jobacct_gather/none',
        'AccountingStorageType=accounting_storage/none',
        'MailProg=/bin/true',
        'ReturnToService=2',
        'KillWait=5',
        'InactiveLimit=0',
        `NodeName=localhost CPUs=${cpuCount} State=UNKNOWN`,
        'PartitionName=debug Nodes=localhost Default=YES State=UP MaxTime=INFINITE',
        '',
      ].join('\n'),
    );
    const env = { ...process.env, SLURM_CONF: confPath };

    const start = (name: string, bin: string, args: string[]) => {
      const proc = spawn(which(bin)!, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const rec = { name, proc, out: '' };
      const add = (d: Buffer) => {
        if (rec.out.length < 64_000) rec.out += d.toString('utf8');
      };
      proc.stdout!.on('data', add);
      proc.stderr!.on('data', add);
      proc.on('error', (err) => (rec.out += `\n${err.message}`));
      procs.push(rec);
      return rec;
    };

    start('munged', 'munged', ['-F', `--socket=${sock}`, `--key-file=${key}`, `--pid-file=${join(dir, 'munge', 'munged.pid')}`, `--log-file=${join(dir, 'munged.log')}`, `--seed-file=${join(dir, 'munge', 'seed')}`, '--force']);
    await waitFor(() => existsSync(sock), 10_000, () => `munged to create its socket\n${logs()}`);
    const ctld = start('slurmctld', 'slurmctld', ['-D', '-c', '-i', '-f', confPath]);
    await waitFor(
      async () => {
        if (ctld.proc.exitCode !== null) throw new Error(`slurmctld exited (${ctld.proc.exitCode}):\n${logs()}`);
        try {
          await execFileP('scontrol', ['ping'], { env, timeout: 5000 });
          return true;
        } catch {
          return false;
        }
      },
      30_000,
      () => `slurmctld to answer\n${logs()}`,
    );
    const d = start('slurmd', 'slurmd', ['-D', '-N', 'localhost', '-f', confPath]);
    await waitFor(
      async () => {
        if (d.proc.exitCode !== null) throw new Error(`slurmd exited (${d.proc.exitCode}):\n${logs()}`);
        try {
          const { stdout } = await execFileP('sinfo', ['-h', '-n', 'localhost', '-o', '%t'], { env, timeout: 5000 });
          return stdout.trim() === 'idle';
        } catch {
          return false;
        }
      },
      30_000,
      () => `node localhost to be idle in sinfo\n${logs()}`,
    );
    return {
      dir,
      confPath,
      env,
      logs,
      async queue() {
        const { stdout } = await execFileP('squeue', ['-h', '-o', '%j'], { env, timeout: 10_000 });
        return stdout.split('\n').map((s) => s.trim()).filter(Boolean);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
