/**
 * `launch --backend slurm` against a real single-host Slurm (test/helpers/slurm.ts: munged,
 * slurmctld and slurmd on localhost), running the same workload (fake-train.sh) through the same
 * recipe. Fails — never skips — when Slurm is not installed (.ci/packages-extra installs it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchCommand, type LaunchDeps, type Sweep } from '../../../src/launch/index.ts';
import { summarize } from '../../../src/pipeline/summarize.ts';
import { io, processes, RECIPE, SCRIPT, tarList, tarRead, until } from '../../helpers/launch.ts';
import { startSlurm, type SlurmFixture } from '../../helpers/slurm.ts';

let slurm: SlurmFixture;
let dir: string;

const deps = (session: string, extra: Partial<LaunchDeps> = {}): LaunchDeps => ({
  signals: false,
  session,
  cwd: dir,
  slurm: { env: slurm.env, pollMs: 100 },
  ...extra,
});

beforeAll(async () => {
  slurm = await startSlurm();
  dir = await mkdtemp(join(tmpdir(), 'dlperf-launch-slurm-'));
}, 60_000);

afterAll(async () => {
  await slurm?.stop();
  if (dir && !process.env.KEEP_LAUNCH_TEST_DIR) await rm(dir, { recursive: true, force: true });
});

describe('launch over Slurm (single-host cluster)', () => {
  it('runs each case as an srun job, tails the shared files and archives them', async () => {
    const archive = join(dir, 'runs', 'slurm.tgz');
    const shared = join(dir, 'shared');
    const c = io();
    const code = await launchCommand(
      [RECIPE, '--backend', 'slurm', '--shared-dir', shared, '--nodes', '1,1', '--gpus', '1,2', '--repeats', '2', '--set', `script=${SCRIPT}`, '--set', `base=${join(dir, 'work')}`, '--set', 'interval_ms=40', '--archive', archive, '--headless'],
      c.io,
      deps('slurm-test'),
    );
    expect(code, `${c.stderr.text}\n${slurm.logs()}`).toBe(0);
    expect(tarList(archive)).toEqual([
      'logs/oneflow/1n1g/resnet50_b32_fp32_0.log',
      'logs/oneflow/1n1g/resnet50_b32_fp32_1.log',
      'logs/oneflow/1n2g/resnet50_b32_fp32_0.log',
      'logs/oneflow/1n2g/resnet50_b32_fp32_1.log',
      'manifest.json',
      'recipe.yaml',
    ]);
    const log = tarRead(archive, 'logs/oneflow/1n2g/resnet50_b32_fp32_1.log');
    expect(log.match(/^train: epoch 0, iter \d+/gm)).toHaveLength(7);
    expect(log).toContain('node_ips = localhost'); // from scontrol show hostnames $SLURM_JOB_NODELIST
    const manifest = JSON.parse(tarRead(archive, 'manifest.json'));
    expect(manifest.backend).toBe('slurm');
    expect(manifest.cases.map((x: { status: string }) => x.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    for (const x of manifest.cases) expect(x.slurm_job_id).toMatch(/^\d+$/);
    expect(manifest.cases[0].nodes[0].command).toContain('--node_rank="${DLPERF_TOP_NODE_RANK}"');
    // The working directory {base}/{host} was made by the task on the node it ran on.
    expect(existsSync(join(dir, 'work'))).toBe(true);

    const s = await summarize([archive]);
    const runs = s.runs.filter((r) => r.status !== 'unrecognized');
    expect(runs).toHaveLength(4);
    for (const r of runs) expect(r.throughput).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'runs', 'slurm.summary.md'), 'utf8')).toContain('| 1 | 2 | 32 |');
    const lines = c.stdout.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[lines.length - 1]).toMatchObject({ type: 'launch', event: 'done', ok: 4, exit_code: 0 });
    // The board's plan rides on every snapshot: a case running while the sweep went, all done at the end.
    const plans = lines.filter((l) => l.type === 'snapshot').map((l) => l.plan);
    expect(plans.some((p) => p.running === 1 && p.pending > 0)).toBe(true);
    expect(plans.at(-1)).toMatchObject({ total: 4, done: 4, running: 0, failed: 0, pending: 0, current: null });
    // Each case's node logs are named sources (as in live): every one reported.
    const last = lines.filter((l) => l.type === 'snapshot').at(-1);
    const nodesOfCases = manifest.cases.reduce((a: number, x: { nodes: unknown[] }) => a + x.nodes.length, 0);
    expect(last.sources).toHaveLength(nodesOfCases);
    for (const v of last.sources) expect(v).toMatchObject({ kind: 'file', reporting: true });
    expect(last.totals).toMatchObject({ sources: nodesOfCases, reporting: nodesOfCases });
    expect(await slurm.queue()).toEqual([]);
  });

  it('an interrupt cancels the job: no task process is left, the queue is empty', async () => {
    const archive = join(dir, 'runs', 'slurm-int.tgz');
    const shared = join(dir, 'shared-int');
    const c = io();
    let sweep: Sweep | undefined;
    const done = launchCommand(
      [RECIPE, '--backend', 'slurm', '--shared-dir', shared, '--nodes', '1', '--gpus', '2', '--repeats', '2', '--set', `script=${SCRIPT}`, '--set', `base=${join(dir, 'work-int')}`, '--set', 'interval_ms=41', '--set', 'last_iter=100000', '--set', 'extra=--child=1', '--grace', '3', '--archive', archive],
      c.io,
      deps('slurm-int', { onSweep: (s) => (sweep = s) }),
    );
    const ours = () => processes().filter((p) => p.args.includes('slurm-int') || p.args.includes('--interval_ms=41'));
    const log = join(shared, 'slurm-int', '001-1n2g-b32-fp32-r0', 'node0.log');
    try {
      await until(() => existsSync(log) && (readFileSync(log, 'utf8').match(/^train: /gm)?.length ?? 0) >= 3, 30_000, 'three train lines');
      expect(ours().some((p) => p.args.startsWith(`bash ${SCRIPT} `))).toBe(true);
      expect(await slurm.queue()).toEqual(['dlperf-top.slurm-int.001-1n2g-b32-fp32-r0']);
      sweep!.stop();
      const code = await done;
      expect(code, c.stderr.text).toBe(130);
      await until(() => ours().length === 0, 10_000, `no process of ours left: ${JSON.stringify(ours())}`);
      expect(await slurm.queue()).toEqual([]);
    } finally {
      sweep?.stop(true);
      await done.catch(() => undefined);
    }
    const manifest = JSON.parse(tarRead(archive, 'manifest.json'));
    expect(manifest.cases.map((x: { status: string }) => x.status)).toEqual(['interrupted', 'not_run']);
    const caseDir = join(shared, 'slurm-int', '001-1n2g-b32-fp32-r0');
    const diag = () => execFileSync('bash', ['-c', `ls -la --time-style=full-iso ${caseDir}; tail -5 ${caseDir}/node0.log; od -c ${caseDir}/node0.rc; date +%T.%N`], { encoding: 'utf8' }) + JSON.stringify(manifest.cases[0], null, 1);
    expect(manifest.cases[0].exit_codes, diag()).toEqual([143]);
    expect(tarRead(archive, 'logs/oneflow/1n2g/resnet50_b32_fp32_0.log')).toContain('SIGTERM on node 0');
  });
});
