/**
 * Helpers for the launch integration tests (ssh and slurm backends): the shared workload recipe
 * and script, captured stdout/stderr for launchCommand, reading the run archive with tar, the
 * process table (for "nothing of ours is left"), and waiting for a condition.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

export const RECIPE = resolve('test/fixtures/launch/workload-recipe.yaml');
export const SCRIPT = resolve('test/fixtures/launch/fake-train.sh');

class Capture {
  text = '';
  write = (s: string | Uint8Array): boolean => {
    this.text += typeof s === 'string' ? s : Buffer.from(s).toString('utf8');
    return true;
  };
}

/** stdout and stderr that keep what is written; `io` is what launchCommand takes. */
export function io() {
  const stdout = new Capture();
  const stderr = new Capture();
  return { stdout, stderr, io: { stdout: stdout as unknown as NodeJS.WritableStream, stderr: stderr as unknown as NodeJS.WritableStream, isTTY: false } };
}

/** The archive's member names, sorted. */
export function tarList(archive: string): string[] {
  return execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
}

export function tarRead(archive: string, member: string): string {
  return execFileSync('tar', ['-xzOf', archive, member], { encoding: 'utf8' });
}

/** Every live (not zombie) process: pid, process group, command line. */
export function processes(): Array<{ pid: number; pgid: number; args: string }> {
  return execFileSync('ps', ['-eo', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s*(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && !m[3]!.startsWith('Z'))
    .map((m) => ({ pid: Number(m[1]), pgid: Number(m[2]), args: m[4]! }));
}

/** Poll `cond` every 50 ms; throws "timed out waiting for <what>" after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
