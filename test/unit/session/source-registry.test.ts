import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localSourceSpecs, remoteSourceSpecs } from '../../../src/pipeline/live-sources.ts';
import { SourceRegistry } from '../../../src/session/source-registry.ts';

const remote = () => remoteSourceSpecs([{ node: 'n1', host: 'n1', paths: ['/logs/train.log', '/logs/rank*.log', '~/x.log'] }]);

describe('SourceRegistry', () => {
  it('every named source starts connecting; the node connection speaks for all its sources', () => {
    const r = new SourceRegistry(remote(), 0);
    expect(r.views(() => undefined).map((v) => [v.source, v.state, v.reporting])).toEqual([
      ['n1:/logs/train.log', 'connecting', false],
      ['n1:/logs/rank*.log', 'connecting', false],
      ['n1:~/x.log', 'connecting', false],
    ]);
    r.nodeStatus('n1', 'reconnecting', 10, 'n1 (n1 port 22): connect ECONNREFUSED 1.2.3.4:22; reconnecting in 4.1 s');
    const ch = r.flush(10);
    expect(ch.map((c) => [c.view.source, c.view.state, c.view.reason])).toEqual([
      ['n1:/logs/train.log', 'reconnecting', 'connection refused, retry in 4 s'],
      ['n1:/logs/rank*.log', 'reconnecting', 'connection refused, retry in 4 s'],
      ['n1:~/x.log', 'reconnecting', 'connection refused, retry in 4 s'],
    ]);
    // A new delay is not a change (no event), but the view shows it.
    r.nodeStatus('n1', 'reconnecting', 20, 'n1 (n1 port 22): connect ECONNREFUSED 1.2.3.4:22; reconnecting in 8.0 s');
    expect(r.flush(20)).toEqual([]);
    expect(r.views(() => undefined)[0]!.reason).toBe('connection refused, retry in 8 s');
    expect(r.views(() => undefined)[0]!.since).toBe(10);
  });

  it('after connecting, each source says what its files are doing; a first line makes it report', () => {
    const r = new SourceRegistry(remote(), 0);
    r.nodeStatus('n1', 'streaming', 1, 'connected to u@n1 port 22');
    r.problem({ input: 'n1', file: 'n1:/logs/train.log', kind: 'unreadable', message: 'no such file on n1 yet; looking again every 5 s' }, 2);
    r.problem({ input: 'n1', file: 'n1:/logs/rank*.log', kind: 'unreadable', message: 'no file matches /logs/rank*.log yet; looking again every 5 s' }, 2);
    r.problem({ input: 'n1', file: 'n1:~/x.log', kind: 'unreadable', message: 'cannot open: permission denied' }, 2);
    r.flush(2);
    const st = () => r.views((f) => (f === 'n1:/logs/rank0.log' ? { lines: 3, bytes: 30 } : undefined)).map((v) => [v.state, v.reason, v.files, v.lines]);
    expect(st()).toEqual([
      ['waiting', 'no such file (waiting for it to appear)', 0, 0],
      ['waiting', 'glob matched nothing yet', 0, 0],
      ['error', 'permission denied', 0, 0],
    ]);
    // The glob matches two files; one delivers lines.
    r.fileStatus('n1', 'n1:/logs/rank0.log', 'streaming', 3, 'following');
    r.fileStatus('n1', 'n1:/logs/rank1.log', 'streaming', 3, 'following');
    r.flush(3);
    expect(st()[1]).toEqual(['waiting', 'following 2 files; no complete line yet', 2, 0]);
    r.line('n1', 'n1:/logs/rank0.log');
    const ch = r.flush(4);
    expect(ch.map((c) => [c.view.source, c.view.state, c.view.reason, c.view.reporting])).toEqual([['n1:/logs/rank*.log', 'streaming', 'following 2 files', true]]);
    expect(st()[1]).toEqual(['streaming', 'following 2 files', 2, 3]);
    expect(r.missing().map((v) => v.source)).toEqual(['n1:/logs/train.log', 'n1:~/x.log']);
    // A file of another node, or outside the glob, is not theirs.
    r.line('n2', 'n1:/logs/train.log');
    r.line('n1', 'n1:/logs/sub/rank0.log');
    r.flush(5);
    expect(r.missing().map((v) => v.source)).toEqual(['n1:/logs/train.log', 'n1:~/x.log']);
  });

  it('stopping keeps why a source never reported; a reporting one ends', () => {
    const r = new SourceRegistry(remote(), 0);
    r.nodeStatus('n1', 'error', 1, 'WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED for n1! … (line 3) … is SHA256:abc. Refusing');
    r.flush(1);
    r.nodeStatus('n1', 'ended', 2, 'stopped');
    r.flush(2);
    expect(r.views(() => undefined)[0]).toMatchObject({ state: 'error', reason: 'host key changed: SHA256:abc (known_hosts line 3); refusing', reporting: false });
  });

  it('cluster-file entries: the node name is the row, the host names the files', () => {
    const specs = remoteSourceSpecs([{ node: 'worker-3', host: '10.0.0.13', paths: ['/data/run7/rank*.log'] }]);
    expect(specs.map((s) => [s.source, s.node, s.kind])).toEqual([['10.0.0.13:/data/run7/rank*.log', 'worker-3', 'remote-glob']]);
    const r = new SourceRegistry(specs, 0);
    r.nodeStatus('worker-3', 'streaming', 1, 'connected');
    r.fileStatus('worker-3', '10.0.0.13:/data/run7/rank0.log', 'streaming', 1, 'following');
    r.line('worker-3', '10.0.0.13:/data/run7/rank0.log');
    r.flush(1);
    expect(r.views(() => undefined)[0]).toMatchObject({ state: 'streaming', reporting: true, files: 1 });
  });

  it('local arguments: a file not there yet waits; a glob is followed through its matches', async () => {
    const specs = await localSourceSpecs(['logs/node1/train.log', 'logs/*/rank?.log'], '/nonexistent-cwd');
    expect(specs.map((s) => [s.source, s.node, s.kind])).toEqual([
      ['logs/node1/train.log', 'node1', 'file'],
      ['logs/*/rank?.log', 'local', 'glob'],
    ]);
    const r = new SourceRegistry(specs, 0);
    r.fileStatus('node1', 'logs/node1/train.log', 'connecting', 1, 'waiting for the file to appear');
    r.fileStatus('local', 'logs/*/rank?.log', 'connecting', 1, 'no file matches logs/*/rank?.log yet; waiting');
    r.flush(1);
    expect(r.views(() => undefined).map((v) => [v.state, v.reason])).toEqual([
      ['waiting', 'no such file (waiting for it to appear)'],
      ['waiting', 'glob matched nothing yet'],
    ]);
    r.fileStatus('local', 'logs/*/rank?.log', 'ended', 2, 'now following logs/a/rank0.log');
    r.fileStatus('local', 'logs/a/rank0.log', 'streaming', 2);
    r.line('local', 'logs/a/rank0.log');
    r.fileStatus('node1', 'logs/node1/train.log', 'error', 2, "EACCES: permission denied, open 'logs/node1/train.log'");
    r.flush(2);
    expect(r.views(() => undefined).map((v) => [v.state, v.reason, v.files])).toEqual([
      ['error', 'permission denied', 0],
      ['streaming', 'following 1 file', 1],
    ]);
  });
  it("a glob that matches, before its files open, waits (not 'connecting'); an empty directory has no log yet", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlperf-reg-'));
    try {
      const specs = await localSourceSpecs(['logs/*.log', `${dir}/`], '/nonexistent-cwd');
      expect(specs.map((s) => s.kind)).toEqual(['glob', 'directory']);
      const r = new SourceRegistry(specs, 0);
      r.fileStatus('local', 'logs/*.log', 'connecting', 1, 'no file matches logs/*.log yet; waiting');
      r.fileStatus('local', specs[1]!.source, 'connecting', 1, `no file matches ${specs[1]!.source} yet; waiting`);
      r.flush(1);
      expect(r.views(() => undefined).map((v) => v.reason)).toEqual(['glob matched nothing yet', 'no log file in it yet']);
      r.fileStatus('local', 'logs/*.log', 'ended', 2, 'now following logs/a.log');
      r.flush(2);
      expect(r.views(() => undefined)[0]).toMatchObject({ state: 'waiting', reason: 'matched; opening its files' });
      r.fileStatus('local', 'logs/a.log', 'connecting', 3);
      r.flush(3);
      expect(r.views(() => undefined)[0]).toMatchObject({ state: 'waiting', reason: 'matched 1 file; opening' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a named file that is open but has no complete line waits (it stayed "connecting"); it counts as 1 file followed', async () => {
    const specs = await localSourceSpecs(['logs/empty.log'], '/nonexistent-cwd');
    const r = new SourceRegistry(specs, 0);
    r.fileStatus('empty', 'logs/empty.log', 'streaming', 1);
    r.flush(1);
    expect(r.views(() => undefined)[0]).toMatchObject({ state: 'waiting', reason: 'open; no complete line yet', files: 1, reporting: false });
    r.line('empty', 'logs/empty.log');
    r.flush(2);
    expect(r.views(() => undefined)[0]).toMatchObject({ state: 'streaming', reason: null, files: 1, reporting: true });
  });

  it('sources added later (a launch case) start connecting, are owned from then on, and are never added twice', () => {
    const spec = (file: string, node: string) => ({ source: file, node, kind: 'remote-file' as const, owns: (n: string, f: string) => n === node && f === file });
    const r = new SourceRegistry([], 0);
    // A report before the source exists is nobody's; the owner lookup must not remember that.
    r.fileStatus('h1', 'h1:/runs/001/node0.log', 'connecting', 1, 'connecting to h1 (case 001)');
    r.add([spec('h1:/runs/001/node0.log', 'h1'), spec('h2:/runs/001/node1.log', 'h2')], 2);
    r.add([spec('h1:/runs/001/node0.log', 'h1')], 2);
    expect(r.size).toBe(2);
    r.flush(2);
    expect(r.views(() => undefined).map((v) => [v.source, v.state, v.since])).toEqual([
      ['h1:/runs/001/node0.log', 'connecting', 2],
      ['h2:/runs/001/node1.log', 'connecting', 2],
    ]);
    // "connecting to HOST" is connecting (no reason), not "waiting" like a file not there yet.
    r.fileStatus('h1', 'h1:/runs/001/node0.log', 'connecting', 3, 'connecting to h1 (case 001)');
    r.fileStatus('h2', 'h2:/runs/001/node1.log', 'error', 3, 'connect ECONNREFUSED 127.0.0.1:2222');
    r.flush(3);
    expect(r.views(() => undefined).map((v) => [v.state, v.reason])).toEqual([
      ['connecting', null],
      ['error', 'connection refused'],
    ]);
    r.line('h1', 'h1:/runs/001/node0.log');
    r.flush(4);
    expect(r.missing().map((v) => v.source)).toEqual(['h2:/runs/001/node1.log']);
  });
});

describe('SourceRegistry: a one-file source that ended', () => {
  it("says its file's words (deleted), and nothing for a plain stop", () => {
    const r = new SourceRegistry(remote(), 0);
    r.nodeStatus('n1', 'streaming', 1, 'connected to u@n1 port 22');
    r.line('n1', 'n1:/logs/train.log');
    r.fileStatus('n1', 'n1:/logs/train.log', 'streaming', 2);
    r.flush(2);
    r.fileStatus('n1', 'n1:/logs/train.log', 'ended', 3, 'deleted');
    const ch = r.flush(3).find((c) => c.view.source === 'n1:/logs/train.log')!;
    expect([ch.view.state, ch.view.reason]).toEqual(['ended', 'deleted']);
    r.fileStatus('n1', 'n1:/logs/train.log', 'ended', 4, 'stopped');
    r.flush(4);
    expect(r.views(() => undefined).find((v) => v.source === 'n1:/logs/train.log')!.reason).toBeNull();
  });
});

describe('SourceRegistry: a glob whose files are deleted', () => {
  it('no longer counts a deleted file as followed, says how many were, and speaks in the past once all ended', () => {
    const r = new SourceRegistry(remote(), 0);
    r.nodeStatus('n1', 'streaming', 1, 'connected to u@n1 port 22');
    for (const f of ['n1:/logs/rank0.log', 'n1:/logs/rank1.log']) {
      r.line('n1', f);
      r.fileStatus('n1', f, 'streaming', 2);
    }
    r.flush(2);
    const glob = () => r.views(() => undefined).find((v) => v.source === 'n1:/logs/rank*.log')!;
    expect([glob().state, glob().reason, glob().files]).toEqual(['streaming', 'following 2 files', 2]);
    r.fileStatus('n1', 'n1:/logs/rank1.log', 'ended', 3, 'deleted');
    r.flush(3);
    expect([glob().state, glob().reason]).toEqual(['streaming', 'following 1 file, 1 deleted']);
    r.fileStatus('n1', 'n1:/logs/rank0.log', 'ended', 4, 'stopped');
    r.flush(4);
    expect([glob().state, glob().reason]).toEqual(['ended', 'followed 1 file, 1 deleted']);
  });
});
