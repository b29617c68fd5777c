/**
 * The real binary against a real sshd: `live --headless --exit-when-done good:$LOG closed:$LOG
 * nodns:$LOG` exits 5 naming the two sources that never delivered a line (stderr and the final
 * snapshot), and the TUI in tmux shows each failing source's row with its reason at 120×40 and
 * at 80×24, and lists them in the problems view (`!`).
 */
import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshFixture, freePort, type SshFixture } from '../helpers/sshd.ts';
import { PROMPT_SEEN, TmuxSession, requireTmux } from '../helpers/tmux.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin/dlperf-top.mjs');
requireTmux();
const tmp = mkdtempSync(join(tmpdir(), 'dlperf-live-sources-'));
const LOG = join(tmp, 'oneflow.log');
let fx: SshFixture;
let args: string[];
const sessions: TmuxSession[] = [];

beforeAll(async () => {
  fx = await createSshFixture();
  const good = await fx.startSshd();
  const closed = await freePort();
  copyFileSync(join(ROOT, 'test/e2e/fixtures/tui-demo/node1.log'), LOG);
  const cfg = join(tmp, 'ssh_config');
  const host = (name: string, hostName: string, port: number) => `Host ${name}\n  HostName ${hostName}\n  Port ${port}\n  User ${fx.user}\n`;
  writeFileSync(cfg, [host('good', '127.0.0.1', good.port), host('closed', '127.0.0.1', closed), host('nodns', 'no-such-host.invalid', 22)].join('\n'));
  args = ['--ssh-config', cfg, '--known-hosts', fx.knownHostsPath, '-i', fx.clientKeyPath, `good:${LOG}`, `closed:${LOG}`, `nodns:${LOG}`];
});

afterAll(async () => {
  for (const s of sessions) s.kill();
  await fx?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

/** `live --headless --exit-when-done --idle 1 …` with the test's ssh settings; killed after `killMs`. */
function runLive(extra: string[], killMs: number): Promise<{ code: number | null; out: string; err: string }> {
  const sshArgs = args.slice(0, 6);
  const child = spawn(process.execPath, [BIN, 'live', '--headless', '--exit-when-done', '--idle', '1', ...sshArgs, ...extra], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SSH_AUTH_SOCK: '' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const kill = setTimeout(() => child.kill('SIGKILL'), killMs);
  return new Promise((r) =>
    child.on('close', (code) => {
      clearTimeout(kill);
      r({ code, out, err });
    }),
  );
}

describe('named sources that fail, with the real binary', () => {
  it('--exit-when-done exits 5 and names the sources that never delivered a line', async () => {
    const child = spawn(process.execPath, [BIN, 'live', '--headless', '--exit-when-done', '--idle', '1', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SSH_AUTH_SOCK: '' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code, err).toBe(5);
    expect(err).toMatch(/2 of 3 sources never delivered a line: closed:\S+ \(reconnecting: connection refused, retry in [\d.]+ s\); nodns:\S+ \(reconnecting: cannot resolve host, retry in [\d.]+ s\)/);
    // A line per state change on stderr while it runs.
    expect(err).toMatch(/source closed:\S+ is reconnecting: connection refused/);
    expect(err).toMatch(/source nodns:\S+ is reconnecting: cannot resolve host/);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    const snaps = lines.filter((l) => l.type === 'snapshot');
    // Every source is in the first snapshot; the last one says which fail the run, and why.
    expect(snaps[0].nodes.map((n: { source: string }) => n.source).sort()).toEqual([`closed:${LOG}`, `good:${LOG}`, `nodns:${LOG}`]);
    const last = snaps.at(-1);
    expect(last.totals).toMatchObject({ sources: 3, reporting: 1 });
    expect(last.exit.code).toBe(5);
    expect(last.exit.missing.map((m: { source: string }) => m.source).sort()).toEqual([`closed:${LOG}`, `nodns:${LOG}`]);
    expect(last.runs[0].throughput).toBeGreaterThan(0);
    // State changes are NDJSON events with their reason.
    const events = lines.filter((l) => l.type === 'event' && l.event === 'state' && l.source === `nodns:${LOG}`);
    expect(events.some((e) => e.reason?.startsWith('cannot resolve host'))).toBe(true);
  }, 30_000);

  it('--exit-when-done with no source delivering gives up after --missing-after: exit 5 naming each retrying source', async () => {
    const nothere = join(tmp, 'not-written-yet.log');
    const t0 = Date.now();
    const { code, out, err } = await runLive(['--missing-after', '2', `closed:${LOG}`, `nodns:${LOG}`, nothere], 30_000);
    expect(code, err).toBe(5);
    // Bounded: the 2 s wait, not a hang (the test's own limit would kill it).
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(err).toMatch(/3 of 3 sources never delivered a line \(gave up after 2 s: --missing-after\): /);
    expect(err).toMatch(/closed:\S+ \(reconnecting: connection refused, retry in [\d.]+ s\)/);
    expect(err).toMatch(/nodns:\S+ \(reconnecting: cannot resolve host, retry in [\d.]+ s\)/);
    expect(err).toMatch(/not-written-yet\.log \(waiting: no such file \(waiting for it to appear\)\)/);
    const last = out.trim().split('\n').map((l) => JSON.parse(l)).at(-1);
    expect(last.exit).toMatchObject({ code: 5, gave_up_after_s: 2 });
    expect(last.exit.missing.map((m: { state: string }) => m.state).sort()).toEqual(['reconnecting', 'reconnecting', 'waiting']);
  }, 40_000);

  it('a source that appears within --missing-after is waited for: its run ends the session, exit 0', async () => {
    const late = join(tmp, 'late.log');
    const child = runLive(['--missing-after', '20', late], 40_000);
    setTimeout(() => copyFileSync(join(ROOT, 'test/e2e/fixtures/tui-demo/node1.log'), late), 1500);
    const { code, out, err } = await child;
    expect(code, err).toBe(0);
    const last = out.trim().split('\n').map((l) => JSON.parse(l)).at(-1);
    expect(last.exit).toEqual({ code: 0, missing: [] });
    expect(last.runs[0].throughput).toBeGreaterThan(0);
  }, 45_000);

  /**
   * A node that delivered lines and then lost its connection (sshd gone) is not a finished node:
   * what it had not sent yet is still on its disk. The session waits --missing-after for it to
   * come back; if it does not, exit 5 naming it as lost; if it does, its lines are read and exit 0.
   */
  async function lostSource(comeBack: boolean): Promise<{ code: number | null; out: string; err: string }> {
    const s = await fx.startSshd();
    const cfg = join(tmp, `ssh_config_lost_${comeBack}`);
    writeFileSync(cfg, `Host lost\n  HostName 127.0.0.1\n  Port ${s.port}\n  User ${fx.user}\n`);
    const log = join(tmp, `lost-${comeBack}.log`);
    copyFileSync(join(ROOT, 'test/e2e/fixtures/tui-demo/node1.log'), log);
    const child = spawn(process.execPath, [BIN, 'live', '--headless', '--exit-when-done', '--idle', '1', '--interval', '0.2', '--missing-after', comeBack ? '30' : '2', '--ssh-config', cfg, '--known-hosts', fx.knownHostsPath, '-i', fx.clientKeyPath, `lost:${log}`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SSH_AUTH_SOCK: '' } });
    let out = '';
    let err = '';
    let stopped = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      // Once its lines are in, the server goes away (before --idle can end the run).
      if (!stopped && /"reporting":1/.test(out)) {
        stopped = true;
        void s.stop().then(async () => {
          // Written while the node is unreachable: read after the reconnect, once, or never.
          appendFileSync(log, 'written while the connection was down 1\nwritten while the connection was down 2\n');
          if (!comeBack) return;
          await new Promise((r) => setTimeout(r, 1500));
          await s.start();
        });
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), 40_000);
    const code = await new Promise<number | null>((r) => child.on('close', r));
    clearTimeout(kill);
    await s.stop();
    return { code, out, err };
  }

  it('a source that lost its connection after delivering lines fails --exit-when-done once --missing-after passed', async () => {
    const { code, out, err } = await lostSource(false);
    expect(code, err).toBe(5);
    expect(err).toMatch(/source lost:\S+ is reconnecting: connection refused/);
    expect(err).toMatch(/1 of 1 source lost its connection \(gave up after 2 s: --missing-after\): lost:\S+ \(reconnecting: connection refused, retry in [\d.]+ s\)/);
    const last = out.trim().split('\n').map((l) => JSON.parse(l)).at(-1);
    expect(last.exit).toMatchObject({ code: 5, gave_up_after_s: 2 });
    expect(last.exit.missing).toMatchObject([{ state: 'reconnecting' }]);
    expect(last.nodes[0].lines).toBe(40);
    expect(last.runs[0].throughput).toBeGreaterThan(0);
  }, 45_000);

  it('a source whose connection comes back within --missing-after is waited for: exit 0', async () => {
    const { code, out, err } = await lostSource(true);
    expect(code, err).toBe(0);
    expect(err).toMatch(/source lost:\S+ is reconnecting: connection refused/);
    const last = out.trim().split('\n').map((l) => JSON.parse(l)).at(-1);
    expect(last.exit).toEqual({ code: 0, missing: [] });
    // The fixture's 40 lines and the 2 written while it was down, each exactly once.
    expect(last.nodes[0].lines).toBe(42);
  }, 45_000);

  it.each([
    [120, 40],
    [80, 24],
  ])('the TUI at %i×%i shows each failing row with its reason; ! lists the problems', async (cols, rows) => {
    const s = new TmuxSession(`src${cols}`, ROOT);
    sessions.push(s);
    const quoted = args.map((a) => `'${a}'`).join(' ');
    s.start(`SSH_AUTH_SOCK= node bin/dlperf-top.mjs live ${quoted}`, cols, rows);
    const screen = await s.waitFor((x) => /closed .*connection refused, retry in/.test(x) && /nodns .*cannot resolve host/.test(x) && /good .*(streaming|ended)/.test(x), 20_000);
    expect(screen).toMatch(/1 of 3 nodes reporting · 2 missing: (closed|nodns) \(/);
    // The run's identity says how many of its nodes report (the log was launched on 2).
    expect(screen).toContain('2 nodes (1 reporting) × 8 GPUs');
    for (const line of screen.split('\n')) expect(line.length).toBeLessThanOrEqual(cols);
    s.literal('!');
    const problems = await s.waitFor((x) => /^problems \(2\)/m.test(x));
    // Time, state and source on one line, the reason (and the source's own words) under it.
    expect(problems).toMatch(/^ +\+\d+:\d\d reconnecting nodns:\S+\n +cannot resolve host, retry in [\d.]+ s/m);
    expect(problems).toMatch(/^ +\+\d+:\d\d reconnecting closed:\S+\n +connection refused, retry in [\d.]+ s/m);
    s.literal('x');
    await s.waitFor((x) => x.includes('node▾'));
    s.literal('q');
    await s.waitFor((x) => x.includes('EXIT:0') && x.includes(PROMPT_SEEN));
  }, 40_000);
});
