// The API's documentation page at /docs in a real headless Chromium: Swagger UI loads under the hub's CSP (no inline
// script), reads /openapi.json and lists the routes; a file outside its list is not served.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';

let th: TestHub;
let browser: Browser;

beforeAll(async () => {
  th = await startTestHub();
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await th?.stop(true);
});

describe('/docs', () => {
  it('shows the API with its routes, without logging in and without breaking the CSP', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(msg.text());
    });
    await page.goto(`${th.httpUrl}/docs`);
    expect(new URL(page.url()).pathname).toBe('/docs/');
    await page.locator('.swagger-ui .info .title').waitFor();
    expect(await page.locator('.swagger-ui .info .title').textContent()).toContain('Hearth API');
    await page.locator('.opblock-summary-path[data-path="/api/devices/{id}"]').first().waitFor();
    expect(await page.locator('.opblock').count()).toBeGreaterThan(50);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('serves only Swagger UI files from /docs/static/', async () => {
    const css = await fetch(`${th.httpUrl}/docs/static/swagger-ui.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await css.text()).length).toBeGreaterThan(10_000);
    for (const file of ['package.json', 'index.html', 'oauth2-redirect.js', '..%2fpackage.json']) {
      const res = await fetch(`${th.httpUrl}/docs/static/${file}`);
      expect(res.status, file).toBe(404);
      expect(await res.text()).not.toContain('"name"');
    }
  });
});
