/**
 * The pretest step (scripts/system-packages.mjs): the decision logic with the package list faked
 * missing, the real script as root (dry run: says the one install line, installs nothing) and as
 * an unprivileged user (stops at once with the exact `sudo apt-get install …` line).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript module without types (it runs before anything is built)
import { makeProbe, parseList, plan } from '../../scripts/system-packages.mjs';

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'system-packages.mjs');
const LIST = join(import.meta.dirname, '..', '..', '.ci', 'packages-extra');
const isRoot = process.getuid?.() === 0;
const tmp = mkdtempSync(join(tmpdir(), 'dlperf-syspkg-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const FAKE = 'dlperf-top-fake-pkg /nonexistent/dlperf-top-fake-bin\nanother-fake not-a-command-dlperf\n';

describe('system package list', () => {
  it('names every package the suite needs, each with the commands that prove it', () => {
    const list = parseList(readFileSync(LIST, 'utf8'));
    const names = list.map((p: { name: string }) => p.name);
    for (const pkg of ['openssh-server', 'openssh-client', 'tmux', 'slurm-wlm', 'munge']) expect(names).toContain(pkg);
    expect(list.find((p: { name: string }) => p.name === 'openssh-server').probes).toEqual(['/usr/sbin/sshd']);
  });

  it('parses comments, blank lines and a package without commands', () => {
    expect(parseList('# c\n\nfoo bar baz # trailing\nqux\n')).toEqual([
      { name: 'foo', probes: ['bar', 'baz'] },
      { name: 'qux', probes: ['qux'] },
    ]);
  });
});

describe('plan', () => {
  const list = parseList(FAKE + 'present sh\n');
  const installed = makeProbe(process.env.PATH);

  it('does nothing when everything is installed', () => {
    expect(plan({ list: parseList('present sh\n'), installed, isRoot: false, hasApt: true })).toEqual({ action: 'none' });
  });

  it('installs the missing packages (and only those) with one update as root on Debian', () => {
    const d = plan({ list, installed, isRoot: true, hasApt: true });
    expect(d.action).toBe('install');
    expect(d.missing).toEqual(['dlperf-top-fake-pkg', 'another-fake']);
    expect(d.command).toEqual([
      ['apt-get', 'update', '-qq'],
      ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'dlperf-top-fake-pkg', 'another-fake'],
    ]);
  });

  it('stops with the exact sudo line when not root', () => {
    const d = plan({ list, installed, isRoot: false, hasApt: true });
    expect(d.action).toBe('stop');
    expect(d.message).toContain('sudo apt-get install -y --no-install-recommends dlperf-top-fake-pkg another-fake');
  });

  it('names the packages without an apt line where there is no apt', () => {
    const d = plan({ list, installed, isRoot: true, hasApt: false });
    expect(d.action).toBe('stop');
    expect(d.message).toContain('dlperf-top-fake-pkg another-fake');
    expect(d.message).not.toContain('apt-get');
  });
});

describe('the script', () => {
  const fakeList = join(tmp, 'fake-list');
  writeFileSync(fakeList, FAKE);

  it('with the real list on this machine (after npm test installed it): says nothing, exits 0', () => {
    const r = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8', env: { ...process.env, DLPERF_TOP_SKIP_SYSPKG: '' } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });

  it.runIf(isRoot)('as root: one line saying what it installs (dry run)', () => {
    const r = spawnSync(process.execPath, [SCRIPT], {
      encoding: 'utf8',
      env: { ...process.env, DLPERF_TOP_SKIP_SYSPKG: '', DLPERF_TOP_SYSPKG_LIST: fakeList, DLPERF_TOP_SYSPKG_DRY: '1' },
    });
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toContain('installing system packages: dlperf-top-fake-pkg another-fake (apt-get)');
    expect(r.stdout).toContain('apt-get update -qq && apt-get install -y -qq --no-install-recommends dlperf-top-fake-pkg another-fake');
  });

  it.runIf(isRoot)('as an unprivileged user: stops at once with the install line, exit 1', () => {
    // A copy readable by `nobody` wherever the clone lives.
    const dir = mkdtempSync(join(tmpdir(), 'dlperf-syspkg-user-'));
    try {
      chmodSync(dir, 0o755);
      copyFileSync(SCRIPT, join(dir, 'system-packages.mjs'));
      copyFileSync(fakeList, join(dir, 'list'));
      chmodSync(join(dir, 'system-packages.mjs'), 0o644);
      chmodSync(join(dir, 'list'), 0o644);
      expect(execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'id', '-u'], { encoding: 'utf8' }).trim()).toBe('65534');
      const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, join(dir, 'system-packages.mjs')], {
        encoding: 'utf8',
        cwd: dir,
        env: { PATH: process.env.PATH, DLPERF_TOP_SYSPKG_LIST: join(dir, 'list') },
      });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('sudo apt-get install -y --no-install-recommends dlperf-top-fake-pkg another-fake');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
