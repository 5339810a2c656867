// Browser helpers for the dashboard tests: headless Chromium (Debian's), logging in, and an axe-core audit of a page.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import type { TestHub } from './hub.js';

export const ROOT = join(import.meta.dirname, '../..');
export const ARTIFACTS = join(ROOT, 'test-artifacts');
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

/** Launches Chromium, building the dashboard first when there is no build. */
/** Debian's Chromium, headless, without the network chatter of a desktop browser. */
export const CHROMIUM = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(join(ROOT, 'web/dist/index.html'))) execFileSync(process.execPath, [join(ROOT, 'web/build.mjs')]);
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch(CHROMIUM);
}

/** A new page logged in as `user`, on the home page. */
export async function loggedInPage(
  browser: Browser,
  th: TestHub,
  user: string,
  password: string,
  options: BrowserContextOptions = { viewport: DESKTOP },
): Promise<Page> {
  const page = await browser.newPage(options);
  page.on('pageerror', (err) => console.error('page error:', err.message));
  await page.goto(th.httpUrl + '/');
  await page.fill('#username', user);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('nav >> text=Home');
  return page;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core in the page against WCAG 2.0/2.1 A and AA and answers the serious and critical violations. The script
 * is evaluated through the DevTools protocol, which the page's Content-Security-Policy (no inline scripts) allows.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** One line per violation and element, for a failure message a person can act on. */
export function describeViolations(violations: AxeViolation[]): string[] {
  return violations.flatMap((v) =>
    v.nodes.map(
      (n) =>
        `${v.id} (${v.impact}): ${v.help} at ${n.target.join(' ')}${n.failureSummary ? ` — ${n.failureSummary.replace(/\s+/g, ' ')}` : ''}`,
    ),
  );
}
