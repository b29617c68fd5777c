import { describe, expect, it } from 'vitest';
import { pathInfo } from '../../../src/metrics/path-identity.ts';

describe('pathInfo', () => {
  it('reads DLPerf NGC names', () => {
    const p = pathInfo('j5_amp_ngc/pytorch/4n8g/r50_b256_amp_3.log');
    expect(p.identity).toMatchObject({ num_nodes: 4, gpu_num_per_node: 8, model: 'resnet50', batch_size_per_device: 256, precision: 'amp', repeat: 3, framework: 'pytorch' });
  });
  it('handles multi-digit node and GPU counts that break DLPerf scripts', () => {
    expect(pathInfo('logs/16n8g/r50_b128_fp32_1.log').identity).toMatchObject({ num_nodes: 16, gpu_num_per_node: 8 });
    expect(pathInfo('logs/10n4g/r50_b128_fp32_1.log').identity).toMatchObject({ num_nodes: 10, gpu_num_per_node: 4 });
    expect(pathInfo('logs/1n16g/r50_b128_fp32_1.log').identity).toMatchObject({ num_nodes: 1, gpu_num_per_node: 16 });
  });
  it('normalises fp16 to amp and keeps bert_base names', () => {
    expect(pathInfo('x/1n1g/r50_b256_fp16_4.log').identity.precision).toBe('amp');
    expect(pathInfo('logs/oneflow/1n8g/bert_base_b96_fp32_2.log').identity).toMatchObject({ model: 'bert_base', batch_size_per_device: 96, repeat: 2 });
  });
  it('parses OneFlow GPT layout names', () => {
    expect(pathInfo('perf_test_logs/pretrain_gpt_4n8d_dp8_mp1_pp4_mbz2_gbz512_s2048_l16_h1536_nh16.log').identity).toMatchObject({
      model: 'gpt', num_nodes: 4, gpu_num_per_node: 8, data_parallel_size: 8, tensor_model_parallel_size: 1, pipeline_model_parallel_size: 4,
      micro_batch_size: 2, global_batch_size: 512, seq_length: 2048, num_layers: 16, hidden_size: 1536, num_attention_heads: 16,
    });
  });
  it('groups per-node files into one run', () => {
    const a = pathInfo('2n8g/node0/r50_b256_amp_1.log');
    const b = pathInfo('2n8g/node1/r50_b256_amp_1.log');
    expect(a.runKey).toBe(b.runKey);
    expect([a.node, b.node]).toEqual(['node0', 'node1']);
    const m0 = pathInfo('megatron_lm_perf_2n8g_dp16_mp1_pp1_mbs2_gbs32_l16_hsz1536_ahs16_pretrain_0.log');
    const m1 = pathInfo('megatron_lm_perf_2n8g_dp16_mp1_pp1_mbs2_gbs32_l16_hsz1536_ahs16_pretrain_1.log');
    expect(m0.runKey).toBe(m1.runKey);
    expect(m1.node).toBe('node1');
    expect(pathInfo('logs/GPU_1.log').node).toBe('rank1');
  });
  it('skips reports and result files', () => {
    expect(pathInfo('result/resnet50_result.json').notALog).toMatch(/not a training log/);
    expect(pathInfo('logs/oneflow/1n8g/bert_base_b128_fp32_0.csv').notALog).toBeTruthy();
    expect(pathInfo('logs/oneflow/1n8g/bert_base_b128_fp32_0.log').notALog).toBeNull();
  });
});

describe('pathInfo: rank files inside node directories', () => {
  it('labels them node/rank and keeps one run', () => {
    const a = pathInfo('job/node03/train_rank5.log');
    const b = pathInfo('job/node04/train_rank0.log');
    expect(a.node).toBe('node03/rank5');
    expect(a.runKey).toBe(b.runKey);
  });
});
