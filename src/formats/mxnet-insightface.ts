import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * F15 — MXNet InsightFace ArcFace (`recognition/ArcFace/train.py`, MXNet `Speedometer` every 20 batches):
 * `INFO:root:Epoch[0] Batch [20]\tSpeed: 84.39 samples/sec\tacc=0.159970` (also `INFO:root:Iter[0] Batch [20]…`;
 * classic Speedometer lines, public READMEs found via find_string). The speed is ONE NODE's.
 * DLPerf (MxNet/InsightFace/ArcFace/extract_mxnet_logs.py): Speed rounded to 0.1, × node count,
 * mean over entries [warmup//20 : train//20] = [1:6], rounded to 2.
 */
const ARC = /INFO:root:(?:Epoch|Iter)\[(\d+)\] Batch \[(\d+)(?:-(\d+))?\]\s+Speed: (\d+\.\d+) samples\/sec/;

export const mxnetArcface: LogFormat = {
  id: 'mxnet-arcface',
  title: 'MXNet InsightFace ArcFace (Speedometer)',
  framework: 'mxnet',
  model: 'insightface',
  detect: (p) => p.includes('INFO:root:') && p.includes(' Batch [') && ARC.test(p),
  window: { unit: 'line', start: 1, end: 6, roundTo: 2, perNode: true, preferReported: true },
  createParser() {
    return {
      parse(p): ParsedRecord | undefined {
        const m = ARC.exec(p);
        if (!m) return undefined;
        return { kind: 'iter', iter: Number(m[3] ?? m[2]), epoch: Number(m[1]), throughput: Math.round(Number(m[4]) * 10) / 10 };
      },
    };
  },
  samples: [{ text: 'INFO:root:Epoch[0] Batch [20]\tSpeed: 84.39 samples/sec\taccuracy=0.159970', expected: [{ kind: 'iter', iter: 20, epoch: 0, throughput: 84.4 }] }],
};

/**
 * F15 — MXNet InsightFace Partial FC: lines with `Rank:` and `Total:` carrying `Total:(\d+\.\d+) it/sec`
 * (shape from DLPerf's regexes; no real line found). DLPerf (MxNet/InsightFace/PartailFC/extract_mxnet_logs.py):
 * the Total figure rounded to 0.1, mean over entries [warmup − 1 :] = [19:], rounded to 2 (a whole-job figure).
 */
const PFC = /Rank:.*Total:\s?(\d+\.\d+) it\/sec/;

export const mxnetPartialFc: LogFormat = {
  id: 'mxnet-partialfc',
  title: 'MXNet InsightFace Partial FC',
  framework: 'mxnet',
  model: 'insightface',
  detect: (p) => p.includes('Rank:') && p.includes('Total:') && PFC.test(p),
  window: { unit: 'line', start: 19, end: null, roundTo: 2, preferReported: true },
  createParser() {
    let n = 0;
    return {
      parse(p): ParsedRecord | undefined {
        const m = PFC.exec(p);
        if (!m) return undefined;
        return { kind: 'iter', iter: ++n, throughput: Math.round(Number(m[1]) * 10) / 10 };
      },
    };
  },
  samples: [{ text: 'Rank: 0 Speed: 320.12 samples/sec Total:10243.84 it/sec', expected: [{ kind: 'iter', iter: 1, throughput: 10243.8 }] }],
};
