/**
 * Problem reporting for the IO edge (src/sources/inputs.ts): the error type a file's byte stream
 * throws (`InputReadError`), and the sentences and problem kinds that open, stat and stream
 * errors become. Nothing here throws for a bad input: errors are turned into `InputProblem`s.
 */

import { statSync, type Stats } from 'node:fs';
import * as fsp from 'node:fs/promises';

import type { InputProblem } from '../core/types.ts';
import type { InputItem } from './types.ts';

/**
 * An error while streaming a file's bytes, with the problem kind it stands for
 * (`unreadable`, `corrupt_archive`, `truncated_archive`). `readLines` reports it as a problem.
 */
export class InputReadError extends Error {
  readonly kind: InputProblem['kind'];
  override readonly cause: unknown;
  constructor(kind: InputProblem['kind'], message: string, cause?: unknown) {
    super(message);
    this.name = 'InputReadError';
    this.kind = kind;
    this.cause = cause;
  }
}

export const errMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const errCode = (err: unknown): string | undefined =>
  typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
    ? (err as { code: string }).code
    : undefined;

/** Problem kind and sentence for an error from a file or gunzip stream. */
export function describeStreamError(err: unknown): { kind: InputProblem['kind']; message: string } {
  if (err instanceof InputReadError) return { kind: err.kind, message: err.message };
  const code = errCode(err);
  const msg = errMessage(err);
  if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(msg)) {
    return { kind: 'truncated_archive', message: `gzip data ends unexpectedly (${msg})` };
  }
  if (code !== undefined && code.startsWith('Z_')) return { kind: 'corrupt_archive', message: `corrupt gzip data (${msg})` };
  return { kind: 'unreadable', message: `read error: ${msg}` };
}

/** The reason an open, stat, realpath or readdir failed, in words. */
export function openErrorMessage(err: unknown): string {
  switch (errCode(err)) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return errMessage(err);
  }
}

export const problemItem = (problem: InputProblem): InputItem => ({ type: 'problem', problem });

/**
 * The `unreadable` problem "cannot open <name>: <why>" for an argument (`file` absent) or for a
 * file inside a directory argument (`file`: its path relative to the directory).
 */
export function cannotOpen(input: string, err: unknown, file?: string): InputProblem {
  return { input, ...(file !== undefined ? { file } : {}), kind: 'unreadable', message: `cannot open ${file ?? input}: ${openErrorMessage(err)}` };
}

/** `fs.stat` of a path, or (when it fails) the problem `cannotOpen` describes. */
export async function statOrProblem(input: string, fullPath: string | Buffer, file?: string, blocking = false): Promise<{ st: Stats } | { problem: InputProblem }> {
  try {
    return { st: blocking ? statSync(fullPath) : await fsp.stat(fullPath) };
  } catch (err) {
    return { problem: cannotOpen(input, err, file) };
  }
}
