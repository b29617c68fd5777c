/**
 * The SSH source against real OpenSSH servers (test/helpers/sshd.ts). Fails — never skips —
 * when /usr/sbin/sshd is missing.
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, renameSync, existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshSourceOptions, SshTarget } from '../../../src/sources/ssh/ssh-tail.ts';
import { createSshFixture, type SshFixture } from '../../helpers/sshd.ts';
import { Collector, fileLines, testSshSource } from '../../helpers/ssh-events.ts';


let fx: SshFixture;
let configPath: string;

const source = (c: Collector, targets: SshTarget[], extra: Partial<SshSourceOptions> = {}) => testSshSource(fx, c, targets, { sshConfigPath: configPath, ...extra });

let iter = 0;
function trainLine(): string {
  const i = (iter += 20);
  const loss = (7.087004 - i / 100_000).toFixed(6);
  const ts = (1597933942.9863544 + i / 10).toFixed(7);
  return `train: epoch 0, iter ${i}, loss: ${loss}, top_1: 0.000000, top_k: 0.000000, samples/s: ${(3988.891 + (i % 7)).toFixed(3)} ${ts}`;
}

beforeAll(async () => {
  fx = await createSshFixture();
  configPath = join(fx.dir, 'ssh_config');
  writeFileSync(configPath, '');
});
afterAll(async () => {
  await fx?.dispose();
});

describe('SSH source against a real sshd', () => {
  it('follows two nodes in real time through an sshd restart and a copytruncate: nothing lost, nothing doubled', async () => {
    const a = await fx.startSshd();
    const b = await fx.startSshd();
    // Aliases through ssh_config: `nodea` → 127.0.0.1:<port>.
    writeFileSync(
      configPath,
      `Host nodea\n  HostName 127.0.0.1\n  Port ${a.port}\n  User ${fx.user}\n\nHost nodeb\n  HostName 127.0.0.1\n  Port ${b.port}\n`,
    );
    const dirA = join(fx.dir, 'logs-a');
    const dirB = join(fx.dir, 'logs-b');
    mkdirSync(dirA);
    mkdirSync(dirB);
    const files = [join(dirA, 'rank0.log'), join(dirA, 'rank1.log'), join(dirB, 'rank0.log')];
    const [a0, a1, b0] = files as [string, string, string];
    for (const f of files) writeFileSync(f, `${trainLine()}\n${trainLine()}\r\n`);
    const label = (host: string, f: string): string => `${host}:${f}`;

    const c = new Collector();
    const src = source(c, [
      { node: 'a', host: 'nodea', paths: [join(dirA, '*.log')] },
      { node: 'b', host: 'nodeb', paths: [b0] },
    ]);
    await src.start();
    expect(c.states('a')).toContain('streaming');
    expect(c.states('b')).toContain('streaming');

    // Writer: a line every ~20 ms per file, often split in two writes mid-line.
    const pending = new Map<string, string>();
    let preTruncate: string[] | null = null;
    let truncateRequested = false;
    let writing = true;
    const writer = (async () => {
      let n = 0;
      while (writing) {
        for (const f of files) {
          const rest = pending.get(f);
          if (rest !== undefined) {
            appendFileSync(f, rest);
            pending.delete(f);
            continue;
          }
          if (f === b0 && truncateRequested && preTruncate === null) {
            // copytruncate at a line boundary: copy, then truncate in place.
            copyFileSync(f, `${f}.1`);
            preTruncate = fileLines(f);
            truncateSync(f, 0);
            continue;
          }
          const line = `${trainLine()}${n % 5 === 0 ? '\r' : ''}\n`;
          if (n % 3 === 0) {
            const cut = 7 + (n % 40);
            appendFileSync(f, line.slice(0, cut));
            pending.set(f, line.slice(cut));
          } else {
            appendFileSync(f, line);
          }
        }
        n++;
        await new Promise((r) => setTimeout(r, 20));
      }
      // Finish the half-written lines.
      for (const [f, rest] of pending) appendFileSync(f, rest);
    })();

    // Midway: kill node a's sshd (sessions included) and bring it back on the same port.
    await c.until(() => c.lines(label('nodea', a0)).length >= 20, 10_000, 'lines from node a');
    const statusesBefore = c.states('a').length;
    await a.stop();
    await c.until(() => c.states('a').slice(statusesBefore).includes('reconnecting'), 10_000, 'node a reconnecting');
    await new Promise((r) => setTimeout(r, 300)); // a real outage: some failed attempts while the writer goes on
    await a.start();
    await c.until(() => c.states('a').slice(statusesBefore).includes('streaming'), 10_000, 'node a streaming again');

    const resumedAt = c.lines(label('nodea', a0)).length;
    await c.until(() => c.lines(label('nodea', a0)).length >= resumedAt + 20, 10_000, 'more lines from node a');
    truncateRequested = true;
    await c.until(() => preTruncate !== null, 5000, 'truncation');
    await c.until(
      // Seen by its size ("truncated") or, when the writer refilled it past the old offset before
      // the next poll (a loaded machine), by its head bytes ("rewritten in place"): both restart it.
      () => c.statuses('b', label('nodeb', b0)).some((s) => /truncated|rewritten in place/.test(s.message ?? '')),
      10_000,
      'truncation noticed',
    );
    await new Promise((r) => setTimeout(r, 400)); // more lines after the truncation
    writing = false;
    await writer;

    // Everything arrives, exactly once, in order.
    for (const f of [a0, a1]) {
      const lab = label('nodea', f);
      await c.until(
        () => c.lines(lab).length >= fileLines(f).length,
        15_000,
        () => `${lab}: ${c.lines(lab).length}/${fileLines(f).length} lines`,
      );
      expect(c.texts(lab)).toEqual(fileLines(f).map((l) => l.replace(/\r$/, '')));
      // Offsets and numbers match the file.
      let off = 0;
      const raw = readFileSync(f, 'utf8').split('\n');
      c.lines(lab).forEach((l, i) => {
        expect(l.lineNo).toBe(i + 1);
        expect(l.offset).toBe(off);
        off += Buffer.byteLength(raw[i]!) + 1;
      });
    }
    const labB = label('nodeb', b0);
    const post = fileLines(b0);
    const split = (): number => c.lines(labB).findIndex((l, i) => i > 0 && l.lineNo === 1);
    await c.until(() => split() > 0 && c.lines(labB).length - split() >= post.length, 15_000, 'node b lines after truncation');
    const got = c.texts(labB);
    const k = split();
    const pre = preTruncate! as string[];
    expect(k).toBeLessThanOrEqual(pre.length);
    expect(got.slice(0, k)).toEqual(pre.slice(0, k).map((l) => l.replace(/\r$/, '')));
    expect(got.slice(k)).toEqual(post.map((l) => l.replace(/\r$/, '')));
    // Node a went connecting → streaming → reconnecting → streaming.
    const sa = c.states('a');
    expect(sa[0]).toBe('connecting');
    expect(sa.indexOf('reconnecting')).toBeGreaterThan(sa.indexOf('streaming'));
    expect(sa.lastIndexOf('streaming')).toBeGreaterThan(sa.indexOf('reconnecting'));

    await src.stop();
    expect(c.states('a').at(-1)).toBe('ended');
    expect(c.states('b').at(-1)).toBe('ended');
    // b never lost its connection.
    expect(c.states('b')).not.toContain('reconnecting');
  });

  it('tails 12+ files of one node through one SFTP session (MaxSessions 10), picking up new files', async () => {
    const s = await fx.startSshd();
    const dir = join(fx.dir, 'many');
    mkdirSync(dir);
    const paths = Array.from({ length: 12 }, (_, i) => join(dir, `rank${i}.log`));
    paths.forEach((p, i) => writeFileSync(p, `rank ${i} line 1\nrank ${i} line 2\n`));
    const c = new Collector();
    const src = source(c, [{ node: 'n', host: '127.0.0.1', port: s.port, paths: [`${dir}/rank*.log`] }]);
    await src.start();
    const lab = (p: string): string => `127.0.0.1:${p}`;
    await c.until(() => paths.every((p) => c.lines(lab(p)).length === 2), 10_000, 'lines of 12 files');
    paths.forEach((p, i) => appendFileSync(p, `rank ${i} line 3\n`));
    const late = join(dir, 'rank12.log');
    writeFileSync(late, 'late file\n');
    await c.until(
      () => paths.every((p) => c.lines(lab(p)).length === 3) && c.texts(lab(late)).join() === 'late file',
      10_000,
      'appended lines and the late file',
    );
    paths.forEach((p, i) => expect(c.texts(lab(p))).toEqual([`rank ${i} line 1`, `rank ${i} line 2`, `rank ${i} line 3`]));
    expect(s.log().match(/Starting session: subsystem 'sftp'/g)).toHaveLength(1);
    expect(s.log()).not.toMatch(/no more sessions|open failed/i);
    await src.stop();
  });

  it('refuses an unknown host key (fingerprint + flag), accepts and records it with accept-new, always refuses a changed key', async () => {
    const s = await fx.startSshd({ trust: false });
    const kh = join(fx.dir, 'kh-hostkey-test');
    writeFileSync(kh, '');
    const dir = join(fx.dir, 'hk');
    mkdirSync(dir);
    writeFileSync(join(dir, 'x.log'), 'hello\n');
    const target = { node: 'n', host: '127.0.0.1', port: s.port, paths: [join(dir, 'x.log')] };
    const fp = await s.hostKeyFingerprint();

    // Unknown, no accept-new: error, not retried.
    const c1 = new Collector();
    const src1 = source(c1, [target], { knownHostsPath: kh });
    await src1.start();
    const err1 = c1.statuses('n').find((st) => st.state === 'error');
    expect(err1?.message).toContain(fp);
    expect(err1?.message).toContain('[127.0.0.1]:' + s.port);
    expect(err1?.message).toContain('--accept-new');
    expect(err1?.message).toMatch(/not in .*kh-hostkey-test/);
    const n1 = c1.events.length;
    await new Promise((r) => setTimeout(r, 600)); // several backoff periods: no retry loop
    expect(c1.events.slice(n1)).toEqual([]);
    await src1.stop();
    expect(readFileSync(kh, 'utf8')).toBe('');
    expect(c1.lines(`127.0.0.1:${join(dir, 'x.log')}`)).toEqual([]);

    // accept-new: accepted, appended as [host]:port, lines flow.
    const c2 = new Collector();
    const src2 = source(c2, [target], { knownHostsPath: kh, acceptNew: true });
    await src2.start();
    await c2.until(() => c2.texts(`127.0.0.1:${join(dir, 'x.log')}`).join() === 'hello', 10_000, 'line after accept-new');
    expect(readFileSync(kh, 'utf8')).toBe(`${await s.knownHostsLine()}\n`);
    expect(execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${s.port}`, '-f', kh], { encoding: 'utf8' })).toContain(
      (await s.hostPublicKey()).split(' ')[1],
    );
    await src2.stop();

    // Changed key: refused even with accept-new; known_hosts untouched.
    await s.restart({ newHostKey: true });
    const fp2 = await s.hostKeyFingerprint();
    expect(fp2).not.toBe(fp);
    const before = readFileSync(kh, 'utf8');
    const c3 = new Collector();
    const src3 = source(c3, [target], { knownHostsPath: kh, acceptNew: true });
    await src3.start();
    const err3 = c3.statuses('n').find((st) => st.state === 'error');
    expect(err3?.message).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
    expect(err3?.message).toContain(fp2);
    expect(c3.states('n')).not.toContain('streaming');
    await src3.stop();
    expect(readFileSync(kh, 'utf8')).toBe(before);
  });

  it('reads paths with spaces and ";" (and shell syntax) as plain paths', async () => {
    const s = await fx.startSshd();
    const dir = join(fx.dir, 'odd dir; echo hi');
    mkdirSync(dir);
    const name = 'log with space;touch PWNED;$(touch PWNED2) `touch PWNED3`.log';
    const p = join(dir, name);
    writeFileSync(p, 'odd 1\nodd 2\n');
    writeFileSync(join(dir, 'other one.log'), 'other\n');
    const c = new Collector();
    const src = source(c, [{ node: 'n', host: '127.0.0.1', port: s.port, paths: [p, `${dir}/other *.log`] }]);
    await src.start();
    await c.until(
      () => c.texts(`127.0.0.1:${p}`).length === 2 && c.texts(`127.0.0.1:${join(dir, 'other one.log')}`).length === 1,
      10_000,
      'lines of odd paths',
    );
    expect(c.texts(`127.0.0.1:${p}`)).toEqual(['odd 1', 'odd 2']);
    await src.stop();
    for (const f of ['PWNED', 'PWNED2', 'PWNED3']) {
      expect(existsSync(join(fx.dir, f))).toBe(false);
      expect(existsSync(join(process.env.HOME ?? '/root', f))).toBe(false);
    }
    expect(s.log()).not.toMatch(/Starting session: (command|shell)/);
  });

  it('skips a binary remote file as summary does, and says a last line with no newline at stop', async () => {
    const s = await fx.startSshd();
    const dir = join(fx.dir, 'not-logs');
    mkdirSync(dir);
    const bin = join(dir, 'core.log');
    writeFileSync(bin, Buffer.from(Array.from({ length: 6000 }, (_, i) => (i % 40 === 0 ? 10 : (i * 7919 + 13) % 256))));
    const half = join(dir, 'half.log');
    writeFileSync(half, 'line 1\nline 2\nline 3 with no newl');
    const c = new Collector();
    const src = source(c, [{ node: 'n', host: '127.0.0.1', port: s.port, paths: [bin, half] }]);
    await src.start();
    const problems = () => c.events.filter((e) => e.type === 'problem').map((e) => (e as Extract<typeof e, { type: 'problem' }>).problem);
    await c.until(() => c.lines(`127.0.0.1:${half}`).length === 2 && problems().some((p) => p.kind === 'binary'), 10_000, 'the half file read, the binary one judged');
    expect(c.lines(`127.0.0.1:${bin}`)).toEqual([]);
    expect(problems().find((p) => p.kind === 'binary')!.message).toBe(`127.0.0.1:${bin}: binary data, not a text log; skipped`);
    await src.stop();
    const partial = problems().filter((p) => p.kind === 'partial_line');
    expect(partial.map((p) => p.message)).toEqual([`127.0.0.1:${half}: the last line (3) had no newline when following stopped; not counted`]);
  });

  it('leaves no sshd session process behind after stop()', async () => {
    const s = await fx.startSshd();
    const dir = join(fx.dir, 'stop');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.log'), 'a\n');
    const idle = s.sessionPids();
    expect(idle).toEqual([]);
    const c = new Collector();
    const src = source(c, [{ node: 'n', host: '127.0.0.1', port: s.port, paths: [join(dir, 'a.log')] }]);
    await src.start();
    await c.until(() => c.lines(`127.0.0.1:${join(dir, 'a.log')}`).length === 1, 10_000, 'first line');
    expect(s.sessionPids().length).toBeGreaterThan(0);
    await src.stop();
    expect(c.states('n').at(-1)).toBe('ended');
    await c.until(() => s.sessionPids().length === 0, 5000, () => `sessions to exit (left: ${s.sessionPids().join(', ')})`);
    expect(s.log()).toMatch(/Disconnected from user|Received disconnect/);
  });

  it('connects through a ProxyJump host (forwardOut + sock)', async () => {
    const jump = await fx.startSshd({ logLevel: 'DEBUG1' });
    const target = await fx.startSshd();
    writeFileSync(
      configPath,
      `Host behind\n  HostName 127.0.0.1\n  Port ${target.port}\n  ProxyJump ${fx.user}@127.0.0.1:${jump.port}\n`,
    );
    const dir = join(fx.dir, 'jump');
    mkdirSync(dir);
    writeFileSync(join(dir, 'j.log'), 'via jump\n');
    const c = new Collector();
    const src = source(c, [{ node: 'behind', host: 'behind', paths: [join(dir, 'j.log')] }]);
    await src.start();
    await c.until(() => c.texts(`behind:${join(dir, 'j.log')}`).join() === 'via jump', 10_000, 'line through the jump host');
    expect(c.statuses('behind').find((st) => st.state === 'streaming')?.message).toMatch(/via 127\.0\.0\.1/);
    // The jump sshd opened a direct-tcpip channel to the target's port.
    expect(jump.log()).toMatch(new RegExp(`direct.tcpip.*target 127\\.0\\.0\\.1 port ${target.port}`));
    await src.stop();
    await c.until(() => jump.sessionPids().length === 0 && target.sessionPids().length === 0, 5000, 'sessions to exit');
  });

  it('after a reconnect resumes a file that only grew and restarts one that was replaced; follows a rename-rotation', async () => {
    const s = await fx.startSshd();
    const dir = join(fx.dir, 'identity');
    mkdirSync(dir);
    const grow = join(dir, 'grow.log');
    const repl = join(dir, 'replaced.log');
    const rot = join(dir, 'rotated.log');
    writeFileSync(grow, 'g1\ng2\npartial-');
    writeFileSync(repl, 'old 1\nold 2\n');
    writeFileSync(rot, 'r1\n');
    const c = new Collector();
    const src = source(c, [{ node: 'n', host: '127.0.0.1', port: s.port, paths: [grow, repl, rot] }]);
    await src.start();
    const lab = (p: string): string => `127.0.0.1:${p}`;
    await c.until(() => c.lines(lab(grow)).length === 2 && c.lines(lab(repl)).length === 2, 10_000, 'first lines');

    await s.stop();
    await c.until(() => c.states('n').includes('reconnecting'), 10_000, 'reconnecting');
    appendFileSync(grow, 'line\ng3\n'); // completes the held partial line
    renameSync(repl, `${repl}.old`);
    writeFileSync(repl, 'new file, other first bytes\nnew 2\n');
    await s.start();
    await c.until(() => c.lines(lab(grow)).length === 4 && c.lines(lab(repl)).length === 4, 10_000, 'lines after reconnect');
    expect(c.texts(lab(grow))).toEqual(['g1', 'g2', 'partial-line', 'g3']);
    expect(c.lines(lab(grow)).map((l) => l.offset)).toEqual([0, 3, 6, 19]);
    expect(c.texts(lab(repl))).toEqual(['old 1', 'old 2', 'new file, other first bytes', 'new 2']);
    expect(c.lines(lab(repl)).map((l) => l.lineNo)).toEqual([1, 2, 1, 2]);
    expect(c.statuses('n', lab(repl)).some((st) => /replaced while disconnected/.test(st.message ?? ''))).toBe(true);

    // Rotation by rename while connected: the old file is finished, the new one followed from 0.
    appendFileSync(rot, 'r2\n');
    renameSync(rot, `${rot}.1`);
    appendFileSync(`${rot}.1`, 'r3 (written to the renamed file)\n');
    writeFileSync(rot, 'fresh 1\n');
    await c.until(() => c.texts(lab(rot)).includes('fresh 1'), 10_000, 'rotated file followed');
    expect(c.texts(lab(rot))).toEqual(['r1', 'r2', 'r3 (written to the renamed file)', 'fresh 1']);
    await src.stop();
  });

  it('declares a frozen link dead through keepalives and resumes without loss', async () => {
    const s = await fx.startSshd();
    const dir = join(fx.dir, 'frozen');
    mkdirSync(dir);
    const f = join(dir, 'f.log');
    writeFileSync(f, 'before 1\n');
    const c = new Collector();
    const src = source(c, [{ node: 'n', host: '127.0.0.1', port: s.port, paths: [f] }], {
      keepaliveIntervalMs: 200,
      keepaliveCountMax: 2,
    });
    await src.start();
    const lab = `127.0.0.1:${f}`;
    await c.until(() => c.lines(lab).length === 1, 10_000, 'first line');
    const frozen = s.signalSessions('SIGSTOP');
    expect(frozen.length).toBeGreaterThan(0);
    try {
      appendFileSync(f, 'during 1\n');
      await c.until(() => c.states('n').includes('reconnecting'), 10_000, 'keepalive timeout');
      expect(c.statuses('n').find((st) => st.state === 'reconnecting')?.message).toMatch(/keepalive/i);
      appendFileSync(f, 'during 2\n');
      await c.until(() => c.lines(lab).length === 3, 10_000, 'lines after reconnect');
      expect(c.texts(lab)).toEqual(['before 1', 'during 1', 'during 2']);
    } finally {
      for (const pid of frozen) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    await src.stop();
  });

  it('goes quiet, then stale, without new bytes, and back to streaming when they come', async () => {
    const s = await fx.startSshd();
    const dir = join(fx.dir, 'quiet');
    mkdirSync(dir);
    const f = join(dir, 'q.log');
    writeFileSync(f, 'one\n');
    const c = new Collector();
    const src = source(c, [{ node: 'n', host: '127.0.0.1', port: s.port, paths: [f] }], { quietMs: 300, staleMs: 700 });
    await src.start();
    await c.until(() => c.states('n').includes('stale'), 10_000, 'stale');
    appendFileSync(f, 'two\n');
    await c.until(() => c.states('n').at(-1) === 'streaming', 10_000, 'streaming again');
    expect(c.states('n')).toEqual(['connecting', 'streaming', 'quiet', 'stale', 'streaming']);
    await src.stop();
  });

  it('reports an authentication failure as an error state and retries slowly', async () => {
    const s = await fx.startSshd();
    const wrongKey = join(fx.dir, 'wrong_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', wrongKey]);
    const c = new Collector();
    const src = source(c, [{ node: 'n', host: '127.0.0.1', port: s.port, paths: ['/nonexistent.log'] }], {
      identityFiles: [wrongKey],
      authRetryMs: 60_000,
    });
    await src.start();
    const err = c.statuses('n').find((st) => st.state === 'error');
    expect(err?.message).toMatch(/authentication as .* failed/);
    expect(err?.message).toContain(wrongKey);
    expect(err?.message).toMatch(/retrying in 60 s/);
    await src.stop();
    expect(c.states('n').at(-1)).toBe('ended');
  });

  it('authenticates through ssh-agent; a dead SSH_AUTH_SOCK falls back to identity files', async () => {
    const s = await fx.startSshd();
    const dir = join(fx.dir, 'agent');
    mkdirSync(dir);
    const f = join(dir, 'a.log');
    writeFileSync(f, 'agent ok\n');
    const sock = join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      await new Promise<void>((resolve, reject) => {
        const end = Date.now() + 5000;
        const check = (): void => {
          if (existsSync(sock)) resolve();
          else if (Date.now() > end) reject(new Error('ssh-agent did not start'));
          else setTimeout(check, 20);
        };
        check();
      });
      execFileSync('ssh-add', [fx.clientKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      const c = new Collector();
      const src = source(c, [{ node: 'n', host: '127.0.0.1', port: s.port, paths: [f] }], {
        agent: sock,
        identityFiles: [],
        home: join(dir, 'no-home'), // no default identity files there: only the agent can work
      });
      await src.start();
      await c.until(() => c.texts(`127.0.0.1:${f}`).join() === 'agent ok', 10_000, 'line via agent auth');
      await src.stop();
    } finally {
      agent.kill('SIGTERM');
    }
    const c2 = new Collector();
    const src2 = source(c2, [{ node: 'n', host: '127.0.0.1', port: s.port, paths: [f] }], { agent: join(dir, 'gone.sock') });
    await src2.start();
    await c2.until(() => c2.texts(`127.0.0.1:${f}`).join() === 'agent ok', 10_000, 'line via identity file');
    expect(c2.statuses('n').some((st) => /ssh-agent .* not usable/.test(st.message ?? ''))).toBe(true);
    await src2.stop();
  });
});
