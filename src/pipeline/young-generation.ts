/**
 * Summary's young generation, sized by what it reads. V8 grows the new space (two semi-spaces)
 * from 1 MiB to 16 MiB each as soon as scavenges see objects survive; on many small files
 * (100k tiny logs) that is ≈ 50 MB of RSS held for nothing: the per-file state that survives is
 * promoted either way. On big logs a large new space is what keeps the per-line garbage cheap.
 * So the launcher (bin/dlperf-top.mjs) starts `summary` with `--semi-space-growth-factor=1`
 * (the new space stays at its initial size) and marks that it did; the first file that reaches
 * {@link GROW_AFTER_BYTES} lets the new space grow as V8 would (factor 2). V8 reads the factor at
 * every resize, so setting it at run time takes effect (a max semi-space size set at run time does
 * not). Measured (README, Performance): 100k tiny logs 283–304 → 230–236 MB peak RSS; perfset.tgz, whose
 * first file passes the mark in its first chunk, the same time; many-1000 (300 KiB logs) ran 15 %
 * slower with the new space held throughout, hence a mark well below its files.
 */
import { setFlagsFromString } from 'node:v8';

/** Bytes of one file after which the new space may grow. */
export const GROW_AFTER_BYTES = 128 << 10;

/** Set by the launcher when it started the process with the new space held small. */
export const HELD_SMALL_ENV = 'DLPERF_TOP_YOUNG_HELD';

let held = process.env[HELD_SMALL_ENV] === '1';

/** Whether the new space is still held at its initial size. */
export function youngGenerationHeld(): boolean {
  return held;
}

/** Let the new space grow from now on (once; nothing if the launcher did not hold it small). */
export function letYoungGenerationGrow(): void {
  if (!held) return;
  held = false;
  setFlagsFromString('--semi-space-growth-factor=2');
}

/** A file has read `bytes` so far: past {@link GROW_AFTER_BYTES}, let the new space grow. */
export function growYoungGenerationAfter(bytes: number): void {
  if (held && bytes >= GROW_AFTER_BYTES) letYoungGenerationGrow();
}
