/**
 * The strict command line and the safe ends of issue #12, on the real binary: typos are errors
 * with a suggestion, bad output paths are refused before any work, a closed pipe or a signal is a
 * normal end that finishes the recording and leaves no temp dir.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin/dlperf-top.mjs');
const DEMO = join(ROOT, 'replays/bert-scaling-demo.tgz');
const LOGS = join(ROOT, 'test/fixtures/public/dlperf-tf2-rn50-archive');
const tmp = mkdtempSync(join(tmpdir(), 'dlperf-strict-'));
/** The commands' own temp dir (TMPDIR): a leaked recorder dir would show here. */
const ownTmp = join(tmp, 'tmpdir');
mkdirSync(ownTmp);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
/** Our temp dirs left in TMPDIR (tsx keeps its cache there too: not ours). */
const leaked = () => readdirSync(ownTmp).filter((n) => n.startsWith('dlperf-top'));
const env = { ...process.env, NO_COLOR: '1', TMPDIR: ownTmp };

function run(args: string[], opts: { input?: string; timeout?: number } = {}) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: tmp, input: opts.input ?? '', encoding: 'utf8', env, timeout: opts.timeout ?? 20_000 });
  return { code: r.status, out: r.stdout, err: r.stderr, ms: Date.now() - t0 };
}

/** `dlperf-top ARGS | head -1` in bash: dlperf-top's own exit status and what head printed. */
function headOne(args: string[]) {
  const cmd = `node ${[BIN, ...args].map((a) => `'${a}'`).join(' ')} | head -1; echo "rc=\${PIPESTATUS[0]}"`;
  const r = spawnSync('bash', ['-c', cmd], { cwd: tmp, encoding: 'utf8', env, timeout: 30_000 });
  return { out: r.stdout, err: r.stderr, rc: Number(/rc=(\d+)/.exec(r.stdout)?.[1]) };
}

describe('strict command line', () => {
  it('a typo of a command is an error with a did-you-mean, not a watch of a missing file', () => {
    const r = run(['sumary', 'x.tgz']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'sumary'; did you mean 'summary'?");
    expect(run(['replya', 'x']).err).toContain("did you mean 'replay'?");
    expect(run(['comapre', 'a', 'b']).err).toContain("did you mean 'compare'?");
    const w = run(['completion']);
    expect(w.code).toBe(2);
    expect(w.err).toContain("unknown command 'completion'");
    expect(w.err).toContain('dlperf-top live completion');
  });

  it('version, help COMMAND, and --help says how to watch a file named like a command', () => {
    expect(run(['version']).out).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(run(['help', 'summary']).out).toContain('--fail-on');
    expect(run(['help', 'replay']).out).toContain('--speed');
    expect(run(['help', 'compare']).out).toContain('Usage: dlperf-top compare BASELINE CANDIDATE');
    expect(run(['help', 'sumary']).err).toContain("did you mean 'summary'?");
    expect(run(['--help']).out).toContain("'dlperf-top live summary'");
  });

  it("an empty SOURCE ('', an unset variable) is refused, not the working directory followed", () => {
    writeFileSync(join(tmp, 'train.log'), 'hello\n');
    const r = run(['live', '--headless', '--exit-when-done', '--idle', '0.2', '--interval', '0.1', 'train.log', ''], { timeout: 15_000 });
    expect(r.code).toBe(2);
    expect(r.err).toContain("an empty SOURCE ('')");
    expect(r.out).toBe('');
  });

  it("an empty input is refused by summary, replay and compare too (replay's snapshot said 1970 and exit 0)", () => {
    writeFileSync(join(tmp, 'train.log'), 'hello\n');
    for (const args of [['summary', ''], ['summary', 'train.log', ''], ['replay', '--headless', ''], ['compare', 'train.log', '']]) {
      const r = run(args, { timeout: 15_000 });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toContain("an empty input ('')");
      expect(r.out).toBe('');
    }
  });

  it('too low a limit on open files to load itself (ulimit -n 24) is said as such, not as an internal error to report', () => {
    const cmd = `ulimit -n 24; exec '${process.execPath}' '${BIN}' summary '${join(ROOT, 'test/fixtures/public/ngc-mxnet-rn50-dll-1n8g.log')}'`;
    const r = spawnSync('bash', ['-c', cmd], { cwd: tmp, encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).not.toContain('internal error');
    expect(r.stderr).toContain('the limit on open files is too low for dlperf-top to start');
    expect(r.stderr).toContain('hint: raise it (ulimit -n 1024)');
    expect(r.status).toBe(1);
  });

  it('a bare word that is an existing path still starts live mode', () => {
    writeFileSync(join(tmp, 'train.log'), 'hello\n');
    const r = run(['train.log', '--headless', '--exit-when-done', '--idle', '0.2', '--interval', '0.1'], { timeout: 15_000 });
    expect(r.err).not.toContain('unknown command');
    expect(r.out).toContain('"type":"snapshot"');
  });

  it('unknown --fail-on kinds, --parser, --aggregate and --format values exit 2 with a suggestion and the list', () => {
    const f = run(['summary', LOGS, '--fail-on', 'ib_fallbak']);
    expect(f.code).toBe(2);
    expect(f.err).toContain("--fail-on 'ib_fallbak' is not known; did you mean 'ib_fallback'?");
    expect(f.err).toContain('method_disagreement'); // the list comes from the flag-kind registry
    expect(run(['summary', LOGS, '--fail-on', 'ib_fallback,crashd']).err).toContain("did you mean 'crashed'?");
    const p = run(['summary', LOGS, '--parser', 'oneflow-cn']);
    expect(p.code).toBe(2);
    expect(p.err).toContain("did you mean 'oneflow-cnn'?");
    expect(run(['summary', LOGS, '--aggregate', 'meen']).err).toContain("did you mean 'mean'?");
    expect(run(['replay', '--parser', 'nosuch', DEMO]).code).toBe(2);
    // A known kind is accepted (and passes here: nothing matched).
    expect(run(['summary', LOGS, '--fail-on', 'oom', '-q']).code).toBe(0);
  });

  it('numbers have ranges; negative values get our message, not parseArgs "ambiguous"', () => {
    const big = run(['live', '--headless', '--interval', '1e308', LOGS]);
    expect(big.code).toBe(2);
    expect(big.err).toContain("--interval '1e308': out of range");
    const zero = run(['replay', '--headless', '--interval', '0', DEMO]);
    expect(zero.code).toBe(2);
    expect(zero.err).toContain("--interval '0'");
    const neg = run(['live', '--idle', '-5', LOGS]);
    expect(neg.code).toBe(2);
    expect(neg.err).toContain("--idle '-5': expected a positive number");
    expect(neg.err).not.toContain('ambiguous');
    expect(run(['summary', LOGS, '--outlier-mad', '-1']).err).toContain("--outlier-mad '-1'");
  });
});

describe('output paths are refused before any work', () => {
  const bad: [string, string[], RegExp][] = [
    ['live --record DIR', ['live', '--headless', '--record', tmp, LOGS], /is a directory/],
    ['live --record in /proc', ['live', '--headless', '--record', '/proc/x.tgz', LOGS], /cannot create a file in \/proc/],
    ['live --record, missing parent', ['live', '--headless', '--record', join(tmp, 'nope/x.tgz'), LOGS], /does not exist/],
    ["live --record ''", ['live', '--headless', '--record', '', LOGS], /empty path/],
    ['summary -o the input', ['summary', join(tmp, 'in.log'), '-o', join(tmp, 'in.log')], /is the input/],
    ['summary -o DIR', ['summary', LOGS, '-o', tmp], /is a directory/],
    ['compare -o one of its inputs', ['compare', DEMO, join(tmp, 'in.log'), '-o', join(tmp, 'in.log')], /is the input/],
    ['compare -o DIR', ['compare', DEMO, DEMO, '-o', tmp], /is a directory/],
    ['compare -o, missing parent', ['compare', DEMO, DEMO, '-o', join(tmp, 'nope/r.md')], /does not exist/],
    ["launch --archive ''", ['launch', 'oneflow-resnet50', '--backend', 'slurm', '--archive', ''], /empty path/],
    ['launch --archive DIR', ['launch', 'oneflow-resnet50', '--backend', 'slurm', '--archive', tmp], /is a directory/],
  ];
  it.each(bad)('%s: exit 2 at once, nothing written', (_name, args, re) => {
    writeFileSync(join(tmp, 'in.log'), 'train: epoch 0, iter 20\n');
    const r = run(args, { timeout: 10_000 });
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(re);
    expect(r.ms).toBeLessThan(5000); // node start-up included; the check itself is milliseconds
    expect(leaked()).toEqual([]);
    expect(readdirSync(tmp).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});

describe('a closed pipe or a signal is a normal end', () => {
  it('| head -1 exits 0 for summary, replay --headless and live --headless (recording finished)', () => {
    const s = headOne(['summary', DEMO]);
    expect(s.rc, s.err).toBe(0);
    expect(s.out).toContain('# dlperf-top summary');
    const c = headOne(['compare', DEMO, DEMO]);
    expect(c.rc, c.err).toBe(0);
    expect(c.out).toContain('# dlperf-top compare');
    const r = headOne(['replay', '--headless', DEMO]);
    expect(r.rc, r.err).toBe(0);
    expect(r.out).toMatch(/^\{"type":/);
    // Stopped by the closed pipe mid-run: no verdict on the run it did not finish reading.
    const m = headOne(['replay', '--headless', '--speed', 'max', DEMO]);
    expect(m.rc, m.err).toBe(0);
    expect(m.err).not.toMatch(/no line matched/);
    const rec = join(tmp, 'piped.tgz');
    const l = headOne(['live', '--headless', '--interval', '0.1', '--record', rec, LOGS]);
    expect(l.rc, l.err).toBe(0);
    expect(l.err).toContain(`recorded to ${rec}`);
    expect(existsSync(rec)).toBe(true);
    expect(l.err).not.toContain('EPIPE');
    expect(leaked()).toEqual([]);
  });

  it('SIGPIPE (a write to a pipe of a child that exited: a failing ProxyCommand) does not end live --headless', async () => {
    const child = spawn(process.execPath, [BIN, 'live', '--headless', '--interval', '0.1', LOGS], { cwd: tmp, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const snapshots = () => out.split('\n').filter((l) => l.includes('"type":"snapshot"')).length;
    const end = Date.now() + 15_000;
    while (snapshots() === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGPIPE');
    await new Promise((r) => setTimeout(r, 600));
    const before = snapshots();
    await new Promise((r) => setTimeout(r, 600));
    expect(child.exitCode).toBe(null);
    expect(snapshots()).toBeGreaterThan(before);
    child.kill('SIGTERM');
    expect(await new Promise<number | null>((r) => child.on('close', (c) => r(c)))).toBe(0);
  });

  it.each(['SIGTERM', 'SIGHUP', 'SIGINT'] as const)('%s: live --record finishes the archive, no temp dir left', async (sig) => {
    const rec = join(tmp, `sig-${sig}.tgz`);
    const child = spawn(process.execPath, [BIN, 'live', '--headless', '--interval', '0.2', '--record', rec, LOGS], { cwd: tmp, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const end = Date.now() + 15_000;
    while (!out.includes('"type":"snapshot"') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(ownTmp).some((n) => n.startsWith('dlperf-top-rec-'))).toBe(true);
    child.kill(sig);
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(code, err).toBe(0);
    expect(existsSync(rec)).toBe(true);
    expect(leaked()).toEqual([]);
  });
});
