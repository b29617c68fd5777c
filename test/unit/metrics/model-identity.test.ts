/**
 * Issue 15: the BERT demo's file names (bert_base_…) and content (`model = BERT Pretrain`) agree —
 * the log names the family, the name the size — while a genuine mismatch still flags. Real bytes:
 * the demo's own log, saved under other names.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { genericModelFamily, modelsAgree, normaliseModel } from '../../../src/formats/common/name-value-header.ts';
import { summarize } from '../../../src/pipeline/summarize.ts';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '../../..');
const BERT = join(ROOT, 'replays/bert-scaling-demo.tgz');
const tmp = mkdtempSync(join(tmpdir(), 'dlperf-model-id-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const log = spawnSync('tar', ['xzOf', BERT, 'logs/oneflow/1n8g/bert_base_b96_fp32_0.log'], { encoding: 'utf8' }).stdout;

async function asNamed(rel: string) {
  const dir = mkdtempSync(join(tmp, 'case-'));
  const p = join(dir, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, log);
  const s = await summarize([dir]);
  return s.runs[0]!;
}

describe('model names', () => {
  it('a family-only name agrees with any size of its family, and only with it', () => {
    expect(genericModelFamily('BERT Pretrain')).toBe('bert');
    expect(genericModelFamily('bert')).toBe('bert');
    expect(genericModelFamily('bert_large')).toBeNull();
    expect(modelsAgree('BERT Pretrain', 'bert_base')).toBe(true);
    expect(modelsAgree('BERT Pretrain', 'bert_large')).toBe(true);
    expect(modelsAgree('BERT Pretrain', 'resnet50')).toBe(false);
    expect(modelsAgree('bert_large', 'bert_base')).toBe(false);
    expect(normaliseModel('BERT Pretrain')).toBe('bert_base');
  });

  it('the demo log under its own name: bert_base, no name_mismatch', async () => {
    expect(log).toContain('model = BERT Pretrain');
    const r = await asNamed('logs/oneflow/1n8g/bert_base_b96_fp32_0.log');
    expect(r.model).toBe('bert_base');
    expect(r.flags.map((f) => f.kind)).not.toContain('name_mismatch');
  });

  it('named bert_large: the name gives the size, still no mismatch', async () => {
    const r = await asNamed('logs/oneflow/1n8g/bert_large_b96_fp32_0.log');
    expect(r.model).toBe('bert_large');
    expect(r.flags.map((f) => f.kind)).not.toContain('name_mismatch');
  });

  it('named resnet50 or with the wrong GPU count: a genuine mismatch still flags (the log wins)', async () => {
    const r = await asNamed('logs/oneflow/1n8g/resnet50_b96_fp32_0.log');
    expect(r.model).toBe('bert_base');
    expect(r.flags.find((f) => f.kind === 'name_mismatch')?.detail).toBe('model: the file name says resnet50, the log says bert pretrain (the log wins)');
    const g = await asNamed('logs/oneflow/1n4g/bert_base_b96_fp32_0.log');
    expect(g.flags.filter((f) => f.kind === 'name_mismatch').map((f) => f.detail)).toEqual([expect.stringContaining('gpu_num_per_node: the file name says 4, the log says 8')]);
  });
});

describe('the BERT demo archive', () => {
  it('raises no name_mismatch on any of its 20 runs, and groups as bert_base', async () => {
    const s = await summarize([BERT]);
    expect(s.runs).toHaveLength(20);
    expect(s.runs.flatMap((r) => r.flags.map((f) => f.kind))).not.toContain('name_mismatch');
    expect(s.groups.map((g) => g.model)).toEqual(['bert_base', 'bert_base', 'bert_base', 'bert_base']);
  });
});
