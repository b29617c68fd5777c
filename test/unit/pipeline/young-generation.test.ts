import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');

// Runs in a child: V8 flags are process-wide, and the launcher's flag must be the first thing set.
function newSpaceAfter(steps: string, env: Record<string, string>): number[] {
  const dir = mkdtempSync(join(tmpdir(), 'young-'));
  try {
    const script = join(dir, 'probe.mts');
    writeFileSync(
      script,
      `import v8 from 'node:v8';
if (process.env.HOLD === '1') { v8.setFlagsFromString('--semi-space-growth-factor=1'); process.env.DLPERF_TOP_YOUNG_HELD = '1'; }
const { letYoungGenerationGrow, youngGenerationHeld } = await import(${JSON.stringify(join(root, 'src/pipeline/young-generation.ts'))});
let keep = [];
const churn = () => { for (let i = 0; i < 4e6; i++) { const o = { a: i, b: [i] }; if (i % 50 === 0) keep.push(o); if (keep.length > 1e5) keep = []; } };
const size = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
const out = [];
for (const step of ${JSON.stringify(steps)}.split(',')) {
  if (step === 'grow') letYoungGenerationGrow();
  else { churn(); out.push(size(), youngGenerationHeld() ? 1 : 0); }
}
console.log(JSON.stringify(out));
`,
    );
    const text = execFileSync(process.execPath, ['--import', 'tsx', script], { cwd: root, env: { ...process.env, DLPERF_TOP_YOUNG_HELD: '', ...env }, encoding: 'utf8' });
    return JSON.parse(text.trim().split('\n').pop()!) as number[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("summary's young generation", () => {
  it('stays at its initial size while held, grows once let go (the flag set at run time takes effect)', () => {
    const [heldSize, held, grownSize, stillHeld] = newSpaceAfter('churn,grow,churn', { HOLD: '1' });
    expect(held).toBe(1);
    expect(stillHeld).toBe(0);
    expect(heldSize).toBeLessThanOrEqual(4 << 20);
    expect(grownSize).toBeGreaterThanOrEqual(4 * heldSize!);
  });

  it('not held by the launcher: letting it grow changes nothing, V8 grows it as usual', () => {
    const [size, held] = newSpaceAfter('grow,churn', {});
    expect(held).toBe(0);
    expect(size).toBeGreaterThan(4 << 20);
  });
});
