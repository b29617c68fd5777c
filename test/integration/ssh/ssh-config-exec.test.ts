/**
 * SSH as users configure it, against real OpenSSH servers (test/helpers/sshd.ts): ~/.ssh/config
 * `Include` (globs, relative to ~/.ssh, conditional inside a Host block), `ProxyCommand` (its
 * stdio is the connection), and a server without the sftp subsystem read over short exec
 * commands — every line exactly once, through a server kill. Fails, never skips, without sshd.
 */
import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, renameSync, truncateSync, writeFileSync, writeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshSourceOptions, SshTarget } from '../../../src/sources/ssh/ssh-tail.ts';
import { createSshFixture, type SshFixture } from '../../helpers/sshd.ts';
import { Collector, fileLines, testSshSource } from '../../helpers/ssh-events.ts';
import { resolveSshHosts } from '../../../src/launch/backends/ssh-hosts.ts';
import { HostConn } from '../../../src/launch/backends/ssh-host-conn.ts';


let fx: SshFixture;
let home: string;

const source = (c: Collector, targets: SshTarget[], extra: Partial<SshSourceOptions> = {}) => testSshSource(fx, c, targets, { home, ...extra });

beforeAll(async () => {
  fx = await createSshFixture();
  home = join(fx.dir, 'home');
  mkdirSync(join(home, '.ssh', 'config.d'), { recursive: true });
});
afterAll(async () => {
  await fx?.dispose();
});

describe('SSH configured as users do, and servers without SFTP', () => {
  it('follows a server without the sftp subsystem over exec: every line once, through a kill mid-stream', async () => {
    const s = await fx.startSshd({ sftp: false, shellHome: home });
    const dir = join(fx.dir, 'nosftp');
    mkdirSync(dir);
    // A name a shell would act on, to show the path is only ever one quoted word.
    const files = [join(dir, 'rank0.log'), join(dir, "rank 1; touch PWNED $(touch PWNED2) 'q'.log")];
    for (const f of files) writeFileSync(f, 'first 1\nfirst 2\n');
    const c = new Collector();
    const src = source(c, [{ node: 'n', host: '127.0.0.1', port: s.port, paths: [`${dir}/rank*.log`] }]);
    await src.start();
    const streaming = c.statuses('n').find((st) => st.state === 'streaming');
    expect(streaming?.message).toMatch(/server has no SFTP subsystem; reading over exec/);
    const lab = (f: string): string => `127.0.0.1:${f}`;

    let writing = true;
    let n = 0;
    const writer = (async () => {
      while (writing) {
        for (const f of files) {
          const line = `line ${n} of ${f.length} ${'x'.repeat(n % 50)}\n`;
          // Often half a line first: the reader must hold the partial line.
          if (n % 3 === 0) {
            appendFileSync(f, line.slice(0, 5));
            await new Promise((r) => setTimeout(r, 5));
            appendFileSync(f, line.slice(5));
          } else {
            appendFileSync(f, line);
          }
        }
        n++;
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    try {
      await c.until(() => c.lines(lab(files[0]!)).length >= 20, 15_000, 'lines over exec');
      const before = c.states('n').length;
      await s.stop(); // kills every session mid-stream
      await c.until(() => c.states('n').slice(before).includes('reconnecting'), 10_000, 'reconnecting');
      await new Promise((r) => setTimeout(r, 300));
      await s.start();
      await c.until(() => c.states('n').slice(before).includes('streaming'), 10_000, 'streaming again');
      const resumed = c.lines(lab(files[0]!)).length;
      await c.until(() => c.lines(lab(files[0]!)).length >= resumed + 20, 10_000, 'more lines after the restart');
    } finally {
      writing = false;
      await writer;
    }
    for (const f of files) {
      await c.until(
        () => c.lines(lab(f)).length >= fileLines(f).length,
        15_000,
        () => `${f}: ${c.lines(lab(f)).length}/${fileLines(f).length}`,
      );
      expect(c.texts(lab(f))).toEqual(fileLines(f));
      expect(c.lines(lab(f)).map((l) => l.lineNo)).toEqual(fileLines(f).map((_, i) => i + 1));
    }
    await src.stop();
    expect(c.states('n').at(-1)).toBe('ended');
    // Short commands only: nothing left running on the node, no shell ran the path's text.
    await c.until(() => s.sessionPids().length === 0, 5000, () => `sessions to exit (${s.sessionPids().join(', ')})`);
    expect(s.log()).not.toMatch(/subsystem 'sftp'/);
    expect(s.log()).toMatch(/Starting session: command/);
    for (const p of ['PWNED', 'PWNED2']) {
      expect(existsSync(join(dir, p))).toBe(false);
      expect(existsSync(join(home, p))).toBe(false);
    }
  });

  it('over exec, a truncated file is read again from the start and a glob picks up new files', async () => {
    const s = await fx.startSshd({ sftp: false, shellHome: home });
    const dir = join(fx.dir, 'nosftp-trunc');
    mkdirSync(dir);
    const f = join(dir, 'a.log');
    writeFileSync(f, 'old 1\nold 2\n');
    const c = new Collector();
    const src = source(c, [{ node: 'n', host: '127.0.0.1', port: s.port, paths: [`${dir}/*.log`] }]);
    await src.start();
    const lab = `127.0.0.1:${f}`;
    await c.until(() => c.lines(lab).length === 2, 10_000, 'first lines');
    truncateSync(f, 0);
    writeFileSync(f, 'new 1\n');
    writeFileSync(join(dir, 'b.log'), 'b 1\n');
    await c.until(() => c.texts(lab).includes('new 1') && c.texts(`127.0.0.1:${join(dir, 'b.log')}`).length === 1, 10_000, 'lines after truncation');
    expect(c.texts(lab)).toEqual(['old 1', 'old 2', 'new 1']);
    expect(c.lines(lab).map((l) => l.lineNo)).toEqual([1, 2, 1]);
    expect(c.statuses('n', lab).some((st) => /truncated/.test(st.message ?? ''))).toBe(true);
    await src.stop();
  });

  it('over exec, a log rotated by rename is finished, then the new file is read from its start: every line once', async () => {
    const s = await fx.startSshd({ sftp: false, shellHome: home });
    const dir = join(fx.dir, 'nosftp-rot');
    mkdirSync(dir);
    const f = join(dir, 'train.log');
    writeFileSync(f, 'gen0 a\n');
    const c = new Collector();
    // The periodic identity check (default 5 s) is slower than the rotations below: each must be
    // seen by the poll that finds the path's inode changed.
    const src = source(c, [{ node: 'n', host: '127.0.0.1', port: s.port, paths: [f] }], { identityCheckMs: 5000 });
    await src.start();
    const lab = `127.0.0.1:${f}`;
    await c.until(() => c.lines(lab).length === 1, 10_000, 'first line');
    const want = ['gen0 a'];
    for (let g = 0; g < 3; g++) {
      // A line before the rename, one written to the renamed file (its writer still holds it),
      // then a new file at the path, longer than the offset read so far (read from that offset,
      // it would come out cut mid-line).
      appendFileSync(f, `gen${g} b\n`);
      renameSync(f, `${f}.${g + 1}`);
      appendFileSync(`${f}.${g + 1}`, `gen${g} c (after the rename)\n`);
      const fresh = `gen${g + 1} a ${'n'.repeat(200)}`;
      writeFileSync(f, `${fresh}\n`);
      want.push(`gen${g} b`, `gen${g} c (after the rename)`, fresh);
      // Well before the next periodic check (5 s), though a poll round takes up to ~1 s here under load.
      await c.until(() => c.texts(lab).includes(fresh), 3000, () => `generation ${g + 1}: ${JSON.stringify(c.texts(lab))}`);
    }
    await new Promise((r) => setTimeout(r, 1500)); // more polls: nothing read twice
    expect(c.texts(lab)).toEqual(want);
    expect(c.lines(lab).map((l) => l.lineNo)).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1]);
    expect(c.statuses('n', lab).some((st) => /new file/.test(st.message ?? ''))).toBe(true);
    await src.stop();
  });

  it('over exec, a writer that keeps writing through three rotations (logrotate without copytruncate): every line once, in order', async () => {
    const s = await fx.startSshd({ sftp: false, shellHome: home });
    const dir = join(fx.dir, 'nosftp-rot-writer');
    mkdirSync(dir);
    const f = join(dir, 'train.log');
    let fd = openSync(f, 'a');
    const c = new Collector();
    const src = source(c, [{ node: 'n', host: '127.0.0.1', port: s.port, paths: [f] }], { identityCheckMs: 5000 });
    await src.start();
    const lab = `127.0.0.1:${f}`;
    const written: string[] = [];
    const write = (text: string) => {
      writeSync(fd, `${text}\n`);
      written.push(text);
    };
    for (let g = 0; g < 4; g++) {
      for (let i = 0; i < 40; i++) {
        write(`gen${g} line ${i} ${'w'.repeat(i % 30)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      if (g === 3) break;
      renameSync(f, `${f}.${g + 1}`);
      // The writer has not reopened yet: these land in the renamed file.
      for (let i = 0; i < 5; i++) write(`gen${g} late ${i}`);
      closeSync(fd);
      fd = openSync(f, 'a');
      // Rotations are hours apart in life, not within one poll round (which would skip the
      // middle file): the next one waits until this one was followed.
      write(`gen${g + 1} first`);
      await c.until(() => c.texts(lab).includes(`gen${g + 1} first`), 5000, () => `rotation ${g + 1}: ${c.texts(lab).length}/${written.length}`);
    }
    closeSync(fd);
    await c.until(() => c.texts(lab).length >= written.length, 15_000, () => `${c.texts(lab).length}/${written.length}`);
    await new Promise((r) => setTimeout(r, 1000));
    expect(c.texts(lab)).toEqual(written);
    await src.stop();
  });

  it('over exec, 16 files of one node stay within MaxSessions (commands run a few at a time)', async () => {
    const s = await fx.startSshd({ sftp: false, shellHome: home });
    const dir = join(fx.dir, 'nosftp-many');
    mkdirSync(dir);
    const paths = Array.from({ length: 16 }, (_, i) => join(dir, `rank${i}.log`));
    paths.forEach((p, i) => writeFileSync(p, `rank ${i} a\nrank ${i} b\n`));
    const c = new Collector();
    const src = source(c, [{ node: 'n', host: '127.0.0.1', port: s.port, paths: [`${dir}/rank*.log`] }]);
    await src.start();
    await c.until(() => paths.every((p) => c.lines(`127.0.0.1:${p}`).length === 2), 15_000, 'lines of 16 files');
    paths.forEach((p, i) => appendFileSync(p, `rank ${i} c\n`));
    await c.until(() => paths.every((p) => c.lines(`127.0.0.1:${p}`).length === 3), 15_000, 'appended lines');
    paths.forEach((p, i) => expect(c.texts(`127.0.0.1:${p}`)).toEqual([`rank ${i} a`, `rank ${i} b`, `rank ${i} c`]));
    await src.stop();
    expect(s.log()).not.toMatch(/no more sessions|open failed/i);
    expect(c.events.filter((e) => e.type === 'problem')).toEqual([]);
  });

  it('says why when the server has no SFTP and refuses commands too', async () => {
    const s = await fx.startSshd({ sftp: false, shellHome: home, extraConfig: ['ForceCommand /bin/false'] });
    const c = new Collector();
    const src = source(c, [{ node: 'n', host: '127.0.0.1', port: s.port, paths: ['/tmp/x.log'] }], { authRetryMs: 60_000 });
    await src.start();
    const err = c.statuses('n').find((st) => st.state === 'error');
    expect(err?.message).toMatch(/server has no SFTP subsystem, and commands cannot run there .*retrying in 60 s/);
    await src.stop();
  });

  it('follows Include (glob, relative to ~/.ssh; conditional inside a Host block) and runs ProxyCommand', async () => {
    const a = await fx.startSshd();
    const b = await fx.startSshd();
    const dir = join(fx.dir, 'inc');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.log'), 'via include\n');
    writeFileSync(join(dir, 'b.log'), 'via proxy\n');
    const ssh = join(home, '.ssh');
    writeFileSync(
      join(ssh, 'config'),
      [
        'Include config.d/*.conf',
        'Host proxied',
        '  Include proxied.inc', // applies only to `proxied`
        'Host *',
        '  Port 1', // would break both hosts if the included values did not come first
        '',
      ].join('\n'),
    );
    writeFileSync(join(ssh, 'config.d', '10-cluster.conf'), `Host inc-node\n  HostName 127.0.0.1\n  Port ${a.port}\n  User ${fx.user}\n`);
    writeFileSync(join(ssh, 'config.d', 'ignored.txt'), 'Host inc-node\n  Port 2\n');
    writeFileSync(join(ssh, 'proxied.inc'), `HostName 127.0.0.1\nPort ${b.port}\nProxyCommand ${fx.relayCommand()}\n`);
    const c = new Collector();
    const src = source(c, [
      { node: 'inc', host: 'inc-node', paths: [join(dir, 'a.log')] },
      { node: 'px', host: 'proxied', paths: [join(dir, 'b.log')] },
    ]);
    await src.start();
    await c.until(() => c.texts(`inc-node:${join(dir, 'a.log')}`).join() === 'via include', 10_000, 'line through the Include');
    await c.until(() => c.texts(`proxied:${join(dir, 'b.log')}`).join() === 'via proxy', 10_000, 'line through the ProxyCommand');
    expect(c.statuses('px').find((st) => st.state === 'streaming')?.message).toMatch(/port \d+ via ProxyCommand/);
    // The relay ran with %h %p expanded.
    expect(readFileSync(fx.relayLogPath, 'utf8')).toContain(`127.0.0.1 ${b.port}`);
    expect(c.events.filter((e) => e.type === 'problem')).toEqual([]);
    await src.stop();
    await c.until(() => a.sessionPids().length === 0 && b.sessionPids().length === 0, 5000, 'sessions to exit');
  });

  it('a ProxyCommand that fails is reported with its exit status and last stderr line', async () => {
    writeFileSync(join(home, '.ssh', 'config'), `Host broken\n  HostName 127.0.0.1\n  ProxyCommand sh -c 'echo "bastion says no" >&2; exit 7'\n`);
    const c = new Collector();
    const src = source(c, [{ node: 'br', host: 'broken', paths: ['/tmp/x.log'] }]);
    await src.start();
    const r = c.statuses('br').find((st) => st.state === 'reconnecting');
    expect(r?.message).toMatch(/ProxyCommand exited with status 7 \(bastion says no\)/);
    await src.stop();
  });

  it("the launcher's SSH resolves the same way: an Include'd host reached through its ProxyCommand", async () => {
    const s = await fx.startSshd();
    const ssh = join(home, '.ssh');
    writeFileSync(join(ssh, 'config'), 'Include config.d/launch-*\n');
    writeFileSync(join(ssh, 'config.d', 'launch-site'), `Host launch-node\n  HostName 127.0.0.1\n  Port ${s.port}\n  ProxyCommand ${fx.relayCommand()}\n`);
    const notes: string[] = [];
    const [host] = await resolveSshHosts([{ name: 'launch-node', host: 'launch-node' }], { home, knownHostsPath: fx.knownHostsPath, identityFiles: [fx.clientKeyPath] }, (m) => notes.push(m));
    expect(notes).toEqual([]);
    expect(host!.hops).toHaveLength(1);
    expect(host!.hops[0]!.proxyCommand).toContain(`127.0.0.1 ${s.port}`);
    const conn = new HostConn(host!, {}, undefined);
    try {
      await conn.open();
      const r = await conn.exec('echo launched', 10_000);
      expect(r).toEqual({ code: 0, out: 'launched\n' });
    } finally {
      await conn.close();
    }
    expect(readFileSync(fx.relayLogPath, 'utf8')).toContain(`127.0.0.1 ${s.port}`);
  });
});
