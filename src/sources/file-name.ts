/**
 * File names that are not UTF-8 (bytes from another locale, or hostile ones): Node's string paths
 * decode them lossily (each bad byte becomes U+FFFD), and the lossy name opens nothing. A directory
 * walk reads names as bytes: the file is opened by its bytes (`FsPath` is a Buffer then), and shown
 * by a name whose bad bytes are written `\xNN` (the rest decoded), one name per distinct file.
 */
import { join } from 'node:path';

export type FsPath = string | Buffer;

const strict = new TextDecoder('utf-8', { fatal: true });

/** Length of the valid UTF-8 character at `i`, or 0 when the byte there starts none. */
function charLength(b: Buffer, i: number): number {
  for (let k = 1; k <= 4 && i + k <= b.length; k++) {
    try {
      strict.decode(b.subarray(i, i + k));
      return k;
    } catch {
      /* incomplete or invalid: try one byte more */
    }
  }
  return 0;
}

/** The name to show and to key runs by: the name itself when it is UTF-8, else with `\xNN` for each bad byte. */
export function fileNameText(name: Buffer): string {
  const s = name.toString('utf8');
  if (!s.includes('\ufffd') || Buffer.from(s, 'utf8').equals(name)) return s;
  let out = '';
  for (let i = 0; i < name.length; ) {
    const n = charLength(name, i);
    if (n > 0) {
      out += name.toString('utf8', i, i + n);
      i += n;
    } else out += `\\x${name[i++]!.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** `dir/name` for a name read as bytes: `path.join`'s string while both are UTF-8, else a Buffer of the exact bytes. */
export function joinName(dir: FsPath, name: Buffer): FsPath {
  if (typeof dir === 'string' && Buffer.from(name.toString('utf8'), 'utf8').equals(name)) return join(dir, name.toString('utf8'));
  const d = typeof dir === 'string' ? Buffer.from(dir, 'utf8') : dir;
  return Buffer.concat([d, d[d.length - 1] === 0x2f ? Buffer.alloc(0) : Buffer.from('/'), name]);
}

/** A path as text for checks on its name (extensions): bytes as latin1, one character each. */
export function pathText(p: FsPath): string {
  return typeof p === 'string' ? p : p.toString('latin1');
}
