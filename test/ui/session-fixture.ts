import { RunSet } from '../../src/metrics/run-set.ts';
import { SessionStore } from '../../src/session/store.ts';
import type { SourceEvent } from '../../src/sources/types.ts';

/** OneFlow CNN header lines (of_cnn_train_val.py prints its arguments as `name = value`). */
export const HEADER = ['model = resnet50', 'batch_size_per_device = 128', 'gpu_num_per_node = 8', 'num_nodes = 2'];

export const trainLine = (iter: number, rate: number, unix: number) =>
  `train: epoch 0, iter ${iter}, loss: 7.087004, top_1: 0.000000, top_k: 0.000000, samples/s: ${rate.toFixed(3)} ${unix.toFixed(7)}`;

export const SOCKET_LINE = 'node2:1234:1290 [0] NCCL INFO Using network Socket';

export interface Fixture {
  store: SessionStore;
  /** The injected session clock (ms). */
  clock: { now: number };
  /** Feed lines of `node:/logs/oneflow.log`, each stamped `stepMs` after the previous. */
  lines(node: string, texts: readonly string[], stepMs?: number): SourceEvent[];
  feed(node: string, texts: readonly string[], stepMs?: number): void;
}

export const T0 = 1_700_000_000_000;

export function createFixture(opts: { file?: (node: string) => string } = {}): Fixture {
  const clock = { now: T0 };
  const store = new SessionStore({ runSet: new RunSet(), now: () => clock.now, clock: 'wall', runPathOf: (f) => f.replace(/^[^:]+:/, '') });
  const lineNo = new Map<string, number>();
  const fileOf = opts.file ?? ((node: string) => `${node}:/logs/oneflow.log`);
  const lines = (node: string, texts: readonly string[], stepMs = 0): SourceEvent[] => {
    const file = fileOf(node);
    return texts.map((text) => {
      const n = (lineNo.get(file) ?? 0) + 1;
      lineNo.set(file, n);
      clock.now += stepMs;
      return { type: 'line', node, file, offset: 0, lineNo: n, text, time: clock.now };
    });
  };
  return { store, clock, lines, feed: (node, texts, stepMs) => store.ingest(lines(node, texts, stepMs)) };
}

/**
 * A 2-node × 8-GPU OneFlow ResNet-50 run: iterations `firstIter`…`lastIter` every 20, one second apart;
 * node2 runs `slower` (a fraction) behind node1, and prints `Using network Socket` when asked.
 */
export function twoNodeRun(fx: Fixture, o: { socket?: boolean; firstIter?: number; lastIter?: number; slower?: number; nodes?: string[] } = {}): void {
  const nodes = o.nodes ?? ['node1', 'node2'];
  for (const node of nodes) fx.feed(node, HEADER);
  if (o.socket) fx.feed('node2', [SOCKET_LINE]);
  const unix0 = 1597933942;
  // 20 iterations of 2 × 8 × 128 samples at ~4000 samples/s: the log clock agrees with the printed
  // rate (else the run carries method_disagreement, as a real log would).
  const printS = (20 * 2 * 8 * 128) / 4000;
  for (let iter = o.firstIter ?? 20; iter <= (o.lastIter ?? 200); iter += 20) {
    nodes.forEach((node, i) => {
      const rate = 4000 * (1 - (node === 'node2' ? (o.slower ?? 0.15) : 0)) - i * 3 + (iter % 40 === 0 ? 25 : 0);
      fx.feed(node, [trainLine(iter, rate, unix0 + (iter / 20) * printS)], i === 0 ? 1000 : 0);
    });
  }
}
