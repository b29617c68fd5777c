import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { guardOutput } from '../../../src/cli/output-guard.ts';
import { writeChunks } from '../../../src/shared/write-chunks.ts';

function* pieces(n: number): Generator<string> {
  for (let i = 0; i < n; i++) yield `piece ${i}\n`;
}
const whole = (n: number) => [...pieces(n)].join('');

describe('writeChunks', () => {
  it('waits for drain: a slow reader gets every byte, in order, never more than a batch buffered', async () => {
    const got: string[] = [];
    let maxBuffered = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _e, cb) {
        got.push(chunk.toString());
        setTimeout(cb, 1);
      },
    });
    const orig = slow.write.bind(slow);
    slow.write = ((c: string) => {
      const ok = orig(c);
      maxBuffered = Math.max(maxBuffered, slow.writableLength);
      return ok;
    }) as typeof slow.write;
    await writeChunks(slow, pieces(20000), 4096);
    expect(got.join('')).toBe(whole(20000));
    expect(maxBuffered).toBeLessThan(4096 + 64);
  });

  it('rejects with the stream error (a full disk)', async () => {
    const bad = new Writable({
      write(_c, _e, cb) {
        cb(Object.assign(new Error('no space left'), { code: 'ENOSPC' }));
      },
    });
    await expect(writeChunks(bad, pieces(50000), 1024)).rejects.toThrow('no space left');
  });

  it('a guarded stdout whose reader went away: ends quietly, without writing everything', async () => {
    let written = 0;
    const target = new Writable({
      highWaterMark: 256,
      write(chunk: Buffer, _e, cb) {
        written += chunk.length;
        if (written > 10_000) cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
        else cb();
      },
    });
    const out = guardOutput(target);
    await writeChunks(out.stream, pieces(200_000), 1024);
    expect(out.closed.aborted).toBe(true);
    expect(written).toBeLessThan(whole(200_000).length);
  });
});
