import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runReport } from '../../../src/metrics/run-report.ts';
import { RunSet } from '../../../src/metrics/run-set.ts';
import { ownText, textOwner } from '../../../src/metrics/own-text.ts';

const fixtures = new URL('../../fixtures/', import.meta.url).pathname;

/** Feeds files (path → text) through a RunSet line by line, ending each; returns the set. */
function feed(files: [string, string][], releaseEnded: boolean): RunSet {
  const set = new RunSet({ releaseEnded });
  for (const [path, text] of files) {
    const t = set.openFile(path)!;
    text.split('\n').forEach((line, i) => set.line(t, { lineNo: i + 1, offset: 0, text: line, time: i * 1000, file: path, node: t.node }));
    set.endFile(t);
  }
  return set;
}

const ngc = readFileSync(`${fixtures}public/ngc-mxnet-rn50-dll-1n8g.log`, 'utf8');
const damaged = readFileSync(`${fixtures}damaged/duplicate-lines/pytorch/1n1g/r50_b256_fp16_1.log`, 'utf8');

describe('FileTrack.release: an ended file is reduced to what its report reads', () => {
  const files: [string, string][] = [
    ['node0/1n8g/r50_b256_amp_1.log', ngc],
    ['node1/1n8g/r50_b256_amp_1.log', ngc.replace(/img\/s/g, 'img/s')],
    ['pytorch/1n1g/r50_b256_fp16_1.log', damaged],
    ['notes.txt', 'no format here\nnor here\n'],
  ];

  it('the reports are the same, field for field', () => {
    const lean = feed(files, true);
    const full = feed(files, false);
    expect([...lean.runs.keys()]).toEqual([...full.runs.keys()]);
    for (const [k, run] of lean.runs) expect(runReport(run, true)).toStrictEqual(runReport(full.runs.get(k)!, true));
  });

  it('what is dropped is dropped, what the report reads is kept', () => {
    const lean = feed(files, true);
    const full = feed(files, false);
    for (const [k, run] of lean.runs) {
      const ref = full.runs.get(k)!;
      run.files.forEach((t, i) => {
        const r = ref.files[i]!;
        expect(t.released).toBe(true);
        expect(t.parser).toBeNull();
        expect(t.sniffKeeper).toBeNull();
        expect(t.series.size).toBe(0);
        expect(t.rolling.values()).toEqual([]);
        // Medians survive the drop (the straggler rule reads the step time).
        expect(t.medianStepS()).toBe(r.medianStepS());
        expect(t.rolling.median()).toBe(r.rolling.median());
        expect(t.lastIterText).toBe(r.lastIterText);
        expect(t.lines).toBe(r.lines);
        expect(t.damage.duplicates).toBe(r.damage.duplicates);
        expect(t.damage.firstDuplicate).toStrictEqual(r.damage.firstDuplicate);
        expect(t.held).toStrictEqual(r.held);
        expect([...t.contentEvidence]).toStrictEqual([...r.contentEvidence]);
        expect(r.released).toBe(false);
      });
    }
    // The damaged log has repeats: the flag's proof line is still there after release.
    const d = lean.runs.get([...lean.runs.keys()].find((k) => k.startsWith('pytorch'))!)!;
    expect(runReport(d, true).flags.some((f) => f.kind === 'duplicate_lines' && f.evidence.length > 0)).toBe(true);
  });

  it('a released file that another file later proves the format of is parsed, then reduced again', () => {
    const set = new RunSet({ releaseEnded: true });
    const head = set.openFile('node0/1n8g/r50_b256_amp_1.log')!;
    set.line(head, { lineNo: 1, offset: 0, text: '+ python main.py --arch resnet50 -b 256', time: 0, file: head.file, node: head.node });
    set.endFile(head);
    expect(head.released).toBe(true);
    expect(head.format).toBeNull();
    expect(head.held.length).toBe(1);
    const other = set.openFile('node1/1n8g/r50_b256_amp_1.log')!;
    ngc.split('\n').forEach((line, i) => set.line(other, { lineNo: i + 1, offset: 0, text: line, time: i, file: other.file, node: other.node }));
    set.endFile(other);
    expect(set.runOf(head)).toBe(set.runOf(other));
    expect(head.format).not.toBeNull();
    expect(head.released).toBe(true);
    expect(head.parser).toBeNull();
    expect(head.held).toEqual([]);
  });
});

describe('ownText', () => {
  it('equal text, for short and long strings', () => {
    const big = 'x'.repeat(40000) + 'the line we keep, long enough' + 'y'.repeat(40000);
    const cut = big.slice(40000, 40029);
    expect(ownText(cut)).toBe(cut);
    expect(ownText('short')).toBe('short');
    const own = textOwner();
    const a = own(cut);
    expect(own(big.slice(40000, 40029))).toBe(a);
  });
});
