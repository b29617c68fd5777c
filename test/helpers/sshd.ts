/**
 * Real OpenSSH servers for integration tests.
 *
 *   const fx = await createSshFixture();            // temp dir, client key, empty known_hosts
 *   const a = await fx.startSshd();                  // 127.0.0.1:<free port>, host key trusted
 *   const b = await fx.startSshd({ trust: false });  // host key NOT in fx.knownHostsPath
 *   const c = await fx.startSshd({ sftp: false });   // no sftp subsystem (exec still allowed)
 *   …connect as fx.user with fx.clientKeyPath, known_hosts fx.knownHostsPath…
 *   await a.restart();                               // same port, same host key
 *   await a.restart({ newHostKey: true });           // same port, a different host key
 *   a.sessionPids();                                 // per-connection sshd processes (via ps)
 *   a.signalSessions('SIGSTOP');                     // freeze open connections (dead link)
 *   await fx.dispose();                              // stops every sshd, removes the temp dir
 *
 * Each sshd runs `/usr/sbin/sshd -D -e -f <generated config>` as the current user (root in CI:
 * PermitRootLogin yes), with a generated ed25519 host key, AuthorizedKeysFile in the temp dir,
 * StrictModes no, UsePAM no, `Subsystem sftp internal-sftp` (unless `sftp: false`), AllowTcpForwarding
 * yes, MaxSessions 10. `fx.relayCommand()` is a ProxyCommand (`%h %p` left for ssh_config to
 * expand) that relays its stdio to host:port — `nc` when installed, else a small Node script that
 * appends `host port` to `fx.relayLogPath` either way, so a test can see that it ran.
 * If sshd is not installed, `createSshFixture` throws (tests must fail, not skip).
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export const SSHD_PATH = '/usr/sbin/sshd';

export function sshdAvailable(): boolean {
  return existsSync(SSHD_PATH);
}

export interface SshdOptions {
  /** Add this server's host key to the fixture's known_hosts (default true). */
  readonly trust?: boolean;
  /** Port to listen on (default: a free one). */
  readonly port?: number;
  /** sshd LogLevel (default VERBOSE; DEBUG1 logs direct-tcpip forwarding). */
  readonly logLevel?: string;
  /** Extra sshd_config lines. */
  readonly extraConfig?: readonly string[];
  /** Offer the sftp subsystem (default true); false: like a locked-down login node. */
  readonly sftp?: boolean;
  /**
   * HOME for sessions (SetEnv): exec tests run every command through the login shell, and the
   * test user's real rc files (pyenv and the like, whose lock a killed session leaves behind)
   * would make each one wait. Default: the user's own home.
   */
  readonly shellHome?: string;
}

export interface TestSshd {
  readonly name: string;
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly dir: string;
  readonly hostKeyPath: string;
  /** `ssh-ed25519 AAAA…` of the current host key. */
  hostPublicKey(): Promise<string>;
  /** `SHA256:…` of the current host key, from ssh-keygen -l. */
  hostKeyFingerprint(): Promise<string>;
  /** `[127.0.0.1]:port ssh-ed25519 AAAA…` */
  knownHostsLine(): Promise<string>;
  /** pid of the listening sshd, undefined when stopped. */
  readonly pid: number | undefined;
  /** sshd's stderr (its log) since it was first started. */
  log(): string;
  /** Live (non-zombie) descendants of the listener: the per-connection sshd processes. */
  sessionPids(): number[];
  /**
   * Send a signal to the per-connection processes only (the listener keeps accepting):
   * SIGSTOP freezes open connections like a dead network link, SIGKILL drops them.
   */
  signalSessions(signal: NodeJS.Signals): number[];
  /** Stop the listener and kill its sessions (connections drop, like a crash). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stop then start on the same port; `newHostKey` generates a different host key first. */
  restart(opts?: { newHostKey?: boolean }): Promise<void>;
}

export interface SshFixture {
  readonly dir: string;
  /** Local user the servers run as and accept. */
  readonly user: string;
  readonly clientKeyPath: string;
  readonly clientPublicKey: string;
  /** known_hosts holding the keys of servers started with trust (default). */
  readonly knownHostsPath: string;
  startSshd(opts?: SshdOptions): Promise<TestSshd>;
  /** A ProxyCommand line value relaying stdio to `%h:%p`. */
  relayCommand(): string;
  /** Where the relay records each `host port` it connected to. */
  readonly relayLogPath: string;
  /** Stop every server and remove the temp dir. */
  dispose(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function keygen(path: string): Promise<void> {
  await rm(path, { force: true });
  await rm(`${path}.pub`, { force: true });
  await execFileP('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', path]);
}

/** pid → { ppid, stat, args } from ps. */
function processTable(): Array<{ pid: number; ppid: number; stat: string; args: string }> {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,stat=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s*(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), stat: m[3]!, args: m[4]! }));
}

function descendants(root: number): Array<{ pid: number; stat: string; args: string }> {
  const table = processTable();
  const out: Array<{ pid: number; stat: string; args: string }> = [];
  const queue = [root];
  while (queue.length > 0) {
    const p = queue.shift()!;
    for (const row of table) {
      if (row.ppid === p) {
        out.push(row);
        queue.push(row.pid);
      }
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return stat !== '' && !stat.startsWith('Z');
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

class Sshd implements TestSshd {
  readonly host = '127.0.0.1' as const;
  readonly hostKeyPath: string;
  private proc: ChildProcess | null = null;
  private stderr = '';
  private readonly configPath: string;

  constructor(
    readonly name: string,
    readonly dir: string,
    readonly port: number,
    private readonly fx: { authorizedKeysPath: string },
    private readonly opts: SshdOptions,
  ) {
    this.hostKeyPath = join(dir, 'ssh_host_ed25519_key');
    this.configPath = join(dir, 'sshd_config');
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  log(): string {
    return this.stderr;
  }

  async init(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    await keygen(this.hostKeyPath);
    const root = process.getuid?.() === 0;
    const lines = [
      `Port ${this.port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${this.hostKeyPath}`,
      `PidFile ${join(this.dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${this.fx.authorizedKeysPath}`,
      'StrictModes no',
      'UsePAM no',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      `PermitRootLogin ${root ? 'yes' : 'no'}`,
      'AllowTcpForwarding yes',
      'MaxSessions 10',
      'UseDNS no',
      'PrintMotd no',
      'PrintLastLog no',
      'X11Forwarding no',
      ...(this.opts.sftp === false ? [] : ['Subsystem sftp internal-sftp']),
      ...(this.opts.shellHome !== undefined ? [`SetEnv HOME=${this.opts.shellHome}`] : []),
      `LogLevel ${this.opts.logLevel ?? 'VERBOSE'}`,
      ...(this.opts.extraConfig ?? []),
    ];
    await writeFile(this.configPath, lines.join('\n') + '\n');
  }

  async hostPublicKey(): Promise<string> {
    const text = await readFile(`${this.hostKeyPath}.pub`, 'utf8');
    return text.trim().split(/\s+/).slice(0, 2).join(' ');
  }

  async hostKeyFingerprint(): Promise<string> {
    const { stdout } = await execFileP('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${this.hostKeyPath}.pub`]);
    const fp = stdout.split(/\s+/)[1];
    if (!fp) throw new Error(`cannot read fingerprint: ${stdout}`);
    return fp;
  }

  async knownHostsLine(): Promise<string> {
    return `[${this.host}]:${this.port} ${await this.hostPublicKey()}`;
  }

  sessionPids(): number[] {
    const pid = this.proc?.pid;
    if (pid === undefined) return [];
    return descendants(pid)
      .filter((p) => !p.stat.startsWith('Z'))
      .map((p) => p.pid);
  }

  signalSessions(signal: NodeJS.Signals): number[] {
    const pids = this.sessionPids();
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // gone meanwhile
      }
    }
    return pids;
  }

  async start(): Promise<void> {
    if (this.proc) return;
    if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const proc = spawn(SSHD_PATH, ['-D', '-e', '-f', this.configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    const marker = `Server listening on 127.0.0.1 port ${this.port}.`;
    let seenFrom = this.stderr.length;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`sshd ${this.name} did not start in 10 s:\n${this.stderr.slice(seenFrom)}`)), 10_000);
      const onData = (chunk: Buffer): void => {
        this.stderr += chunk.toString('utf8');
        if (this.stderr.indexOf(marker, seenFrom) >= 0) done();
      };
      const onExit = (code: number | null): void => {
        done(new Error(`sshd ${this.name} exited (${code}) while starting:\n${this.stderr.slice(seenFrom)}`));
      };
      const done = (err?: Error): void => {
        clearTimeout(timer);
        proc.removeListener('exit', onExit);
        if (err) {
          this.proc = null;
          proc.kill('SIGKILL');
          reject(err);
        } else {
          seenFrom = this.stderr.length;
          resolve();
        }
      };
      proc.stderr!.on('data', onData);
      proc.once('exit', onExit);
    });
    proc.once('exit', () => {
      if (this.proc === proc) this.proc = null;
    });
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.pid === undefined) return;
    const sessions = descendants(proc.pid).map((p) => p.pid);
    const exited = new Promise<void>((r) => {
      if (proc.exitCode !== null || proc.signalCode !== null) r();
      else proc.once('exit', () => r());
    });
    proc.kill('SIGKILL');
    for (const pid of sessions) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await exited;
    this.proc = null;
    await waitFor(() => sessions.every((p) => !alive(p)), 5000, `sessions of sshd ${this.name} to exit`);
  }

  async restart(opts: { newHostKey?: boolean } = {}): Promise<void> {
    await this.stop();
    if (opts.newHostKey) await keygen(this.hostKeyPath);
    await this.start();
  }
}

/** stdio ⇄ TCP, for ProxyCommand tests on machines without nc. */
const RELAY_SCRIPT = `import { appendFileSync } from 'node:fs';
import { connect } from 'node:net';
const [host, port, log] = process.argv.slice(2);
if (log) appendFileSync(log, host + ' ' + port + '\\n');
const s = connect(Number(port), host);
process.stdin.pipe(s);
s.pipe(process.stdout);
s.on('error', (e) => { process.stderr.write('relay: ' + e.message + '\\n'); process.exit(1); });
s.on('close', () => process.exit(0));
`;

function commandExists(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Create a fixture (temp dir + client key). Throws when sshd is not installed. */
export async function createSshFixture(): Promise<SshFixture> {
  if (!sshdAvailable()) {
    throw new Error(`${SSHD_PATH} not found: install openssh-server (apt-get install -y openssh-server) to run the SSH tests`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'dlperf-sshd-'));
  const clientKeyPath = join(dir, 'id_ed25519');
  await keygen(clientKeyPath);
  const clientPublicKey = (await readFile(`${clientKeyPath}.pub`, 'utf8')).trim();
  const authorizedKeysPath = join(dir, 'authorized_keys');
  await writeFile(authorizedKeysPath, clientPublicKey + '\n', { mode: 0o600 });
  const knownHostsPath = join(dir, 'known_hosts');
  await writeFile(knownHostsPath, '', { mode: 0o600 });
  const servers: Sshd[] = [];
  let n = 0;
  const relayPath = join(dir, 'relay.mjs');
  const relayLogPath = join(dir, 'relay.log');
  await writeFile(relayPath, RELAY_SCRIPT);
  return {
    dir,
    user: userInfo().username,
    clientKeyPath,
    clientPublicKey,
    knownHostsPath,
    async startSshd(opts: SshdOptions = {}) {
      const name = `sshd${n++}`;
      const port = opts.port ?? (await freePort());
      const s = new Sshd(name, join(dir, name), port, { authorizedKeysPath }, opts);
      await s.init();
      servers.push(s);
      await s.start();
      if (opts.trust !== false) await appendFile(knownHostsPath, (await s.knownHostsLine()) + '\n');
      return s;
    },
    relayLogPath,
    relayCommand() {
      const q = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;
      if (commandExists('nc')) return `sh -c ${q(`echo "$1 $2" >> ${q(relayLogPath)}; exec nc "$1" "$2"`)} sh %h %p`;
      return `${q(process.execPath)} ${q(relayPath)} %h %p ${q(relayLogPath)}`;
    },
    async dispose() {
      await Promise.all(servers.map((s) => s.stop().catch(() => {})));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
