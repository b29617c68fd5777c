/** Test helpers: craft tar archives byte by byte, and run the system `tar`. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface EntrySpec {
  name: string;
  data?: string | Buffer;
  /** typeflag, default '0' */
  type?: string;
  linkname?: string;
  /** ustar prefix field */
  prefix?: string;
  mtime?: number;
  /** header `size` field override (e.g. for a pax header that declares the real size) */
  sizeField?: number;
  magic?: 'ustar' | 'gnu' | 'v7';
}

function writeString(buf: Buffer, s: string, off: number, len: number): void {
  const b = Buffer.from(s, 'utf8');
  if (b.length > len) throw new Error(`field too long: ${s}`);
  b.copy(buf, off);
}

function writeOctal(buf: Buffer, n: number, off: number, len: number): void {
  writeString(buf, n.toString(8).padStart(len - 1, '0'), off, len - 1);
}

export function tarHeader(e: EntrySpec, size: number): Buffer {
  const h = Buffer.alloc(512);
  writeString(h, e.name, 0, 100);
  writeOctal(h, 0o644, 100, 8);
  writeOctal(h, 0, 108, 8);
  writeOctal(h, 0, 116, 8);
  writeOctal(h, e.sizeField ?? size, 124, 12);
  writeOctal(h, e.mtime ?? 1_700_000_000, 136, 12);
  h.write(e.type ?? '0', 156, 'latin1');
  if (e.linkname) writeString(h, e.linkname, 157, 100);
  const magic = e.magic ?? 'ustar';
  if (magic === 'ustar') {
    h.write('ustar\u000000', 257, 'latin1');
    if (e.prefix) writeString(h, e.prefix, 345, 155);
  } else if (magic === 'gnu') {
    h.write('ustar  \u0000', 257, 'latin1');
  }
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  writeString(h, `${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8);
  return h;
}

const pad = (n: number): Buffer => Buffer.alloc((512 - (n % 512)) % 512);

export function tarEntry(e: EntrySpec): Buffer {
  const data = typeof e.data === 'string' ? Buffer.from(e.data) : (e.data ?? Buffer.alloc(0));
  return Buffer.concat([tarHeader(e, data.length), data, pad(data.length)]);
}

/** A pax record `<len> key=value\n`. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLen = Buffer.byteLength(body);
  let len = bodyLen + 1;
  while (String(len).length + bodyLen !== len) len = String(len).length + bodyLen;
  return `${len}${body}`;
}

export function makeTar(entries: EntrySpec[], opts: { end?: boolean } = {}): Buffer {
  const parts = entries.map(tarEntry);
  if (opts.end !== false) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export function tmpDir(prefix = 'dlperf-src-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function sh(cmd: string, args: string[], cwd?: string): void {
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** An async iterable over `buf` in chunks of the given sizes (cycled). */
export async function* chunked(buf: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  let pos = 0;
  let i = 0;
  while (pos < buf.length) {
    const n = sizes[i++ % sizes.length]!;
    yield buf.subarray(pos, pos + n);
    pos += n;
  }
}
