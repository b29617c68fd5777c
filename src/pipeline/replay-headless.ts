/**
 * `replay --headless`: the NDJSON stream of spec/ndjson.md with `clock: "replay"` (log time).
 * - an `event` line for each flag raised, run phase change and node state change (store.onEvent);
 * - a `snapshot` every `intervalMs` of log time while a run plays (timed mode), one at the end of
 *   each run (both modes; at `--speed max` these are the only periodic ones), and a final one at
 *   exit whose `runs[].throughput` equal `summary --format json` for the same inputs.
 */
import { once } from 'node:events';
import { snapshotLine } from '../report/ndjson.ts';
import { attachNdjson } from '../report/ndjson-presenter.ts';
import { isRecognisedRun } from '../metrics/run-report.ts';
import { createReplay, type ReplayOptions } from './replay.ts';

export interface HeadlessReplayOptions extends ReplayOptions {
  out: NodeJS.WritableStream;
  /** Log-time ms between snapshots in timed mode. @default 1000 */
  intervalMs?: number;
  /** Stops the replay (stdout's reader went away, a signal): resolves with what was played. */
  signal?: AbortSignal;
}

export interface HeadlessReplayResult {
  runs: number;
  /** Runs of the final snapshot that count as recognised (run-report.ts isRecognisedRun): 0 is exit 3, as in summary. */
  recognised: number;
  snapshots: number;
  events: number;
}

export async function replayHeadless(opts: HeadlessReplayOptions): Promise<HeadlessReplayResult> {
  const { out, intervalMs, signal, ...rest } = opts;
  let snapshots = 0;
  let events = 0;
  let store: ReturnType<typeof createReplay>['store'] | null = null;
  const write = async (line: string): Promise<void> => {
    if (!out.write(line)) await once(out as unknown as NodeJS.EventEmitter, 'drain');
  };
  const snapshot = async (): Promise<void> => {
    if (!store) return;
    snapshots++;
    await write(snapshotLine(store.flush()));
  };
  const replay = createReplay({
    ...rest,
    checkpointMs: intervalMs ?? 1000,
    onCheckpoint: async (pos) => {
      await opts.onCheckpoint?.(pos);
      await snapshot();
    },
    onRunEnd: async (index, key) => {
      await opts.onRunEnd?.(index, key);
      await snapshot();
    },
  });
  store = replay.store;
  // Event lines as they happen (the same presenter as `live --headless`).
  const presenter = attachNdjson(replay.store, out, 'replay');
  const off = replay.store.onEvent((e) => {
    if (e.kind !== 'problem') events++;
  });
  const stopNow = () => replay.stop();
  signal?.addEventListener('abort', stopNow);
  if (signal?.aborted) replay.stop();
  try {
    const r = await replay.run();
    await snapshot();
    return { runs: r.runs, recognised: replay.store.getSnapshot().runs.filter(isRecognisedRun).length, snapshots, events };
  } finally {
    signal?.removeEventListener('abort', stopNow);
    off();
    presenter.detach();
    replay.stop();
    replay.store.dispose();
  }
}
