/**
 * Summary's worker thread (summary-thread.ts starts it): runs the unchanged `summarize` on the
 * items the main thread enumerates and sends (thread-feed.ts), and sends back what its callbacks
 * saw, then the report text in pieces and the verdict — made here, by the same functions as on
 * one thread (cli/summary-outcome.ts), so that the result never has to cross threads. Built
 * into dist/ as its own entry (scripts/build.mjs).
 */

import { parentPort, workerData } from 'node:worker_threads';
import type { InputProblem } from '../core/types.ts';
import { UserError } from '../cli/errors.ts';
import { summaryText, summaryVerdict } from '../cli/summary-outcome.ts';
import { summarize, type SummaryOptions } from './summarize.ts';
import { FeedReader, type FeedBatch, type FeedReply } from './thread-feed.ts';
import { TEXT_IN_FLIGHT, TEXT_PIECE, type TextAck, type WorkerData, type WorkerEvent, type WorkerMessage } from './summary-thread.ts';

const port = parentPort!;
const data = workerData as WorkerData;
const send = (m: WorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
// Callback events go with the next ack (one message a batch, not one a file: 16,000 members).
let events: WorkerEvent[] = [];
const flushEvents = (): void => {
  if (events.length === 0) return;
  send({ t: 'events', events });
  events = [];
};
const reader = new FeedReader((r: FeedReply) => {
  flushEvents();
  send(r, r.t === 'ack' && r.buf ? [r.buf] : []);
});
let textInFlight = 0;
let textWake: (() => void) | null = null;
port.on('message', (m: FeedBatch | TextAck) => {
  if (m.t === 'batch') reader.receive(m);
  else {
    textInFlight--;
    textWake?.();
  }
});

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

async function sendText(s: string): Promise<void> {
  while (textInFlight >= TEXT_IN_FLIGHT) await new Promise<void>((r) => (textWake = r));
  textWake = null;
  textInFlight++;
  send({ t: 'text', s });
}

send({ t: 'ready' });
const result = await summarize(data.inputs, opts);
flushEvents();
let pieces: Iterable<string>;
try {
  pieces = await summaryText(result, data.spec);
} catch (e) {
  if (!(e instanceof UserError)) throw e;
  send({ t: 'failed', message: e.message, exitCode: e.exitCode, ...(e.hint !== undefined ? { hint: e.hint } : {}) });
  pieces = [];
}
// Joined into pieces of about TEXT_PIECE characters (a message per run would be 16,000 messages).
let parts: string[] = [];
let size = 0;
for (const p of pieces) {
  parts.push(p);
  size += p.length;
  if (size >= TEXT_PIECE) {
    await sendText(parts.join(''));
    parts = [];
    size = 0;
  }
}
if (size > 0) await sendText(parts.join(''));
send({ t: 'verdict', v: summaryVerdict(result, data.spec) });
port.close();
