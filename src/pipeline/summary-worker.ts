/**
 * Summary's worker thread (summary-thread.ts starts it): runs the unchanged `summarize` on the
 * items the main thread enumerates and sends (thread-feed.ts), and sends back what its callbacks
 * saw and, at the end, the result. Built into dist/ as its own entry (scripts/build.mjs).
 */

import { parentPort, workerData } from 'node:worker_threads';
import type { InputProblem } from '../core/types.ts';
import { summarize, type SummaryOptions } from './summarize.ts';
import { FeedReader, type FeedBatch, type FeedReply } from './thread-feed.ts';
import type { WorkerData, WorkerEvent } from './summary-thread.ts';

const port = parentPort!;
const data = workerData as WorkerData;
// Callback events go with the next ack (one message a batch, not one a file: 16,000 members).
let events: WorkerEvent[] = [];
const flushEvents = (): void => {
  if (events.length === 0) return;
  port.postMessage({ t: 'events', events });
  events = [];
};
const reader = new FeedReader((r: FeedReply) => {
  flushEvents();
  port.postMessage(r, r.t === 'ack' && r.buf ? [r.buf] : []);
});
port.on('message', (m: FeedBatch) => reader.receive(m));

const opts: SummaryOptions = {
  ...data.opts,
  items: reader.items(),
  onProblem: (p: InputProblem) => void events.push({ t: 'problem', p }),
  onFile: (path: string) => void events.push({ t: 'file', path }),
  onReread: (runs: number) => {
    events.push({ t: 'reread', runs });
    flushEvents();
  },
};
port.postMessage({ t: 'ready' });
const result = await summarize(data.inputs, opts);
flushEvents();
port.postMessage({ t: 'result', result });
port.close();
