/**
 * unreadable_progress: a line with the locked format's progress marker that the parser turns into
 * no iteration is not counted, as DLPerf's scripts skip it too, but never in silence (the tester's
 * NGC TF ResNet50 run slid by a line, 2816.64 → 2816.55, `ok` and no flag). One flag per file,
 * with the first such line; the status follows the existing rules.
 */
import { describe, expect, it } from 'vitest';
import type { Flag } from '../../../src/core/types.ts';
import { RunSet } from '../../../src/metrics/run-set.ts';
import { runReport } from '../../../src/metrics/run-report.ts';

const stamp = (i: number): string => {
  const d = new Date(Date.UTC(2022, 10, 24, 4, 11, 31) + i * 2173);
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 23)}${String(100 + (i % 900)).padStart(3, '0')}`;
};
const TF_PARAM = 'DLL 2022-11-24 04:09:31.727199 - PARAMETER arch : resnet50  mode : training_benchmark  batch_size : 256  num_iter : 500  iter_unit : batch  warmup_steps : 200  display_every : 10  amp : True ';
const tf = (i: number): string => `DLL ${stamp(i)} - (0, ${200 + 10 * i}) total_ips : ${(9360 + ((i * 37) % 90)).toFixed(12)} `;

function summarise(path: string, lines: string[]) {
  const set = new RunSet();
  const t = set.openFile(path)!;
  lines.forEach((text, k) => set.line(t, { lineNo: k + 1, offset: 0, text, time: 0, file: t.file, node: t.node }));
  set.endFile(t);
  return runReport([...set.runs.values()][0]!, true);
}
const unreadable = (flags: Flag[]) => flags.filter((f) => f.kind === 'unreadable_progress');

describe('unreadable_progress', () => {
  const clean = [TF_PARAM, ...Array.from({ length: 110 }, (_, i) => tf(i))];

  it('a damaged progress line inside the window: not counted, flagged once with the first line, status as before', () => {
    const damaged = [...clean];
    damaged[31] = `${tf(30)}[1,1]<stderr>:2022-11-24 04:12:36.100000: W tensorflow/core/common_runtime/bfc_allocator.cc:271] Allocator ran out of memory`;
    damaged[61] = tf(60).replace('total_ips : ', 'total_ips :\t');
    const r = summarise('tf/1n8g/r50_b256_amp_1.log', damaged);
    // The figure is DLPerf's over the lines that could be read: the log without the two lines.
    const without = summarise('tf/1n8g/r50_b256_amp_1.log', clean.filter((_, k) => k !== 31 && k !== 61));
    expect(r.status).toBe('ok');
    expect(r.throughput).toBe(without.throughput);
    expect(r.throughput).not.toBe(summarise('tf/1n8g/r50_b256_amp_1.log', clean).throughput);
    const f = unreadable(r.flags);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ kind: 'unreadable_progress', confidence: 'confirmed', line: 32, file: 'tf/1n8g/r50_b256_amp_1.log', evidence: damaged[31]!.slice(0, 300) });
    expect(f[0]!.detail).toMatch(/^2 line\(s\) look like dllogger-tf-rn50 progress lines but could not be read \(first: line 32\); not counted/);
    expect(unreadable(without.flags)).toEqual([]);
  });

  it('a damaged line held while the format was unknown is counted once the format locks', () => {
    const bert = (i: number, sep = '  ') => `DLL 2023-08-01 06:00:${String(10 + i).padStart(2, '0')}.239981 - Iteration: ${i}${sep}throughput_train : 4191.303 sequences/s mlm_loss : 9.8308  nsp_loss : 0.6876  total_loss : 10.5183 `;
    const r = summarise('bert/1n1g/bert_b32_fp16_1.log', ['DLL 2023-08-01 05:59:00.000000 - PARAMETER batch_size : 32 ', bert(1, '\t'), bert(2), bert(3)]);
    expect(r.format).toBe('dllogger-tf-bert');
    expect(unreadable(r.flags)).toMatchObject([{ line: 2 }]);
  });

  it('the real lines that share the markers are not counted (epoch summaries, Summary:, BERT final_loss, PARAMETER): only the damaged one', () => {
    const rn = (i: number) => `DLL 2022-06-01 10:55:${String(i % 60).padStart(2, '0')}.${String(100000 + i)} - Epoch: 0 Iteration: ${i}  train.loss : 6.67  train.total_ips : 21259.81 img/s`;
    const lines = [
      'DLL 2020-09-15 14:28:53.498443 - PARAMETER data : /data/image  arch : resnet50  batch_size : 128  amp : True  world_size : 8 ',
      ...Array.from({ length: 30 }, (_, i) => rn(i + 1)),
      'DLL 2022-06-01 10:55:59.927306 - Epoch: 0  train.loss : 6.67479  train.total_ips : 21259.81 img/s',
      'DLL 2022-06-01 10:55:59.927470 - Epoch: 0  lr : 0.1  train.compute_ips : 21332.24 img/s train.data_time : 0.00132 s train.compute_time : 0.47581 s',
      'DLL 2022-06-01 10:55:59.379795 - Summary: train.loss : 6.67479  train.total_ips : 21259.81 img/s',
      'DLL 2023-07-28 15:25:05.249086 - Training Epoch: 0 Training Iteration: 20  final_loss : 8.566617012023926 None',
    ];
    // Iteration 12 with a no-break space where DLPerf's regex wants two spaces (`Iteration: (.*)  train.loss :`).
    lines[12] = rn(12).replace('  train.loss', '\u00a0 train.loss');
    const r = summarise('pt/1n8g/r50_b128_amp_1.log', lines);
    expect(r.format).toBe('dllogger-pytorch');
    expect(unreadable(r.flags)).toMatchObject([{ line: 13, detail: expect.stringMatching(/^1 line\(s\) look like dllogger-pytorch progress lines/) }]);
  });
});
