import { withGpuMemory } from './common/nvidia-smi.ts';
import { parseNameValue } from './common/name-value-header.ts';
import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * F2 — OneFlow BERT pretraining (`run_pretraining.py`):
 * `step: 19, total_loss: 9.725, mlm_loss: 8.960, nsp_loss: 0.766, throughput: 54.982 1598056519.8844702`
 * Steps are 0-based (19, 39, … 119). DLPerf (extract_bert_result.py): window step 19 → 119.
 */
const STEP = /\bstep: (\d+), (?:total_loss: ([-\w.+]+), )?.*?throughput: ([\d.]+)(?: (1\d{9}(?:\.\d+)?))?\s*$/;

export const oneflowBert: LogFormat = {
  id: 'oneflow-bert',
  title: 'OneFlow BERT (run_pretraining.py)',
  framework: 'oneflow',
  model: 'bert_base',
  detect: (p) => p.includes('step: ') && p.includes('throughput: ') && STEP.test(p),
  window: { unit: 'iter', start: 19, end: 119 },
  createParser() {
    return withGpuMemory((p): ParsedRecord | undefined => {
      if (p.includes('step: ')) {
        const m = STEP.exec(p);
        if (!m) return undefined;
        const rec: ParsedRecord = { kind: 'iter', iter: Number(m[1]), throughput: Number(m[3]) };
        if (m[2] !== undefined) rec.loss = Number(m[2]);
        if (m[4] !== undefined) rec.time = Number(m[4]);
        return rec;
      }
      return p.includes(' = ') ? parseNameValue(p) : undefined;
    });
  },
  samples: [
    {
      text: 'step: 19, total_loss: 9.725, mlm_loss: 8.960, nsp_loss: 0.766, throughput: 54.982 1598056519.8844702',
      expected: [{ kind: 'iter', iter: 19, loss: 9.725, throughput: 54.982, time: 1598056519.8844702 }],
    },
    {
      text: 'step: 39, total_loss: 10.884, mlm_loss: 10.190, nsp_loss: 0.694, throughput: 142.735',
      expected: [{ kind: 'iter', iter: 39, loss: 10.884, throughput: 142.735 }],
    },
    { text: 'gpu_num_per_node = 1', expected: [{ kind: 'meta', fields: { gpu_num_per_node: 1 } }] },
  ],
};
