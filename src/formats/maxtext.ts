import { fieldAfter } from './common/fields.ts';
import { parseAbslUs } from './timestamps.ts';
import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * MaxText (AI-Hypercomputer/maxtext `MaxText/metric_logger.py`), verbatim
 * (AI-Hypercomputer/maxtext#2232, docs/guides/understand_logs_and_metrics.md; #4847 with the absl prefix):
 * `completed step: 9, seconds: 5.667, TFLOP/s/device: 134.924, Tokens/s/device: 8672.758, total_weights: 196608, loss: 10.374`
 * `I0811 21:54:55.531340 138304841739136 metric_logger.py:226] completed step: 1, seconds: 0.631, …`
 * Both rates are PER DEVICE: the figure is Tokens/s/device × world size (`Num_devices: N` in the
 * log, else the path). Lines before 2024-07 (`TFLOP/s: 36.722`, no tokens) give step times only.
 * No DLPerf method: auto window, reported method.
 */
const STEP = /completed step: (\d+), seconds: ([\d.]+)/;

export const maxtext: LogFormat = {
  id: 'maxtext',
  title: 'MaxText',
  framework: 'jax',
  unit: 'tokens/s',
  detect: (p) => p.includes('completed step: ') && STEP.test(p),
  window: { unit: 'iter', start: 'auto', end: null, perDevice: true, preferReported: true },
  createParser() {
    return {
      parse(p): ParsedRecord | ParsedRecord[] | undefined {
        const abslUs = /^[IWEF]\d{4} /.test(p) ? parseAbslUs(p) : undefined;
        const m = p.includes('completed step: ') ? STEP.exec(p) : null;
        if (m) {
          const rec: ParsedRecord = { kind: 'iter', iter: Number(m[1]), latencyS: Number(m[2]) };
          const tok = fieldAfter(p, 'Tokens/s/device:');
          if (tok !== undefined) rec.throughput = tok;
          const tf = fieldAfter(p, 'TFLOP/s/device:') ?? fieldAfter(p, 'TFLOP/s:');
          if (tf !== undefined) rec.tflops = tf;
          const loss = fieldAfter(p, ' loss:');
          if (loss !== undefined) rec.loss = loss;
          if (abslUs !== undefined) {
            rec.timeUs = abslUs;
            rec.time = abslUs / 1e6;
          }
          return rec;
        }
        let x: RegExpExecArray | null;
        if ((x = /\bNum_devices: (\d+)/.exec(p))) return { kind: 'meta', fields: { world_size: Number(x[1]) } };
        if ((x = /Config param per_device_batch_size: (\d+)\s*$/.exec(p))) return { kind: 'meta', fields: { batch_size_per_device: Number(x[1]) } };
        if ((x = /Config param max_target_length: (\d+)\s*$/.exec(p))) return { kind: 'meta', fields: { seq_length: Number(x[1]) } };
        if ((x = /Config param model_name: (\S+)\s*$/.exec(p))) return { kind: 'meta', fields: { model: x[1]! } };
        if ((x = /Config param dtype: (\S+)\s*$/.exec(p))) return { kind: 'meta', fields: { precision: x[1] === 'bfloat16' ? 'bf16' : x[1] === 'float32' ? 'fp32' : x[1]! } };
        return abslUs !== undefined ? { kind: 'clock', time: abslUs / 1e6 } : undefined;
      },
    };
  },
  samples: [
    {
      text: 'completed step: 9, seconds: 5.667, TFLOP/s/device: 134.924, Tokens/s/device: 8672.758, total_weights: 196608, loss: 10.374',
      expected: [{ kind: 'iter', iter: 9, latencyS: 5.667, throughput: 8672.758, tflops: 134.924, loss: 10.374 }],
    },
    {
      text: 'I0811 21:54:55.531340 138304841739136 metric_logger.py:226] completed step: 1, seconds: 0.631, TFLOP/s/device: 5688.282, Tokens/s/device: 311629.521, total_weights: 1572864, loss: 12.979, lm_loss: 12.979, perplexity: 433358.281',
      expected: [{ kind: 'iter', iter: 1, latencyS: 0.631, throughput: 311629.521, tflops: 5688.282, loss: 12.979, timeUs: 966030895531340, time: 966030895.53134 }],
    },
    { text: 'completed step: 15107, seconds: 2.167, TFLOP/s: 36.722, loss: 2.191', expected: [{ kind: 'iter', iter: 15107, latencyS: 2.167, tflops: 36.722, loss: 2.191 }] },
  ],
};
