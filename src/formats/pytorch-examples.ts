import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * F11 — PyTorch examples ImageNet `main.py` `ProgressMeter`, verbatim (DLPerf:PyTorch/resnet50v1.5/README.md):
 * `Epoch: [0][ 1/53]\tTime  0.970 ( 6.512)\tData  0.002 ( 0.001)\tLoss 2.6312e+01 (1.6647e+01)\tAcc@1   1.56 (  1.17) Acc@5  10.94 (  6.25)`
 * Every GPU process prints, interleaved, without a rank tag; no timestamp. DLPerf
 * (PyTorch/resnet50v1.5/extract_pytorch_logs_time.py): lines whose batch index is > 5 are counted;
 * the Time of counted lines 21…120 (all ranks mixed, file order) is summed; total batch / (Σ / 100),
 * rounded to 2. The Time value is read with DLPerf's own regex `(\d{1}.\d{1,3}\s)` (first match),
 * so a batch time of 10 s or more is read as DLPerf reads it (its last digit before the point).
 */
const LINE = /Epoch: \[(\d+)\]\[\s*(\d+)\/(\d+)\]/;
const DLPERF_TIME = /(\d{1}.\d{1,3}\s)/;

export const pytorchExamples: LogFormat = {
  id: 'pytorch-examples',
  title: 'PyTorch examples ImageNet (ProgressMeter)',
  framework: 'pytorch',
  detect: (p) => p.includes('Epoch: [') && p.includes('Time ') && LINE.test(p),
  window: { unit: 'line', start: 20, end: 120, skipIterAtMost: 5, roundTo: 2, preferReported: true, everyRank: true },
  createParser() {
    return {
      parse(p): ParsedRecord | undefined {
        const m = LINE.exec(p);
        if (!m) return undefined;
        const t = DLPERF_TIME.exec(p);
        const rec: ParsedRecord = { kind: 'iter', iter: Number(m[2]), epoch: Number(m[1]) };
        if (t) rec.latencyS = Number(t[1]!.trim());
        const loss = /\bLoss ([\d.e+-]+)/.exec(p);
        if (loss) rec.loss = Number(loss[1]);
        return rec;
      },
    };
  },
  samples: [
    {
      text: 'Epoch: [0][ 1/53]\tTime  0.970 ( 6.512)\tData  0.002 ( 0.001)\tLoss 2.6312e+01 (1.6647e+01)\tAcc@1   1.56 (  1.17)\tAcc@5  10.94 (  6.25)',
      expected: [{ kind: 'iter', iter: 1, epoch: 0, latencyS: 0.97, loss: 26.312 }],
    },
  ],
};
