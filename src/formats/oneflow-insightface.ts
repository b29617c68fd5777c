import { parseNameValue } from './common/name-value-header.ts';
import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * F15 — OneFlow InsightFace (`oneflow_face`), `train: iter N, loss …, throughput: X` (shape from DLPerf's
 * regexes; no real line found). DLPerf (OneFlow/Recognition/insightface/extract_oneflow_logs_time.py):
 * lines with iter > 5 are counted; the mean of the printed throughput over counted lines 20…120
 * (both ends included), rounded to 2. Header `name = value` lines give the configuration.
 */
const LINE = /train: iter (\d+), loss\b.*\bthroughput: ([\d.]+)/;

export const oneflowInsightface: LogFormat = {
  id: 'oneflow-insightface',
  title: 'OneFlow InsightFace',
  framework: 'oneflow',
  model: 'insightface',
  detect: (p) => p.startsWith('train: iter ') && LINE.test(p),
  window: { unit: 'line', start: 19, end: 120, skipIterAtMost: 5, roundTo: 2, preferReported: true },
  createParser() {
    return {
      parse(p): ParsedRecord | undefined {
        const m = LINE.exec(p);
        if (m) return { kind: 'iter', iter: Number(m[1]), throughput: Number(m[2]) };
        return parseNameValue(p);
      },
    };
  },
  samples: [{ text: 'train: iter 20, loss: 22.953127, throughput: 1296.356', expected: [{ kind: 'iter', iter: 20, throughput: 1296.356 }] }],
};
