/** Events of an SSH source, collected for tests; `until` waits (event-driven, with a slow fallback tick) for a condition. */
import { readFileSync } from 'node:fs';
import { createSshSource, type SshSourceOptions, type SshTarget } from '../../src/sources/ssh/ssh-tail.ts';
import type { SourceEvent, SourceStatus } from '../../src/sources/types.ts';
import type { SshFixture } from './sshd.ts';

export type LineEv = Extract<SourceEvent, { type: 'line' }>;

export class Collector {
  readonly events: SourceEvent[] = [];
  private waiters = new Set<() => void>();
  readonly emit = (evs: SourceEvent[]): void => {
    this.events.push(...evs);
    for (const w of [...this.waiters]) w();
  };
  lines(file: string): LineEv[] {
    return this.events.filter((e): e is LineEv => e.type === 'line' && e.file === file);
  }
  texts(file: string): string[] {
    return this.lines(file).map((l) => l.text);
  }
  statuses(node: string, file = ''): SourceStatus[] {
    return this.events.filter((e): e is SourceStatus => e.type === 'status' && e.node === node && e.file === file);
  }
  states(node: string): string[] {
    return this.statuses(node).map((s) => s.state);
  }
  until(cond: () => boolean, timeoutMs: number, what: string | (() => string)): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        let ok = false;
        try {
          ok = cond();
        } catch {
          ok = false;
        }
        if (ok) finish();
      };
      const tick = setInterval(check, 100);
      const timer = setTimeout(() => {
        finish(new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`));
      }, timeoutMs);
      const finish = (err?: Error): void => {
        clearInterval(tick);
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(err);
        else resolve();
      };
      this.waiters.add(check);
      check();
    });
  }
}

/** The complete lines of a local file (text after the last newline left out). */
export function fileLines(path: string): string[] {
  const parts = readFileSync(path, 'utf8').split('\n');
  parts.pop();
  return parts;
}

/** An SSH source against the test sshd, with the fast timings the SSH tests use. */
export function testSshSource(fx: SshFixture, c: Collector, targets: SshTarget[], extra: Partial<SshSourceOptions> = {}) {
  return createSshSource({
    emit: c.emit,
    now: Date.now,
    targets,
    knownHostsPath: fx.knownHostsPath,
    identityFiles: [fx.clientKeyPath],
    agent: false,
    pollMs: 50,
    rescanMs: 300,
    identityCheckMs: 1000,
    reconnect: { initialMs: 100, maxMs: 400 },
    ...extra,
  });
}
