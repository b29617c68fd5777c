import { describe, expect, it } from 'vitest';
import { unwrap } from '../../../src/formats/unwrap.ts';
import { evidenceText, EVIDENCE_MAX, foldKey } from '../../../src/signals/evidence.ts';
import { createLineDetectors, evaluateAll, lineDetectors } from '../../../src/signals/registry.ts';
import { ctx, feed } from './feed.ts';

describe('signals registry', () => {
  it('lists one factory per signal with unique ids', () => {
    expect(lineDetectors.map((f) => f.id)).toEqual(['ib-fallback', 'nccl-error', 'oom', 'nan-loss', 'crash', 'straggler']);
  });

  it('creates fresh instances each time', () => {
    const a = createLineDetectors();
    const b = createLineDetectors();
    expect(a).toHaveLength(lineDetectors.length);
    a.forEach((d, i) => expect(d).not.toBe(b[i]));
    feed(a[2]!, ['RuntimeError: CUDA out of memory. Tried to allocate 2.00 MiB']);
    expect(a[2]!.evaluate(ctx(1))).toHaveLength(1);
    expect(b[2]!.evaluate(ctx(1))).toEqual([]);
  });

  it('evaluateAll gathers every kind for one run', () => {
    const ds = createLineDetectors();
    const lines = [
      'user:852750:852802 [0] NCCL INFO Using network Socket',
      'misc/ibvwrap.cc:187 NCCL WARN Call to ibv_modify_qp failed with error Network is unreachable',
      'RuntimeError: CUDA out of memory. Tried to allocate 2.00 MiB',
      'Transformer | epoch 0 | step 26930 |avg loss nan |',
      'Segmentation fault (core dumped)',
    ];
    for (const d of ds) feed(d, lines);
    expect(evaluateAll(ds, ctx(2)).map((f) => f.kind).sort()).toEqual(['crashed', 'ib_fallback', 'nan_loss', 'nccl_error', 'oom']);
  });
});

describe('evidence helpers', () => {
  it('cuts evidence to EVIDENCE_MAX characters with an ellipsis', () => {
    const text = evidenceText('x'.repeat(1000));
    expect(text).toHaveLength(EVIDENCE_MAX);
    expect(text.endsWith('…')).toBe(true);
    expect(evidenceText('short line   ')).toBe('short line');
  });

  it('evidence is the unwrapped payload (no mpirun tag, no escapes)', () => {
    expect(unwrap('Sun May 29 09:24:26 2022[1,0]<stdout>:\u001b[31mSegmentation fault\u001b[0m').payload).toBe('Segmentation fault');
  });

  it('folds digits so per-rank repeats share a key', () => {
    expect(foldKey('GPU 3 pid 1234')).toBe(foldKey('GPU 5 pid 99'));
    expect(foldKey('GPU 3')).not.toBe(foldKey('CPU 3'));
  });
});
