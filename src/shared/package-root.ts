import { readFileSync } from 'node:fs';
import { dirname, join, parse } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory holding dlperf-top's package.json. Found by walking up from this module, so it
 * is the same whether the sources run through tsx (src/shared/) or from the bundle (dist/).
 */
export const PACKAGE_ROOT: string = (() => {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'dlperf-top') return dir;
    } catch {
      // no (readable) package.json here: keep walking up
    }
    if (dir === parse(dir).root) return join(start, '..', '..');
  }
})();
