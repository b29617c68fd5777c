// The signature of what the bundle in dist/ is built from: every file under src/ (path, size,
// mtime) plus the build's own inputs. bin/dlperf-top.mjs runs dist/ only while its recorded
// signature equals the tree's current one, so an edited, added or removed source file never
// runs from a stale bundle (it runs from the sources instead).
//
// It is computed at every start (`--help` included), so it is kept cheap: one readdir per
// directory, one stat per file, paths joined by hand (path.join/relative cost more than the stat
// calls in a cold process), and no hash: the signature is the listing itself (~16 KB in
// build.json, compared as a string). A SHA-256 of it cost 5–25 ms in node:crypto's first load,
// and a hash in plain JS ~7 ms in a cold process (the interpreter, not the JIT, runs it).
import { readdirSync, statSync } from 'node:fs';

const EXTRA_INPUTS = ['tsconfig.json', 'scripts/build.mjs', 'bin/source-signature.mjs'];

export function sourceSignature(root) {
  const entries = [];
  const walk = (rel) => {
    for (const e of readdirSync(`${root}/${rel}`, { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else entries.push(r);
    }
  };
  walk('src');
  for (const f of EXTRA_INPUTS) entries.push(f);
  entries.sort();
  let listing = '';
  for (const rel of entries) {
    const st = statSync(`${root}/${rel}`, { throwIfNoEntry: false });
    listing += st ? `${rel}\t${st.size}\t${st.mtimeMs}\n` : `${rel}\tmissing\n`;
  }
  return listing;
}
