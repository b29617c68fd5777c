import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RunSet } from '../../../src/metrics/run-set.ts';
import { SessionStore } from '../../../src/session/store.ts';
import type { SourceEvent } from '../../../src/sources/types.ts';

const fixtures = new URL('../../fixtures/', import.meta.url).pathname;
const ngc = readFileSync(`${fixtures}public/ngc-mxnet-rn50-dll-1n8g.log`, 'utf8').split('\n').filter((l) => l !== '');
const T0 = 1_700_000_000_000;

describe('snapshot node views reused while their file did not change', () => {
  it('every snapshot equals one built from scratch; an idle row is reused, or copied when only its age moved', () => {
    const clock = { now: T0 };
    const store = new SessionStore({ runSet: new RunSet(), now: () => clock.now, clock: 'wall' });
    const all: SourceEvent[] = [];
    const fed = { a: 0, b: 0 };
    const feed = (events: SourceEvent[]) => {
      all.push(...events);
      store.ingest(events);
    };
    const lines = (file: 'a' | 'b', n: number): SourceEvent[] =>
      Array.from({ length: n }, () => {
        const i = fed[file]++;
        return { type: 'line' as const, node: `node${file}`, file: `node${file}/r50.log`, offset: 0, lineNo: i + 1, text: ngc[i % ngc.length]!, time: clock.now };
      });
    // The same events into a store of its own, flushed once: its snapshot has no earlier one to reuse.
    const reference = () => {
      const fresh = new SessionStore({ runSet: new RunSet(), now: () => clock.now, clock: 'wall' });
      fresh.ingest(all);
      return fresh.flush();
    };
    const check = () => {
      const s = store.flush();
      const ref = reference();
      expect(JSON.stringify(s.nodes)).toBe(JSON.stringify(ref.nodes));
      expect(s.nodes.map((n) => n.series)).toStrictEqual(ref.nodes.map((n) => n.series));
      return s;
    };

    feed([...lines('a', 360), ...lines('b', 360)]);
    const s1 = check();
    expect(s1.nodes).toHaveLength(2);
    expect(s1.nodes.every((n) => n.series.length > 0)).toBe(true);
    const s2 = check(); // nothing moved: the very same rows
    expect(s2.nodes[0]).toBe(s1.nodes[0]);
    expect(s2.nodes[1]).toBe(s1.nodes[1]);

    clock.now += 1500; // only the ages moved: new rows, the new age, the same figures
    const s3 = check();
    expect(s3.nodes[0]).not.toBe(s2.nodes[0]);
    expect(s3.nodes[0]!.last_line_age_s).toBe(1.5);
    expect(s2.nodes[0]!.last_line_age_s).toBe(0); // the earlier snapshot is left as it was

    clock.now += 10_000; // a source's quiet is judged by the store's rules (10 s at least)
    feed([{ type: 'status', node: 'nodeb', file: 'nodeb/r50.log', state: 'quiet', message: 'no new bytes for 10 s', time: clock.now }]);
    const s4 = check();
    // Its run is done (360 lines): the quiet source is ended (node-rules.ts), a new state either way.
    expect(s4.nodes.find((n) => n.node === 'nodeb')!.state).toBe('ended');

    clock.now += 700;
    feed(lines('a', 40)); // a line on one file of the run: its rows are rebuilt
    const s5 = check();
    expect(s5.nodes.find((n) => n.node === 'nodea')!.lines).toBe(400);
    clock.now += 300;
    check();
    store.endFile('nodea/r50.log');
    check();
  });
});
