import { describe, expect, it } from 'vitest';
import { Ring } from '../../../src/metrics/rolling.ts';

describe('Ring.at', () => {
  it('reads toArray()[i] in place, before and after the ring wraps', () => {
    const r = new Ring<number>(5);
    for (let n = 0; n < 17; n++) {
      const a = r.toArray();
      expect(Array.from({ length: r.size }, (_, i) => r.at(i))).toStrictEqual(a);
      expect(r.at(-1)).toBeUndefined();
      expect(r.at(r.size)).toBeUndefined();
      r.push(n);
    }
  });
});
