import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/**
 * Headless Chromium for the HTML report tests: Debian's `chromium-headless-shell` (or
 * `chromium`), driven by puppeteer-core (which never downloads a browser). .ci/run installs the
 * package (.ci/packages-extra); without it the tests fail with that hint rather than pass.
 */
export const ARTIFACTS = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'test/artifacts');

export function chromiumPath(): string {
  for (const bin of ['chromium-headless-shell', 'chromium']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).trim();
    } catch {
      // try the next
    }
  }
  throw new Error('headless Chromium is not installed: the HTML report tests need chromium-headless-shell or chromium (.ci/run installs it)');
}

export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  return puppeteer.launch({
    executablePath,
    headless: executablePath.endsWith('headless-shell') ? 'shell' : true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--hide-scrollbars'],
  });
}

export interface Loaded {
  page: Page;
  /** Console errors, page errors and failed loads. */
  errors: string[];
  /** Every request other than the page itself (a self-contained page makes none). */
  requests: string[];
}

/** Open a local file, refusing every other request, and record what went wrong. */
export async function openFile(browser: Browser, file: string, width = 1280): Promise<Loaded> {
  const page = await browser.newPage();
  await page.setViewport({ width, height: 900 });
  const errors: string[] = [];
  const requests: string[] = [];
  const url = pathToFileURL(file).href;
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    if (req.url() === url) return void req.continue();
    requests.push(req.url());
    void req.abort();
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') errors.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${(e as Error).message}`));
  page.on('requestfailed', (r) => r.url() === url && errors.push(`load failed: ${r.url()}`));
  await page.goto(url, { waitUntil: 'load' });
  return { page, errors, requests };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path: path as `${string}.png`, fullPage: true });
  return path;
}
