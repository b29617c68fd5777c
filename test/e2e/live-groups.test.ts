/**
 * Issue 15: `live --headless --exit-when-done` on the files of each demo archive (extracted, as a
 * user's log directory) ends with a snapshot whose groups[] are `summary --format json`'s for the
 * same directory (the real binary both times). Live names files by the path it was given, summary
 * relative to the directory: the prefix is the only difference allowed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { liveHeadless, logsUnder } from '../helpers/live-headless.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin/dlperf-top.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'dlperf-live-groups-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const archives = readdirSync(join(ROOT, 'replays')).filter((f) => f.endsWith('.tgz')).sort();

describe('live --exit-when-done ends with summary groups', () => {
  it('has the three demo archives', () => expect(archives).toHaveLength(3));

  it.each(archives)('%s', async (a) => {
    const dir = join(tmp, a.replace(/\.tgz$/, ''));
    spawnSync('mkdir', ['-p', dir]);
    const x = spawnSync('tar', ['xzf', join(ROOT, 'replays', a), '-C', dir], { encoding: 'utf8' });
    expect(x.status, x.stderr).toBe(0);
    const s = spawnSync(process.execPath, [BIN, 'summary', '--format', 'json', join(dir, 'logs')], { cwd: ROOT, encoding: 'utf8' });
    const want = (JSON.parse(s.stdout) as { groups: unknown[] }).groups;
    expect(want.length).toBeGreaterThan(0);
    const l = await liveHeadless(BIN, ROOT, logsUnder(join(dir, 'logs')));
    const snaps = l.out.split('\n').filter((line) => line.startsWith('{"type":"snapshot"'));
    expect(snaps.length, l.err).toBeGreaterThan(0);
    const got = JSON.stringify((JSON.parse(snaps.at(-1)!) as { groups: unknown[] }).groups).replaceAll(`${join(dir, 'logs')}/`, '');
    expect(JSON.parse(got)).toEqual(want);
  }, 90_000);
});
