import { parseAbslUs } from './timestamps.ts';
import type { LogFormat, ParsedRecord } from './types.ts';

/**
 * F9 — TensorFlow 2 official models (Keras `TimeHistory` callback), absl-prefixed:
 * `I0826 21:43:05.661866 140540494919424 keras_utils.py:133] TimeHistory: 42.65 seconds, 9602.84 examples/second between steps 100 and 200`
 * DLPerf (TensorFlow/resnet50v1.5/extract_tensorflow_logs_time.py, warmup 100, train 600):
 * counted TimeHistory line 1 (end of step 100) → line 6 (end of step 600), 500 iterations,
 * total batch from the `NnMg` directory, rounded to 2 decimals: the archive's result JSON. DLPerf's
 * README table is extract_tensorflow_logs.py, the mean of the printed examples/second of the same
 * lines (2..6): the default method (`--method timestamps` gives the JSON).
 */
const TH = /TimeHistory: ([\d.]+) seconds, ([\d.]+) examples\/second between steps (\d+) and (\d+)/;

export const tf2TimeHistory: LogFormat = {
  id: 'tf2-timehistory',
  title: 'TensorFlow 2 official models (TimeHistory)',
  framework: 'tensorflow',
  detect: (p) => p.includes('TimeHistory: ') && TH.test(p),
  // Published table = the mean of the printed examples/second (extract_tensorflow_logs.py, lines [1:6]);
  // the archive's result JSON = the time script (`--method timestamps`).
  window: { unit: 'line', start: 1, end: 6, roundTo: 2, published: 'reported' },
  createParser() {
    let dayOffsetUs = 0;
    let lastUs = -Infinity;
    // absl prints month/day without a year; keep time monotonic across a new year.
    const clock = (p: string): number | undefined => {
      const us = parseAbslUs(p);
      if (us === undefined) return undefined;
      if (us + dayOffsetUs < lastUs - 86_400e6) dayOffsetUs += 366 * 86_400e6;
      lastUs = us + dayOffsetUs;
      return lastUs;
    };
    return {
      parse(p): ParsedRecord | ParsedRecord[] | undefined {
        const c = p.charCodeAt(0);
        // I, W, E, F followed by a digit: an absl line.
        const absl = (c === 73 || c === 87 || c === 69 || c === 70) && p.charCodeAt(1) >= 48 && p.charCodeAt(1) <= 57;
        if (p.includes('TimeHistory: ')) {
          const m = TH.exec(p);
          if (!m) return undefined;
          const rec: ParsedRecord = { kind: 'iter', iter: Number(m[4]), throughput: Number(m[2]), interval: Number(m[4]) - Number(m[3]) };
          const us = absl ? clock(p) : undefined;
          if (us !== undefined) {
            rec.timeUs = us;
            rec.time = us / 1e6;
          }
          rec.latencyS = Number(m[1]) / rec.interval!;
          return rec;
        }
        if (absl) {
          const us = clock(p);
          if (us !== undefined) {
            const w = /num_workers = (\d+)/.exec(p);
            if (w && p.includes('MultiWorkerMirroredStrategy')) return [{ kind: 'meta', fields: { num_nodes: Number(w[1]) } }, { kind: 'clock', time: us / 1e6 }];
            return { kind: 'clock', time: us / 1e6 };
          }
        }
        return undefined;
      },
    };
  },
  samples: [
    {
      text: 'I0826 21:43:05.661866 140540494919424 keras_utils.py:133] TimeHistory: 42.65 seconds, 9602.84 examples/second between steps 100 and 200',
      expected: [{ kind: 'iter', iter: 200, throughput: 9602.84, interval: 100, timeUs: 967326185661866, time: 967326185.661866, latencyS: 0.4265 }],
    },
  ],
};
