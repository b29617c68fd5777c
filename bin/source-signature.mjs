// The signature of what the bundle in dist/ is built from: every file under src/ (path, size,
// mtime) plus the build's own inputs. bin/dlperf-top.mjs runs dist/ only while its recorded
// signature equals the tree's current one, so an edited, added or removed source file never
// runs from a stale bundle (it runs from the sources instead).
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const EXTRA_INPUTS = ['tsconfig.json', 'scripts/build.mjs', 'bin/source-signature.mjs'];

export function sourceSignature(root) {
  const entries = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const abs = join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else entries.push(abs);
    }
  };
  walk(join(root, 'src'));
  for (const f of EXTRA_INPUTS) entries.push(join(root, f));
  entries.sort();
  const h = createHash('sha256');
  for (const abs of entries) {
    let st;
    try {
      st = statSync(abs);
    } catch {
      h.update(`${relative(root, abs)}\0missing\n`);
      continue;
    }
    h.update(`${relative(root, abs)}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return h.digest('hex');
}
