/**
 * The events one node of the SSH live source sends: its state (connecting, streaming, quiet,
 * stale, reconnecting, ended, error), per-file status messages, file problems (each distinct
 * message reported once), and the lines its files yield (with a problem for each cut line).
 */
import type { InputProblem } from '../../core/types.ts';
import type { NodeState, SourceEvent } from '../types.ts';
import type { CutLine } from './line-cutter.ts';
import type { RemoteFile, RemoteFileEvents } from './remote-file.ts';
import type { TailContext } from './ssh-tail-context.ts';

export class NodeReporter implements RemoteFileEvents {
  private current: NodeState | null = null;
  private readonly reported = new Map<string, string>();

  constructor(
    private readonly ctx: TailContext,
    /** Node label used on events. */
    private readonly node: string,
  ) {}

  /** The last state sent, null before the first. */
  get state(): NodeState | null {
    return this.current;
  }

  setState(state: NodeState, message?: string): void {
    if (state === this.current && message === undefined) return;
    this.current = state;
    this.ctx.emit([{ type: 'status', node: this.node, file: '', state, ...(message !== undefined ? { message } : {}), time: this.ctx.now() }]);
  }

  /** A message about one file (state 'streaming': the file is being followed) or, with file '', about the node. */
  fileStatus(label: string, message: string): void {
    const state: NodeState = label === '' ? (this.current ?? 'connecting') : 'streaming';
    this.ctx.emit([{ type: 'status', node: this.node, file: label, state, message, time: this.ctx.now() }]);
  }

  /** A followed file that cannot be opened now (deleted, unreadable): its row says why, not `streaming`, until it opens again. */
  fileDown(label: string, state: 'waiting' | 'error', message: string): void {
    this.ctx.emit([{ type: 'status', node: this.node, file: label, state, message, time: this.ctx.now() }]);
  }

  /** Report a file problem once per distinct message (it is retried silently). */
  problem(file: string, kind: InputProblem['kind'], message: string): void {
    if (this.reported.get(file) === message) return;
    this.reported.set(file, message);
    this.ctx.emit([{ type: 'problem', problem: { input: `${this.node}`, file, kind, message }, time: this.ctx.now() }]);
  }

  /** The file's problem is over: a new one, even with the same message, is reported again. */
  resolved(file: string): void {
    this.reported.delete(file);
  }

  lines(file: RemoteFile, lines: CutLine[]): void {
    const time = this.ctx.now();
    const events: SourceEvent[] = lines.map((l) => ({
      type: 'line',
      node: this.node,
      file: file.label,
      offset: l.offset,
      lineNo: l.lineNo,
      text: l.text,
      time,
    }));
    for (const l of lines) {
      if (l.truncated) {
        events.push({
          type: 'problem',
          problem: {
            input: this.node,
            file: file.label,
            line: l.lineNo,
            offset: l.offset,
            kind: 'line_too_long',
            message: `line ${l.lineNo} is longer than ${this.ctx.settings.maxLineBytes} bytes; cut`,
          },
          time,
        });
      }
    }
    this.ctx.emit(events);
  }

  note(file: RemoteFile, message: string): void {
    this.fileStatus(file.label, message);
  }

  binary(file: RemoteFile, message: string): void {
    this.problem(file.label, 'binary', `${file.label}: ${message}`);
  }
}
