/** What the file tailers of one local source share. */
import type { SourceEvent } from '../types.ts';
import type { FileTailer } from './file-tailer.ts';
import type { OpenFiles, OpenFileUser } from './open-files.ts';
import type { RenameHandoff } from './rename-handoff.ts';

export interface TailContext {
  emit(events: SourceEvent[]): void;
  now(): number;
  readonly stopped: boolean;
  readonly fromStart: boolean;
  readonly maxLineBytes: number;
  /** Waits for a free read buffer (bounds memory and concurrent reads). */
  acquireBuffer(): Promise<Buffer>;
  releaseBuffer(buf: Buffer): void;
  /** Which tailer reads which file, and what is handed over when a file is renamed to another followed name. */
  readonly handoff: RenameHandoff<FileTailer>;
  /**
   * Whether the file just opened may be read synchronously (a local filesystem in fs events
   * mode). Default: never. Needs `syncBuffer`.
   */
  useSyncIo?(abs: string): boolean | Promise<boolean>;
  /** The one read buffer of synchronous reads (never held across an await). */
  syncBuffer?(): Buffer;
  /**
   * Look once more this long after a tick that read bytes (default 50 ms; 0: never): for watchers
   * that drop events following another within a few ms.
   */
  readonly trailingCheckMs?: number;
  /** The budget of open descriptors (an LRU); none: every followed file stays open. */
  readonly openFiles?: OpenFiles<OpenFileUser>;
  /** Close a file after this long without new bytes (default: never); it is reopened on change. */
  readonly idleCloseMs?: number;
  /**
   * A resource limit was hit (EMFILE, ENFILE, ENOMEM) opening `display`: report it as a problem
   * (the tailer also goes to `error` and retries at the next check).
   */
  resourceLimit?(display: string, err: unknown): void;
}
