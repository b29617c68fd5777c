import { logNumber, pyDict, tqdmBar } from './common/fields.ts';
import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * F7 — Hugging Face Transformers `Trainer` (huggingface/transformers `src/transformers/trainer.py`,
 * `trainer_utils.py` `speed_metrics`). Lines (verbatim sources in test/fixtures/formats/README.md):
 * - header: `***** Running training *****`, `  Instantaneous batch size per device = 10`,
 *   `  Total train batch size (w. parallel, distributed & accumulation) = 10`, `  Gradient Accumulation steps = 1`,
 *   `  Total optimization steps = 203` (with or without the `[INFO|trainer.py:1156] 2021-06-05 … >> ` prefix);
 * - per-step dicts without a step number: `{'loss': 3.5534, 'grad_norm': 1.41, 'learning_rate': 2.045e-06, 'epoch': 0.01}`
 *   (newer versions quote the numbers: `{'loss': '5.227', …}`);
 * - the tqdm bar of optimizer steps: ` 23/1752 [01:05<1:23:14,  2.89s/it]` (elapsed = a clock, rate = step time);
 * - the end: `{'train_runtime': 9117.7233, 'train_samples_per_second': 0.663, 'train_steps_per_second': 0.041, …}`
 *   and the `***** train metrics *****` block (`  train_samples_per_second =     25.132`).
 * `train_samples_per_second` = steps × total train batch / train_runtime: the WHOLE run, warmup and
 * start-up included. It is the run's figure (with that note); the steady-state figure from the
 * bar (auto window, total train batch / wall time) is given beside it.
 */
const HEADER = /^(?:\[\w+\|[\w.]+:\d+\] \S+ \S+ >> )?\s+(Instantaneous batch size per device|Total train batch size \(w\. parallel, distributed & accumulation\)|Gradient Accumulation steps|Total optimization steps|Num processes) = ([\d,]+)\s*$/;
const NOTE = 'train_samples_per_second (the framework\'s own figure) covers the whole run, warmup and start-up included';

export const hfTrainer: LogFormat = {
  id: 'hf-trainer',
  title: 'Hugging Face Trainer',
  framework: 'transformers',
  detect: (p) => (p.includes("'train_samples_per_second'") && p.includes("'train_runtime'")) || /^\s+train_samples_per_second\s+=\s/.test(p) || p.includes('Total train batch size (w. parallel, distributed & accumulation) = ') || (p.startsWith("{'loss': ") && p.includes("'learning_rate': ")),
  window: { unit: 'iter', start: 'auto', end: null, summaryFirst: true },
  createParser() {
    let totalSteps: number | null = null;
    let barTotal: number | null = null;
    let perDevice: number | null = null;
    let total: number | null = null;
    let accum: number | null = null;
    let last = -1;
    const worldSize = (): ParsedRecord[] => (perDevice && total && accum && total % (perDevice * accum) === 0 ? [{ kind: 'meta', fields: { world_size: total / (perDevice * accum) } }] : []);
    return {
      parse(p): ParsedRecord | ParsedRecord[] | undefined {
        const h = HEADER.exec(p);
        if (h) {
          const v = Number(h[2]!.replace(/,/g, ''));
          switch (h[1]) {
            case 'Instantaneous batch size per device':
              perDevice = v;
              return [{ kind: 'meta', fields: { batch_size_per_device: v } }, ...worldSize()];
            case 'Gradient Accumulation steps':
              accum = v;
              return worldSize();
            case 'Total optimization steps':
              totalSteps = v;
              return undefined;
            case 'Num processes':
              return { kind: 'meta', fields: { world_size: v } };
            default:
              total = v;
              return [{ kind: 'meta', fields: { global_batch_size: v } }, ...worldSize()];
          }
        }
        if (p.includes("'train_samples_per_second'")) {
          const d = pyDict(p);
          const sps = logNumber(d?.get('train_samples_per_second'));
          if (sps === undefined || !Number.isFinite(sps)) return undefined;
          const rec: ParsedRecord = { kind: 'summary', throughput: sps, note: NOTE };
          const rt = logNumber(d?.get('train_runtime'));
          if (rt !== undefined) rec.runtimeS = rt;
          return rec;
        }
        const block = /^\s+train_samples_per_second\s+=\s+([\d.]+)\s*$/.exec(p);
        if (block) return { kind: 'summary', throughput: Number(block[1]), note: NOTE };
        if (p.includes('/it]') || p.includes('it/s]') || p.includes('s/it') || p.includes('it/s')) {
          const b = tqdmBar(p);
          // The training bar counts optimizer steps up to `Total optimization steps`; evaluation and
          // loading bars have other totals.
          if (!b || b.n === 0) return undefined;
          barTotal ??= totalSteps ?? b.total;
          if (b.total !== barTotal || b.n <= last) return undefined;
          last = b.n;
          const rec: ParsedRecord = { kind: 'iter', iter: b.n, time: b.elapsedS };
          if (b.secPerIt !== null) rec.latencyS = b.secPerIt;
          return rec;
        }
        return undefined;
      },
    };
  },
  samples: [
    { text: "{'train_runtime': 9117.7233, 'train_samples_per_second': 0.663, 'train_steps_per_second': 0.041, 'train_loss': 0.26855763714149516, 'epoch': 3.0}", expected: [{ kind: 'summary', throughput: 0.663, runtimeS: 9117.7233, note: NOTE }] },
    { text: '  train_samples_per_second =     25.132', expected: [{ kind: 'summary', throughput: 25.132, note: NOTE }] },
    { text: '[INFO|trainer.py:1160] 2021-06-05 16:46:31,418 >>   Total train batch size (w. parallel, distributed & accumulation) = 10', expected: [{ kind: 'meta', fields: { global_batch_size: 10 } }] },
    { text: ' 93%|█████████▍| 350/378 [2:21:58<09:54, 21.24s/it]', expected: [{ kind: 'iter', iter: 350, time: 8518, latencyS: 21.24 }], proves: false },
    { text: "{'loss': 3.5534, 'grad_norm': 1.4142135381698608, 'learning_rate': 2.0454545454545457e-06, 'epoch': 0.01}", expected: undefined },
    { text: "{'loss': '5.227', 'grad_norm': '1.41', 'learning_rate': '2.045e-06', 'epoch': '0.01'}", expected: undefined },
  ],
};
