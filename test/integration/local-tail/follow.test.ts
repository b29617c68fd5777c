import { appendFileSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { expectedLines, fixture, sleep, waitFor, type Fixture } from './harness.ts';

let fx: Fixture | null = null;
afterEach(async () => {
  await fx?.cleanup();
  fx = null;
});

describe('local tail: following files', () => {
  it('follows a steady writer whose writes split lines, CRLF and UTF-8 sequences; lines equal the content', async () => {
    fx = fixture({ patterns: ['run/*.log'] });
    const { rec, p } = fx;
    mkdirSync(p('run'));
    writeFileSync(p('run', 'train.log'), 'header line\r\nsecond line\n');
    await fx.source.start();
    await waitFor(() => rec.lines().length === 2, 'the existing lines');

    const fh = await open(p('run', 'train.log'), 'a');
    for (let i = 0; i < 120; i++) {
      const line = Buffer.from(`step ${i} loss=${(1 / (i + 1)).toFixed(6)} throughput=€${i * 3}${i % 3 === 0 ? '\r' : ''}\n`);
      // Split every line at two places (one of them inside the € sequence), with pauses between.
      const euro = line.indexOf(0xe2);
      const cuts = [Math.min(5, line.length), euro + 1, line.length];
      let from = 0;
      for (const cut of cuts) {
        if (cut > from) await fh.write(line.subarray(from, cut));
        from = Math.max(from, cut);
        if (i % 10 === 0) await sleep(3);
      }
    }
    // A partial last line must be held back.
    await fh.write('unfinished');
    await fh.close();

    const content = readFileSync(p('run', 'train.log'), 'utf8');
    const want = expectedLines(content);
    await waitFor(() => rec.lines().length >= want.length, `${want.length} lines`, 8000, () => rec.texts().slice(-3));
    await sleep(100); // the partial line must not show up
    const lines = rec.lines();
    expect(lines.map((l) => l.text)).toEqual(want);
    expect(lines.map((l) => l.lineNo)).toEqual(want.map((_, i) => i + 1));
    // Offsets point at the first byte of each line.
    const bytes = readFileSync(p('run', 'train.log'));
    for (const l of lines) {
      expect(bytes.toString('utf8', l.offset, l.offset + Buffer.byteLength(l.text))).toBe(l.text);
      if (l.offset > 0) expect(bytes[l.offset - 1]).toBe(10);
    }
    expect(new Set(lines.map((l) => l.file))).toEqual(new Set(['run/train.log']));
    expect(lines.every((l) => l.node === 'local')).toBe(true);
    const states = rec.statuses('run/train.log').map((s) => s.state);
    expect(states.slice(0, 2)).toEqual(['connecting', 'streaming']);

    // Completing the partial line delivers it.
    appendFileSync(p('run', 'train.log'), ' now\n');
    await waitFor(() => rec.texts().at(-1) === 'unfinished now', 'the completed line');
    expect(rec.lines().at(-1)!.lineNo).toBe(want.length + 1);
  });

  it('finds a file created after start under a glob (by fs events), and ignores non-matching files', async () => {
    // Slow checks and re-walks off: only the watcher can find the new file in time.
    fx = fixture({ patterns: ['logs/**/*.log'], checkMs: 60_000, rescanMs: 0 });
    const { rec, p } = fx;
    mkdirSync(p('logs'));
    await fx.source.start();
    mkdirSync(p('logs', 'oneflow', 'node1'), { recursive: true });
    writeFileSync(p('logs', 'oneflow', 'node1', 'notes.txt'), 'not a log\n');
    writeFileSync(p('logs', 'oneflow', 'node1', 'r50_b128_fp32_1.log'), 'a\nb\n');
    await waitFor(() => rec.lines().length === 2, 'lines of the new file', 4000, () => rec.events);
    appendFileSync(p('logs', 'oneflow', 'node1', 'r50_b128_fp32_1.log'), 'c\n');
    await waitFor(() => rec.lines().length === 3, 'the appended line');
    const lines = rec.lines();
    expect(lines.map((l) => l.text)).toEqual(['a', 'b', 'c']);
    expect(lines.every((l) => l.file === 'logs/oneflow/node1/r50_b128_fp32_1.log' && l.node === 'node1')).toBe(true);
    // The glob matched nothing at start: its own status said so, then ended once a file matched.
    const patternStates = rec.statuses('logs/**/*.log').map((s) => s.state);
    expect(patternStates).toEqual(['connecting', 'ended']);
    expect(rec.events.some((e) => e.type === 'line' && e.file.endsWith('notes.txt'))).toBe(false);
  });

  it('with fromStart: false reports only what is appended, with true line numbers', async () => {
    fx = fixture({ patterns: ['a.log'], fromStart: false });
    const { rec, p } = fx;
    writeFileSync(p('a.log'), 'old 1\nold 2\nold 3\n');
    await fx.source.start();
    appendFileSync(p('a.log'), 'new 4\nnew 5\n');
    await waitFor(() => rec.lines().length >= 2, 'appended lines');
    await sleep(50);
    expect(rec.lines().map((l) => [l.text, l.lineNo])).toEqual([
      ['new 4', 4],
      ['new 5', 5],
    ]);
  });

  it('follows a plain file path that does not exist yet', async () => {
    fx = fixture({ patterns: ['later/train.log'], checkMs: 60_000, rescanMs: 0 });
    const { rec, p } = fx;
    await fx.source.start();
    expect(rec.statuses('later/train.log').map((s) => s.state)).toEqual(['connecting', 'connecting']);
    expect(rec.statuses('later/train.log').at(-1)?.message).toBe('waiting for the file to appear');
    mkdirSync(p('later'));
    writeFileSync(p('later', 'train.log'), 'x\n');
    await waitFor(() => rec.lines().length === 1, 'the line of the file once it exists', 4000, () => rec.events);
    expect(rec.statuses('later/train.log').at(-1)!.state).toBe('streaming');
  });

  it('polling mode (poll: true) follows appends, new files and truncation without fs events', async () => {
    fx = fixture({ patterns: ['nfs/*.log'], poll: true, pollMs: 50 });
    const { rec, p } = fx;
    mkdirSync(p('nfs'));
    writeFileSync(p('nfs', 'node0.log'), 'one\n');
    await fx.source.start();
    await waitFor(() => rec.lines().length === 1, 'the existing line');
    appendFileSync(p('nfs', 'node0.log'), 'two\nthr');
    appendFileSync(p('nfs', 'node0.log'), 'ee\n');
    writeFileSync(p('nfs', 'node1.log'), 'other\n');
    await waitFor(() => rec.lines().length === 4, 'appended line and the new file', 4000, () => rec.events);
    expect(rec.texts('nfs/node0.log')).toEqual(['one', 'two', 'three']);
    expect(rec.lines('nfs/node1.log').map((l) => [l.text, l.node])).toEqual([['other', 'node1']]);
    writeFileSync(p('nfs', 'node0.log'), 'r\n');
    await waitFor(() => rec.texts('nfs/node0.log').length === 4, 'the line after truncation');
    expect(rec.lines('nfs/node0.log').at(-1)).toMatchObject({ text: 'r', lineNo: 1, offset: 0 });
  });
});
