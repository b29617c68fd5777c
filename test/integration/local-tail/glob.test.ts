import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compilePattern,
  couldContain,
  directoryPattern,
  expandBraces,
  matchPath,
  walkPattern,
  watchDepth,
} from '../../../src/sources/local/glob.ts';
import { deriveNodeLabel } from '../../../src/sources/local/node-label.ts';
import { displayPath } from '../../../src/sources/local-tail.ts';

const m = (pattern: string, file: string): boolean => matchPath(compilePattern(pattern, '/w'), path.resolve('/w', file));

describe('local tail: glob matcher', () => {
  it('matches *, ?, [..], ** and literal components', () => {
    expect(m('logs/*.log', 'logs/a.log')).toBe(true);
    expect(m('logs/*.log', 'logs/sub/a.log')).toBe(false);
    expect(m('logs/*.log', 'logs/a.log.1')).toBe(false);
    expect(m('logs/?.log', 'logs/a.log')).toBe(true);
    expect(m('logs/?.log', 'logs/ab.log')).toBe(false);
    expect(m('logs/node[01].log', 'logs/node1.log')).toBe(true);
    expect(m('logs/node[01].log', 'logs/node2.log')).toBe(false);
    expect(m('logs/node[!01].log', 'logs/node2.log')).toBe(true);
    expect(m('logs/node[0-3].log', 'logs/node3.log')).toBe(true);
    expect(m('logs/**/*.log', 'logs/a.log')).toBe(true);
    expect(m('logs/**/*.log', 'logs/x/y/z/a.log')).toBe(true);
    expect(m('logs/**/*.log', 'other/a.log')).toBe(false);
    expect(m('logs/**', 'logs/x/a.txt')).toBe(true);
    expect(m('**/train.log', 'deep/er/train.log')).toBe(true);
    expect(m('a.log', 'a.log')).toBe(true);
    expect(m('a.log', 'b.log')).toBe(false);
    // Regex characters are literal; wildcards skip dot files unless the pattern asks.
    expect(m('logs/r50(bs+1).log', 'logs/r50(bs+1).log')).toBe(true);
    expect(m('logs/*.log', 'logs/.hidden.log')).toBe(false);
    expect(m('logs/.*.log', 'logs/.hidden.log')).toBe(true);
    expect(m('logs/**/*.log', 'logs/.git/a.log')).toBe(false);
    expect(m('logs/\\*.log', 'logs/*.log')).toBe(true);
    expect(m('logs/\\*.log', 'logs/a.log')).toBe(false);
  });

  it('expands braces, nested ones too, and leaves single-item braces alone', () => {
    expect(expandBraces('logs/{a,b}/*.log')).toEqual(['logs/a/*.log', 'logs/b/*.log']);
    expect(expandBraces('{x,y{1,2}}.log')).toEqual(['x.log', 'y1.log', 'y2.log']);
    expect(expandBraces('a{b}c')).toEqual(['a{b}c']);
    expect(expandBraces('plain')).toEqual(['plain']);
  });

  it('splits the literal base and prunes directories that cannot hold matches', () => {
    const c = compilePattern('logs/*/node*/x.log', '/w');
    expect(c.base).toBe('/w/logs');
    expect(watchDepth(c, '/w/logs')).toBe(2);
    expect(watchDepth(c, '/w')).toBe(3);
    expect(couldContain(c, '/w')).toBe(true);
    expect(couldContain(c, '/w/logs/run1')).toBe(true);
    expect(couldContain(c, '/w/logs/run1/node3')).toBe(true);
    expect(couldContain(c, '/w/logs/run1/gpu3')).toBe(false);
    expect(couldContain(c, '/w/other')).toBe(false);
    const g = compilePattern('logs/**/*.log', '/w');
    expect(watchDepth(g, '/w/logs')).toBeUndefined();
    expect(couldContain(g, '/w/logs/a/b/c')).toBe(true);
  });

  it('walks a tree: matching regular files only, directory arguments skip archives and hidden files', async () => {
    const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'dlperf-glob-')));
    try {
      for (const f of ['a/node0/x.log', 'a/node1/x.log', 'a/node1/x.txt', 'a/.cache/y.log', 'a/run.tgz', 'b/z.log']) {
        mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        writeFileSync(path.join(dir, f), 'l\n');
      }
      const found: string[] = [];
      await walkPattern(compilePattern('{a,b}/**/*.log', dir), (p) => found.push(path.relative(dir, p)));
      expect(found).toEqual([]); // braces must be expanded before compiling
      for (const e of expandBraces('{a,b}/**/*.log')) await walkPattern(compilePattern(e, dir), (p) => found.push(path.relative(dir, p)));
      expect(found.sort()).toEqual(['a/node0/x.log', 'a/node1/x.log', 'b/z.log']);
      const inDir: string[] = [];
      await walkPattern(directoryPattern('a', dir), (p) => inDir.push(path.relative(dir, p)));
      expect(inDir.sort()).toEqual(['a/node0/x.log', 'a/node1/x.log', 'a/node1/x.txt']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('local tail: node labels and display paths', () => {
  it('derives node labels from node-like components, host-like directories, else local', () => {
    expect(deriveNodeLabel('logs/node0/train.log')).toBe('node0');
    expect(deriveNodeLabel('logs/node-12/sub/train.log')).toBe('node-12');
    expect(deriveNodeLabel('logs/worker_3/train.log')).toBe('worker_3');
    expect(deriveNodeLabel('logs/node1.log')).toBe('node1');
    expect(deriveNodeLabel('logs/10.0.0.12/train.log')).toBe('10.0.0.12');
    expect(deriveNodeLabel('logs/gpu01.cluster/train.log')).toBe('gpu01.cluster');
    expect(deriveNodeLabel('logs/dgx-a100-03/train.log')).toBe('dgx-a100-03');
    expect(deriveNodeLabel('logs/oneflow/r50/bz128/4n8g/r50_b128_fp32_1.log')).toBe('local');
    expect(deriveNodeLabel('logs/results.old/train.log')).toBe('local');
    expect(deriveNodeLabel('train.log')).toBe('local');
  });

  it('shows paths relative to cwd when under it, absolute otherwise', () => {
    expect(displayPath('/w/logs/a.log', '/w')).toBe('logs/a.log');
    expect(displayPath('/other/a.log', '/w')).toBe('/other/a.log');
    expect(displayPath('/w2/a.log', '/w')).toBe('/w2/a.log');
  });
});
