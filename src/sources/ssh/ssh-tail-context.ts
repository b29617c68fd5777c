/**
 * What every part of the SSH live source shares: the target of one node, the settings (with
 * their defaults already applied), the source-wide context a node reports through, and the
 * helper that makes hostile remote text printable.
 */
import type { BackoffPolicy } from './backoff.ts';
import type { SourceEvent } from '../types.ts';

export interface SshTarget {
  /** Node label used on events. */
  readonly node: string;
  /** Host name or ssh_config alias. */
  readonly host: string;
  readonly user?: string;
  readonly port?: number;
  /** Remote paths or globs (absolute, or relative to the login directory; `~/` allowed). */
  readonly paths: readonly string[];
  /** ProxyJump for this node (wins over the source-wide `jump` and ssh_config). */
  readonly jump?: string;
}

/** The source's options after defaults (see SshSourceOptions for each one's meaning). */
export interface TailSettings {
  pollMs: number;
  rescanMs: number;
  identityCheckMs: number;
  quietMs: number;
  staleMs: number;
  authRetryMs: number;
  backoff: BackoffPolicy;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  readyTimeoutMs: number;
  maxReadBytes: number;
  maxLineBytes: number;
  maxFiles: number;
  agent: string | undefined;
  acceptNewFlag: string;
}

/** What a node gets from the source: settings, clock, the event sink, and whether we are stopping. */
export interface TailContext {
  readonly settings: TailSettings;
  readonly now: () => number;
  emit(events: SourceEvent[]): void;
  readonly signal: AbortSignal;
  stopped(): boolean;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/** Hostile names (remote file names, server messages) are made printable before use in messages. */
export function printable(s: string): string {
  return s.replace(CONTROL, '?');
}
