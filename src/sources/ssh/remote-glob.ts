/**
 * Remote globs (`/logs/*.log`, `/runs/job-*\/rank?.log`, `rank[0-7].log`) expanded by
 * readdir, one directory level per wildcard segment. Shell-like: `*`, `?`, `[abc]`, `[a-z]`,
 * `[!x]`/`[^x]`, `\` escapes; a wildcard never matches a leading `.`. Directories are listed
 * through the node's RemoteFs (SFTP readdir, or a listing command whose output is only names);
 * the pattern is matched here, never by a shell.
 */
import type { RemoteFs } from './remote-fs.ts';
import { S_IFDIR, S_IFLNK, S_IFREG, SFTP_NO_SUCH_FILE, sftpCode } from './sftp-ops.ts';
import { starMatch } from './star-match.ts';

type Token = { t: 'star' } | { t: 'any' } | { t: 'lit'; c: string } | { t: 'class'; neg: boolean; items: Array<[string, string]> };

/** True when the path has an unescaped wildcard (`*`, `?`, `[`). */
export function hasGlob(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}

function tokenize(pattern: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      out.push({ t: 'lit', c: pattern[++i]! });
    } else if (c === '*') {
      if (out[out.length - 1]?.t !== 'star') out.push({ t: 'star' });
    } else if (c === '?') {
      out.push({ t: 'any' });
    } else if (c === '[') {
      // Find the closing bracket (a `]` right after `[` or `[!` is literal).
      let j = i + 1;
      let neg = false;
      if (pattern[j] === '!' || pattern[j] === '^') {
        neg = true;
        j++;
      }
      const bodyStart = j;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j++;
      if (j >= pattern.length) {
        out.push({ t: 'lit', c: '[' });
        continue;
      }
      const body = [...pattern.slice(bodyStart, j)];
      const items: Array<[string, string]> = [];
      for (let k = 0; k < body.length; k++) {
        const a = body[k]!;
        if (body[k + 1] === '-' && k + 2 < body.length) {
          items.push([a, body[k + 2]!]);
          k += 2;
        } else {
          items.push([a, a]);
        }
      }
      out.push({ t: 'class', neg, items });
      i = j;
    } else {
      out.push({ t: 'lit', c });
    }
  }
  return out;
}

function tokenMatches(tok: Token, ch: string): boolean {
  switch (tok.t) {
    case 'any':
      return true;
    case 'lit':
      return tok.c === ch;
    case 'class': {
      const hit = tok.items.some(([lo, hi]) => ch >= lo && ch <= hi);
      return tok.neg ? !hit : hit;
    }
    case 'star':
      return false;
  }
}

/** Match one path segment (a file name) against one glob segment. */
export function globMatch(name: string, pattern: string): boolean {
  const toks = tokenize(pattern);
  const chars = [...name];
  if (chars[0] === '.' && toks[0]?.t !== 'lit') return false;
  return starMatch(
    chars.length,
    toks.length,
    (pi, ti) => tokenMatches(toks[pi]!, chars[ti]!),
    (pi) => toks[pi]!.t === 'star',
  );
}

/** Remove `\` escapes from a literal segment. */
function unescape(seg: string): string {
  return seg.replace(/\\(.)/g, '$1');
}

const collator = new Intl.Collator('en', { numeric: true });

export interface GlobResult {
  readonly paths: string[];
  /** True when more than `limit` files matched (the rest were left out). */
  readonly truncated: boolean;
}

/**
 * Expand a remote path with wildcards into existing files (regular files or symlinks), sorted
 * naturally (`rank2` before `rank10`). Unreadable or missing directories contribute nothing.
 */
export async function expandRemoteGlob(fs: RemoteFs, pattern: string, limit = 1000): Promise<GlobResult> {
  const absolute = pattern.startsWith('/');
  const segs = pattern.split('/').filter((s) => s !== '' && s !== '.');
  let current: string[] = [absolute ? '/' : ''];
  let truncated = false;
  const firstWild = segs.findIndex(hasGlob);
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    const last = i === segs.length - 1;
    const join = (dir: string, name: string): string => (dir === '' ? name : dir.endsWith('/') ? dir + name : `${dir}/${name}`);
    const wild = hasGlob(seg);
    // A literal name before any wildcard is joined as it is; after one (`/data/*/train.log`) it is
    // looked for in each directory matched so far: joined blindly, every directory without the
    // file was a "no such file" problem of its own (a directory that cannot be listed keeps it).
    if (!wild && i <= firstWild) {
      current = current.map((d) => join(d, unescape(seg)));
      continue;
    }
    const name = unescape(seg);
    const next: string[] = [];
    for (const dir of current) {
      let list;
      try {
        list = await fs.readdir(dir === '' ? '.' : dir);
      } catch (err) {
        if (!wild && sftpCode(err) !== SFTP_NO_SUCH_FILE) next.push(join(dir, name));
        continue;
      }
      const names = list
        .filter((e) => {
          if (e.name === '.' || e.name === '..' || e.name.includes('/')) return false;
          const type = e.type;
          if (last ? type !== S_IFREG && type !== S_IFLNK : type !== S_IFDIR && type !== S_IFLNK) return false;
          return wild ? globMatch(e.name, seg) : e.name === name;
        })
        .map((e) => e.name)
        .sort(collator.compare);
      for (const n of names) {
        if (next.length >= limit) {
          truncated = true;
          break;
        }
        next.push(join(dir, n));
      }
    }
    current = next;
    if (current.length === 0) break;
  }
  return { paths: current, truncated };
}
