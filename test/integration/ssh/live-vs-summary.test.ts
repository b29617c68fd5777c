/**
 * Live mode over real SSH (two sshd "nodes" on loopback) while a writer appends to their logs:
 * one node's sshd is killed and restarted mid-stream, the other node's log is truncated and
 * written again from the start. When the writing is done, the live numbers must equal `summary`
 * on the final files: nothing lost, nothing doubled.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runReport } from '../../../src/metrics/run-report.ts';
import { createLive } from '../../../src/pipeline/live.ts';
import { summarize } from '../../../src/pipeline/summarize.ts';
import { createSshFixture, type SshFixture } from '../../helpers/sshd.ts';

const dir = mkdtempSync(join(tmpdir(), 'dlperf-live-ssh-'));
let fx: SshFixture | undefined;
afterAll(async () => {
  await fx?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function header(nodes: number): string {
  return ['model = resnet50', 'batch_size_per_device = 128', 'gpu_num_per_node = 8', `num_nodes = ${nodes}`].join('\n') + '\n';
}
function train(iter: number, t: number): string {
  return `train: epoch 0, iter ${iter}, loss: ${(7 - iter / 1000).toFixed(6)}, top_1: 0.000000, top_k: 0.000000, samples/s: ${(2960 + (iter % 7)).toFixed(3)} ${t.toFixed(7)}\n`;
}
const until = async (ok: () => boolean, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('live over SSH equals summary on the final files', () => {
  it('survives an sshd restart and a truncation', async () => {
    fx = await createSshFixture();
    const a = await fx.startSshd();
    const b = await fx.startSshd();
    const config = join(dir, 'ssh_config');
    writeFileSync(
      config,
      [a, b].map((s, i) => `Host node${i + 1}\n  HostName 127.0.0.1\n  Port ${s.port}\n  User ${fx!.user}\n  IdentityFile ${fx!.clientKeyPath}\n`).join(''),
    );
    const f1 = join(dir, 'n1', 'oneflow.log');
    const f2 = join(dir, 'n2', 'oneflow.log');
    mkdirSync(join(dir, 'n1'));
    mkdirSync(join(dir, 'n2'));
    writeFileSync(f1, header(1));
    writeFileSync(f2, header(1));
    const live = await createLive({
      sources: [`node1:${f1}`, `node2:${f2}`],
      sshConfigPath: config,
      knownHostsPath: fx.knownHostsPath,
      ssh: { agent: false, pollMs: 50, reconnect: { initialMs: 100, maxMs: 500 } },
    });
    await live.start();
    const t0 = 1_600_000_000;
    for (let i = 0; i <= 140; i += 20) {
      appendFileSync(f1, train(i, t0 + i * 0.35));
      if (i <= 80) appendFileSync(f2, train(i, t0 + i * 0.36));
      if (i === 60) await a.restart(); // node1's sshd goes away and comes back mid-stream
      if (i === 80) {
        // node2's log is truncated (copytruncate) and the restarted job writes it from the start
        await new Promise((r) => setTimeout(r, 200));
        truncateSync(f2, 0);
        await new Promise((r) => setTimeout(r, 300));
        appendFileSync(f2, header(1));
      }
      if (i >= 80) appendFileSync(f2, train(i - 80, t0 + 100 + (i - 80) * 0.4));
      await new Promise((r) => setTimeout(r, 80));
    }
    for (let j = 80; j <= 160; j += 20) appendFileSync(f2, train(j, t0 + 100 + j * 0.4));
    const store = live.store;
    const expected = await summarize([f1, f2]);
    const byPath = new Map(expected.runs.map((r) => [r.source, r.throughput]));
    await until(() => {
      const tracks = [...store.tracks.values()];
      return tracks.length === 2 && tracks.every((t) => t.phase === 'done');
    });
    await live.stop();
    const got = new Map([...store.runSet.runs.values()].map((r) => [r.files[0]!.path, runReport(r, true).throughput]));
    expect(got.get(f1)).toBe(byPath.get(f1));
    expect(got.get(f2)).toBe(byPath.get(f2));
    expect(byPath.get(f1)).not.toBeNull();
    expect(byPath.get(f2)).toBeCloseTo((1024 * 100) / 40, 6); // the rewritten log's own window
    // Nothing doubled: the line count seen for node1 equals the file's lines.
    const t1 = store.tracks.get(`node1:${f1}`)!;
    expect(t1.lines).toBe(4 + 8);
    store.dispose();
  });
});
