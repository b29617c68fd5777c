import { appendFileSync, closeSync, copyFileSync, openSync, renameSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, sleep, waitFor, type Fixture } from './harness.ts';

let fx: Fixture | null = null;
afterEach(async () => {
  await fx?.cleanup();
  fx = null;
});

const numbered = (prefix: string, from: number, to: number): string => {
  let s = '';
  for (let i = from; i <= to; i++) s += `${prefix} ${i}\n`;
  return s;
};

describe('local tail: truncation, rotation, deletion', () => {
  it('copytruncate: restarts at offset 0 and line 1, and says "truncated"', async () => {
    fx = fixture({ patterns: ['train.log'] });
    const { rec, p } = fx;
    writeFileSync(p('train.log'), numbered('old', 1, 100));
    await fx.source.start();
    await waitFor(() => rec.lines().length === 100, '100 old lines');
    copyFileSync(p('train.log'), p('train.log.1'));
    truncateSync(p('train.log'), 0);
    appendFileSync(p('train.log'), numbered('new', 1, 20));
    await waitFor(() => rec.lines().length === 120, '20 new lines', 5000, () => rec.events.slice(-5));
    const fresh = rec.lines().slice(100);
    expect(fresh.map((l) => l.text)).toEqual(numbered('new', 1, 20).trimEnd().split('\n'));
    expect(fresh.map((l) => l.lineNo)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(fresh[0]!.offset).toBe(0);
    const msg = rec.statuses('train.log').find((s) => s.message?.startsWith('truncated'));
    expect(msg?.message).toMatch(/line numbers restart at 1/);
    expect(msg?.state).toBe('streaming');
    // The copy is not followed: the pattern names one file.
    expect(rec.lines('train.log.1')).toEqual([]);
  });

  it('rename rotation: finishes the old descriptor, then reads the new file from 0 and says "rotated"', async () => {
    fx = fixture({ patterns: ['*.log'] });
    const { rec, p } = fx;
    const fd = openSync(p('train.log'), 'a');
    writeSync(fd, numbered('old', 1, 50));
    await fx.source.start();
    await waitFor(() => rec.lines().length === 50, '50 old lines');
    // All in one synchronous go, so the tail cannot look in between: the writer keeps writing to
    // the renamed file for a moment, then a new file takes the name.
    renameSync(p('train.log'), p('train.log.1'));
    writeSync(fd, numbered('old', 51, 60));
    closeSync(fd);
    writeFileSync(p('train.log'), numbered('new', 1, 10));
    await waitFor(() => rec.lines().length === 70, '70 lines', 5000, () => rec.events.slice(-5));
    const lines = rec.lines();
    expect(lines.map((l) => l.text)).toEqual([...numbered('old', 1, 60).trimEnd().split('\n'), ...numbered('new', 1, 10).trimEnd().split('\n')]);
    expect(lines.slice(60).map((l) => l.lineNo)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(lines.slice(60)[0]!.offset).toBe(0);
    expect(lines.every((l) => l.file === 'train.log')).toBe(true);
    const rotated = rec.statuses('train.log').find((s) => s.message?.startsWith('rotated'));
    expect(rotated?.message).toMatch(/line numbers restart at 1/);
    appendFileSync(p('train.log'), 'new 11\n');
    await waitFor(() => rec.lines().length === 71, 'an append to the new file');
    expect(rec.lines().at(-1)).toMatchObject({ text: 'new 11', lineNo: 11 });
  });

  it('rename rotation where the rotated name also matches: every line once, numbering continues on the renamed file', async () => {
    fx = fixture({ patterns: ['train.log*'] });
    const { rec, p } = fx;
    const fd = openSync(p('train.log'), 'a');
    writeSync(fd, numbered('old', 1, 30));
    await fx.source.start();
    await waitFor(() => rec.lines().length === 30, '30 old lines');
    renameSync(p('train.log'), p('train.log.1'));
    writeFileSync(p('train.log'), numbered('new', 1, 5));
    await waitFor(() => rec.lines('train.log').length === 35, 'the new file', 5000, () => rec.events.slice(-8));
    await waitFor(() => rec.statuses('train.log.1').some((s) => s.state === 'streaming'), 'the renamed file taken over', 5000, () => rec.events.slice(-8));
    // The writer still holds the old descriptor: more lines land in the renamed file.
    writeSync(fd, numbered('old', 31, 33));
    closeSync(fd);
    await waitFor(() => rec.lines('train.log.1').length === 3, 'late lines of the renamed file', 5000, () => rec.events.slice(-8));
    await sleep(100);
    const texts = rec.texts();
    expect(texts.length).toBe(38);
    expect(new Set(texts).size).toBe(38);
    expect(rec.lines('train.log.1').map((l) => [l.text, l.lineNo])).toEqual([
      ['old 31', 31],
      ['old 32', 32],
      ['old 33', 33],
    ]);
    expect(rec.statuses('train.log.1').find((s) => s.state === 'streaming')?.message).toMatch(/renamed from train\.log/);
  });

  it('a deleted file ends; a re-created one is followed again from line 1', async () => {
    fx = fixture({ patterns: ['gone.log'] });
    const { rec, p } = fx;
    writeFileSync(p('gone.log'), 'a\nb\n');
    await fx.source.start();
    await waitFor(() => rec.lines().length === 2, 'two lines');
    unlinkSync(p('gone.log'));
    await waitFor(() => rec.statuses('gone.log').at(-1)?.state === 'ended', 'ended', 5000, () => rec.statuses());
    expect(rec.statuses('gone.log').at(-1)?.message).toBe('deleted');
    writeFileSync(p('gone.log'), 'c\n');
    await waitFor(() => rec.lines().length === 3, 'the line of the re-created file');
    expect(rec.lines().at(-1)).toMatchObject({ text: 'c', lineNo: 1, offset: 0 });
    expect(rec.statuses('gone.log').at(-1)).toMatchObject({ state: 'streaming' });
    expect(rec.statuses('gone.log').at(-1)?.message).toMatch(/re-created/);
  });
});
