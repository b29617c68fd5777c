/**
 * The one state vocabulary of the screen, the NDJSON stream and the help overlay (issue 15):
 * node states exactly as spec/ndjson.md names them, run phases as `RunView.phase`. What each
 * means is in README.md ("States on screen").
 */
import type { RunPhase } from '../session/types.ts';

export const NODE_STATES = ['connecting', 'waiting', 'streaming', 'quiet', 'stale', 'reconnecting', 'ended', 'error'] as const;

export const RUN_PHASES: readonly RunPhase[] = ['warmup', 'measuring', 'done', 'stalled', 'failed'];

/** The help overlay's lines for the vocabulary. */
export function vocabularyHelp(): { title: string; names: readonly string[] }[] {
  return [
    { title: 'node states', names: NODE_STATES },
    { title: 'run phases', names: RUN_PHASES },
  ];
}
