/**
 * `launch` over SSH to nodes whose sshd has no SFTP subsystem (locked-down login nodes): the
 * backend says so and reads the node logs, exit statuses and the final copies over short exec
 * commands instead (src/sources/ssh/exec-fs.ts, as live mode does), with every line in the
 * archive and on screen exactly once.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchCommand } from '../../../src/launch/index.ts';
import { io, RECIPE, SCRIPT, tarList, tarRead } from '../../helpers/launch.ts';
import { createSshFixture, type SshFixture } from '../../helpers/sshd.ts';

let fx: SshFixture;
let dir: string;
let sshConfig: string;

beforeAll(async () => {
  fx = await createSshFixture();
  dir = await mkdtemp(join(tmpdir(), 'dlperf-launch-nosftp-'));
  const servers = await Promise.all([fx.startSshd({ sftp: false }), fx.startSshd({ sftp: false })]);
  sshConfig = join(dir, 'ssh_config');
  await writeFile(sshConfig, servers.map((s, i) => `Host bare${i + 1}\n  HostName 127.0.0.1\n  Port ${s.port}\n  User ${fx.user}\n  IdentityFile ${fx.clientKeyPath}\n`).join('\n'));
});

afterAll(async () => {
  await fx?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('launch over ssh to servers without SFTP', () => {
  it('reads the node logs over exec, says why, and archives every line once', async () => {
    const archive = join(dir, 'bare.tgz');
    const c = io();
    const code = await launchCommand(
      [RECIPE, '--hosts', 'bare[1-2]', '--set', `script=${SCRIPT}`, '--set', `base=${join(dir, 'nodes')}`, '--archive', archive, '--ssh-config', sshConfig, '--known-hosts', fx.knownHostsPath, '--nodes', '2', '--gpus', '2', '--repeats', '1', '--set', 'interval_ms=40', '--headless'],
      c.io,
      { signals: false, session: 'bare-test', cwd: dir, ssh: { agent: false, pollMs: 100, aliveCheckMs: 400, readyTimeoutMs: 10_000 } },
    );
    expect(code, c.stderr.text).toBe(0);
    expect(c.stderr.text).toMatch(/bare1.*server has no SFTP subsystem; reading over exec/);
    expect(tarList(archive)).toEqual(['logs/oneflow/2n2g/node0/resnet50_b32_fp32_0.log', 'logs/oneflow/2n2g/node1/resnet50_b32_fp32_0.log', 'manifest.json', 'recipe.yaml']);
    const rank0 = tarRead(archive, 'logs/oneflow/2n2g/node0/resnet50_b32_fp32_0.log');
    const iters = rank0.match(/^train: epoch 0, iter \d+/gm) ?? [];
    expect(iters).toHaveLength(7);
    const manifest = JSON.parse(tarRead(archive, 'manifest.json'));
    expect(manifest.cases.map((x: { status: string; exit_codes: number[] }) => [x.status, x.exit_codes])).toEqual([['ok', [0, 0]]]);
    // On screen (NDJSON) every line of rank 0's log once: the lines counted equal the file's.
    const lines = c.stdout.text.trim().split('\n').map((l) => JSON.parse(l));
    const last = lines.filter((l) => l.type === 'snapshot').pop();
    const node0 = last.nodes.find((n: { source: string }) => n.source.startsWith('bare1:'));
    expect(node0.lines).toBe(rank0.split('\n').filter((l, i, a) => i < a.length - 1 || l !== '').length);
    expect(last.runs[0].throughput).toBeGreaterThan(0);
  }, 120_000);
});
