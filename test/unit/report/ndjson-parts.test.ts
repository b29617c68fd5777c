import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { snapshotBuffer, snapshotJson, snapshotLine, snapshotParts } from '../../../src/report/ndjson.ts';
import type { SessionSnapshot } from '../../../src/session/types.ts';

/** The snapshot object as snapshotLine built it in one piece before (the reference). */
function whole(s: SessionSnapshot, extra?: Record<string, unknown>): string {
  const obj = {
    type: 'snapshot',
    schema: 1,
    time: new Date(s.now).toISOString(),
    clock: s.clock,
    runs: s.runs.map(({ first_seen: _f, last_seen: _l, key, ...r }) => ({ ...r, run: key })),
    groups: s.groups,
    nodes: s.nodes,
    ...(s.sources && s.sources.length ? { sources: s.sources } : {}),
    ...(s.replay ? { replay: { ...s.replay, runNames: undefined } } : {}),
    ...(s.plan ? { plan: s.plan } : {}),
    totals: s.totals,
    ...extra,
  };
  return JSON.stringify(obj) + '\n';
}

function snap(nodes: number, opts: { sources?: boolean } = {}): SessionSnapshot {
  return {
    now: Date.UTC(2026, 11, 3, 10, 0, 0),
    clock: 'wall',
    runs: [{ key: 'r1', first_seen: 1, last_seen: 2, window_rule: 'counted report 20 → 120', throughput: null }],
    groups: [{ model: 'resnet50', flags: [{ kind: 'incomplete', evidence: '0 of 1 … ≤ 2' }] }],
    nodes: Array.from({ length: nodes }, (_, i) => ({ node: `node${i}`, source: `n${i}/rank.log`, lines: i, reason: i === 150 ? 'délai → 4 s' : null, flags: [] })),
    ...(opts.sources ? { sources: [{ source: 'logs/**/*.log', files: nodes }] } : {}),
    totals: { sources: 1, lines: 5 },
  } as unknown as SessionSnapshot;
}

describe('snapshotParts', () => {
  it('joins to the text of the snapshot as one object, for no node, a few and many (pieces of 96)', () => {
    for (const n of [0, 1, 95, 96, 97, 300]) {
      for (const sources of [false, true]) {
        const s = snap(n, { sources });
        expect(snapshotParts(s).join('')).toBe(whole(s));
        expect(snapshotLine(s)).toBe(whole(s));
        expect(snapshotLine(s, { snapshots_skipped: 3, exit: { code: 5 } })).toBe(whole(s, { snapshots_skipped: 3, exit: { code: 5 } }));
      }
    }
    expect(snapshotParts(snap(300)).length).toBe(2 + Math.ceil(300 / 96));
  });

  it('snapshotBuffer encodes the unjoined texts to the same bytes (brackets overwritten in place)', () => {
    for (const n of [0, 1, 95, 96, 97, 192, 300]) {
      for (const sources of [false, true]) {
        const s = snap(n, { sources });
        for (const extra of [undefined, { snapshots_skipped: 2 }]) {
          const j = snapshotJson(s, extra);
          if (typeof j === 'string') throw new Error('one piece');
          const buf = snapshotBuffer(j);
          expect(buf.toString('utf8')).toBe(whole(s, extra));
          expect(buf.length).toBe(Buffer.byteLength(whole(s, extra)));
        }
      }
    }
  });

  it('an extra key that names an earlier key keeps that key where it was, as one object does', () => {
    const s = snap(200);
    expect(snapshotLine(s, { runs: [] })).toBe(whole(s, { runs: [] }));
  });

  it('the presenter writes a large snapshot as one UTF-8 buffer of the same text', async () => {
    const { attachNdjson } = await import('../../../src/report/ndjson-presenter.ts');
    const s = snap(1000);
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const store = { onEvent: () => () => {}, flush: () => s } as unknown as Parameters<typeof attachNdjson>[0];
    const nd = attachNdjson(store, out, 'wall');
    nd.snapshot();
    nd.detach();
    out.end();
    await new Promise((r) => out.on('end', r));
    expect(Buffer.concat(chunks).toString('utf8')).toBe(whole(s));
  });
});
