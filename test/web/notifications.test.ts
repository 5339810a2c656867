// The dashboard on a phone, in a real headless Chromium at phone size against a real hub: an alert from a rule shows
// as a notification and in the Alerts page with its unread count, the dashboard is installable (manifest, icons,
// service worker), and with the hub unreachable it says so instead of the browser's error page.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM } from '../helpers/browser.js';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestHub, tempDir, type TestHub } from '../helpers/hub.js';

const ROOT = join(import.meta.dirname, '../..');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const RULE = `
id: leak-alarm
triggers:
  - trigger: mqtt
    topic: home/kitchen/leak
    payload: "true"
actions:
  - action: notify
    title: Water leak
    message: Water detected in the kitchen
    priority: urgent
    tag: leak
`;

let th: TestHub;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'web/dist/sw.js'))) execFileSync(process.execPath, [join(ROOT, 'web/build.mjs')]);
  mkdirSync(ARTIFACTS, { recursive: true });
  const dataDir = tempDir();
  mkdirSync(join(dataDir, 'rules'));
  writeFileSync(join(dataDir, 'rules', 'leak.yaml'), RULE);
  th = await startTestHub({ dataDir });
  // A profile on disk, as a phone's browser has: Chromium does not install apps from an incognito context.
  context = await chromium.launchPersistentContext(tempDir('hearth-chromium-'), {
    ...CHROMIUM,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  await context.grantPermissions(['notifications'], { origin: th.httpUrl });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (err) => console.error('page error:', err.message));
}, 60_000);

afterAll(async () => {
  await context?.close();
  await th?.stop(true);
});

describe('the dashboard on a phone', () => {
  it('an alert from a rule shows as a notification, in the Alerts page and as an unread count; reading it clears the count', async () => {
    await page.goto(th.httpUrl + '/');
    await page.fill('#username', 'admin');
    await page.fill('#password', ADMIN_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('.live.on');
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await page.goto(th.httpUrl + '/#/notifications');
    await page.waitForSelector('text=No alerts yet');
    expect(await page.locator('#notify-permission').textContent()).toBe(
      'Alerts also show as notifications on this device while a dashboard is open.',
    );

    const sensor = await th.connect({ clientId: 'leak-sensor' });
    await sensor.publishAsync('home/kitchen/leak', 'true', { qos: 1 });
    const badge = page.locator('nav a[href="#/notifications"] .count');
    await badge.waitFor({ state: 'visible' });
    expect(await badge.textContent()).toBe('1');
    const item = page.locator('li.alert.unread');
    await item.waitFor();
    expect(await item.locator('.what').textContent()).toBe('Water leak urgentWater detected in the kitchen');
    // Polled until it is exactly the one expected (a timeout fails the test): once, in a full `npm test` on a busy
    // machine, a second read right after a wait for one notification found none; why was not found.
    const expected = [{ title: 'Water leak', body: 'Water detected in the kitchen', tag: 'leak' }];
    await page.waitForFunction(
      async (want) =>
        JSON.stringify(
          (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag })),
        ) === want,
      JSON.stringify(expected),
    );
    expect(await page.locator('li.channel[data-channel=dashboard] .badge').textContent()).toBe('ok');
    await page.screenshot({ path: join(ARTIFACTS, 'alerts-phone.png'), fullPage: true });

    await item.locator('button.mark-read').click();
    await badge.waitFor({ state: 'hidden' });
    await page.locator('li.alert.unread').waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBe(390);
  });

  it('installs like an app: Chromium finds the manifest, icons and service worker good enough to add to the home screen', async () => {
    const cdp = await context.newCDPSession(page);
    const manifest = await cdp.send('Page.getAppManifest');
    expect(manifest.url).toBe(`${th.httpUrl}/assets/manifest.webmanifest`);
    expect(manifest.errors).toEqual([]);
    expect((await cdp.send('Page.getInstallabilityErrors')).installabilityErrors).toEqual([]);
    const icons = JSON.parse(manifest.data!).icons as Array<{ src: string; sizes: string; type: string }>;
    for (const icon of icons.filter((i) => i.type === 'image/png')) {
      const res = await fetch(th.httpUrl + icon.src);
      expect(res.headers.get('content-type'), icon.src).toBe('image/png');
      const png = Buffer.from(await res.arrayBuffer());
      expect(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`, icon.src).toBe(icon.sizes);
    }
    await cdp.detach();
  });

  it('with the hub unreachable it says so instead of an error page, and the dashboard comes back with the hub', async () => {
    await th.stop();
    await page.reload();
    await page.waitForSelector('text=Hearth is unreachable');
    expect(await page.locator('.banner[role=alert]').textContent()).toContain('The hub cannot be reached.');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBe(390);
    await page.screenshot({ path: join(ARTIFACTS, 'unreachable-phone.png'), fullPage: true });
    th = await th.restart();
    await page.click('text=Try again now');
    // The session survived the restart: the dashboard itself, not a login page.
    await page.waitForSelector('nav >> text=Alerts');
  });
});
