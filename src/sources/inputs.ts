/**
 * The IO edge: turns command-line arguments into files (`enumerateInputs`) and files into
 * batches of lines (`readLines`, in read-lines.ts). Problems with inputs are reported, never thrown.
 *
 * Arguments: `-` is stdin; a directory is walked recursively (sorted by path, symlinked
 * directories not followed); a gzip file (detected by its magic bytes) is gunzipped, and read as
 * a tar archive when its content is one, else as one file; a tar archive (ustar magic or a valid
 * header checksum) is read member by member; anything else is a plain file. Files found inside a
 * directory get the same treatment, with paths relative to the directory argument (archive
 * members inside a directory: `<archive path>/<member path>`).
 *
 * The pieces: walk-directory.ts (directory arguments), open-path.ts (kind detection of one
 * file), input-streams.ts (plain and gzip byte streams), input-problems.ts (errors into
 * problems), read-lines.ts (lines). This module is the entry point and re-exports their API.
 */

import { problemItem, statOrProblem } from './input-problems.ts';
import { plainFile } from './input-streams.ts';
import { streamInput } from './stream-input.ts';
import { openPath } from './open-path.ts';
import type { InputItem } from './types.ts';
import { walkDirectory } from './walk-directory.ts';

export { describeStreamError, InputReadError } from './input-problems.ts';
export { READ_CHUNK_BYTES } from './input-streams.ts';
export { readLines } from './read-lines.ts';
export type { ReadLinesOptions } from './read-lines.ts';

export interface EnumerateOptions {
  /** Stream read for the argument `-` (default `process.stdin`). */
  stdin?: NodeJS.ReadableStream;
  /**
   * Read regular files with synchronous calls (input-streams.ts fileChunksBlocking): for a reader
   * with nothing else to do meanwhile (summary), never under a screen.
   */
  blocking?: boolean;
}

/**
 * Enumerates the files of the command-line arguments. Archive members must be read (or
 * abandoned) before asking for the next item; plain files can be read later, any number of times.
 * A path an archive holds twice is read once, the first copy, in every mode (summary, replay), and
 * the second is reported as `duplicate_member`.
 */
export async function* enumerateInputs(args: string[], opts: EnumerateOptions = {}): AsyncGenerator<InputItem> {
  const seen = new Set<string>();
  for await (const item of enumerateAll(args, opts)) {
    if (item.type === 'file' && item.file.path !== '-') {
      const key = `${item.file.input}\0${item.file.path}`;
      if (seen.has(key)) {
        yield problemItem({ input: item.file.input, file: item.file.path, kind: 'duplicate_member', message: `${item.file.path}: the archive holds this path more than once; the first copy is read, this one is skipped (summary and replay alike)` });
        continue;
      }
      seen.add(key);
    }
    yield item;
  }
}

async function* enumerateAll(args: string[], opts: EnumerateOptions): AsyncGenerator<InputItem> {
  let stdinUsed = false;
  for (const arg of args) {
    if (arg === '-') {
      if (stdinUsed) {
        yield problemItem({ input: arg, kind: 'skipped', message: 'stdin (-) given more than once; read only once' });
        continue;
      }
      stdinUsed = true;
      // gzip and tar on stdin are detected from their first bytes, like files (stream-input.ts).
      yield* streamInput('-', '-', opts.stdin ?? process.stdin);
      continue;
    }
    const blocking = opts.blocking ?? false;
    const r = await statOrProblem(arg, arg, undefined, blocking);
    if ('problem' in r) {
      yield problemItem(r.problem);
      continue;
    }
    if (r.st.isDirectory()) {
      yield* walkDirectory(arg, blocking);
    } else if (r.st.isFile()) {
      yield* openPath(arg, arg, arg, r.st, false, blocking);
    } else {
      // A pipe or a device (e.g. `<(zcat x.gz)`): stream it as it comes, no detection.
      yield { type: 'file', file: plainFile(arg, arg, arg) };
    }
  }
}
