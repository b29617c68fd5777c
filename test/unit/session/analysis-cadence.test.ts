import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RunSet } from '../../../src/metrics/run-set.ts';
import { TailSet } from '../../../src/session/log-tail.ts';
import { SessionStore } from '../../../src/session/store.ts';
import type { SourceEvent } from '../../../src/sources/types.ts';
import { Writable } from 'node:stream';
import { attachNdjson } from '../../../src/report/ndjson-presenter.ts';

const fixtures = new URL('../../fixtures/', import.meta.url).pathname;
const ngc = readFileSync(`${fixtures}public/ngc-mxnet-rn50-dll-1n8g.log`, 'utf8').split('\n').filter((l) => l !== '');
const T0 = 1_700_000_000_000;
const FILE = 'node1/r50.log';
const ev = (i: number, time: number): SourceEvent => ({ type: 'line', node: 'node1', file: FILE, offset: 0, lineNo: i + 1, text: ngc[i]!, time });

/** A store fed `n` lines of the fixture and flushed once: the report as judged from scratch. */
function reference(n: number, now: number) {
  const s = new SessionStore({ runSet: new RunSet(), now: () => now, clock: 'wall' });
  s.ingest(ngc.slice(0, n).map((_, i) => ev(i, now)));
  return s.flush();
}

// The fewest lines (in tens) after which the run has its final figure (the window complete).
const complete = (() => {
  for (let n = 10; n <= ngc.length; n += 10) if (reference(n, T0).runs[0]?.throughput != null) return n;
  throw new Error('the fixture never completes its window');
})();

describe('analysisEveryMs: a run that only got lines is judged again at most that often', () => {
  it('keeps the report between judgements, rows stay per snapshot, and fresh or a period later judges again', () => {
    expect(complete).toBeLessThan(ngc.length);
    const clock = { now: T0 };
    const store = new SessionStore({ runSet: new RunSet(), now: () => clock.now, clock: 'wall', analysisEveryMs: 1000 });
    const half = complete - 10;
    store.ingest(ngc.slice(0, half).map((_, i) => ev(i, clock.now)));
    const s1 = store.flush();
    expect(s1.runs[0]!.throughput).toBeNull();

    clock.now += 100;
    store.ingest(ngc.slice(half).map((_, k) => ev(half + k, clock.now)));
    const s2 = store.flush();
    // The report is the one made 100 ms ago; the row's counters are today's.
    expect(s2.runs[0]!.throughput).toBeNull();
    expect(s2.nodes[0]!.lines).toBe(ngc.length);
    expect(s2.nodes[0]!.iteration).toBe(reference(ngc.length, clock.now).nodes[0]!.iteration);

    // Asked fresh (the last snapshot): judged now, the same as from scratch.
    const s3 = store.flush({ fresh: true });
    const ref = reference(ngc.length, clock.now);
    expect(s3.runs[0]!.throughput).not.toBeNull();
    expect(s3.runs[0]!.throughput).toBe(ref.runs[0]!.throughput);
    expect(JSON.stringify(s3.runs[0]!.flags)).toBe(JSON.stringify(ref.runs[0]!.flags));
  });

  it('judges again once the period has passed, and at once when the run changes shape (a file ended)', () => {
    const clock = { now: T0 };
    const store = new SessionStore({ runSet: new RunSet(), now: () => clock.now, clock: 'wall', analysisEveryMs: 1000 });
    const half = complete - 10;
    store.ingest(ngc.slice(0, half).map((_, i) => ev(i, clock.now)));
    store.flush();
    clock.now += 100;
    store.ingest(ngc.slice(half, complete + 5).map((_, k) => ev(half + k, clock.now)));
    expect(store.flush().runs[0]!.throughput).toBeNull();
    clock.now += 950; // 1,050 ms after the last judgement
    expect(store.flush().runs[0]!.throughput).toBe(reference(complete + 5, clock.now).runs[0]!.throughput);

    // More lines, then the file ends within the period: judged at once, as summary would.
    clock.now += 10;
    store.ingest(ngc.slice(complete + 5).map((_, k) => ev(complete + 5 + k, clock.now)));
    store.ingest([{ type: 'status', node: 'node1', file: FILE, state: 'ended', time: clock.now }]);
    const end = store.flush();
    const ref = new SessionStore({ runSet: new RunSet(), now: () => clock.now, clock: 'wall' });
    ref.ingest([...ngc.map((_, i) => ev(i, clock.now)), { type: 'status', node: 'node1', file: FILE, state: 'ended', time: clock.now }]);
    const r = ref.flush();
    expect(end.runs[0]!.throughput).toBe(r.runs[0]!.throughput);
    expect(JSON.stringify(end.runs[0]!.flags)).toBe(JSON.stringify(r.runs[0]!.flags));
  });

  it('without it (replay, summary-like uses) every snapshot after a line is judged', () => {
    const clock = { now: T0 };
    const store = new SessionStore({ runSet: new RunSet(), now: () => clock.now, clock: 'wall' });
    store.ingest(ngc.slice(0, complete - 10).map((_, i) => ev(i, clock.now)));
    store.flush();
    store.ingest(ngc.slice(complete - 10).map((_, k) => ev(complete - 10 + k, clock.now)));
    expect(store.flush().runs[0]!.throughput).toBe(reference(ngc.length, clock.now).runs[0]!.throughput);
  });
});

describe('the NDJSON presenter with a judging cadence', () => {
  it('periodic snapshots may carry the report kept from before; the last one (snapshot()) is judged fresh', () => {
    const clock = { now: T0 };
    const store = new SessionStore({ runSet: new RunSet(), now: () => clock.now, clock: 'wall', analysisEveryMs: 1000 });
    let text = '';
    const out = new Writable({
      write(chunk: Buffer, _enc, cb) {
        text += chunk.toString();
        cb();
      },
    });
    const nd = attachNdjson(store, out, 'wall');
    const last = () => JSON.parse(text.trim().split('\n').filter((l) => l.startsWith('{"type":"snapshot"')).at(-1)!) as { runs: { throughput: number | null }[] };
    const n = ngc.length;
    const half = complete - 10; // past the header and the first progress lines: only lines come after
    store.ingest(ngc.slice(0, half).map((_, i) => ev(i, clock.now)));
    nd.periodic();
    expect(last().runs[0]!.throughput).toBeNull();
    clock.now += 100;
    store.ingest(ngc.slice(half).map((_, k) => ev(half + k, clock.now)));
    nd.periodic();
    const ref = reference(n, clock.now).runs[0]!.throughput;
    expect(ref).not.toBeNull();
    expect(last().runs[0]!.throughput).toBeNull(); // judged 100 ms ago, before the window was complete
    nd.snapshot();
    expect(last().runs[0]!.throughput).toBe(ref);
  });
});

describe('a tail set of 0 lines (headless: nothing shows a log pane)', () => {
  it('keeps nothing and never makes a text', () => {
    const tails = new TailSet(0);
    tails.push('a.log', { lineNo: 1, text: 'x', time: 0 });
    let asked = 0;
    tails.pushMany('a.log', 3, [1, 1, 1], [2, 3, 4], 0, () => {
      asked++;
      return 'y';
    });
    expect(tails.get('a.log')).toBeUndefined();
    expect(tails.retainedChars).toBe(0);
    expect(asked).toBe(0);
  });
});
