/**
 * Tar header fields: the 512-byte block size, numeric (octal / GNU base-256) and string field
 * parsing, header checksums, tar detection (`looksLikeTar`), pax extended-header records and
 * member path normalisation. Pure functions over Buffers; used by tar-reader.ts.
 */

/** Size of a tar header block, and the unit member data is padded to. */
export const BLOCK = 512;

/** A NUL-terminated (or field-long) string field. */
export function cstring(buf: Buffer, start: number, len: number): string {
  let end = buf.indexOf(0, start);
  if (end === -1 || end > start + len) end = start + len;
  return buf.toString('utf8', start, end);
}

/** Parses an octal (or GNU base-256) numeric field; NaN when malformed. */
export function parseNumeric(buf: Buffer, start: number, len: number): number {
  const first = buf[start]!;
  if (first & 0x80) {
    if (first === 0xff) return NaN; // negative: not meaningful for sizes/times we use
    let v = first & 0x7f;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + buf[i]!;
    return v;
  }
  let i = start;
  const end = start + len;
  while (i < end && (buf[i] === 0x20 || buf[i] === 0)) {
    if (buf[i] === 0) return 0; // empty field
    i++;
  }
  let v = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) return NaN;
    v = v * 8 + (c - 0x30);
    digits++;
  }
  return digits === 0 ? 0 : v;
}

/** Whether a 512-byte block has a valid header checksum (unsigned, or the old signed variant). */
export function checksumOk(block: Buffer): boolean {
  if (block.length < BLOCK) return false;
  const stored = parseNumeric(block, 148, 8);
  if (!Number.isFinite(stored)) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

/** Whether a block is all zero bytes (its length a multiple of 8). */
export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < block.length; i += 8) {
    if (block.readBigUInt64LE(i) !== 0n) return false;
  }
  return true;
}

/** Whether a buffer starts with something that looks like a tar header (ustar magic or a valid checksum). */
export function looksLikeTar(head: Buffer): boolean {
  if (head.length < BLOCK) return false;
  if (head.toString('latin1', 257, 262) === 'ustar') return true;
  return !isZeroBlock(head.subarray(0, BLOCK)) && checksumOk(head);
}

/** Parses pax extended header records (`<len> <key>=<value>\n`). */
export function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    if (sp === -1) break;
    const len = Number(data.toString('latin1', pos, sp));
    if (!Number.isInteger(len) || len <= 0 || pos + len > data.length) break;
    const rec = data.toString('utf8', sp + 1, pos + len - 1); // without the trailing newline
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    pos += len;
  }
  return out;
}

/** Normalises a member path; `unsafe` when absolute or holding a `..` component. */
export function normaliseTarPath(raw: string): { path: string; unsafe: boolean } {
  const unsafeAbs = raw.startsWith('/') || raw.startsWith('\\') || /^[A-Za-z]:/.test(raw);
  const parts = raw.split(/[\\/]/);
  const unsafe = unsafeAbs || parts.includes('..');
  const path = raw
    .split('/')
    .filter((p) => p !== '' && p !== '.')
    .join('/');
  return { path, unsafe };
}

/** Bytes of padding after `size` bytes of member data, up to the next block. */
export const padOf = (size: number): number => (BLOCK - (size % BLOCK)) % BLOCK;
