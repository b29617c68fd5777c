/**
 * The IO side of ssh_config `Include`: one argument (a path or a glob, `~` allowed, relative
 * ones under ~/.ssh as OpenSSH resolves them for a user config) expanded into the files it
 * names, in glob(3) order, each read as text. Wildcards are shell-like per path segment
 * (`*`, `?`, `[…]`, never matching a leading `.`), as in remote-glob.ts. A pattern that matches
 * nothing names no file (OpenSSH is silent there too); a file that matches but cannot be read,
 * or is a directory, comes back with its reason so the parser can note it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { IncludedFile, IncludeReader } from './ssh-config.ts';
import { expandTilde } from './ssh-config-values.ts';
import { globMatch, hasGlob } from './remote-glob.ts';

/** Most files one Include line may bring in (a runaway `Include /*` stays bounded). */
const MAX_FILES = 256;

/** Expand a local glob into existing paths (sorted per directory, like glob(3)). */
export function expandLocalGlob(pattern: string): string[] {
  const absolute = pattern.startsWith('/');
  const segs = pattern.split('/').filter((s) => s !== '' && s !== '.');
  let current: string[] = [absolute ? '/' : '.'];
  for (const seg of segs) {
    if (!hasGlob(seg)) {
      current = current.map((d) => join(d, seg.replace(/\\(.)/g, '$1')));
      continue;
    }
    const next: string[] = [];
    for (const dir of current) {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue; // not a directory, or unreadable: contributes nothing, as in glob(3)
      }
      for (const n of names.filter((n) => globMatch(n, seg)).sort()) {
        if (next.length < MAX_FILES) next.push(join(dir, n));
      }
    }
    current = next;
    if (current.length === 0) break;
  }
  return current;
}

/** The reader `parseSshConfig` follows Includes with. */
export function includeReader(opts: { sshDir: string; home?: string }): IncludeReader {
  return (pattern) => {
    let p = opts.home !== undefined ? expandTilde(pattern, opts.home) : pattern;
    if (!isAbsolute(p)) p = join(opts.sshDir, p);
    const paths = hasGlob(p) ? expandLocalGlob(p) : [p];
    const out: IncludedFile[] = [];
    for (const path of paths) {
      try {
        if (statSync(path).isDirectory()) {
          out.push({ path, error: 'is a directory' });
          continue;
        }
        out.push({ path, text: readFileSync(path, 'utf8') });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') continue; // a named file that does not exist is skipped, as by OpenSSH
        out.push({ path, error: code === 'EACCES' ? 'permission denied' : (err as Error).message });
      }
    }
    return out;
  };
}
