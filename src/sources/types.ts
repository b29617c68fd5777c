import type { InputProblem, LineEvent } from '../core/types.ts';

/**
 * One file found in an input argument: a plain file, a file inside a directory, a member of a
 * tar/tgz archive, or stdin. `chunks()` streams its bytes; for archive members it must be
 * consumed (or abandoned with `return()`) before the enumeration moves on to the next member.
 */
export interface InputFile {
  /** The command-line argument this file came from. */
  readonly input: string;
  /** Display path: member path inside an archive, path relative to a directory argument, the file path itself, or `-`. */
  readonly path: string;
  /** Size in bytes when known up front. */
  readonly size?: number;
  /** Modification time (ms) when known (tar header mtime, file mtime). */
  readonly mtimeMs?: number;
  chunks(): AsyncIterable<Buffer>;
}

/** What enumerating inputs yields: files to read, and problems (reported, never thrown). */
export type InputItem = { type: 'file'; file: InputFile } | { type: 'problem'; problem: InputProblem };

/**
 * Liveness of a streamed source (live mode), the vocabulary of spec/ndjson.md: `waiting` is a
 * source that is reachable but has nothing to read yet (no such file, a glob that matched
 * nothing, a file without a complete line).
 */
export type NodeState = 'connecting' | 'waiting' | 'streaming' | 'quiet' | 'stale' | 'reconnecting' | 'ended' | 'error';

export interface SourceStatus {
  readonly type: 'status';
  readonly node: string;
  readonly file: string;
  readonly state: NodeState;
  readonly message?: string;
  readonly time: number;
}

/** What a live source emits: lines, and changes of its state. */
export type SourceEvent = ({ type: 'line' } & LineEvent) | SourceStatus | { type: 'problem'; problem: InputProblem; time: number };

/**
 * A live source (local tail, SSH tail): started once, emits events through `emit` in batches
 * (one call may carry many lines), until `stop()` resolves. It never throws for a problem with a
 * file or a host: it reports it as a status or problem event and keeps going (retrying where that
 * makes sense). `now()` is the injected wall clock used to stamp `time` on every event.
 */
export interface LiveSourceOptions {
  emit: (events: SourceEvent[]) => void;
  now: () => number;
}

export interface LiveSource {
  /** Resolves once every watched file has been opened or has reported why not. */
  start(): Promise<void>;
  /** Stops reading, closes connections and watchers, leaves no remote process behind. */
  stop(): Promise<void>;
  /** Read now what is known to be waiting (headless live, right before a snapshot); optional. */
  drain?(): void;
}
