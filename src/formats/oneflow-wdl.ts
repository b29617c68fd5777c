import { parseNameValue } from './common/name-value-header.ts';
import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * F16 — OneFlow Wide&Deep (latency), verbatim (DLPerf:OneFlow/ClickThroughRate/WideDeepLearning/extract_info_from_log.py):
 * `100 time 1602836839.6445205 loss 0.5471092355251312 ` (device 0's log, every 100 iterations) and
 * the later `[rank:0] iter: 100/1200, loss: 0.0831875279545784, latency(ms): 81.5818255022168159 | 2021-12-01 13:19:02.625`.
 * DLPerf: from the first logged iteration to the one 1000 later, Δt seconds per 1000 iterations = ms
 * per iteration (counted report 1 → 11 at the default print interval of 100). Header `batch_size = …`
 * is the job's batch.
 */
const OLD = /^(\d+) time (\d+\.\d+) loss (\S+)\s*$/;
const NEW = /^\[rank:(\d+)\] iter: (\d+)\/\d+, loss: (\S+), latency\(ms\): ([\d.]+)/;

export const oneflowWdl: LogFormat = {
  id: 'oneflow-wdl',
  title: 'OneFlow Wide&Deep',
  framework: 'oneflow',
  model: 'wdl',
  detect: (p) => OLD.test(p) || NEW.test(p),
  window: { unit: 'line', start: 1, end: 11 },
  createParser() {
    return {
      parse(p): ParsedRecord | undefined {
        let m = OLD.exec(p);
        if (m) return { kind: 'iter', iter: Number(m[1]), time: Number(m[2]), loss: Number(m[3]) };
        if ((m = NEW.exec(p))) return { kind: 'iter', iter: Number(m[2]), loss: Number(m[3]), latencyS: Number(m[4]) / 1000, rank: Number(m[1]) };
        const b = /^batch_size = (\d+)\s*$/.exec(p);
        if (b) return { kind: 'meta', fields: { global_batch_size: Number(b[1]) } };
        return parseNameValue(p);
      },
    };
  },
  samples: [
    { text: '100 time 1602836839.6445205 loss 0.5471092355251312 ', expected: [{ kind: 'iter', iter: 100, time: 1602836839.6445205, loss: 0.5471092355251312 }] },
    {
      text: '[rank:0] iter: 200/1200, loss: 0.0780148208141327, latency(ms): 2.2327776625752449 | 2021-12-01 13:19:02.848',
      expected: [{ kind: 'iter', iter: 200, loss: 0.0780148208141327, latencyS: 0.0022327776625752449, rank: 0 }],
    },
  ],
};
