/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The HTML report in a real browser (headless Chromium): it loads with no console error and no
 * request, its SVG charts carry the expected series (one point per GPU count of each family, one
 * line per repeat), hostile names stay text, and a screenshot is kept in test/artifacts/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { launchBrowser, openFile, screenshot } from '../helpers/browser.ts';
import { copyTransformed, stretchDll } from '../helpers/transform-logs.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DEMOS = ['resnet50', 'bert', 'gpt'].map((n) => join(ROOT, `replays/${n}-scaling-demo.tgz`));
const tmp = mkdtempSync(join(tmpdir(), 'dlperf-html-'));
let browser: Browser;

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (a: string[]) => Object.assign(new PassThrough(), { write: (s: string) => (a.push(String(s)), true) }) as unknown as NodeJS.WritableStream;
  const code = await main(args, { stdout: sink(out), stderr: sink(err), stdin: new PassThrough(), isTTY: false });
  return { code, out: out.join(''), err: err.join('') };
}

interface G {
  framework: string;
  model: string;
  precision: string;
  batch_size_per_device: number;
  num_nodes: number;
  gpu_num_per_node: number;
  runs: number;
  speedup: number | null;
}

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('summary --format html in headless Chromium', () => {
  it('loads with no error and no request; every chart has its series; screenshot kept', async () => {
    const file = join(tmp, 'report.html');
    expect((await cli(['summary', ...DEMOS, '--format', 'html', '-o', file])).code).toBe(0);
    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/<script|<link|@import|url\(|<img|<iframe/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?https?:/i);

    // What the charts must show, from the JSON of the same inputs.
    const doc = JSON.parse((await cli(['summary', ...DEMOS, '--format', 'json'])).out);
    const families = new Map<string, Set<number>>();
    for (const g of doc.groups as G[]) {
      const k = `${g.framework} ${g.model} ${g.precision}`;
      families.set(k, (families.get(k) ?? new Set()).add(g.num_nodes * g.gpu_num_per_node));
    }

    const { page, errors, requests } = await openFile(browser, file);
    const seen = await page.evaluate(() => {
      const figs = [...document.querySelectorAll('figure.chart')] as HTMLElement[];
      return figs.map((f) => ({
        chart: f.dataset.chart!,
        family: f.dataset.family ?? '',
        config: f.dataset.config ?? '',
        gpus: f.dataset.gpus ?? '',
        measured: f.querySelectorAll('g.measured_points_marks path').length,
        ideal: f.querySelectorAll('g.ideal_marks path').length,
        xLabels: [...f.querySelectorAll('g.role-axis text')].map((t) => t.textContent),
        speedup: f.querySelectorAll('g.speedup_points_marks path').length,
        efficiency: f.querySelectorAll('g.efficiency_points_marks path').length,
        curves: f.querySelectorAll('g.curve_marks path').length,
        windows: f.querySelectorAll('g.window_marks path').length,
        flags: f.querySelectorAll('g.flags_marks path').length,
        runs: Number(f.dataset.runs ?? 0),
        width: f.querySelector('svg')!.getBoundingClientRect().width,
      }));
    });
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);

    const thr = seen.filter((s) => s.chart === 'throughput');
    expect(thr).toHaveLength(families.size);
    for (const [k, gpus] of families) {
      const f = thr.find((s) => s.family.startsWith(k));
      expect(f, k).toBeDefined();
      expect(f!.measured).toBe(gpus.size); // one point per GPU count
      expect(f!.gpus.split(',').map(Number)).toEqual([...gpus].sort((a, b) => a - b));
      expect(f!.ideal).toBe(1); // the ideal linear line
      for (const n of gpus) expect(f!.xLabels).toContain(String(n));
      expect(f!.width).toBeGreaterThan(300);
    }
    const withSpeedup = (doc.groups as G[]).filter((g) => g.speedup !== null).length;
    expect(seen.find((s) => s.chart === 'speedup')!.speedup).toBe(withSpeedup);
    expect(seen.find((s) => s.chart === 'efficiency')!.efficiency).toBe(withSpeedup);

    const curves = seen.filter((s) => s.chart === 'curve');
    expect(curves).toHaveLength(doc.groups.length);
    for (const c of curves) {
      expect(c.curves).toBe(c.runs); // one line per repeat
      expect(c.windows).toBeGreaterThanOrEqual(1); // the measured window shaded
    }
    // The planted resnet50 2n8g repeat 3: its flags (socket fallback, straggler, outlier) are marked; 1n8g has none.
    expect(seen.find((s) => s.config === 'pytorch resnet50 amp bs256 2n8g')!.flags).toBe(3);
    expect(seen.find((s) => s.config === 'pytorch resnet50 amp bs256 1n8g')!.flags).toBe(0);

    const text = await page.evaluate(() => document.body.innerText);
    for (const h of ['Findings', 'Scaling', 'Filtered Result', 'Throughput over iterations', 'All Results']) expect(text).toContain(h);
    expect(text).toContain('ib_fallback');
    await screenshot(page, 'summary-report.png');
    await page.close();
  });

  it('hostile file names stay text: escaped, control characters visible, nothing runs', async () => {
    const dir = join(tmp, 'hostile');
    await copyTransformed(DEMOS[0]!, dir, (l) => l, (m) => m.includes('/1n1g/') || m.includes('/1n8g/'));
    const evil = join(dir, 'logs/ngc/pytorch/1n8g/<img src=x onerror=alert(1)>\u001b[31m\u202e');
    mkdirSync(evil, { recursive: true });
    writeFileSync(join(evil, 'r50_b256_amp_9.log'), readFileSync(join(dir, 'logs/ngc/pytorch/1n8g/r50_b256_amp_1.log')));
    const file = join(tmp, 'hostile.html');
    await cli(['summary', dir, '--format', 'html', '-o', file]);
    const html = readFileSync(file, 'utf8');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('\u001b');
    expect(html).not.toContain('\u202e');
    const { page, errors, requests } = await openFile(browser, file);
    expect(await page.evaluate(() => document.querySelectorAll('img, script').length)).toBe(0);
    const text = await page.evaluate(() => document.body.innerText);
    expect(text).toContain('<img src=x onerror=alert(1)>\\x1b[31m\\u202e');
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });
});

describe('summary --format svg', () => {
  it('writes one chart as a standalone SVG that Chromium renders, with one point per configuration', async () => {
    const file = join(tmp, 'efficiency.svg');
    expect((await cli(['summary', ...DEMOS, '--format', 'svg', '--chart', 'efficiency', '-o', file])).code).toBe(0);
    const svg = readFileSync(file, 'utf8');
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const { page, errors, requests } = await openFile(browser, file);
    expect(await page.evaluate(() => document.querySelectorAll('g.efficiency_points_marks path').length)).toBe(12);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
    expect((await cli(['summary', DEMOS[0]!, '--chart', 'speedup'])).code).toBe(2); // --chart without --format svg
    expect((await cli(['summary', DEMOS[0]!, '--format', 'svg', '--chart', 'pie'])).code).toBe(2);
  });
});

describe('compare --format html in headless Chromium', () => {
  it('shows the verdict, the change per configuration and both sets side by side', async () => {
    const slow = await copyTransformed(DEMOS[0]!, join(tmp, 'slow'), (l, c) => (c.member.includes('/4n8g/') ? stretchDll(l, c, 1.06) : l));
    const file = join(tmp, 'compare.html');
    expect((await cli(['compare', DEMOS[0]!, slow, '--format', 'html', '-o', file])).code).toBe(6);
    const { page, errors, requests } = await openFile(browser, file);
    const r = await page.evaluate(() => ({
      banner: document.querySelector('.banner')?.textContent,
      changes: document.querySelectorAll('figure[data-chart=change] g.change_points_marks path').length,
      intervals: document.querySelectorAll('figure[data-chart=change] g.interval_marks line').length,
      sets: [...document.querySelectorAll('figure[data-chart=sets]')].map((f) => f.querySelectorAll('g.sets_points_marks path').length),
      firstRow: document.querySelector('tbody tr')?.textContent,
    }));
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(r.banner).toContain('regression');
    expect(r.changes).toBe(4);
    expect(r.intervals).toBe(4);
    expect(r.sets).toEqual([8]); // one family, 4 GPU counts × 2 sets
    expect(r.firstRow).toMatch(/^regression.*4n8g/);
    await screenshot(page, 'compare-report.png');
    await page.close();
  });
});
