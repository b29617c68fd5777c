#!/usr/bin/env node
/**
 * `npm test`'s pretest step: make sure the system packages the suite needs are installed.
 *
 * The suite runs against the real things (an OpenSSH server, Slurm with munge, tmux, a headless
 * browser) and its tests fail rather than skip when one is missing. So that the README's
 * `npm ci && npm test` passes on a fresh Debian/Ubuntu machine by itself, this step reads the one
 * package list (.ci/packages-extra), finds what is missing and:
 *   - as root on Debian/Ubuntu: installs it with one quiet `apt-get update` + `apt-get install`,
 *     printed as one line (apt's output only if it fails);
 *   - otherwise: stops at once with the exact install line to run, exit 1.
 * Plain Node with no dependencies: it runs before anything else of the project is trusted.
 *
 * Test hooks (environment): DLPERF_TOP_SYSPKG_LIST (another list file), DLPERF_TOP_SYSPKG_DRY=1
 * (say what would be installed, install nothing). DLPERF_TOP_SKIP_SYSPKG=1 skips the step.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, realpathSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Parse the list: `package cmd [cmd…]` per line, `#` comments. */
export function parseList(text) {
  const out = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [name, ...probes] = line.split(/\s+/);
    out.push({ name, probes: probes.length > 0 ? probes : [name] });
  }
  return out;
}

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Is `cmd` installed? An absolute path is checked as is; a name is looked up on PATH and the sbin dirs. */
export function makeProbe(pathEnv = process.env.PATH ?? '') {
  const dirs = [...pathEnv.split(delimiter).filter(Boolean), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  return (cmd) => (isAbsolute(cmd) ? executable(cmd) : dirs.some((d) => executable(join(d, cmd))));
}

/**
 * Decide what to do. Pure: everything about the machine comes in as arguments.
 * @returns {{ action: 'none' } | { action: 'install', missing: string[], command: string[][] } | { action: 'stop', missing: string[], message: string }}
 */
export function plan({ list, installed, isRoot, hasApt }) {
  const missing = list.filter((p) => !p.probes.every(installed)).map((p) => p.name);
  if (missing.length === 0) return { action: 'none' };
  const names = missing.join(' ');
  if (isRoot && hasApt) {
    return {
      action: 'install',
      missing,
      command: [
        ['apt-get', 'update', '-qq'],
        ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing],
      ],
    };
  }
  const message = hasApt
    ? `the test suite needs system packages that are not installed: ${names}\ninstall them, then run the tests again:\n  sudo apt-get install -y --no-install-recommends ${names}`
    : `the test suite needs system packages that are not installed (Debian/Ubuntu names): ${names}\ninstall them with your system's package manager, then run the tests again`;
  return { action: 'stop', missing, message };
}

function main() {
  if (process.env.DLPERF_TOP_SKIP_SYSPKG === '1') return 0;
  const listPath = process.env.DLPERF_TOP_SYSPKG_LIST || join(ROOT, '.ci', 'packages-extra');
  const list = parseList(readFileSync(listPath, 'utf8'));
  const probe = makeProbe();
  const decision = plan({
    list,
    installed: probe,
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    hasApt: probe('apt-get') && existsSync('/etc/debian_version'),
  });
  if (decision.action === 'none') return 0;
  if (decision.action === 'stop') {
    process.stderr.write(`dlperf-top tests: ${decision.message}\n`);
    return 1;
  }
  const started = Date.now();
  process.stdout.write(`dlperf-top tests: installing system packages: ${decision.missing.join(' ')} (apt-get) … `);
  if (process.env.DLPERF_TOP_SYSPKG_DRY === '1') {
    process.stdout.write(`dry run: ${decision.command.map((c) => c.join(' ')).join(' && ')}\n`);
    return 0;
  }
  for (const cmd of decision.command) {
    const r = spawnSync(cmd[0], cmd.slice(1), {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (r.status !== 0) {
      process.stdout.write('failed\n');
      process.stderr.write(`${cmd.join(' ')} exited ${r.status ?? r.signal}:\n${r.stdout}${r.stderr}\n`);
      return 1;
    }
  }
  const still = list.filter((p) => decision.missing.includes(p.name) && !p.probes.every(probe)).map((p) => p.name);
  if (still.length > 0) {
    process.stdout.write('failed\n');
    process.stderr.write(`installed, but still not found: ${still.join(' ')} (check .ci/packages-extra's commands)\n`);
    return 1;
  }
  process.stdout.write(`done in ${Math.round((Date.now() - started) / 1000)} s\n`);
  return 0;
}

function isEntryPoint() {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) process.exitCode = main();
