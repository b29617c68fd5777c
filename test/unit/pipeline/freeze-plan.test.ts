import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pathInfo } from '../../../src/metrics/path-identity.ts';
import { freezePlan } from '../../../src/pipeline/freeze-plan.ts';

const tmp = mkdtempSync(join(tmpdir(), 'dlperf-freeze-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tree(name: string, files: string[]): string {
  const root = join(tmp, name);
  for (const f of files) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), 'x\n');
  }
  return root;
}

const key = (p: string) => pathInfo(p).runKey;

describe('freezePlan: a run is frozen only when no file to come can join it', () => {
  it('counts the files of a run over node directories', async () => {
    const root = tree('nodes', ['node0/a/r50_b256_amp_1.log', 'node1/a/r50_b256_amp_1.log', 'node0/a/r50_b256_amp_2.log']);
    const plan = (await freezePlan([root]))!;
    expect(plan).not.toBeNull();
    expect(key('node0/a/r50_b256_amp_1.log')).toBe(key('node1/a/r50_b256_amp_1.log'));
    expect(plan.ended('node0/a/r50_b256_amp_1.log', key('node0/a/r50_b256_amp_1.log'))).toBe(false);
    expect(plan.ended('node0/a/r50_b256_amp_2.log', key('node0/a/r50_b256_amp_2.log'))).toBe(true);
    expect(plan.ended('node1/a/r50_b256_amp_1.log', key('node1/a/r50_b256_amp_1.log'))).toBe(true);
  });

  it('a file the walk did not name (an archive member) never ends a count', async () => {
    const root = tree('member', ['x.log', 'logs.tgz']);
    const plan = (await freezePlan([root]))!;
    expect(plan.ended('logs.tgz/x.log', key('logs.tgz/x.log'))).toBe(false);
    expect(plan.ended('x.log', key('x.log'))).toBe(true);
  });

  it('a gzip file counts under its name without .gz too', async () => {
    const root = tree('gz', ['a.log', 'a.log.gz']);
    const plan = (await freezePlan([root]))!;
    expect(plan.ended('a.log', key('a.log'))).toBe(false);
    expect(plan.ended('a.log', key('a.log'))).toBe(true);
  });

  it('the same tree given twice: each copy counts', async () => {
    const root = tree('twice', ['a.log']);
    const plan = (await freezePlan([root, root]))!;
    expect(plan.ended('a.log', key('a.log'))).toBe(false);
    expect(plan.ended('a.log', key('a.log'))).toBe(true);
  });

  it('no plan where an archive could hold a file of a counted run', async () => {
    // A file named like a node directory: its members' keys lose its name.
    expect(await freezePlan([tree('nodefile', ['node1', 'x.log'])])).toBeNull();
    // A file whose key-space path is also a directory of another file (node3/ is left out of keys).
    expect(await freezePlan([tree('shadow', ['logs.tar', 'node3/logs.tar/a.log'])])).toBeNull();
  });

  it('no plan for a file argument, stdin or a missing path', async () => {
    const root = tree('args', ['a.log']);
    expect(await freezePlan([join(root, 'a.log')])).toBeNull();
    expect(await freezePlan(['-'])).toBeNull();
    expect(await freezePlan([join(root, 'missing')])).toBeNull();
    expect(await freezePlan([])).toBeNull();
  });
});
