import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runReport } from '../../../src/metrics/run-report.ts';
import { RunSet } from '../../../src/metrics/run-set.ts';

const fixtures = new URL('../../fixtures/', import.meta.url).pathname;
const read = (p: string): string[] => readFileSync(`${fixtures}${p}`, 'utf8').split('\n');
const chatter = (n: number): string[] => Array.from({ length: n }, (_, i) => `some launcher chatter ${i}`);

/** Feeds `lines` to one file, letting it go quiet (RunSet.idleFile) before line index `idleAt`. */
function feed(lines: string[], sniffLines: number, idleAt: number | null): { set: RunSet; dropped: number; idled: boolean } {
  const set = new RunSet({ sniffLines });
  const path = 'node0/x.log';
  const t = set.openFile(path)!;
  let idled = false;
  lines.forEach((text, i) => {
    if (i === idleAt) {
      set.idleFile(t);
      idled = t.sniffKeeper === null;
    }
    set.line(t, { lineNo: i + 1, offset: 0, text, time: i * 1000, file: path, node: t.node });
  });
  const dropped = t.heldDropped;
  set.endFile(t);
  return { set, dropped, idled };
}

const report = (s: RunSet) => [...s.runs.values()].map((r) => runReport(r, true));

describe('RunSet.idleFile: a quiet file lets its format sniffers go and rebuilds them exactly', () => {
  // Megatron's argument dump, then chatter.
  const megatron = read('formats/megatron-core/2n8g/mixtral_pretrain.log');
  const argLines = [...megatron.slice(0, 9), ...chatter(30), ...megatron.slice(9, 40)];

  const cases = [{ name: 'argument dump', lines: argLines, sniffLines: 12, at: [1, 3, 5, 8, 11], needle: '"global_batch_size":128' }];
  for (const c of cases) {
    const kept = feed(c.lines, c.sniffLines, null);
    it(`${c.name}: the reference sheds held lines and still reads what they said`, () => {
      expect(kept.dropped).toBeGreaterThan(0);
      expect(JSON.stringify(report(kept.set))).toContain(c.needle);
    });
    for (const at of c.at) {
      it(`${c.name}: quiet before line ${at + 1}, the same report as with the sniffers kept all along`, () => {
        const idle = feed(c.lines, c.sniffLines, at);
        expect(idle.idled).toBe(true);
        expect(report(idle.set)).toStrictEqual(report(kept.set));
      });
    }
  }

  it('the rebuilt sniffers are in the state the file left them: an nvidia-smi row after its header is still kept', () => {
    // The block's rows are configuration (GPU memory) only after the block's header line: a
    // sniffer made afresh would not keep them.
    const oneflow = read('seeds/oneflow-rn50/logs/oneflow/2n8g/bert_base_b128_fp32_0.log');
    const at = oneflow.findIndex((l) => l.includes('memory.used [MiB]'));
    for (const idle of [false, true]) {
      // Held lines are marked (kept or not) when shedding starts (RunSet.sniff): chatter after the
      // block makes the file shed, and the row must survive it.
      const set = new RunSet({ sniffLines: at + 4 });
      const t = set.openFile('node0/of.log')!;
      const lines = [...oneflow.slice(0, at + 2), ...chatter(12)];
      lines.forEach((text, i) => {
        if (idle && i === at + 1) set.idleFile(t);
        set.line(t, { lineNo: i + 1, offset: 0, text, time: i, file: 'node0/of.log', node: t.node });
      });
      expect(t.format).toBeNull();
      expect(t.heldDropped).toBeGreaterThan(0);
      const row = t.held.find((h) => h.lineNo === at + 2);
      expect(row?.text).toMatch(/MiB$/);
      expect(row?.keep).toBe(true);
    }
  });

  it('a file that has shed lines keeps its sniffers (they could not be rebuilt)', () => {
    const set = new RunSet({ sniffLines: 8 });
    const t = set.openFile('node0/x.log')!;
    for (let i = 0; i < 20; i++) set.line(t, { lineNo: i + 1, offset: 0, text: `chatter ${i}`, time: i, file: 'node0/x.log', node: t.node });
    expect(t.heldDropped).toBeGreaterThan(0);
    set.idleFile(t);
    expect(t.sniffKeeper).not.toBeNull();
  });
});
