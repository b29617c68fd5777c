/**
 * TailSet.pushMany (the replay byte path's way into the log tails) ends exactly as push() line by
 * line: the same lines in every file's tail, the same characters retained, the same files shed by
 * the session bound, whatever mix of single pushes and runs of lines, on random sequences with
 * small bounds (so that the per-file line and character bounds and the shedding all fire).
 */
import { describe, expect, it } from 'vitest';
import { TailSet } from '../../../src/session/log-tail.ts';
import { rng } from '../../helpers/dll-lines.ts';

function state(t: TailSet, files: string[]) {
  return { total: t.retainedChars, tails: files.map((f) => t.get(f)?.toArray() ?? null) };
}

describe('TailSet.pushMany', () => {
  it('equals push() line by line (random runs, 200 sequences)', () => {
    const r = rng(20261203);
    let texted = 0;
    let lines = 0;
    for (let seq = 0; seq < 200; seq++) {
      const maxLines = 1 + Math.floor(r() * 40);
      const maxChars = 10 + Math.floor(r() * 400);
      const totalChars = 20 + Math.floor(r() * 1500);
      const files = Array.from({ length: 1 + Math.floor(r() * 6) }, (_, i) => `f${i}`);
      const one = new TailSet(maxLines, maxChars, totalChars);
      const many = new TailSet(maxLines, maxChars, totalChars);
      let lineNo = 0;
      for (let step = 0; step < 60; step++) {
        const file = files[Math.floor(r() * files.length)]!;
        const time = step * 10;
        if (r() < 0.3) {
          const line = { lineNo: ++lineNo, text: 'x'.repeat(Math.floor(r() * 60)), time };
          one.push(file, line);
          many.push(file, line);
          continue;
        }
        const n = Math.floor(r() * 80);
        const texts: string[] = [];
        const lineNos: number[] = [];
        for (let i = 0; i < n; i++) {
          texts.push(`${lineNo}:${'y'.repeat(Math.floor(r() * 50))}`);
          lineNos.push(++lineNo);
        }
        for (let i = 0; i < n; i++) one.push(file, { lineNo: lineNos[i]!, text: texts[i]!, time });
        many.pushMany(file, n, texts.map((t) => t.length), lineNos, time, (i) => {
          texted++;
          return texts[i]!;
        });
        lines += n;
        expect(state(many, files)).toStrictEqual(state(one, files));
      }
      expect(state(many, files)).toStrictEqual(state(one, files));
    }
    // Lines pushed out within their own call were never made into texts.
    expect(texted).toBeLessThan(lines);
  });
});
