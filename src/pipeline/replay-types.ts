/** Options, public handle and index records of a replay (see `replay.ts` for how it plays). */
import type { InputProblem } from '../core/types.ts';
import type { LogFormat } from '../formats/types.ts';
import type { RunSetOptions } from '../metrics/run-set.ts';
import type { ReplayControls } from '../session/controls.ts';
import type { SessionStore, StoreOptions } from '../session/store.ts';
import type { ReplayClock, ReplaySpeed, Scheduler } from './replay-clock.ts';
import type { Pacing, TimedLine } from './replay-timeline.ts';

/** Default bytes of log lines held in memory for one run's merged timeline. */
export const DEFAULT_MEMORY_CAP_BYTES = 256 * 1024 * 1024;
/** Estimated memory of one held line beyond its text (object, fields, array slot). */
export const LINE_OVERHEAD_BYTES = 112;
/** `from` values at or above this are absolute log times (seconds). */
export const ABSOLUTE_FROM_S = 1e8;

export interface ReplayOptions extends RunSetOptions, Pick<StoreOptions, 'publishEveryMs' | 'tailLines' | 'baselinePerGpu' | 'quietMs' | 'staleMs' | 'stallFactor'> {
  inputs: string[];
  /** @default 1 */
  speed?: ReplaySpeed;
  /** Seconds into the first played run, or (≥ 1e8) an absolute log time in seconds. */
  from?: number;
  /** Play only runs whose key or file path matches. */
  runPattern?: RegExp;
  onProblem?: (p: InputProblem) => void;
  /** Wall clock (ms). @default Date.now */
  now?: () => number;
  /** Wall-time scheduler. @default setTimeout */
  schedule?: Scheduler;
  stdin?: NodeJS.ReadableStream;
  /** Bytes of lines held in memory (index pass: all runs; play: one run). @default 256 MiB */
  memoryCapBytes?: number;
  /** Lines a file timeline holds while waiting for its next clock. @default 10000 */
  lookaheadLines?: number;
  /** Gap per progress record for logs with neither clock nor step times (ms). @default 1000 */
  nominalGapMs?: number;
  /** Wall ms between steps while playing (≤ 20 steps/s). @default 50 */
  tickMs?: number;
  /** Longest wall wait between steps while lines are far apart (keeps the position moving). @default 250 */
  maxTickMs?: number;
  /** Lines fed per step at max speed before yielding to the event loop. @default 20000 */
  maxLinesPerStep?: number;
  /** Timed mode: call `onCheckpoint` every this many ms of log time (run-relative grid). */
  checkpointMs?: number;
  onCheckpoint?: (position: number) => void | Promise<void>;
  /** A run was completed (its files ended); `index` in the run list. */
  onRunEnd?: (index: number, key: string) => void | Promise<void>;
}

export interface Replay {
  store: SessionStore;
  controls: ReplayControls;
  clock: ReplayClock;
  /** Plays every run once; resolves when the list is finished (or `stop()` was called). */
  run(): Promise<{ runs: number }>;
  stop(): void;
}

export interface IndexedFile {
  /** Run key (pathInfo). */
  key: string;
  input: string;
  path: string;
  node: string;
  /** Enumeration order over all inputs. */
  order: number;
  lines: number;
  bytes: number;
  /** First/last finite log time (ms) before offset. */
  first: number | null;
  last: number | null;
  base: 'clock' | 'synthetic' | null;
  pacing: Pacing;
  anchors: number;
  /** Shift applied to this file's times (aligning synthetic times; concatenating in sequential mode). */
  offset: number;
  /** Time given to lines before the file's first anchor. */
  floor: number;
  /** Timed lines kept from the index pass (times final), or null. */
  held: TimedLine[] | null;
  /** Format the file's own lines proved (null: none). */
  format: string | null;
  /** Format its timeline is built with when its own lines prove none: its run's (see retime()). */
  timedAs: LogFormat | null;
}

export interface IndexedRun {
  key: string;
  /** Sorted by path (numeric collation): the tie order of the merge. */
  files: IndexedFile[];
  start: number;
  end: number;
  pacing: Pacing;
  hasClock: boolean;
  /** Estimated memory of the run's lines. */
  estBytes: number;
  /** Too large to merge in memory: files are played one after another. */
  sequential: boolean;
  /** The merged timeline while it is held. */
  merged: TimedLine[] | null;
  played: boolean;
  reported: boolean;
}

/**
 * A navigation request, taken by the playing loop between steps. `step` moves relative to the run
 * playing when it is taken, so keys pressed before it is taken add up (`nnn`: three runs);
 * `atEnd`: show that run at its end, held (`←` at 0:00 goes to the previous run's final numbers).
 */
export type Request =
  | { kind: 'seek'; target: number }
  | { kind: 'toEnd' }
  | { kind: 'goto'; index: number }
  | { kind: 'step'; delta: number; atEnd?: boolean };

/** Where playing goes next: run `index` (≥ the run count: the list is over), from `startPos`, held at its end. */
export interface NextPlay {
  index: number;
  startPos?: number;
  hold?: boolean;
}

export const byPath = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
export const fileKey = (input: string, path: string) => `${input}\u0000${path}`;

export function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
