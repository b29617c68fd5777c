/**
 * ssh_config `ProxyCommand`: the user's own command, run as OpenSSH runs it (`sh -c 'exec …'`),
 * whose stdin/stdout become the socket ssh2 speaks over (`sock`). Only the config's text goes
 * into the command — its `%h %p %r %n` tokens were expanded from checked names in
 * ssh-host-resolve.ts — and nothing read from a log or a server ever does. The command's stderr
 * is kept (bounded) for the error message when the connection fails; it is never printed as is.
 * Destroying the stream kills the command.
 */
import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';

const MAX_STDERR = 4096;

/** A running ProxyCommand as a stream; `describe()` says how it ended (exit code, last stderr). */
export interface ProxyStream extends Duplex {
  describe(): string;
  /** Settles when the command has exited. */
  readonly exited: Promise<void>;
}

export function spawnProxyCommand(command: string): ProxyStream {
  const child = spawn('/bin/sh', ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let exit: string | null = null;
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < MAX_STDERR) stderr += d.toString('utf8').slice(0, MAX_STDERR - stderr.length);
  });
  const stream = new Duplex({
    read() {
      child.stdout.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      // A command that exited cannot take more (EPIPE): that is not the reason to show — its exit
      // status is, once its output ends and ssh2 sees the connection close.
      if (!child.stdin.writable) return cb();
      child.stdin.write(chunk, () => cb());
    },
    final(cb) {
      child.stdin.end();
      cb();
    },
    destroy(err, cb) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      cb(err);
    },
  }) as ProxyStream;
  child.stdout.on('data', (d: Buffer) => {
    if (!stream.push(d)) child.stdout.pause();
  });
  child.stdout.on('end', () => stream.push(null));
  // EPIPE when the command is gone: the exit below tells why.
  child.stdin.on('error', () => {});
  child.on('error', (err) => stream.destroy(new Error(`ProxyCommand could not start: ${err.message}`)));
  let exited!: () => void;
  const exitedP = new Promise<void>((r) => (exited = r));
  child.on('exit', (code, signal) => {
    exit = signal ? `was killed by ${signal}` : `exited with status ${code}`;
    // stderr may still be draining: let its last chunk in before the status is read.
    setImmediate(exited);
  });
  child.on('error', () => exited());
  (stream as { exited: Promise<void> }).exited = exitedP;
  stream.describe = () => {
    const last = stderr.trim().split('\n').filter(Boolean).slice(-2).join(' / ');
    return `ProxyCommand ${exit ?? 'is running'}${last ? ` (${last})` : ''}`;
  };
  return stream;
}
