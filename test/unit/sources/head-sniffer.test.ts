import { describe, expect, it } from 'vitest';
import { HeadSniffer } from '../../../src/sources/head-sniffer.ts';
import { BINARY_SNIFF_BYTES, looksBinary } from '../../../src/sources/split-lines.ts';

/** Summary's verdict (read-lines.ts): the first BINARY_SNIFF_BYTES, leading NULs skipped, through looksBinary. */
function summaryVerdict(bytes: Buffer): boolean {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  return looksBinary(bytes.subarray(i));
}

/** The sniffer fed `bytes` in pieces of `sizes` (cycled), as reads of a growing file give them. */
function sniffed(bytes: Buffer, sizes: number[]): boolean {
  const s = new HeadSniffer();
  let at = 0;
  for (let k = 0; at < bytes.length; k++) {
    const n = Math.min(sizes[k % sizes.length]!, bytes.length - at);
    s.feed(bytes.subarray(at, at + n), n, at);
    at += n;
  }
  return s.binary;
}

const text = Buffer.from('DLL 2026-11-23 10:00:00.000000 - PARAMETER arch : resnet50  batch_size : 256 \n'.repeat(80));
const utf8 = Buffer.from('Iteration 1 — loss 6.5 ✓ 进度 50%\n'.repeat(200));
const junk = Buffer.from(Array.from({ length: 9000 }, (_, i) => (i * 7919 + 13) % 256));
const holeThenText = Buffer.concat([Buffer.alloc(5000), text]);
const textThenNul = Buffer.concat([Buffer.from('header line\n'), Buffer.from([0, 1, 2]), text]);
const lateNul = Buffer.concat([text.subarray(0, BINARY_SNIFF_BYTES + 10), Buffer.from([0]), text]);

describe('HeadSniffer: the verdict summary gives on the same bytes, however the reads cut them', () => {
  const cases: [string, Buffer][] = [
    ['a text log', text],
    ['UTF-8 text', utf8],
    ['random bytes', junk],
    ['a NUL hole (copytruncate) before text', holeThenText],
    ['a NUL inside the first 4 KiB', textThenNul],
    ['a NUL past the first 4 KiB (text, as summary reads it)', lateNul],
  ];
  it.each(cases)('%s', (_name, bytes) => {
    const want = summaryVerdict(bytes);
    for (const sizes of [[bytes.length], [1], [7, 100, 3], [4096], [4095, 2], [300]]) expect(sniffed(bytes, sizes), String(sizes)).toBe(want);
  });

  it('reports once, and judges a new head after reset (the file truncated and rewritten)', () => {
    const s = new HeadSniffer();
    expect(s.feed(junk, junk.length, 0)).toBe(true);
    expect(s.feed(junk, junk.length, junk.length)).toBe(false);
    s.reset();
    expect(s.feed(text, text.length, 0)).toBe(false);
    expect(s.binary).toBe(false);
  });

  it('settle(): a file that gave a line with a text head stays text when junk follows within its first 4 KiB', () => {
    const s = new HeadSniffer();
    const head = Buffer.from('before\n');
    expect(s.feed(head, head.length, 0)).toBe(false);
    s.settle();
    expect(s.feed(junk, 100, head.length)).toBe(false);
    expect(s.binary).toBe(false);
    // Without the line given, the same bytes make the head binary (as summary judges the file).
    const t = new HeadSniffer();
    t.feed(head, head.length, 0);
    expect(t.feed(junk, 100, head.length)).toBe(true);
  });

  it('leaves the verdict alone for bytes that do not follow the head (read from elsewhere)', () => {
    const s = new HeadSniffer();
    expect(s.feed(junk, 100, 5000)).toBe(false);
    expect(s.binary).toBe(false);
  });
});
