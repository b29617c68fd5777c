/**
 * Kind detection for a stream (stdin `-`, a pipe or a device such as `<(cat run.tgz)`): the first
 * bytes are peeked, then the stream is read as a gzip'd tar, a gzip'd single file, a tar archive
 * or plain text — the same choices open-path.ts makes for a regular file, without seeking.
 */
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';

import { problemItem } from './input-problems.ts';
import { isGzip, streamChunks } from './input-streams.ts';
import { readArchive } from './open-path.ts';
import { looksLikeTar } from './tar-reader.ts';
import type { InputItem } from './types.ts';

const PEEK_BYTES = 512;

/** Reads until `min` bytes (or the end); returns them and an iterator over the rest. */
async function peek(source: AsyncIterator<Buffer>, min: number): Promise<{ head: Buffer; ended: boolean }> {
  const parts: Buffer[] = [];
  let n = 0;
  while (n < min) {
    const r = await source.next();
    if (r.done) return { head: Buffer.concat(parts), ended: true };
    parts.push(r.value);
    n += r.value.length;
  }
  return { head: Buffer.concat(parts), ended: false };
}

async function* replay(head: Buffer, rest: AsyncIterator<Buffer>, ended: boolean): AsyncGenerator<Buffer> {
  if (head.length) yield head;
  if (ended) return;
  for (let r = await rest.next(); !r.done; r = await rest.next()) yield r.value;
}

/** The items of one stream argument. `name` is how it is shown (`-` for stdin). */
export async function* streamInput(input: string, name: string, stream: NodeJS.ReadableStream): AsyncGenerator<InputItem> {
  const raw = streamChunks(stream);
  let peeked: { head: Buffer; ended: boolean };
  try {
    peeked = await peek(raw, PEEK_BYTES);
  } catch (err) {
    yield problemItem({ input, kind: 'unreadable', message: `cannot read ${name}: ${(err as Error).message}` });
    return;
  }
  let bytes: AsyncGenerator<Buffer> = replay(peeked.head, raw, peeked.ended);
  let head = peeked.head;
  let gz = false;
  if (isGzip(head)) {
    gz = true;
    const gunzip = zlib.createGunzip();
    const src = Readable.from(bytes);
    src.on('error', (e) => gunzip.destroy(e));
    src.pipe(gunzip);
    const inner = streamChunks(gunzip, () => src.destroy());
    try {
      peeked = await peek(inner, PEEK_BYTES);
    } catch (err) {
      yield problemItem({ input, kind: 'corrupt_archive', offset: 0, message: `${name}: corrupt gzip data (${(err as Error).message})` });
      return;
    }
    head = peeked.head;
    bytes = replay(head, inner, peeked.ended);
  }
  if (looksLikeTar(head)) {
    const rs = Readable.from(bytes);
    yield* readArchive(input, '', rs, () => rs.destroy());
    return;
  }
  let taken = false;
  yield {
    type: 'file',
    file: {
      input,
      path: gz && name !== '-' ? name.replace(/\.gz$/i, '') : name,
      chunks: () => {
        if (taken) throw new Error(`${name} can be read only once`);
        taken = true;
        return bytes;
      },
    },
  };
}
