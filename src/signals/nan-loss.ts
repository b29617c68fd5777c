/**
 * `nan_loss`: the loss (or the gradients) became NaN/Inf (spec/formats.md §5).
 *
 * One finding per run. Its evidence is the first line of the strongest category seen:
 * 1. `loss` (confirmed): a loss-named field whose value is nan/inf — `loss: nan`, `lm loss: nan`,
 *    `total_loss: nan`, `avg loss nan`, `average_loss : nan`, `train.loss : inf`, HF
 *    `{'loss': nan, …}`, `loss = nan`, `loss: tensor(nan…)`; TF `NaN loss during training`;
 *    detectron2 `Loss became infinite or NaN`;
 * 2. `nan-iterations` (confirmed): Megatron `number of nan iterations: N` with N > 0;
 * 3. `grad-norm` (confirmed; Megatron prints no grad norm for skipped fp16-overflow steps): `grad norm: nan` / `grad_norm': inf`;
 * 4. `tensor-warning` (suspected): tensorboardX `NaN or Inf found in input tensor.` (printed when a
 *    NaN scalar is logged).
 * Never on `nan` inside words (`nanosec`, `Financial`), `number of nan iterations:   0`,
 * `final_loss : 8.56 None`, nor on loss-scale / best-so-far fields (`loss_scale: inf`, `best_loss: inf`).
 */
import type { Flag, LineEvent } from '../core/types.ts';
import type { UnwrappedLine } from '../formats/unwrap.ts';
import { flagOf, sightingOf, type Sighting } from './evidence.ts';
import type { LineDetector, LineDetectorFactory } from './types.ts';

const CATEGORIES = {
  loss: { confidence: 'confirmed', text: 'loss is NaN/Inf' },
  'nan-iterations': { confidence: 'confirmed', text: 'Megatron counted NaN iterations' },
  'grad-norm': { confidence: 'confirmed', text: 'gradient norm is NaN/Inf' },
  'tensor-warning': { confidence: 'suspected', text: "'NaN or Inf found in input tensor.'" },
} as const;
type Category = keyof typeof CATEGORIES;
const ORDER = Object.keys(CATEGORIES) as Category[];

const LOSS_VALUE = /loss[\w.]*['"]?\s*[:=]?\s*(?:tensor\(|\[|\()?\s*[-+]?(?:nan|inf(?:inity)?)(?!\w)/gi;
const LOSS_SENTENCE = /NaN loss during training|Loss became infinite or NaN|\bloss is (?:nan|inf)\b/i;
const GRAD_NORM = /grad[ _-]?norm['"]?\s*[:=]?\s*(?:tensor\(|\[)?\s*[-+]?(?:nan|inf)(?!\w)/i;
const NAN_ITERATIONS = /number of nan iterations:\s*(\d+)/;
/** Loss-named fields that are not the loss: scaler state, best-so-far trackers. */
const NOT_A_LOSS = /scal|best|min_|lowest|prev/i;

function lossIsNan(p: string): boolean {
  LOSS_VALUE.lastIndex = 0;
  for (let m = LOSS_VALUE.exec(p); m; m = LOSS_VALUE.exec(p)) {
    let start = m.index;
    while (start > 0 && /[A-Za-z_.]/.test(p[start - 1]!)) start -= 1;
    const name = p.slice(start, m.index) + /^loss[\w.]*/i.exec(m[0])![0];
    if (!NOT_A_LOSS.test(name)) return true;
  }
  return LOSS_SENTENCE.test(p);
}

/** Cheap gate: `nan`/`inf` in any case (also passes `INFO`, `info`; the checks below sort those out). */
const GATE = /[nN][aA][nN]|[iI][nN][fF]/;

interface Seen {
  s: Sighting;
  count: number;
}

const NONE: ReadonlyMap<never, never> = new Map<never, never>();

export class NanLossDetector implements LineDetector {
  /** Made on the first sighting (most runs have none). */
  private seenMap: Map<Category, Seen> | null = null;
  private get seen(): ReadonlyMap<Category, Seen> {
    return this.seenMap ?? NONE;
  }

  onLine(line: UnwrappedLine, ev: LineEvent): Flag[] | undefined {
    const p = line.payload;
    // Whether a payload notes anything depends on its text alone: the same text as the last payload
    // that noted nothing notes nothing (logs repeat NCCL INFO lines, whose `INFO` passes the gate, by the thousand).
    if (p === this.inert || !GATE.test(p)) return undefined;
    const before = this.best();
    let noted = false;
    if ((p.includes('oss') || p.includes('OSS')) && lossIsNan(p)) noted = this.note('loss', p, ev);
    if (p.includes('nan iterations')) {
      const m = NAN_ITERATIONS.exec(p);
      if (m && Number(m[1]) > 0) noted = this.note('nan-iterations', p, ev);
    }
    if ((p.includes('grad') || p.includes('Grad')) && GRAD_NORM.test(p)) noted = this.note('grad-norm', p, ev);
    if (p.includes('NaN or Inf found in input tensor')) noted = this.note('tensor-warning', p, ev);
    if (!noted) this.inert = p;
    const after = this.best();
    return after !== before ? this.evaluate() : undefined;
  }

  /** The last payload that passed the gate and noted nothing. */
  private inert: string | null = null;

  evaluate(): Flag[] {
    const cat = this.best();
    if (!cat) return [];
    const { s } = this.seen.get(cat)!;
    const detail = ORDER.filter((c) => this.seen.has(c))
      .map((c) => {
        const n = this.seen.get(c)!.count;
        return `${CATEGORIES[c].text}${n > 1 ? ` (${n} lines)` : ''}`;
      })
      .join('; ');
    return [flagOf('nan_loss', s, CATEGORIES[cat].confidence, detail)];
  }

  private best(): Category | undefined {
    return ORDER.find((c) => this.seen.has(c));
  }

  /** Counts a sighting; returns true (for onLine's `noted`). */
  private note(cat: Category, p: string, ev: LineEvent): true {
    const cur = this.seen.get(cat);
    if (cur) cur.count += 1;
    else (this.seenMap ??= new Map()).set(cat, { s: sightingOf(p, ev), count: 1 });
    return true;
  }
}

export const nanLoss: LineDetectorFactory = {
  id: 'nan-loss',
  create: () => new NanLossDetector(),
};
