/**
 * Kind detection for one regular file (an argument, or a file found in a directory argument):
 * from its first bytes and its name it is read as a gzip'd tar, a gzip'd single file, a tar
 * archive (member by member, through `readTar`) or a plain file; a file whose name promises an
 * archive that its bytes do not hold is reported as `corrupt_archive`.
 */

import { createReadStream } from 'node:fs';
import type { Stats } from 'node:fs';
import type { Readable } from 'node:stream';

import { describeStreamError, errMessage, openErrorMessage, problemItem } from './input-problems.ts';
import { gunzipFile, gunzipHead, gzipFile, isGzip, plainFile, READ_CHUNK_BYTES, readHead } from './input-streams.ts';
import { meterStream } from './read-meter.ts';
import { looksLikeTar, readTar } from './tar-reader.ts';
import type { InputItem } from './types.ts';
import { pathText, type FsPath } from './file-name.ts';

/** How many leading bytes are read to detect the kind of a file. */
const HEAD_BYTES = 4096;

/**
 * Detects the kind of one regular file and yields its file(s) or problems. `inDir`: the file was
 * found in a directory argument (problems name it in `file`; archive members get
 * `<displayPath>/` as a path prefix).
 */
export async function* openPath(input: string, fullPath: FsPath, displayPath: string, st: Stats, inDir: boolean, blocking = false): AsyncGenerator<InputItem> {
  const where = inDir ? { file: displayPath } : {};
  let head: Buffer;
  try {
    head = await readHead(fullPath, HEAD_BYTES, blocking);
  } catch (err) {
    yield problemItem({ input, ...where, kind: 'unreadable', message: `cannot read ${displayPath}: ${openErrorMessage(err)}` });
    return;
  }
  const lower = pathText(fullPath).toLowerCase();
  const gzName = /\.(tgz|gz)$/.test(lower);
  const tarName = lower.endsWith('.tar');
  const memberPrefix = inDir ? `${displayPath}/` : '';

  if (isGzip(head)) {
    const { data: inner, error, incomplete } = gunzipHead(head);
    if (incomplete && st.size <= head.length) {
      yield problemItem({ input, ...where, kind: 'truncated_archive', offset: 0, message: `${displayPath}: gzip data ends inside its header` });
      return;
    }
    if (error !== undefined) {
      yield problemItem({ input, ...where, kind: 'corrupt_archive', offset: 0, message: `${displayPath}: corrupt gzip data (${errMessage(error)})` });
      return;
    }
    const tgzName = /\.(tgz|tar\.gz)$/.test(lower);
    const zeroBlock = inner.length >= 512 && inner.subarray(0, 512).every((b) => b === 0);
    if (looksLikeTar(inner) || (tgzName && (inner.length < 512 || zeroBlock))) {
      const { out, destroy } = gunzipFile(fullPath);
      yield* readArchive(input, memberPrefix, out, destroy);
    } else {
      const path = displayPath.replace(/\.gz$/i, '');
      yield { type: 'file', file: gzipFile(input, fullPath, path || displayPath, st) };
    }
    return;
  }
  if (looksLikeTar(head) || (tarName && head.length >= 512 && head.subarray(0, 512).every((b) => b === 0))) {
    const rs = meterStream(createReadStream(fullPath, { highWaterMark: READ_CHUNK_BYTES }));
    yield* readArchive(input, memberPrefix, rs, () => rs.destroy());
    return;
  }
  if (gzName) {
    yield problemItem({ input, ...where, kind: 'corrupt_archive', offset: 0, message: `${displayPath}: not gzip data` });
    return;
  }
  if (tarName) {
    yield problemItem({
      input,
      ...where,
      kind: 'corrupt_archive',
      offset: 0,
      message: head.length === 0 ? `${displayPath}: empty file, not a tar archive` : `${displayPath}: not a tar archive`,
    });
    return;
  }
  yield { type: 'file', file: plainFile(input, fullPath, displayPath, st, blocking) };
}

export async function* readArchive(input: string, prefix: string, stream: Readable, destroy: () => void): AsyncGenerator<InputItem> {
  try {
    for await (const item of readTar(stream, { input, describeError: describeStreamError })) {
      if (item.type === 'problem') {
        const p = item.problem;
        yield problemItem(p.file !== undefined ? { ...p, file: prefix + p.file } : prefix ? { ...p, file: prefix.slice(0, -1) } : p);
      } else {
        const member = item;
        yield {
          type: 'file',
          file: { input, path: prefix + member.path, size: member.size, mtimeMs: member.mtimeMs, chunks: () => member.chunks() },
        };
      }
    }
  } finally {
    destroy();
  }
}
