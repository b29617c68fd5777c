import { describe, expect, it } from 'vitest';
import { dryRunJson, dryRunText } from '../../../src/launch/dry-run.ts';
import { launchCommand } from '../../../src/launch/index.ts';
import { slurmTaskScript } from '../../../src/launch/node-script.ts';
import { PlanError, planSweep, type Plan, type PlanHost, type PlanOptions } from '../../../src/launch/plan.ts';
import { loadRecipe, parseRecipe } from '../../../src/launch/recipe.ts';

const HOSTS: PlanHost[] = [
  { name: 'h1', address: '10.11.0.2' },
  { name: 'h2', address: '10.11.0.3' },
  { name: 'h3', address: '10.11.0.4' },
  { name: 'h4', address: '10.11.0.5' },
];

async function plan(name: string, opts: Partial<PlanOptions> = {}): Promise<Plan> {
  const { recipe } = await loadRecipe(name);
  return planSweep(recipe, { backend: 'ssh', hosts: HOSTS, session: 's1', ...opts });
}

/** The value of `--flag value` or `--flag=value` in a command. */
function arg(command: string, flag: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${flag.replace(/[-]/g, '\\-')}(?:=|\\s+)(\\S+)`).exec(command);
  return m?.[1];
}

describe('plan: the OneFlow ResNet50 defaults are the sweep behind seed 001', () => {
  it('28 cases: 1n1g×7, 1n8g×7, 2n8g×7, 4n8g×7, batch 128, repeats 0…6', async () => {
    const p = await plan('oneflow-resnet50');
    expect(p.cases).toHaveLength(28);
    expect(p.cases.map((c) => `${c.num_nodes}n${c.gpu_num_per_node}g`)).toEqual([
      ...Array(7).fill('1n1g'),
      ...Array(7).fill('1n8g'),
      ...Array(7).fill('2n8g'),
      ...Array(7).fill('4n8g'),
    ]);
    expect(new Set(p.cases.map((c) => c.batch_size_per_device))).toEqual(new Set([128]));
    expect(p.cases.slice(0, 7).map((c) => c.repeat)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(p.cases.map((c) => c.id).slice(13, 15)).toEqual(['014-1n8g-b128-fp32-r6', '015-2n8g-b128-fp32-r0']);
    expect(p.cases.every((c) => c.precision === 'fp32')).toBe(true);
  });

  it('a case of N nodes uses the first N hosts, ranks 0…N-1, with the right arguments and archive names', async () => {
    const p = await plan('oneflow-resnet50');
    const four = p.cases[21]!;
    expect(four.nodes.map((n) => [n.host, n.node_rank])).toEqual([
      ['h1', 0],
      ['h2', 1],
      ['h3', 2],
      ['h4', 3],
    ]);
    for (const n of four.nodes) {
      expect(arg(n.command, '--num_nodes')).toBe('4');
      expect(arg(n.command, '--gpu_num_per_node')).toBe('8');
      expect(arg(n.command, '--batch_size_per_device')).toBe('128');
      expect(arg(n.command, '--node_ips')).toBe('10.11.0.2,10.11.0.3,10.11.0.4,10.11.0.5');
      expect(n.command).toContain('--num_examples=$(( 4096 * 120 ))');
      expect(n.command).not.toContain('--use_fp16');
      expect(n.env).toMatchObject({ NCCL_DEBUG: 'INFO', NCCL_LAUNCH_MODE: 'PARALLEL', PYTHONUNBUFFERED: '1' });
      expect(n.workdir).toBe('~/oneflow_temp');
      expect(n.log).toBe(`~/oneflow_temp/dlperf-top-runs/s1/022-4n8g-b128-fp32-r0/node${n.node_rank}.log`);
    }
    expect(four.nodes.map((n) => n.member)).toEqual([0, 1, 2, 3].map((k) => `logs/oneflow/4n8g/node${k}/resnet50_b128_fp32_0.log`));
    expect(p.cases[0]!.nodes.map((n) => n.member)).toEqual(['logs/oneflow/1n1g/resnet50_b128_fp32_0.log']);
    expect(p.cases[0]!.nodes[0]!.host).toBe('h1');
  });

  it('amp switches on the recipe’s mixed-precision flags', async () => {
    const p = await plan('oneflow-resnet50', { precision: ['amp'], nodes: [1], gpus: [8], repeats: 1 });
    expect(p.cases).toHaveLength(1);
    expect(p.cases[0]!.nodes[0]!.command).toMatch(/--use_fp16 --channel_last=True --pad_output/);
    expect(p.cases[0]!.nodes[0]!.member).toBe('logs/oneflow/1n8g/resnet50_b128_amp_0.log');
  });
});

describe('plan: sweep options', () => {
  it('--nodes alone keeps the matching pairs; --gpus alone too', async () => {
    expect((await plan('oneflow-resnet50', { nodes: [1], repeats: 1 })).cases.map((c) => c.id)).toEqual(['001-1n1g-b128-fp32-r0', '002-1n8g-b128-fp32-r0']);
    expect((await plan('oneflow-resnet50', { gpus: [8], repeats: 1 })).cases.map((c) => `${c.num_nodes}n${c.gpu_num_per_node}g`)).toEqual(['1n8g', '2n8g', '4n8g']);
  });

  it('--nodes with --gpus replaces the pairs (zipped, or broadcast)', async () => {
    expect((await plan('oneflow-resnet50', { nodes: [1, 2], gpus: [4, 4], repeats: 1 })).cases.map((c) => `${c.num_nodes}n${c.gpu_num_per_node}g`)).toEqual(['1n4g', '2n4g']);
    expect((await plan('oneflow-resnet50', { nodes: [1, 2, 4], gpus: [8], repeats: 1 })).cases.map((c) => `${c.num_nodes}n${c.gpu_num_per_node}g`)).toEqual(['1n8g', '2n8g', '4n8g']);
    await expect(plan('oneflow-resnet50', { nodes: [1, 2, 4], gpus: [1, 8] })).rejects.toThrow(/give both the same number of values/);
  });

  it('a node count the recipe does not have is an error that says what to do', async () => {
    await expect(plan('oneflow-resnet50', { nodes: [3] })).rejects.toThrow(/--nodes 3: the recipe has no case with 3 node\(s\).*give --gpus too/);
  });

  it('--batch and --repeats replace the recipe’s; cases nest batch > pair > repeat', async () => {
    const p = await plan('oneflow-resnet50', { batch: [96, 64], repeats: 2, nodes: [1] });
    expect(p.cases.map((c) => `${c.batch_size_per_device}:${c.num_nodes}n${c.gpu_num_per_node}g:r${c.repeat}`)).toEqual([
      '96:1n1g:r0',
      '96:1n1g:r1',
      '96:1n8g:r0',
      '96:1n8g:r1',
      '64:1n1g:r0',
      '64:1n1g:r1',
      '64:1n8g:r0',
      '64:1n8g:r1',
    ]);
  });

  it('too few hosts for a case is an error naming the case', async () => {
    await expect(plan('oneflow-resnet50', { hosts: HOSTS.slice(0, 2) })).rejects.toThrow(/case 4n8g needs 4 hosts but 2 were given \(h1,h2\)/);
    await expect(plan('oneflow-resnet50', { hosts: [] })).rejects.toThrow(/no hosts: give --hosts/);
  });

  it('--set overrides parameters; unknown names are refused', async () => {
    const p = await plan('oneflow-resnet50', { set: { data_root: '/my data' }, nodes: [1], gpus: [1], repeats: 1 });
    expect(p.cases[0]!.nodes[0]!.command).toContain("--train_data_dir='/my data'/train");
    await expect(plan('oneflow-resnet50', { set: { datadir: 'x' } })).rejects.toThrow(/--set datadir: not a parameter of recipe oneflow-resnet50 \(its parameters: bench_root, data_root/);
  });

  it('a log name that does not tell cases apart is refused', () => {
    const r = parseRecipe(
      JSON.stringify({ name: 'x', framework: 'oneflow', model: 'm', format: 'oneflow-cnn', command: 'run', log_name: 'logs/{num_nodes}n{gpus_per_node}g/m_{repeat}.log', sweep: { nodes: 1, gpus_per_node: 1, batch_size: [1, 2] } }),
      'x.yaml',
    );
    expect(() => planSweep(r, { backend: 'ssh', hosts: HOSTS, session: 's' })).toThrow(/log_name gives the same archive path "logs\/1n1g\/m_0.log" to cases 001-1n1g-b1-fp32-r0 and 002-1n1g-b2-fp32-r0/);
  });

  it('a precision no choice covers is refused when planning', async () => {
    await expect(plan('oneflow-resnet50', { precision: ['bf16'] })).rejects.toThrow(/choices.precision_args: no value for precision "bf16"/);
  });

  it('hostile --set values cannot leave the archive or name unsafe paths', () => {
    const r = parseRecipe(
      JSON.stringify({ name: 'x', framework: 'oneflow', model: 'm', format: 'oneflow-cnn', command: 'run', params: { tag: 'a' }, log_name: 'logs/{tag}/m_{repeat}.log', sweep: { nodes: 1, gpus_per_node: 1, batch_size: 1 } }),
      'x.yaml',
    );
    for (const tag of ['../../etc', '.hidden', 'a b', 'x\ny']) {
      expect(() => planSweep(r, { backend: 'ssh', hosts: HOSTS, session: 's', set: { tag } })).toThrow(PlanError);
    }
    expect(planSweep(r, { backend: 'ssh', hosts: HOSTS, session: 's', set: { tag: 'ok-1.2' } }).cases[0]!.nodes[0]!.member).toBe('logs/ok-1.2/m_0.log');
  });
});

describe('plan: launcher templates get rank arguments right', () => {
  it('Megatron: torch.distributed.launch gets --nnodes/--node_rank/--master_addr per node, and per-node log names', async () => {
    const p = await plan('megatron-gpt');
    expect(p.cases).toHaveLength(16);
    const c = p.cases.find((x) => x.name === 'DP_PP_8x1x4_512_1536x16')!;
    expect(c.num_nodes).toBe(4);
    for (const n of c.nodes) {
      expect(arg(n.command, '--nnodes')).toBe('4');
      expect(arg(n.command, '--node_rank')).toBe(String(n.node_rank));
      expect(arg(n.command, '--master_addr')).toBe('10.11.0.2');
      expect(arg(n.command, '--nproc_per_node')).toBe('8');
      expect(arg(n.command, '--tensor-model-parallel-size')).toBe('1');
      expect(arg(n.command, '--pipeline-model-parallel-size')).toBe('4');
      expect(arg(n.command, '--micro-batch-size')).toBe('2');
      expect(arg(n.command, '--global-batch-size')).toBe('512');
      expect(n.member).toBe(`logs/megatron/4n8g/r0/megatron_lm_perf_4n8g_dp8_mp1_pp4_mbs2_gbs512_l16_hsz1536_ahs16_pretrain_${n.node_rank}.log`);
    }
  });

  it('the GPT layouts are those of seed 003 (dp × tp × pp = GPUs)', async () => {
    for (const name of ['oneflow-gpt', 'megatron-gpt']) {
      const p = await plan(name);
      for (const c of p.cases) {
        const dp = Number(c.params.data_parallel);
        const tp = Number(c.params.tensor_parallel);
        const pp = Number(c.params.pipeline_parallel);
        expect(dp * tp * pp, `${name} ${c.id}`).toBe(c.num_nodes * c.gpu_num_per_node);
      }
    }
    const of = await plan('oneflow-gpt');
    expect(of.cases.find((c) => c.name === '2D_PP_2x4x4_512_2304x24')!.nodes[0]!.member).toBe('logs/oneflow/4n8d/r0/node0/pretrain_gpt_4n8d_dp2_mp4_pp4_mbz8_gbz512_s2048_l24_h2304_nh24.log');
    expect(arg(of.cases[0]!.nodes[0]!.command, '--node-ips')).toBe('10.11.0.2');
  });

  it('NGC PyTorch: multiproc.py and torch.distributed.launch ranks come from the plan, not hand edits', async () => {
    const rn = await plan('ngc-pytorch-resnet50', { nodes: [2], repeats: 1 });
    expect(rn.cases[0]!.nodes.map((n) => [arg(n.command, '--nnodes'), arg(n.command, '--node_rank'), arg(n.command, '--master_addr')])).toEqual([
      ['2', '0', '10.11.0.2'],
      ['2', '1', '10.11.0.2'],
    ]);
    expect(rn.cases[0]!.nodes[1]!.command).toContain('--amp --dynamic-loss-scale');
    expect(rn.cases[0]!.nodes[1]!.member).toBe('amp_ngc/pytorch/2n8g/node1/r50_b256_amp_1.log');
    const bert = await plan('ngc-pytorch-bert', { nodes: [4], repeats: 1 });
    expect(bert.cases[0]!.nodes.map((n) => arg(n.command, '--node_rank'))).toEqual(['0', '1', '2', '3']);
    expect(arg(bert.cases[0]!.nodes[3]!.command, '--learning_rate')).toBe('6e-3');
    expect(bert.cases[0]!.nodes[0]!.member).toBe('fp32_ngc_bert_b48/pytorch/4n8g/node0/bert-base-adam-training_b48_fp32_1.log');
  });

  it('under Slurm the node values are variables set inside the step', async () => {
    const p = await plan('megatron-gpt', { backend: 'slurm', hosts: [], sharedDir: '/shared/runs' });
    const c = p.cases.find((x) => x.num_nodes === 2)!;
    const n = c.nodes[1]!;
    expect(n.host).toBeNull();
    expect(n.command).toContain('--node_rank "${DLPERF_TOP_NODE_RANK}"');
    expect(n.command).toContain('--master_addr "${DLPERF_TOP_MASTER_ADDR}"');
    expect(n.runDir).toBe(`/shared/runs/s1/${c.id}`);
    expect(n.member).toMatch(/_pretrain_1\.log$/);
    expect(c.slurmArgs).toEqual(['--gpus-per-node=8', '--exclusive']);
    const script = slurmTaskScript(c);
    expect(script).toContain('k=${SLURM_NODEID:-0}');
    expect(script).toContain('scontrol show hostnames "${SLURM_JOB_NODELIST:-}"');
  });
});

describe('dry run', () => {
  it('--cluster takes the hosts (and their order) from a live-mode cluster file', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const d = mkdtempSync(join(tmpdir(), 'dlperf-cluster-'));
    try {
      const file = join(d, 'cluster.yaml');
      writeFileSync(file, 'user: bench\nnodes:\n  - host: 10.0.0.[1-2]\n    logs: [/logs/x.log]\n  - host: 10.0.0.9\n    name: head\n    port: 2222\n    logs: [/logs/x.log]\n');
      let out = '';
      const io = { stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream, stderr: { write: () => true } as unknown as NodeJS.WritableStream, isTTY: false };
      const code = await launchCommand(['oneflow-resnet50', '--cluster', file, '--nodes', '1,2', '--gpus', '8', '--repeats', '1', '--dry-run', '--format', 'json'], io, { session: 's', ssh: { home: d } });
      expect(code).toBe(0);
      const doc = JSON.parse(out);
      expect(doc.hosts).toEqual([
        { host: '10.0.0.1', address: '10.0.0.1' },
        { host: '10.0.0.2', address: '10.0.0.2' },
      ]);
      expect(doc.cases[1].nodes.map((n: { host: string; command: string }) => [n.host, arg(n.command, '--node_ips')])).toEqual([
        ['10.0.0.1', '10.0.0.1,10.0.0.2'],
        ['10.0.0.2', '10.0.0.1,10.0.0.2'],
      ]);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('JSON has the documented shape for every case and node', async () => {
    const doc = JSON.parse(dryRunJson(await plan('oneflow-resnet50')));
    expect(doc.cases).toHaveLength(28);
    for (const c of doc.cases) {
      expect(c).toEqual(
        expect.objectContaining({ num_nodes: expect.any(Number), gpu_num_per_node: expect.any(Number), batch_size_per_device: 128, repeat: expect.any(Number), nodes: expect.any(Array) }),
      );
      expect(c.nodes).toHaveLength(c.num_nodes);
      c.nodes.forEach((n: Record<string, unknown>, k: number) => {
        expect(n).toEqual(expect.objectContaining({ host: HOSTS[k]!.name, node_rank: k, command: expect.stringContaining('of_cnn_train_val.py'), env: expect.objectContaining({ NCCL_DEBUG: 'INFO' }) }));
      });
    }
  });

  it('text shows every node’s command and environment; control characters are made visible', async () => {
    const p = await plan('oneflow-resnet50', { nodes: [2], repeats: 1, set: { data_root: '/d\u001b[2J' } });
    const t = dryRunText(p);
    expect(t).toContain('Recipe oneflow-resnet50');
    expect(t).toContain('case 1/1  001-2n8g-b128-fp32-r0');
    expect(t).toContain('node 1  h2  workdir ~/oneflow_temp');
    expect(t).toContain('env NCCL_DEBUG=INFO PYTHONUNBUFFERED=1 NCCL_LAUNCH_MODE=PARALLEL');
    expect(t).toContain('$ rm -rf ./log && mkdir ./log');
    expect(t).toContain("--train_data_dir='/d\\x1b[2J'/train");
    expect(t).not.toContain('\u001b');
  });

  it('launch --dry-run --format json prints the plan and exits 0; usage errors exit 2', async () => {
    let out = '';
    let errs = '';
    const io = {
      stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => ((errs += s), true) } as unknown as NodeJS.WritableStream,
      isTTY: false,
    };
    const home = { ssh: { home: '/nonexistent-home' } };
    expect(await launchCommand(['oneflow-resnet50', '--hosts', 'node[1-4]', '--dry-run', '--format', 'json'], io, { session: 's', ...home })).toBe(0);
    const doc = JSON.parse(out);
    expect(doc.cases).toHaveLength(28);
    expect(doc.cases[27].nodes.map((n: { host: string }) => n.host)).toEqual(['node1', 'node2', 'node3', 'node4']);
    expect(await launchCommand(['oneflow-resnet50', '--dry-run'], io, home)).toBe(2);
    expect(errs).toContain('no hosts: give --hosts h1,h2,… or --cluster FILE');
    expect(await launchCommand(['oneflow-resnet50', '--hosts', 'a', '--nodes', 'x'], io, home)).toBe(2);
    expect(errs).toContain("--nodes 'x': expected whole numbers ≥ 1");
    expect(await launchCommand(['nope-recipe'], io, home)).toBe(2);
    expect(errs).toContain('recipe "nope-recipe" not found');
    expect(await launchCommand(['oneflow-resnet50', '--backend', 'pbs'], io, home)).toBe(2);
    expect(await launchCommand(['oneflow-resnet50', '--hosts', 'a', '--cluster', 'c.yaml'], io, home)).toBe(2);
    expect(errs).toContain('give --hosts or --cluster, not both');
    expect(await launchCommand(['oneflow-resnet50', '--bogus'], io, home)).toBe(2);
  });
});
