/**
 * `launch` end to end over real SSH: three loopback "nodes" (real sshd instances from
 * test/helpers/sshd.ts, reached through ssh_config aliases node1…node3, each with its own working
 * directory) run test/fixtures/launch/fake-train.sh through the recipe machinery. Fails — never
 * skips — when /usr/sbin/sshd is missing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchCommand, type LaunchDeps, type Sweep } from '../../../src/launch/index.ts';
import { summarize } from '../../../src/pipeline/summarize.ts';
import { io, processes, RECIPE, SCRIPT, tarList, tarRead, until } from '../../helpers/launch.ts';
import { createSshFixture, freePort, type SshFixture } from '../../helpers/sshd.ts';

let fx: SshFixture;
let dir: string;
let sshConfig: string;

function baseArgs(base: string, archive: string): string[] {
  return [RECIPE, '--hosts', 'node[1-3]', '--set', `script=${SCRIPT}`, '--set', `base=${base}`, '--archive', archive, '--ssh-config', sshConfig, '--known-hosts', fx.knownHostsPath];
}

const deps = (session: string, extra: Partial<LaunchDeps> = {}): LaunchDeps => ({
  signals: false,
  session,
  cwd: dir,
  ssh: { agent: false, pollMs: 100, aliveCheckMs: 400, readyTimeoutMs: 10_000 },
  ...extra,
});

beforeAll(async () => {
  fx = await createSshFixture();
  dir = await mkdtemp(join(tmpdir(), 'dlperf-launch-ssh-'));
  const servers = await Promise.all([fx.startSshd(), fx.startSshd(), fx.startSshd()]);
  sshConfig = join(dir, 'ssh_config');
  await writeFile(
    sshConfig,
    [
      ...servers.map((s, i) => `Host node${i + 1}\n  HostName 127.0.0.1\n  Port ${s.port}\n  User ${fx.user}\n  IdentityFile ${fx.clientKeyPath}\n`),
      // A node whose port is closed: it never reports.
      `Host down\n  HostName 127.0.0.1\n  Port ${await freePort()}\n  User ${fx.user}\n  IdentityFile ${fx.clientKeyPath}\n`,
    ].join('\n'),
  );
});

afterAll(async () => {
  await fx?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('launch over ssh (three loopback nodes)', () => {
  it('runs a 2-case × 2-repeat sweep, archives it in DLPerf layout and summarises it', async () => {
    const archive = join(dir, 'runs', 'sweep.tgz');
    const c = io();
    const code = await launchCommand(
      [...baseArgs(join(dir, 'nodes'), archive), '--nodes', '1,2', '--gpus', '2', '--repeats', '2', '--set', 'interval_ms=40', '--headless'],
      c.io,
      deps('sweep-test'),
    );
    expect(code, c.stderr.text).toBe(0);

    expect(tarList(archive)).toEqual([
      'logs/oneflow/1n2g/resnet50_b32_fp32_0.log',
      'logs/oneflow/1n2g/resnet50_b32_fp32_1.log',
      'logs/oneflow/2n2g/node0/resnet50_b32_fp32_0.log',
      'logs/oneflow/2n2g/node0/resnet50_b32_fp32_1.log',
      'logs/oneflow/2n2g/node1/resnet50_b32_fp32_0.log',
      'logs/oneflow/2n2g/node1/resnet50_b32_fp32_1.log',
      'manifest.json',
      'recipe.yaml',
    ]);
    const rank0 = tarRead(archive, 'logs/oneflow/2n2g/node0/resnet50_b32_fp32_1.log');
    expect(rank0).toContain('num_nodes = 2');
    expect(rank0).toContain('node_ips = 127.0.0.1,127.0.0.1');
    expect(rank0.match(/^train: epoch 0, iter \d+/gm)).toHaveLength(7);
    const rank1 = tarRead(archive, 'logs/oneflow/2n2g/node1/resnet50_b32_fp32_1.log');
    expect(rank1).toContain('NCCL INFO');
    expect(rank1).not.toContain('train: epoch');

    const manifest = JSON.parse(tarRead(archive, 'manifest.json'));
    expect(manifest).toMatchObject({ tool: 'dlperf-top', kind: 'launch', backend: 'ssh', session: 'sweep-test', interrupted: false });
    expect(manifest.recipe.name).toBe('fake-resnet50');
    expect(manifest.cases.map((x: { id: string; status: string }) => [x.id, x.status])).toEqual([
      ['001-1n2g-b32-fp32-r0', 'ok'],
      ['002-1n2g-b32-fp32-r1', 'ok'],
      ['003-2n2g-b32-fp32-r0', 'ok'],
      ['004-2n2g-b32-fp32-r1', 'ok'],
    ]);
    const two = manifest.cases[2];
    expect(two.exit_codes).toEqual([0, 0]);
    expect(two.nodes.map((n: { host: string; node_rank: number }) => [n.host, n.node_rank])).toEqual([
      ['node1', 0],
      ['node2', 1],
    ]);
    expect(two.nodes[1].command).toContain('--node_rank=1');
    expect(two.nodes[1].env).toMatchObject({ NCCL_DEBUG: 'INFO', FAKE_MASTER: '127.0.0.1' });
    expect(typeof two.start_skew_ms).toBe('number');
    expect(manifest.files).toHaveLength(6);

    // Each node ran in its own working directory; the node logs stay there too.
    expect(existsSync(join(dir, 'nodes', 'node2', 'dlperf-top-runs', 'sweep-test', '004-2n2g-b32-fp32-r1', 'node1.log'))).toBe(true);
    expect(existsSync(join(dir, 'nodes', 'node3'))).toBe(false);

    // summary reads the archive as it reads DLPerf's bundles.
    const s = await summarize([archive]);
    const runs = s.runs.filter((r) => r.status !== 'unrecognized');
    expect(runs).toHaveLength(4);
    for (const r of runs) expect(r.throughput).toBeGreaterThan(0);
    expect(runs.map((r) => [r.num_nodes, r.gpu_num_per_node, r.batch_size_per_device])).toEqual([
      [1, 2, 32],
      [1, 2, 32],
      [2, 2, 32],
      [2, 2, 32],
    ]);
    const summaryMd = readFileSync(join(dir, 'runs', 'sweep.summary.md'), 'utf8');
    expect(summaryMd).toContain('| 2 | 2 | 32 |');
    expect(c.stderr.text).toContain('| num_nodes |'); // the table is printed (stderr under --headless)

    // --headless: NDJSON on stdout, case events and snapshots that saw all four runs.
    const lines = c.stdout.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.event === 'case' && l.state === 'ok')).toHaveLength(4);
    const last = lines.filter((l) => l.type === 'snapshot').pop();
    expect(last.runs.length).toBe(4);
    expect(lines[lines.length - 1]).toMatchObject({ type: 'launch', event: 'done', ok: 4, failed: 0, exit_code: 0 });
  });

  it("names each node's log as a source, as live does: one that never reports is a row with its reason", async () => {
    const archive = join(dir, 'runs', 'down.tgz');
    const c = io();
    const args = baseArgs(join(dir, 'nodes-down'), archive).map((a) => (a === 'node[1-3]' ? 'node1,down' : a));
    const code = await launchCommand([...args, '--nodes', '2', '--repeats', '1', '--headless', '--interval', '0.1'], c.io, deps('down-test'));
    expect(code, c.stderr.text).toBe(4);
    const lines = c.stdout.text.trim().split('\n').map((l) => JSON.parse(l));
    const last = lines.filter((l) => l.type === 'snapshot').pop();
    const byNode = Object.fromEntries(last.sources.map((v: { node: string }) => [v.node, v]));
    expect(Object.keys(byNode).sort()).toEqual(['down', 'node1']);
    expect(byNode.down).toMatchObject({ kind: 'remote-file', state: 'error', reporting: false });
    expect(byNode.down.source).toMatch(/^down:\/.*node1\.log$/);
    expect(byNode.down.reason).toMatch(/connection refused/);
    expect(byNode.node1).toMatchObject({ state: 'error', reason: 'not started: another node failed its check' });
    expect(last.totals).toMatchObject({ sources: 2, reporting: 0 });
    // Each is a row of nodes[] (a placeholder: no line), and its change of state an event.
    expect(last.nodes.map((n: { node: string }) => n.node).sort()).toEqual(['down', 'node1']);
    expect(lines.some((l) => l.type === 'event' && l.event === 'state' && l.node === 'down' && /connection refused/.test(l.reason ?? ''))).toBe(true);
    // …and a line on stderr, as live --headless writes.
    expect(c.stderr.text).toMatch(/^dlperf-top: source down:\/\S+node1\.log is error: connection refused/m);
  });

  it('stops the other nodes when one node fails, and says why', async () => {
    const archive = join(dir, 'runs', 'fail.tgz');
    const c = io();
    const code = await launchCommand(
      [...baseArgs(join(dir, 'nodes-fail'), archive), '--nodes', '2', '--repeats', '1', '--set', 'extra=--fail_rank=1', '--set', 'last_iter=4000', '--set', 'interval_ms=60'],
      c.io,
      deps('fail-test'),
    );
    expect(code, c.stderr.text).toBe(4);
    const manifest = JSON.parse(tarRead(archive, 'manifest.json'));
    expect(manifest.cases[0].status).toBe('failed');
    expect(manifest.cases[0].reason).toMatch(/node 1 \(node2\): exited with status 3/);
    expect(manifest.cases[0].nodes[0].state).toBe('stopped');
    expect(manifest.cases[0].exit_codes).toEqual([143, 3]);
    expect(tarRead(archive, 'logs/oneflow/2n2g/node0/resnet50_b32_fp32_0.log')).toContain('SIGTERM on node 0');
  });

  it('an interrupt mid-run stops exactly the process groups it started (TERM, then KILL), on every node', async () => {
    const archive = join(dir, 'runs', 'int.tgz');
    const base = join(dir, 'nodes-int');
    const c = io();
    let sweep: Sweep | undefined;
    const before = new Set(processes().map((p) => p.pid));
    const done = launchCommand(
      [
        ...baseArgs(base, archive),
        '--nodes',
        '2',
        '--repeats',
        '3',
        '--set',
        'last_iter=100000',
        '--set',
        'interval_ms=37',
        '--set',
        'extra=--child=1 --ignore_term=1',
        '--grace',
        '1',
      ],
      c.io,
      deps('int-test', { onSweep: (s) => (sweep = s) }),
    );
    // Whatever happens below, nothing may stay behind.
    const cleanup = async () => {
      sweep?.stop(true);
      await done.catch(() => undefined);
    };
    const caseDir = (host: string) => join(base, host, 'dlperf-top-runs', 'int-test', '001-2n2g-b32-fp32-r0');
    const log0 = join(caseDir('node1'), 'node0.log');
    let pgids: number[] = [];
    try {
      await until(() => existsSync(log0) && (readFileSync(log0, 'utf8').match(/^train: /gm)?.length ?? 0) >= 3, 20_000, 'three train lines on node 0');
      await until(() => existsSync(join(caseDir('node2'), 'node1.pid')), 5000, `node 1's pid file (${JSON.stringify(readdirSync(caseDir('node2')))})`);
      pgids = ['node1', 'node2'].map((h, k) => Number(readFileSync(join(caseDir(h), `node${k}.pid`), 'utf8').trim()));
      for (const pg of pgids) expect(pg).toBeGreaterThan(1);
      const ours = () => processes().filter((p) => pgids.includes(p.pgid) || p.args.includes('int-test') || p.args.includes('--interval_ms=37'));
      // The node scripts, the workload and its background child are running, in our process groups.
      expect(new Set(ours().filter((p) => p.args.startsWith(`bash ${SCRIPT} `)).map((p) => p.pgid))).toEqual(new Set(pgids));
      expect(ours().filter((p) => /^sleep 600/.test(p.args)).length).toBe(2);

      sweep!.stop();
      const code = await done;
      expect(code, c.stderr.text).toBe(130);
      expect(ours()).toEqual([]);
      // No process started meanwhile is left with our marks.
      expect(processes().filter((p) => !before.has(p.pid) && p.args.includes('fake-train'))).toEqual([]);
    } finally {
      await cleanup();
    }

    const manifest = JSON.parse(tarRead(archive, 'manifest.json'));
    expect(manifest.interrupted).toBe(true);
    expect(manifest.cases.map((x: { status: string }) => x.status)).toEqual(['interrupted', 'not_run', 'not_run']);
    expect(manifest.cases[0].nodes.map((n: { pgid: number }) => n.pgid)).toEqual(pgids);
    const members = tarList(archive);
    expect(members).toContain('logs/oneflow/2n2g/node0/resnet50_b32_fp32_0.log');
    expect(tarRead(archive, 'logs/oneflow/2n2g/node0/resnet50_b32_fp32_0.log')).toMatch(/^train: epoch 0, iter 60,/m);
    // The run directories on the nodes keep the logs; no exit status was written (SIGKILL after the grace period).
    expect(readdirSync(caseDir('node1'))).toContain('node0.log');
    expect(readdirSync(caseDir('node1'))).not.toContain('node0.rc');
    expect(manifest.cases[0].exit_codes).toEqual([null, null]);
  });
});
