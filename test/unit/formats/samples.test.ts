import { describe, expect, it } from 'vitest';
import { formats } from '../../../src/formats/registry.ts';
import { toArray } from '../../../src/formats/types.ts';
import { unwrap } from '../../../src/formats/unwrap.ts';

// lnav-style: every format ships samples, and every sample must parse to what it says.
describe.each(formats.map((f) => [f.id, f] as const))('format %s', (_id, format) => {
  it('has samples', () => {
    expect(format.samples.length).toBeGreaterThan(0);
  });
  it.each(format.samples.map((s, i) => [i, s] as const))('sample %i parses as declared', (_i, sample) => {
    const parser = format.createParser();
    const got = toArray(parser.parse(unwrap(sample.text).payload));
    expect(got.length ? got : undefined).toEqual(sample.expected);
  });
  it('detects its own progress samples and no other format claims them first', async () => {
    const { detectFormat } = await import('../../../src/formats/registry.ts');
    for (const s of format.samples) {
      if (!s.expected?.some((r) => r.kind === 'iter') || s.proves === false) continue;
      expect(detectFormat(unwrap(s.text).payload)?.id).toBe(format.id);
    }
  });
});
