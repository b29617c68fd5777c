/**
 * `dlperf-top launch` watching its run in a real terminal (tmux), with the real binary and two
 * real sshd "nodes": each node's log is a named source, as in `live`. Node 2 of the case writes
 * nothing for a while: its row says so and the header counts it missing (it was not on screen at
 * all before), at 120×40 and 80×24.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECIPE, SCRIPT } from '../helpers/launch.ts';
import { createSshFixture, type SshFixture } from '../helpers/sshd.ts';
import { PROMPT_SEEN, TmuxSession, requireTmux } from '../helpers/tmux.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
requireTmux();
const tmp = mkdtempSync(join(tmpdir(), 'dlperf-launch-tmux-'));
let fx: SshFixture;
let args: string;
const sessions: TmuxSession[] = [];

beforeAll(async () => {
  fx = await createSshFixture();
  // A home of its own for the nodes' login shells (the user's real rc files can take seconds).
  const home = join(tmp, 'home');
  mkdirSync(home);
  const servers = await Promise.all([fx.startSshd({ shellHome: home }), fx.startSshd({ shellHome: home })]);
  const cfg = join(tmp, 'ssh_config');
  writeFileSync(cfg, servers.map((s, i) => `Host node${i + 1}\n  HostName 127.0.0.1\n  Port ${s.port}\n  User ${fx.user}\n  IdentityFile ${fx.clientKeyPath}\n`).join('\n'));
  // Rank 1 stays silent for 8 s (a node whose training has not started printing), then runs.
  const script = join(tmp, 'slow-rank1.sh');
  writeFileSync(script, `#!/usr/bin/env bash\ncase " $* " in *" --node_rank=1 "*) sleep 8 ;; esac\nexec bash ${SCRIPT} "$@"\n`);
  chmodSync(script, 0o755);
  const q = (a: string) => `'${a}'`;
  args = [RECIPE, '--hosts', 'node1,node2', '--nodes', '2', '--gpus', '2', '--repeats', '1', '--set', `script=${script}`, '--set', `base=${join(tmp, 'nodes')}`, '--set', 'last_iter=200', '--set', 'interval_ms=60', '--ssh-config', cfg, '--known-hosts', fx.knownHostsPath].map(q).join(' ');
});

afterAll(async () => {
  for (const s of sessions) s.kill();
  await fx?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

describe('launch on screen: every node of the case is a named source', () => {
  it.each([
    [120, 40],
    [80, 24],
  ])('%i×%i: the silent node has its row and the header counts it missing', async (cols, rows) => {
    const s = new TmuxSession(`launch${cols}`, ROOT);
    sessions.push(s);
    s.start(`SSH_AUTH_SOCK= node bin/dlperf-top.mjs launch ${args} --archive '${join(tmp, `runs/a${cols}.tgz`)}'`, cols, rows);
    // node1 reports; node2's log is open and empty.
    const screen = await s.waitFor((x) => /1 of 2 nodes reporting · 1 missing: node2 \(/.test(x) && /^ +node2 .*waiting +open; no complete line yet/m.test(x), 30_000);
    expect(screen).toMatch(/^[› ] node1 /m);
    for (const line of screen.split('\n')) expect(line.length).toBeLessThanOrEqual(cols);
    // Once node2 prints, nothing is missing any more.
    await s.waitFor((x) => !/missing:/.test(x) && /^[› ] node2 /m.test(x), 30_000);
    await s.waitFor((x) => /EXIT:\d+/.test(x) && x.includes(PROMPT_SEEN), 40_000);
  }, 90_000);
});
