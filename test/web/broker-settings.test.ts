// The dashboard of a hub on Mosquitto with a bridge to a second one, in headless Chromium: Settings shows the bridge,
// and a broker or a bridge out of reach puts a banner on every page until it is back.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM } from '../helpers/browser.js';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestHub, type TestHub } from '../helpers/hub.js';
import { HEARTH_USER, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';

const ROOT = join(import.meta.dirname, '../..');
const ARTIFACTS = join(ROOT, 'test-artifacts');
let local: Mosquitto;
let remote: Mosquitto;
let th: TestHub;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'web/dist/index.html'))) execFileSync(process.execPath, [join(ROOT, 'web/build.mjs')]);
  mkdirSync(ARTIFACTS, { recursive: true });
  local = await startMosquitto();
  remote = await startMosquitto();
  th = await startTestHub({
    overrides: {
      'mqtt.url': local.url,
      'mqtt.username': HEARTH_USER.name,
      'mqtt.password': HEARTH_USER.password,
      bridges: [
        {
          name: 'cloud',
          url: remote.url,
          username: HEARTH_USER.name,
          password: HEARTH_USER.password,
          topics: [{ pattern: 'home/#', direction: 'out', qos: 1 }],
        },
      ],
    },
  });
  browser = await chromium.launch(CHROMIUM);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (err) => console.error('page error:', err.message));
  await page.goto(th.httpUrl + '/');
  await page.fill('#username', 'admin');
  await page.fill('#password', ADMIN_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForSelector('nav >> text=Settings');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await th?.stop(true);
  await local?.stop();
  await remote?.stop();
});

describe('the dashboard on an external broker with a bridge', () => {
  it('Settings shows the bridge: connected, queued, forwarded, dropped; and when its remote is down, says so', async () => {
    await page.goto(th.httpUrl + '/#/settings');
    const row = page.locator('tr[data-bridge=cloud]');
    await row.waitFor();
    await page.waitForFunction(() =>
      document.querySelector('tr[data-bridge=cloud] td:nth-child(3)')?.textContent?.startsWith('connected (MQTT 5)'),
    );
    expect(await row.locator('td').nth(1).textContent()).toBe(remote.url);
    await page.screenshot({ path: join(ARTIFACTS, 'settings-bridges.png'), fullPage: true });

    await remote.stop();
    const banner = page.locator('.banner[role=alert]');
    await banner.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await banner.textContent()).toContain(`bridge cloud: cannot reach ${remote.url}`);
    // The panel refreshes by itself.
    await page.waitForFunction(
      () => document.querySelector('tr[data-bridge=cloud] td:nth-child(3)')?.textContent?.startsWith('not connected'),
      undefined,
      { timeout: 10_000 },
    );
    await remote.start();
    await banner.waitFor({ state: 'hidden', timeout: 15_000 });
  });

  it("the hub's broker out of reach shows a banner on every page, gone once it is back", async () => {
    await page.goto(th.httpUrl + '/#/');
    const banner = page.locator('.banner[role=alert]');
    expect(await banner.isVisible()).toBe(false);
    await local.stop();
    await banner.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await banner.textContent()).toContain(`broker: not connected to ${local.url}`);
    expect(await banner.textContent()).toContain('refusing commands until it is back');
    await page.screenshot({ path: join(ARTIFACTS, 'broker-banner.png') });
    await local.start();
    await banner.waitFor({ state: 'hidden', timeout: 15_000 });
  });
});
