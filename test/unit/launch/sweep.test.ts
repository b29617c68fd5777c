/** The sweep runner and the archive with a stand-in backend (no SSH, no Slurm). */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { summaryPathFor } from '../../../src/launch/archive.ts';
import type { Backend, CaseContext, CaseOutcome } from '../../../src/launch/backends/types.ts';
import { planSweep, type Plan, type PlannedCase } from '../../../src/launch/plan.ts';
import { loadRecipe } from '../../../src/launch/recipe.ts';
import { createSweep, runPathsOf } from '../../../src/launch/sweep.ts';
import { RunSet } from '../../../src/metrics/run-set.ts';
import { SessionStore } from '../../../src/session/store.ts';

const tmp = mkdtempSync(join(tmpdir(), 'dlperf-sweep-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A OneFlow CNN log as node k of case c would write it (only rank 0 prints train lines). */
function oneflowLog(c: PlannedCase, k: number, t0: number): string {
  const head = [`model = resnet50`, `batch_size_per_device = ${c.batch_size_per_device}`, `gpu_num_per_node = ${c.gpu_num_per_node}`, `num_nodes = ${c.num_nodes}`, 'x:1:1 [0] NCCL INFO Using network IB'];
  if (k > 0) return head.join('\n') + '\n';
  const total = c.batch_size_per_device * c.gpu_num_per_node * c.num_nodes;
  const lines = [20, 40, 60, 80, 100, 120, 140].map((it, i) => `train: epoch 0, iter ${it}, loss: 6.5, top_1: 0.0, top_k: 0.0, samples/s: ${total * 10}.000 ${(t0 + i * 2).toFixed(4)}`);
  return [...head, ...lines].join('\n') + '\n';
}

function fakeBackend(behaviour: (c: PlannedCase) => 'ok' | 'fail' | 'hang'): Backend & { stops: boolean[] } {
  let wake: (() => void) | null = null;
  const stops: boolean[] = [];
  return {
    kind: 'ssh',
    stops,
    fileLabel: (c, k) => `${c.nodes[k]!.host}:${c.nodes[k]!.log}`,
    nodeLabel: (c, k) => c.nodes[k]!.host!,
    async runCase(ctx: CaseContext): Promise<CaseOutcome> {
      const c = ctx.case;
      const startedAt = ctx.now();
      mkdirSync(ctx.stagingDir, { recursive: true });
      const b = behaviour(c);
      if (b === 'hang') await new Promise<void>((r) => (wake = r));
      const nodes = c.nodes.map((n) => {
        const local = join(ctx.stagingDir, `node${n.node_rank}.log`);
        const text = oneflowLog(c, n.node_rank, 1_600_000_000 + c.index * 100);
        writeFileSync(local, text);
        const label = `${n.host}:${n.log}`;
        ctx.emit(text.trimEnd().split('\n').map((line, i) => ({ type: 'line' as const, node: n.host!, file: label, offset: 0, lineNo: i + 1, text: line, time: ctx.now() })));
        ctx.emit([{ type: 'status', node: n.host!, file: label, state: 'ended', time: ctx.now() }]);
        const exitCode = b === 'fail' && n.node_rank === 0 ? 1 : b === 'hang' ? 143 : 0;
        return { node_rank: n.node_rank, host: n.host, node: n.host!, label, remoteLog: n.log, localLog: local, exitCode, state: exitCode === 0 ? ('ok' as const) : b === 'hang' ? ('stopped' as const) : ('failed' as const), reason: null, pgid: 100 + n.node_rank, startedAt, endedAt: ctx.now() };
      });
      const status = b === 'ok' ? 'ok' : b === 'hang' ? 'interrupted' : 'failed';
      return { status, reason: b === 'fail' ? 'node 0 (h1): exited with status 1' : null, startedAt, endedAt: ctx.now(), startSkewMs: 3, nodes };
    },
    stop(force) {
      stops.push(force);
      wake?.();
    },
    async close() {},
  };
}

async function smallPlan(): Promise<Plan> {
  const { recipe } = await loadRecipe('oneflow-resnet50');
  return planSweep(recipe, { backend: 'ssh', hosts: [{ name: 'h1', address: 'a1' }, { name: 'h2', address: 'a2' }], session: 'unit', nodes: [1, 2], gpus: [8], repeats: 2 });
}

const tar = (archive: string, ...args: string[]) => execFileSync('tar', [...args, archive], { encoding: 'utf8' });

describe('sweep', () => {
  it('runs every case, archives the logs in DLPerf layout with a manifest, and writes the summary beside it', async () => {
    const plan = await smallPlan();
    const archive = join(tmp, 'ok', 'run.tgz');
    const runPaths = runPathsOf(plan, fakeBackend(() => 'ok'));
    const store = new SessionStore({ runSet: new RunSet(), now: Date.now, clock: 'wall', runPathOf: (f) => runPaths.get(f) ?? f });
    const events: string[] = [];
    const sweep = createSweep({ plan, backend: fakeBackend(() => 'ok'), archive, recipePath: 'launchers/oneflow-resnet50.yaml', recipeText: 'name: x\n', store, tmpDir: tmp, onCase: (e) => events.push(`${e.type}${'case' in e ? ` ${e.case.id}` : ''}`) });
    const r = await sweep.run();
    expect(r.exitCode).toBe(0);
    expect([r.ok, r.failed, r.notRun]).toEqual([4, 0, 0]);
    expect(events).toEqual(['start 001-1n8g-b128-fp32-r0', 'end 001-1n8g-b128-fp32-r0', 'start 002-1n8g-b128-fp32-r1', 'end 002-1n8g-b128-fp32-r1', 'start 003-2n8g-b128-fp32-r0', 'end 003-2n8g-b128-fp32-r0', 'start 004-2n8g-b128-fp32-r1', 'end 004-2n8g-b128-fp32-r1']);
    expect(tar(archive, '-tzf').split('\n').filter(Boolean).sort()).toEqual([
      'logs/oneflow/1n8g/resnet50_b128_fp32_0.log',
      'logs/oneflow/1n8g/resnet50_b128_fp32_1.log',
      'logs/oneflow/2n8g/node0/resnet50_b128_fp32_0.log',
      'logs/oneflow/2n8g/node0/resnet50_b128_fp32_1.log',
      'logs/oneflow/2n8g/node1/resnet50_b128_fp32_0.log',
      'logs/oneflow/2n8g/node1/resnet50_b128_fp32_1.log',
      'manifest.json',
      'recipe.yaml',
    ]);
    const m = JSON.parse(execFileSync('tar', ['-xzOf', archive, 'manifest.json'], { encoding: 'utf8' }));
    expect(m).toMatchObject({ tool: 'dlperf-top', kind: 'launch', backend: 'ssh', session: 'unit', hosts: { h1: 'a1', h2: 'a2' }, interrupted: false });
    expect(m.cases[2]).toMatchObject({ id: '003-2n8g-b128-fp32-r0', status: 'ok', exit_codes: [0, 0], start_skew_ms: 3 });
    expect(m.cases[2].nodes[1]).toMatchObject({ host: 'h2', address: 'a2', node_rank: 1, log: 'logs/oneflow/2n8g/node1/resnet50_b128_fp32_0.log', exit_code: 0, pgid: 101 });
    expect(m.files[0]).toMatchObject({ path: 'logs/oneflow/1n8g/resnet50_b128_fp32_0.log', node: 'h1', host: 'a1', run: '001-1n8g-b128-fp32-r0' });
    // summary of the archive: 4 runs, 2 groups (total batch × 100 iterations / 10 s).
    expect(r.summary!.runs.map((x) => x.throughput)).toEqual([1024 * 10, 1024 * 10, 2048 * 10, 2048 * 10]);
    expect(r.summary!.groups).toHaveLength(2);
    expect(r.summaryPath).toBe(summaryPathFor(archive));
    expect(readFileSync(r.summaryPath!, 'utf8')).toContain('| logs/oneflow/2n8g/node0/resnet50_b128_fp32_0.log | 2 | 8 | 128 | fp32 | 20480.00 | timestamps | ok |');
    // The live store named the runs as the archive does.
    const snap = store.flush();
    expect(snap.runs.map((x) => x.key).sort()).toEqual(['logs/oneflow/1n8g/resnet50_b128_fp32_0', 'logs/oneflow/1n8g/resnet50_b128_fp32_1', 'logs/oneflow/2n8g/resnet50_b128_fp32_0', 'logs/oneflow/2n8g/resnet50_b128_fp32_1']);
    store.dispose();
  });

  it('a failed case gives exit 4 and its logs stay in the archive', async () => {
    const plan = await smallPlan();
    const archive = join(tmp, 'fail', 'run.tgz');
    const r = await createSweep({ plan, backend: fakeBackend((c) => (c.index === 1 ? 'fail' : 'ok')), archive, recipePath: 'r.yaml', recipeText: '', tmpDir: tmp }).run();
    expect(r.exitCode).toBe(4);
    expect([r.ok, r.failed]).toEqual([3, 1]);
    const m = JSON.parse(execFileSync('tar', ['-xzOf', archive, 'manifest.json'], { encoding: 'utf8' }));
    expect(m.cases[1]).toMatchObject({ status: 'failed', reason: 'node 0 (h1): exited with status 1', exit_codes: [1] });
  });

  it('the first stop ends the sweep gracefully, the second forces; later cases are not run (exit 130)', async () => {
    const plan = await smallPlan();
    const archive = join(tmp, 'int', 'run.tgz');
    const backend = fakeBackend((c) => (c.index === 1 ? 'hang' : 'ok'));
    let started!: () => void;
    const second = new Promise<void>((r) => (started = r));
    const sweep = createSweep({ plan, backend, archive, recipePath: 'r.yaml', recipeText: '', tmpDir: tmp, onCase: (e) => e.type === 'start' && e.case.index === 1 && started() });
    const done = sweep.run();
    await second;
    sweep.stop();
    sweep.stop();
    const r = await done;
    expect(backend.stops).toEqual([false, true]);
    expect(r.exitCode).toBe(130);
    expect([r.ok, r.notRun]).toEqual([1, 2]);
    const m = JSON.parse(execFileSync('tar', ['-xzOf', archive, 'manifest.json'], { encoding: 'utf8' }));
    expect(m.interrupted).toBe(true);
    expect(m.cases.map((x: { status: string }) => x.status)).toEqual(['ok', 'interrupted', 'not_run', 'not_run']);
  });
});
