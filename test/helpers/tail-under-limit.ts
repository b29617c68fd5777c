/**
 * Runs the local tail over `DIR/*.log` for a moment and prints, as one JSON line, how many lines
 * each file gave and every problem reported. For tests that run it under a low `ulimit -n`
 * (`sh -c 'ulimit -n 64; exec node bin/run-ts.mjs test/helpers/tail-under-limit.ts DIR [MAX_OPEN]'`):
 * MAX_OPEN overrides the open-file budget (to make the process run out on purpose).
 *
 * Usage: tail-under-limit.ts DIR [MAX_OPEN] [MS]
 */
import { createLocalSource } from '../../src/sources/local-tail.ts';
import type { SourceEvent } from '../../src/sources/types.ts';

const [dir, maxOpen, ms] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: tail-under-limit.ts DIR [MAX_OPEN] [MS]\n');
  process.exit(2);
}
const lines = new Map<string, number>();
const problems: string[] = [];
const source = createLocalSource({
  patterns: ['*.log'],
  cwd: dir,
  now: Date.now,
  ...(maxOpen ? { maxOpenFiles: Number(maxOpen) } : {}),
  emit(events: SourceEvent[]) {
    for (const e of events) {
      if (e.type === 'line') lines.set(e.file, (lines.get(e.file) ?? 0) + 1);
      else if (e.type === 'problem') problems.push(`${e.problem.input}: ${e.problem.message}`);
    }
  },
});
await source.start();
await new Promise((r) => setTimeout(r, Number(ms ?? 3000)));
await source.stop();
process.stdout.write(JSON.stringify({ files: lines.size, lines: [...lines.values()].reduce((a, b) => a + b, 0), problems }) + '\n');
