import { appendFileSync, chmodSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, sleep, waitFor, type Fixture } from './harness.ts';

let fx: Fixture | null = null;
afterEach(async () => {
  await fx?.cleanup();
  fx = null;
});

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

describe('local tail: robustness', () => {
  it('a binary append with NUL and invalid UTF-8 does not crash; the lines around it arrive', async () => {
    fx = fixture({ patterns: ['bin.log'] });
    const { rec, p } = fx;
    writeFileSync(p('bin.log'), 'before\n');
    await fx.source.start();
    await waitFor(() => rec.lines().length === 1, 'first line');
    appendFileSync(p('bin.log'), Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x00, 0x41, 0x0a, 0xc3, 0x0a, 0x00, 0x00]));
    appendFileSync(p('bin.log'), 'after\n');
    await waitFor(() => rec.lines().length === 4, 'lines after the binary data', 5000, () => rec.events);
    const lines = rec.lines();
    expect(lines[1]!.text).toBe('\u0000\u0001\ufffd\ufffd\u0000A');
    expect(lines[2]!.text).toBe('\ufffd');
    expect(lines[3]!).toMatchObject({ text: '\u0000\u0000after', lineNo: 4, offset: 7 + 7 + 2 });
    expect(rec.statuses('bin.log').some((s) => s.state === 'error')).toBe(false);
  });

  it('an over-long line is cut and reported; line numbers and offsets stay right', async () => {
    fx = fixture({ patterns: ['long.log'], maxLineBytes: 1000 });
    const { rec, p } = fx;
    await fx.source.start();
    writeFileSync(p('long.log'), 'short\n' + 'x'.repeat(5000) + '\nnext\n');
    await waitFor(() => rec.lines().length === 3, 'three lines', 5000, () => rec.events);
    const lines = rec.lines();
    expect(lines[1]!.text).toBe('x'.repeat(1000));
    expect(lines[2]).toMatchObject({ text: 'next', lineNo: 3, offset: 6 + 5001 });
    const problems = rec.events.filter((e) => e.type === 'problem');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ problem: { kind: 'line_too_long', line: 2, offset: 6, file: 'long.log' } });
  });

  it('reports an unopenable file as error with a message (symlink loop), and keeps following the others', async () => {
    fx = fixture({ patterns: ['loop.log', 'ok.log'] });
    const { rec, p } = fx;
    symlinkSync(p('loop.log'), p('loop.log'));
    writeFileSync(p('ok.log'), 'fine\n');
    await fx.source.start();
    const st = rec.statuses('loop.log').at(-1);
    expect(st?.state).toBe('error');
    expect(st?.message).toMatch(/loop|ELOOP/i);
    await waitFor(() => rec.texts('ok.log').length === 1, 'the other file');
  });

  it.skipIf(isRoot)('reports permission denied (EACCES) as error, then recovers once readable', async () => {
    fx = fixture({ patterns: ['secret.log'], checkMs: 50 });
    const { rec, p } = fx;
    writeFileSync(p('secret.log'), 'hidden\n');
    chmodSync(p('secret.log'), 0o000);
    await fx.source.start();
    expect(rec.statuses('secret.log').at(-1)).toMatchObject({ state: 'error' });
    expect(rec.statuses('secret.log').at(-1)?.message).toMatch(/permission denied/);
    chmodSync(p('secret.log'), 0o644);
    await waitFor(() => rec.texts('secret.log').length === 1, 'the line once readable');
  });

  it('goes quiet, then stale without new bytes, and back to streaming when they come', async () => {
    // The source stamps and ages with the injected clock, which the test drives by hand.
    let clock = 0;
    fx = fixture({ patterns: ['q.log'], quietMs: 1000, staleMs: 3000, now: () => clock });
    const { rec, p } = fx;
    writeFileSync(p('q.log'), 'a\n');
    await fx.source.start();
    await waitFor(() => rec.lines().length === 1, 'first line');
    expect(rec.statuses('q.log').at(-1)?.state).toBe('streaming');
    clock = 1500;
    await waitFor(() => rec.statuses('q.log').at(-1)?.state === 'quiet', 'quiet');
    clock = 3500;
    await waitFor(() => rec.statuses('q.log').at(-1)?.state === 'stale', 'stale');
    appendFileSync(p('q.log'), 'b\n');
    await waitFor(() => rec.statuses('q.log').at(-1)?.state === 'streaming', 'streaming again');
    expect(rec.lines().at(-1)).toMatchObject({ text: 'b', time: 3500 });
    expect(rec.statuses('q.log').map((s) => s.state)).toEqual(['connecting', 'streaming', 'quiet', 'stale', 'streaming']);
  });

  it('stop() ends every file, emits nothing afterwards and leaves no handles or timers behind', async () => {
    // Let timers of earlier tests (chokidar's throttles last up to 1 s after close) run out first.
    await waitFor(() => !('Timeout' in countResources()), 'earlier timers to expire', 3000).catch(() => undefined);
    const before = countResources();
    fx = fixture({ patterns: ['s/**/*.log', 'p.log'] });
    const { rec, p } = fx;
    writeFileSync(p('p.log'), 'x\n');
    await fx.source.start();
    await waitFor(() => rec.lines().length === 1, 'a line');
    expect(countResources()).not.toEqual(before);
    await fx.source.stop();
    const after = rec.events.length;
    expect(rec.statuses('p.log').at(-1)).toMatchObject({ state: 'ended', message: 'stopped' });
    appendFileSync(p('p.log'), 'y\n');
    await sleep(150);
    expect(rec.events.length).toBe(after);
    // Nothing of ours stays: no more handles of any kind than before the source existed.
    const noneLeft = (): boolean => Object.entries(countResources()).every(([k, n]) => n <= (before[k] ?? 0));
    await waitFor(noneLeft, 'resources back to what they were', 2000, () => ({
      before,
      now: countResources(),
    }));
  });
});

function countResources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) {
    if (r === 'TTYWrap' || r === 'PipeWrap' || r === 'MessagePort') continue;
    out[r] = (out[r] ?? 0) + 1;
  }
  return out;
}
