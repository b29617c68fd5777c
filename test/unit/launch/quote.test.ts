import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bashLogin, sshStartScript } from '../../../src/launch/node-script.ts';
import { planSweep } from '../../../src/launch/plan.ts';
import { shPath, shQuote, shQuoteAlways, QuoteError } from '../../../src/launch/quote.ts';
import { parseRecipe } from '../../../src/launch/recipe.ts';
import { parseTemplate, renderShell, type TemplateValue } from '../../../src/launch/template.ts';

/** Values that would do something if they reached a shell unquoted. */
const HOSTILE = [
  'plain',
  'two words',
  "it's",
  '"double"',
  'a;rm -rf /tmp/never-here',
  '$(touch /tmp/dlperf-top-pwned)',
  '`touch /tmp/dlperf-top-pwned`',
  'line one\nline two\n',
  '$HOME ${PATH} $((1+1))',
  '*.log ?[ab] ~root',
  "'; exit 7; '",
  '\\ back\\slash \\',
  '-n',
  '',
  'if',
  'x=1',
  '{a,b}',
  '&& || | > < >> 2>&1 &',
  '\t tab\r',
  'ünïcödé ✓',
];

const tmp = mkdtempSync(join(tmpdir(), 'dlperf-quote-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Run shell text the way a node does (`$SHELL -c`, here sh), with an empty HOME so no profile runs. */
function sh(script: string): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync('/bin/sh', ['-c', script], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp }, timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

function argsOf(out: Buffer): string[] {
  const parts = out.toString('utf8').split('\0');
  parts.pop();
  return parts;
}

describe('shQuote', () => {
  it('leaves plain words bare and quotes everything else', () => {
    expect(shQuote('resnet50')).toBe('resnet50');
    expect(shQuote('/data/x-1.2,3:4@5%6+7')).toBe('/data/x-1.2,3:4@5%6+7');
    expect(shQuote('')).toBe("''");
    expect(shQuote('if')).toBe("'if'");
    expect(shQuote('x=1')).toBe("'x=1'");
    expect(shQuote("it's")).toBe("'it'\\''s'");
    expect(shQuoteAlways('a')).toBe("'a'");
    expect(() => shQuote('a\0b')).toThrow(QuoteError);
  });

  it('keeps ~/ meaning the login directory in paths', () => {
    expect(shPath('~/oneflow temp')).toBe(`"$HOME"/'oneflow temp'`);
    expect(shPath('/abs/x')).toBe('/abs/x');
    expect(shPath('~')).toBe('"$HOME"');
  });

  it('every hostile value arrives verbatim as one argument through bash -lc (as on a node)', () => {
    const pieces = parseTemplate("printf '%s\\0' {v}", { shell: true });
    for (const v of HOSTILE) {
      const values = new Map<string, TemplateValue>([['v', { kind: 'static', value: v }]]);
      const r = sh(bashLogin(renderShell(pieces, values)));
      expect(r.status, `${JSON.stringify(v)}: ${r.stderr}`).toBe(0);
      expect(argsOf(r.stdout)).toEqual([v]);
    }
    expect(existsSync('/tmp/dlperf-top-pwned')).toBe(false);
  });

  it('a list placeholder becomes that many arguments, each verbatim; an empty list none', () => {
    const pieces = parseTemplate("printf '%s\\0' first {xs} last", { shell: true });
    const r = sh(bashLogin(renderShell(pieces, new Map([['xs', { kind: 'static', value: HOSTILE }]]))));
    expect(argsOf(r.stdout)).toEqual(['first', ...HOSTILE, 'last']);
    const e = sh(bashLogin(renderShell(pieces, new Map([['xs', { kind: 'static', value: [] }]]))));
    expect(argsOf(e.stdout)).toEqual(['first', 'last']);
  });

  it('the whole node script passes hostile parameter, env and workdir values through unchanged', async () => {
    const recipe = parseRecipe(
      [
        'name: quoting',
        'framework: oneflow',
        'model: resnet50',
        'format: oneflow-cnn',
        'workdir: "{base}/work dir {u}"',
        'command: |',
        "  printf '%s\\0' {v} {w} {xs} \"$HOSTILE_ENV\" \"$(pwd)\" > {run_dir}/args.bin",
        'env:',
        '  HOSTILE_ENV: "<{v}>"',
        'params:',
        `  base: ${tmp}`,
        '  u: placeholder',
        '  v: placeholder',
        '  w: placeholder',
        '  xs: []',
        'sweep: { nodes: 1, gpus_per_node: 1, batch_size: 1 }',
      ].join('\n'),
      'quoting.yaml',
    );
    const v = "a b;'c' $(touch /tmp/dlperf-top-pwned) `id` \"q\"\nnext";
    const w = '$HOME';
    const u = "a b;'c' $(touch /tmp/dlperf-top-pwned) `id` \"q\" *";
    const plan = planSweep(recipe, { backend: 'ssh', hosts: [{ name: 'h1', address: 'h1' }], session: 'q-test', set: { u, v, w, xs: '-a  -b' } });
    const node = plan.cases[0]!.nodes[0]!;
    const r = sh(bashLogin(sshStartScript(node)));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString()).toMatch(/^dlperf-top-pgid \d+$/m);
    const runDir = node.runDir;
    const rcFile = join(runDir, 'node0.rc');
    const deadline = Date.now() + 10_000;
    while (!existsSync(rcFile) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    expect(readFileSync(rcFile, 'utf8').trim(), readFileSync(join(runDir, 'node0.log'), 'utf8')).toBe('0');
    const args = argsOf(readFileSync(join(runDir, 'args.bin')));
    expect(args).toEqual([v, w, '-a', '-b', `<${v}>`, `${tmp}/work dir ${u}`]);
    expect(existsSync('/tmp/dlperf-top-pwned')).toBe(false);
  });
});
