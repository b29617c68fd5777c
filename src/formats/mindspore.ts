import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * F14 — MindSpore model_zoo (r1.1) ResNet50 / BERT, `LossMonitor` + `TimeMonitor` callbacks:
 * `epoch: 3 step: 10, loss is 6.8437` then `epoch time: 3462.771 ms, per step time: 346.277 ms`
 * (from the sources' format strings; DLPerf sets data_sink_steps, so one "epoch" is one sink of
 * `step` steps). Every rank prints (mpirun --merge-stderr-to-stdout).
 * DLPerf (MindSpore/{resnet50v1.5,bert}/extract_mindspore_logs_time.py): current step = step × epoch (its own rule);
 * the `epoch time` of every line whose current step is in (warmup, train] is summed over all ranks;
 * total batch / ((Σ / 1000) / ((train − warmup) × ranks)), rounded to 2. Script defaults 20 → 120
 * (the RN50 README ran `--warmup_batches=100 --train_batches=200`: `--window 100:200`).
 */
const STEP = /\bepoch: (\d+) step: (\d+)/;
const TIME = /epoch time: (\d+.\d{3}) ms/;

export const mindspore: LogFormat = {
  id: 'mindspore',
  title: 'MindSpore model_zoo (TimeMonitor)',
  framework: 'mindspore',
  detect: (p) => p.includes('epoch time: ') && p.includes('per step time: ') && TIME.test(p),
  window: { unit: 'iter', start: 20, end: 120, roundTo: 2, acrossRanks: 'mean', preferReported: true },
  createParser() {
    let cur: number | null = null;
    let steps: number | null = null;
    let epoch = 0;
    return {
      parse(p): ParsedRecord | undefined {
        const s = p.includes('epoch:') && p.includes('step:') ? STEP.exec(p) : null;
        if (s) {
          epoch = Number(s[1]);
          steps = Number(s[2]);
          cur = steps * epoch;
          return undefined;
        }
        const t = p.includes('epoch time:') ? TIME.exec(p) : null;
        if (!t || cur === null || !steps) return undefined;
        // Seconds per step of this sink: Σ epoch time / (steps × ranks) is the mean of these.
        return { kind: 'iter', iter: cur, epoch, latencyS: Number(t[1]) / 1000 / steps };
      },
    };
  },
  samples: [{ text: 'epoch time: 3462.771 ms, per step time: 346.277 ms', expected: undefined }],
};
