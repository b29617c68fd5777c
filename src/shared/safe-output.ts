/**
 * Output files (`--record`, `-o`, `launch --archive`, the summary beside an archive) written
 * safely:
 *
 * - `checkOutputPath` runs before any work: the path is resolved, and refused when it is empty, a
 *   directory or something else that is not a regular file, in a missing or unwritable directory
 *   (proved by creating and removing a probe file there, so `/proc`, read-only mounts and EACCES are
 *   caught, not guessed from mode bits), or the same file as an input.
 * - `openAtomic` writes through a temporary file created in the target's directory with
 *   O_CREAT|O_EXCL|O_NOFOLLOW and a random name: a file or symlink planted at any name is never
 *   opened or followed (the create fails and another name is drawn). `commit` renames it into
 *   place (a symlink at the target itself is replaced, not written through); `abort` removes it.
 *   Every failure path removes it.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, createWriteStream, lstatSync, openSync, statSync, unlinkSync, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';

export class OutputPathError extends Error {
  override name = 'OutputPathError';
}

const reason = (e: unknown): string => {
  const code = (e as NodeJS.ErrnoException)?.code;
  const words: Record<string, string> = { EACCES: 'permission denied', EPERM: 'not permitted', EROFS: 'read-only file system', ENOENT: 'no such directory', ENOTDIR: 'a path component is not a directory', ENOSPC: 'no space left', EDQUOT: 'disk quota exceeded' };
  return code && words[code] ? `${words[code]} (${code})` : ((e as Error)?.message ?? String(e));
};

/** A temporary name beside `target`: hidden, random, never derived from anything an outsider controls. */
function tempName(target: string): string {
  return resolve(dirname(target), `.${basename(target).slice(0, 64)}.${randomBytes(9).toString('hex')}.tmp`);
}

/** Creates a fresh temporary file beside `target` (exclusive, no symlink followed). */
export function createTempBeside(target: string): { path: string; fd: number } {
  const flags = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0);
  for (let attempt = 0; ; attempt++) {
    const path = tempName(target);
    try {
      return { path, fd: openSync(path, flags, 0o644) };
    } catch (e) {
      // EEXIST: something (perhaps planted) has that name; draw another. Anything else is real.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 16) throw e;
    }
  }
}

export interface CheckOutputOptions {
  /** How the option is named in messages: `--record`, `-o`. */
  flag: string;
  /** Local input paths: the output must not be one of them (same device and inode). */
  inputs?: readonly string[];
  /** Base for a relative path. @default process.cwd() */
  cwd?: string;
}

/** The resolved output path, or an OutputPathError saying why it cannot be written. Takes well under a second. */
export function checkOutputPath(raw: string, opts: CheckOutputOptions): string {
  const { flag } = opts;
  if (raw.trim() === '') throw new OutputPathError(`${flag} '': an empty path names no file`);
  const path = resolve(opts.cwd ?? process.cwd(), raw);
  if (raw.endsWith('/')) throw new OutputPathError(`${flag} '${raw}': names a directory, not a file`);
  let existing: ReturnType<typeof statSync> | undefined;
  try {
    existing = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') throw new OutputPathError(`${flag} '${raw}': ${reason(e)}`);
  }
  if (existing?.isDirectory()) throw new OutputPathError(`${flag} '${raw}': is a directory; give a file name inside it`);
  if (existing && !existing.isFile()) throw new OutputPathError(`${flag} '${raw}': is not a regular file (a device, a pipe or a socket)`);
  const dir = dirname(path);
  let dst;
  try {
    dst = statSync(dir);
  } catch (e) {
    throw new OutputPathError(`${flag} '${raw}': its directory ${dir} does not exist (${reason(e)})`);
  }
  if (!dst.isDirectory()) throw new OutputPathError(`${flag} '${raw}': ${dir} is not a directory`);
  if (existing) {
    for (const input of opts.inputs ?? []) {
      try {
        const st = statSync(resolve(opts.cwd ?? process.cwd(), input));
        if (st.dev === existing.dev && st.ino === existing.ino) throw new OutputPathError(`${flag} '${raw}': is the input ${input}; writing it would destroy what is being read`);
      } catch (e) {
        if (e instanceof OutputPathError) throw e;
      }
    }
  }
  // Prove the directory takes a new file: what mode bits say is not what /proc or a read-only mount do.
  let probe: { path: string; fd: number };
  try {
    probe = createTempBeside(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new OutputPathError(`${flag} '${raw}': cannot create a file in ${dir}: ${code === 'ENOENT' ? 'this file system takes no new files (ENOENT)' : reason(e)}`);
  }
  closeSync(probe.fd);
  try {
    unlinkSync(probe.path);
  } catch {
    /* removed already */
  }
  return path;
}

export interface AtomicOutput {
  /** The stream into the temporary file. */
  readonly stream: WriteStream;
  readonly tempPath: string;
  /** Ends the stream, renames the temporary file onto the target. Removes it if that fails. */
  commit(): Promise<void>;
  /** Destroys the stream and removes the temporary file (idempotent). */
  abort(): Promise<void>;
}

/** Every temporary output not yet committed or aborted: removed by `abortPendingOutputs` on a signal. */
const pending = new Set<AtomicOutput>();

/** Starts writing `target` through an exclusive temporary file beside it. */
export function openAtomic(target: string): AtomicOutput {
  const { path: tempPath, fd } = createTempBeside(target);
  const stream = createWriteStream(tempPath, { fd, flush: true });
  let settled = false;
  const out: AtomicOutput = {
    stream,
    tempPath,
    async commit() {
      if (settled) throw new Error(`${target}: output already committed or aborted`);
      try {
        if (!stream.writableFinished) {
          await new Promise<void>((res, rej) => {
            stream.once('error', rej);
            stream.end(() => res());
          });
        }
        // Still ours (nobody swapped the temp name for a link while we wrote)?
        if (!lstatSync(tempPath).isFile()) throw new Error(`${tempPath} was replaced while it was written`);
        await rename(tempPath, target);
        settled = true;
        pending.delete(out);
      } catch (e) {
        await out.abort();
        throw e;
      }
    },
    async abort() {
      if (settled) return;
      settled = true;
      pending.delete(out);
      stream.destroy();
      await rm(tempPath, { force: true });
    },
  };
  pending.add(out);
  return out;
}

/** Writes `data` to `target` atomically (temp file, rename). */
export async function writeFileAtomic(target: string, data: string | Buffer): Promise<void> {
  const out = openAtomic(target);
  try {
    await new Promise<void>((res, rej) => {
      out.stream.once('error', rej);
      out.stream.write(data, (e) => (e ? rej(e) : res()));
    });
  } catch (e) {
    await out.abort();
    throw e;
  }
  await out.commit();
}

/** Removes every temporary output still open (a signal ends the process before its commit). */
export function abortPendingOutputs(): void {
  for (const o of pending) {
    pending.delete(o);
    o.stream.destroy();
    try {
      unlinkSync(o.tempPath);
    } catch {
      /* gone already */
    }
  }
}
