import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LineEvent } from '../../../src/core/types.ts';
import { fileTimeline } from '../../../src/pipeline/replay-timeline.ts';

/** Replay paces each format of issue #14 from its own clock, else from its step times. */
const root = join(import.meta.dirname, '..', '..', 'fixtures', 'formats');

function events(rel: string): LineEvent[] {
  const text = readFileSync(join(root, rel), 'utf8').replace(/\n$/, '');
  return text.split('\n').map((t, i) => ({ node: 'node0', file: rel, offset: i, lineNo: i + 1, text: t, time: 0 }));
}

describe('replay pacing of the new formats', () => {
  it.each([
    ['torchtitan/1n8g/llama3_8b.log', 'torchtitan', 'clock', Date.UTC(2025, 5, 16, 22, 32, 0, 846)],
    ['deepspeed/1n8g/ds_gpt2.log', 'deepspeed', 'clock', null],
    ['megatron-core/2n8g/mixtral_pretrain.log', 'megatron', 'clock', null],
    ['paddleclas/4n8g/paddle_gpu32_fp32_bs256.log', 'paddleclas', 'clock', Date.UTC(2022, 5, 2, 16, 19, 13)],
    ['mxnet-ngc/logs/1n2g/r50_b128_fp16_1.log', 'mxnet-ngc', 'clock', null],
    ['paddle18-cv/logs/1n8g/r50_b128_fp32_1.log', 'paddle18-cv', 'clock', null],
    ['hf-trainer/1n8g/train.log', 'hf-trainer', 'clock', null],
    ['nemo1/1n8g/gpt_126m.log', 'lightning', 'clock', null],
    ['paddlenlp/PaddleNLP_bert_base_seqlen128_bs96_fp16_DP_N1C8_log.log', 'paddlenlp', 'step-times', null],
    ['pytorch-examples/logs/1n2g/r50_b128_fp32_1.log', 'pytorch-examples', 'step-times', null],
    ['gluonnlp/logs/1n2g/bert_b32_fp32_1.log', 'gluonnlp', 'step-times', null],
  ] as const)('%s: %s, paced by %s', (rel, format, pacing, last) => {
    const { lines, stats, pacing: got } = fileTimeline(events(rel));
    expect(stats.format).toBe(format);
    expect(got).toBe(pacing);
    // Times never go backwards, and the run spans time.
    for (let i = 1; i < lines.length; i++) expect(lines[i]!.time).toBeGreaterThanOrEqual(lines[i - 1]!.time);
    expect(stats.last! - stats.first!).toBeGreaterThan(1000);
    if (last !== null) expect(stats.last).toBe(last);
  });

  it('MaxText is paced from its absl clock: 30 steps of ~10 s span about 5 minutes', () => {
    const { stats, pacing } = fileTimeline(events('maxtext/2n8g/llama2_7b.log'));
    expect(pacing).toBe('clock');
    expect((stats.last! - stats.first!) / 1000).toBeGreaterThan(280);
    expect((stats.last! - stats.first!) / 1000).toBeLessThan(360);
  });
});
