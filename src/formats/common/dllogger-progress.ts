/**
 * What a dllogger progress line of one format looks like however damaged (formats.md F4), for
 * LogFormat.progressLike: the `DLL <timestamp> - ` head, the format's iteration step right after it,
 * and one of the format's throughput/loss keys somewhere after. The parsers read only exact lines,
 * as DLPerf's regexes do; a line that looks like this and still gives no iteration (two ranks'
 * output glued on one line under mpirun, a TAB, a non-ASCII byte) is not counted, and RunSet says
 * so (`unreadable_progress`) instead of letting the window slide by one line in silence.
 *
 * Lenient where damage lands: any whitespace between tokens (a TAB, a no-break space), any
 * characters but spaces, commas and parentheses around a number's digits (a stray byte). Strict
 * where the legitimate non-progress lines differ: the step must follow the head, and the key must be
 * one of the format's own, whole (`train.loss`, not `val.loss`). So the epoch summaries
 * (`Epoch: 0  train.loss …`: no `Iteration:`), BERT's last line (`Training Iteration: 20  final_loss
 * : … None`: no `average_loss`), `Summary:` and PARAMETER lines are never matched.
 */

const HEAD = String.raw`DLL\s+\d\S*\s+\d\S*\s+-\s+`;
/** A number, possibly with a stray byte in it. */
const N = String.raw`[^\s,()]*\d[^\s,()]*`;

/** The iteration steps of the dllogger formats (DllStep's `iteration` and `tuple`). */
export const DLL_STEP = {
  /** `Epoch: 0 Iteration: 12` (PyTorch ResNet50, MXNet). */
  epochIteration: String.raw`Epoch:\s*${N}\s+Iteration:\s*${N}`,
  /** `Training Epoch: 0 Training Iteration: 22` (PyTorch BERT). */
  trainingIteration: String.raw`Training\s+Epoch:\s*${N}\s+Training\s+Iteration:\s*${N}`,
  /** `Iteration: 46` (TensorFlow BERT). */
  iteration: String.raw`Iteration:\s*${N}`,
  /** `(0, 200)` (TensorFlow ResNet50). */
  tuple: String.raw`\(\s*${N}\s*,\s*${N}\s*\)`,
} as const;

/** One step with the keys that make it a progress line. */
export interface DllProgressShape {
  step: string;
  keys: readonly string[];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The predicate for LogFormat.progressLike: true for a line of one of these shapes. */
export function dllProgressLike(...shapes: DllProgressShape[]): (line: string) => boolean {
  const res = shapes.map((s) => new RegExp(`${HEAD}(?:${s.step}).*?(?<![\\w.])(?:${s.keys.map(escape).join('|')})\\s*:`));
  return (line) => line.includes('DLL') && res.some((re) => re.test(line));
}
