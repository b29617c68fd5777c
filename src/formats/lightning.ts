import { tqdmBar } from './common/fields.ts';
import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * PyTorch Lightning / NeMo 1.x progress bars (TQDMProgressBar), verbatim (a NeMo-Megatron README found via find_string):
 * `Epoch 0: 100%|██████████| 40/40 [00:31<00:00,  1.27it/s, loss=10.9, v_num=, reduced_train_loss=10.90, global_step=39.00, consumed_samples=9984.0]`
 * NeMo's postfix carries `global_step` and `consumed_samples` (samples before this step: the global
 * batch is consumed_samples / global_step); plain Lightning bars count batches per epoch (`v_num=`).
 * The bar's elapsed time restarts every epoch: times are kept cumulative. No DLPerf method: auto
 * window; samples / wall time between the window's bars where the batch is known, else the bar's rate.
 */
const BAR = /^Epoch (\d+):\s+\d+%\|/;

export const lightning: LogFormat = {
  id: 'lightning',
  title: 'PyTorch Lightning / NeMo 1.x',
  framework: 'pytorch-lightning',
  detect: (p) => BAR.test(p) && (p.includes('v_num=') || p.includes('global_step=')) && tqdmBar(p) !== undefined,
  window: { unit: 'iter', start: 'auto', end: null },
  createParser() {
    let epoch = -1;
    let iterOffset = 0;
    let timeOffset = 0;
    let lastIter = -1;
    let lastN = 0;
    let lastElapsed = 0;
    let gbsSent = false;
    return {
      parse(p): ParsedRecord | ParsedRecord[] | undefined {
        const e = BAR.exec(p);
        if (!e) return undefined;
        const b = tqdmBar(p);
        if (!b || b.n === 0) return undefined;
        const ep = Number(e[1]);
        if (ep !== epoch) {
          if (epoch >= 0) {
            iterOffset += lastN;
            timeOffset += lastElapsed;
          }
          epoch = ep;
        }
        lastN = b.n;
        lastElapsed = b.elapsedS;
        const gs = /global_step=([\d.]+)/.exec(b.postfix);
        const iter = gs ? Math.round(Number(gs[1])) : iterOffset + b.n;
        if (iter <= lastIter) return undefined;
        lastIter = iter;
        const rec: ParsedRecord = { kind: 'iter', iter, epoch: ep, time: timeOffset + b.elapsedS };
        if (b.secPerIt !== null) rec.latencyS = b.secPerIt;
        const loss = /(?:reduced_train_loss|train_loss|loss)=([\d.]+|nan)/.exec(b.postfix);
        if (loss) rec.loss = Number(loss[1]);
        const cs = /consumed_samples=([\d.]+)/.exec(b.postfix);
        if (cs && gs && !gbsSent && iter > 0) {
          const gbs = Number(cs[1]) / iter;
          if (Number.isInteger(gbs) && gbs > 0) {
            gbsSent = true;
            return [{ kind: 'meta', fields: { global_batch_size: gbs } }, rec];
          }
        }
        return rec;
      },
    };
  },
  samples: [
    {
      text: 'Epoch 0: 100%|██████████| 40/40 [00:31<00:00,  1.27it/s, loss=10.9, v_num=, reduced_train_loss=10.90, global_step=39.00, consumed_samples=9984.0]',
      expected: [
        { kind: 'meta', fields: { global_batch_size: 256 } },
        { kind: 'iter', iter: 39, epoch: 0, time: 31, latencyS: 1 / 1.27, loss: 10.9 },
      ],
    },
  ],
};
