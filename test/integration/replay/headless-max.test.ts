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

describe('headless replay at a finite speed (fake clock)', () => {
  it('prints a snapshot every interval of log time, phase events in order, and ends with summary numbers', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { FakeTime } = await import('../../helpers/fake-time.ts');
    const { writeThreeRuns } = await import('./synth.ts');
    const dir = mkdtempSync(join(tmpdir(), 'dlperf-headless-'));
    try {
      const { keys } = writeThreeRuns(dir);
      const ft = new FakeTime(0);
      const { out, text } = sink();
      const res = await replayHeadless({ inputs: [dir], speed: 10, out, intervalMs: 2000, now: ft.now, schedule: ft.autoSchedule });
      expect(res.runs).toBe(3);
      const lines = parseNdjson(text());
      const snaps = lines.filter((l) => l.type === 'snapshot');
      // ~43 s of log per run, a snapshot every 2 s of log time, plus one per run end and the final one
      expect(snaps.length).toBeGreaterThan(3 * 20);
      expect(snaps.length).toBeLessThan(3 * 24 + 4);
      const times = snaps.map((s) => Date.parse(s.time));
      let steps2s = 0;
      for (let i = 1; i < times.length; i++) if (times[i]! - times[i - 1]! === 2000) steps2s++;
      expect(steps2s).toBeGreaterThan(3 * 18);
      for (const key of keys) {
        const ph = lines.filter((l) => l.type === 'event' && l['event'] === 'phase' && l['run'] === key).map((l) => l['phase']);
        expect(ph.indexOf('measuring'), key).toBeGreaterThanOrEqual(0);
        expect(ph.lastIndexOf('done')).toBeGreaterThan(ph.indexOf('measuring'));
      }
      const want = await summaryFigures([dir]);
      const got = snapshotFigures(lines[lines.length - 1]);
      expect([...got.entries()].sort()).toEqual([...want.entries()].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
