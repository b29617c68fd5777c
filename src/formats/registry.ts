import { dlloggerMxnet } from './dllogger-mxnet.ts';
import { dlloggerPytorch } from './dllogger-pytorch.ts';
import { dlloggerTfBert, dlloggerTfRn50 } from './dllogger-tf.ts';
import { megatron } from './megatron.ts';
import { mlperf } from './mlperf.ts';
import { oneflowBert } from './oneflow-bert.ts';
import { oneflowCnn } from './oneflow-cnn.ts';
import { oneflowGpt } from './oneflow-gpt.ts';
import { tf2TimeHistory } from './tf2-timehistory.ts';
import { composer } from './composer.ts';
import { deepspeed } from './deepspeed.ts';
import { gluoncv } from './gluoncv.ts';
import { gluonnlp } from './gluonnlp.ts';
import { hugectr } from './hugectr.ts';
import { lightning } from './lightning.ts';
import { mindspore } from './mindspore.ts';
import { mxnetArcface, mxnetPartialFc } from './mxnet-insightface.ts';
import { mxnetNgc } from './mxnet-ngc.ts';
import { oneflowInsightface } from './oneflow-insightface.ts';
import { oneflowWdl } from './oneflow-wdl.ts';
import { paddle18Bert, paddle18Cv } from './paddle18.ts';
import { pytorchExamples } from './pytorch-examples.ts';
import { tf2Bert } from './tf2-bert.ts';
import { hfTrainer } from './hf-trainer.ts';
import { maxtext } from './maxtext.ts';
import { paddleclas } from './paddleclas.ts';
import { paddlenlp, paddlenlpTrainer } from './paddlenlp.ts';
import { torchtitan } from './torchtitan.ts';
import type { LogFormat } from './types.ts';

/** Every supported format, in detection order (more specific first). */
export const formats: readonly LogFormat[] = [
  oneflowCnn,
  oneflowBert,
  oneflowGpt,
  dlloggerMxnet,
  dlloggerPytorch,
  dlloggerTfRn50,
  dlloggerTfBert,
  megatron,
  tf2TimeHistory,
  mlperf,
  // Issue #14: today's training stacks.
  deepspeed,
  torchtitan,
  maxtext,
  paddleclas,
  paddlenlp,
  paddlenlpTrainer,
  hfTrainer,
  composer,
  lightning,
  // The rest of DLPerf (formats.md §6).
  mxnetNgc,
  gluoncv,
  gluonnlp,
  paddle18Cv,
  paddle18Bert,
  tf2Bert,
  pytorchExamples,
  mindspore,
  oneflowInsightface,
  mxnetArcface,
  mxnetPartialFc,
  hugectr,
  oneflowWdl,
];

export function formatById(id: string): LogFormat | undefined {
  return formats.find((f) => f.id === id);
}

/** The first format whose detector accepts this payload (preferring `hint`, the run's format so far). */
export function detectFormat(payload: string, hint?: LogFormat): LogFormat | undefined {
  if (hint && hint.detect(payload)) return hint;
  for (const f of formats) if (f.detect(payload)) return f;
  return undefined;
}
