import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * F13b — MXNet gluon-nlp BERT `scripts/bert/run_pretraining.py` (DLPerf `MxNet/BERT`):
 * `logging.info('[step {}]\tmlm_loss={:.5f}\tmlm_acc={:.5f}\tnsp_loss={:.5f}\tnsp_acc={:.3f}\tthroughput={:.1f}K tks/s\tlr={:.7f} time={:.2f}, latency={:.1f} ms/batch'…)`,
 * printed by every Horovod rank. `throughput=…K tks/s` counts tokens, not samples.
 * DLPerf (MxNet/BERT/extract_mxnet_logs.py): per line 1000 / latency(rounded to 0.1) × batch × nodes × GPUs,
 * reshaped (200, ranks), median per step across ranks, mean over steps [100:200], rounded to 2 decimals.
 */
const LINE = /\[step (\d+)\]\t.*\bthroughput=[\d.]+K tks\/s\b.*\blatency=(\d+.\d+) ms\/batch/;

export const gluonnlp: LogFormat = {
  id: 'gluonnlp',
  title: 'MXNet gluon-nlp BERT (run_pretraining.py)',
  framework: 'mxnet',
  model: 'bert_base',
  unit: 'sequences/s',
  detect: (p) => p.includes('throughput=') && p.includes(' ms/batch') && LINE.test(p),
  window: { unit: 'line', start: 100, end: 200, roundTo: 2, acrossRanks: 'median', preferReported: true },
  createParser() {
    return {
      parse(p): ParsedRecord | undefined {
        const m = LINE.exec(p);
        if (!m) return undefined;
        const rec: ParsedRecord = { kind: 'iter', iter: Number(m[1]), latencyS: Math.round(Number(m[2]) * 10) / 10 / 1000 };
        const loss = /mlm_loss=([\d.]+)/.exec(p);
        if (loss) rec.loss = Number(loss[1]);
        return rec;
      },
    };
  },
  samples: [
    {
      text: 'INFO:root:[step 110]\tmlm_loss=7.91840\tmlm_acc=0.06456\tnsp_loss=0.69369\tnsp_acc=0.498\tthroughput=22.1K tks/s\tlr=0.0000100 time=4.63, latency=463.0 ms/batch',
      expected: [{ kind: 'iter', iter: 110, latencyS: 0.463, loss: 7.9184 }],
    },
  ],
};
