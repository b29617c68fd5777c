import { fieldAfter } from './common/fields.ts';
import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * MosaicML Composer console logger: multi-line records, verbatim (public logs found via find_string,
 * repositories not identified; also the keys grepped by ROCm MAD's llm-foundry script):
 * `[batch=10/20]:` then `\t Train time/batch: 9`, …, `\t Train throughput/samples_per_sec: 0.2170`,
 * `\t Train throughput/device/samples_per_sec: 0.2170`, `\t Train throughput/tokens_per_sec: 222.2194`.
 * `[epoch=1][batch=10/100]:` heads the record in epoch-based runs; short records put metrics on the
 * head line (`[batch=10/40]:  Train loss/train/total: 0.6773 …`). `throughput/samples_per_sec` is
 * the whole job's (SpeedMonitor sums the ranks). One record = one report; no clock on the lines,
 * no DLPerf method: auto window, reported method.
 */
const HEAD = /^\s*(?:\[epoch=(\d+)\])?\[batch=(\d+)\/(\d+)\]:/;

export const composer: LogFormat = {
  id: 'composer',
  title: 'MosaicML Composer',
  framework: 'composer',
  detect: (p) => HEAD.test(p) || p.includes('Train throughput/samples_per_sec: '),
  window: { unit: 'iter', start: 'auto', end: null, preferReported: true },
  createParser() {
    let batch: number | null = null;
    let epoch: number | undefined;
    let emitted: number | null = null;
    return {
      parse(p): ParsedRecord | ParsedRecord[] | undefined {
        const h = HEAD.exec(p);
        if (h) {
          batch = Number(h[2]);
          epoch = h[1] !== undefined ? Number(h[1]) : undefined;
        }
        if (batch === null) return undefined;
        const sps = p.includes('Train throughput/samples_per_sec:') ? fieldAfter(p, 'Train throughput/samples_per_sec:') : undefined;
        if (sps !== undefined && emitted !== batch) {
          emitted = batch;
          const rec: ParsedRecord = { kind: 'iter', iter: batch, throughput: sps };
          if (epoch !== undefined) rec.epoch = epoch;
          return rec;
        }
        const bs = p.includes('Train trainer/device_train_microbatch_size:') ? fieldAfter(p, 'Train trainer/device_train_microbatch_size:') : undefined;
        if (bs !== undefined) return { kind: 'meta', fields: { micro_batch_size: bs } };
        return undefined;
      },
    };
  },
  samples: [
    { text: '[batch=10/20]:', expected: undefined },
    { text: '\t Train throughput/samples_per_sec: 2.7330', expected: undefined },
    { text: '[batch=10/40]:  Train loss/train/total: 0.6773    Train metrics/train/LanguagePerplexity: 1.9369', expected: undefined },
  ],
};
