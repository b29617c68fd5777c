/**
 * `replay --headless --speed max` on every demo archive and golden fixture dir ends with exactly the
 * runs[].throughput that summarize() computes for the same input; the NDJSON follows spec/ndjson.md.
 */
import { describe, expect, it } from 'vitest';
import { replayHeadless } from '../../../src/pipeline/replay-headless.ts';
import { parseNdjson, replayInputs, sink, snapshotFigures, summaryFigures } from './helpers.ts';

const inputs = replayInputs();

describe('headless replay at max speed equals summary', () => {
  it('finds demo archives and golden fixtures to check', () => {
    expect(inputs.length).toBeGreaterThan(0);
  });

  it.each(inputs)('$name', async ({ path }) => {
    const { out, text } = sink();
    const res = await replayHeadless({ inputs: [path], speed: 'max', out });
    const lines = parseNdjson(text());
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      expect(l.schema).toBe(1);
      expect(['snapshot', 'event']).toContain(l.type);
      expect(Number.isNaN(Date.parse(l.time))).toBe(false);
      if (l.type === 'snapshot') expect(l.clock).toBe('replay');
    }
    const snaps = lines.filter((l) => l.type === 'snapshot');
    // one snapshot at the end of each run, plus the final one
    expect(snaps.length).toBeGreaterThanOrEqual(res.runs + 1);
    const last = lines[lines.length - 1]!;
    expect(last.type).toBe('snapshot');
    expect((last['replay'] as { finished: boolean }).finished).toBe(true);

    const want = await summaryFigures([path]);
    const got = snapshotFigures(last);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [source, t] of want) expect(got.get(source), source).toBe(t);
    expect([...want.values()].some((t) => t !== null)).toBe(true);
    expect(res.runs).toBe(want.size);

    // events: every node ends; phase events name runs that exist
    const events = lines.filter((l) => l.type === 'event');
    const ended = new Set(events.filter((e) => e['event'] === 'state' && e['state'] === 'ended').map((e) => e['source']));
    const nodes = (last['nodes'] as { source: string }[]).map((n) => n.source);
    for (const n of nodes) expect(ended.has(n), n).toBe(true);
  });
});
