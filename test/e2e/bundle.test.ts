/**
 * The bundle in dist/ (scripts/build.mjs, run by `npm ci` through `prepare`) and how the binary
 * chooses between it and the TypeScript sources: the bundle only while it was built from exactly
 * the sources present, the sources otherwise. A build made from a copy of this repo must answer
 * like the sources do (summary numbers, launch plans that read the shipped recipes).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain JS module without types
import { sourceSignature } from '../../bin/source-signature.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = mkdtempSync(join(tmpdir(), 'dlperf-bundle-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A package directory with this repo's bin/ and build inputs (node_modules linked). */
function packageCopy(name: string, withRealSources: boolean): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  for (const f of ['bin', 'scripts', 'launchers']) cpSync(join(ROOT, f), join(dir, f), { recursive: true });
  for (const f of ['package.json', 'tsconfig.json']) cpSync(join(ROOT, f), join(dir, f));
  if (withRealSources) cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function run(dir: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(dir, 'bin/dlperf-top.mjs'), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('bundle selection', () => {
  it('runs dist/ only while its signature matches the sources', () => {
    const dir = packageCopy('select', false);
    mkdirSync(join(dir, 'src/cli'), { recursive: true });
    writeFileSync(join(dir, 'src/cli/main.ts'), "export async function main(): Promise<number> { console.log('from-source'); return 0; }\n");
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist/main.mjs'), "export async function main() { console.log('from-bundle'); return 0; }\n");
    writeFileSync(join(dir, 'dist/build.json'), JSON.stringify({ signature: sourceSignature(dir) }));
    expect(run(dir, []).out).toBe('from-bundle\n');
    expect(run(dir, [], { DLPERF_TOP_FROM_SOURCE: '1' }).out).toBe('from-source\n');
    // An edited source file (same size, new mtime): the bundle is stale.
    const t = new Date(Date.now() + 5000);
    utimesSync(join(dir, 'src/cli/main.ts'), t, t);
    expect(run(dir, []).out).toBe('from-source\n');
    writeFileSync(join(dir, 'dist/build.json'), JSON.stringify({ signature: sourceSignature(dir) }));
    expect(run(dir, []).out).toBe('from-bundle\n');
    // A source file added, then a broken build record: the sources again.
    writeFileSync(join(dir, 'src/cli/extra.ts'), 'export {};\n');
    expect(run(dir, []).out).toBe('from-source\n');
    writeFileSync(join(dir, 'dist/build.json'), '{not json');
    expect(run(dir, []).out).toBe('from-source\n');
  });

  it('a build of the real sources answers exactly like the sources', () => {
    const dir = packageCopy('real', true);
    const b = spawnSync(process.execPath, [join(dir, 'scripts/build.mjs')], { cwd: dir, encoding: 'utf8' });
    expect(b.status).toBe(0);
    expect(existsSync(join(dir, 'dist/main.mjs'))).toBe(true);
    const built = JSON.parse(readFileSync(join(dir, 'dist/build.json'), 'utf8'));
    expect(built.signature).toBe(sourceSignature(dir));
    const cases = [
      ['--version'],
      ['summary', '--format', 'json', join(ROOT, 'test/fixtures/seeds/ngc-pytorch-rn50-amp')],
      ['launch', 'oneflow-resnet50', '--hosts', 'n[1-4]', '--dry-run', '--format', 'json'],
    ];
    for (const args of cases) {
      const fromBundle = run(dir, args);
      const fromSource = run(dir, args, { DLPERF_TOP_FROM_SOURCE: '1' });
      expect(fromBundle.code, args.join(' ')).toBe(0);
      expect(fromBundle.out.length).toBeGreaterThan(3);
      // Documents carry the time they were made (launch sessions are named by the second): compare them without it.
      const norm = (s: string) => s.replace(/"(generated_at|time|created)":"[^"]*"/g, '"$1":""').replace(/-\d{8}-\d{6}\b/g, '-TIME');
      expect(norm(fromBundle.out), args.join(' ')).toBe(norm(fromSource.out));
    }
  });

  it('a build that cannot run leaves the install working (a warning, exit 0)', () => {
    const dir = packageCopy('nobuild', true);
    rmSync(join(dir, 'node_modules'));
    mkdirSync(join(dir, 'node_modules'));
    const b = spawnSync(process.execPath, [join(dir, 'scripts/build.mjs')], { cwd: dir, encoding: 'utf8' });
    expect(b.status).toBe(0);
    expect(b.stderr).toMatch(/could not build dist\/.*sources will be run through tsx/);
    expect(existsSync(join(dir, 'dist'))).toBe(false);
  });
});
