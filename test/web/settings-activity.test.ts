// Settings and Activity in a real Chromium: your own password (a viewer too), no Delete for yourself, an empty log that
// says what will come.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, http, startTestHub, type TestHub } from '../helpers/hub.js';
import { launchBrowser, loggedInPage } from '../helpers/browser.js';

let th: TestHub;
let browser: Browser;

beforeAll(async () => {
  th = await startTestHub();
  browser = await launchBrowser();
  expect((await http(th, 'POST', '/api/users', { name: 'kim', password: 'kims-first-password', role: 'viewer' })).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await th?.stop(true);
});

describe('settings', () => {
  it('a viewer changes their own password: a wrong current one and a mistyped new one are said plainly', async () => {
    const page = await loggedInPage(browser, th, 'kim', 'kims-first-password');
    await page.goto(`${th.httpUrl}/#/settings`);
    await page.locator('text=Logged in as kim (viewer).').waitFor();
    const status = page.locator('.form-status');

    await page.fill('#own-current', 'not-my-password');
    await page.fill('#own-new', 'kims-second-password');
    await page.fill('#own-again', 'kims-second-password');
    await page.click('text=Change password');
    await page.locator('.form-status.error').waitFor();
    expect(await status.textContent()).toBe('The current password is wrong.');

    await page.fill('#own-current', 'kims-first-password');
    await page.fill('#own-again', 'kims-secnod-password');
    await page.click('text=Change password');
    await page.locator('text=The new passwords are not the same.').waitFor();

    await page.fill('#own-again', 'kims-second-password');
    await page.click('text=Change password');
    await page.locator('text=Password changed. Your other sessions were logged out; this one stays.').waitFor();
    expect(await page.inputValue('#own-current')).toBe('');
    th.hub.limiter.succeed(['ip:127.0.0.1', 'user:kim']);

    await page.click('text=Log out');
    await page.fill('#username', 'kim');
    await page.fill('#password', 'kims-second-password');
    await page.click('button[type=submit]');
    await page.waitForSelector('nav >> text=Home');
    await page.close();
  });

  it('an admin sees no Delete next to their own account, and can delete another admin', async () => {
    expect((await http(th, 'POST', '/api/users', { name: 'sam', password: 'sams-password', role: 'admin' })).status).toBe(201);
    const page = await loggedInPage(browser, th, 'admin', ADMIN_PASSWORD);
    await page.goto(`${th.httpUrl}/#/settings`);
    const row = (name: string) => page.locator(`li[data-user="${name}"]`);
    await row('sam').waitFor();
    expect(await row('admin').locator('button').count()).toBe(0);
    expect(await row('admin').textContent()).toBe('admin (admin) — you');
    expect(await row('kim').locator('button').textContent()).toBe('Delete');
    await row('sam').locator('button', { hasText: 'Delete' }).click();
    await row('sam').waitFor({ state: 'detached' });
    expect(th.hub.users.getUser('sam')).toBeUndefined();
    await page.close();
  });
});

describe('activity', () => {
  it('an empty log says what will appear there, and steps aside for the first event', async () => {
    const page = await loggedInPage(browser, th, 'admin', ADMIN_PASSWORD);
    await page.goto(`${th.httpUrl}/#/activity`);
    await page.waitForSelector('.live.on');
    const empty = page.locator('p.empty');
    await empty.waitFor();
    expect(await empty.textContent()).toContain('Nothing has happened since this page opened. Devices going online or offline, rule runs');
    const c = await th.connect({ clientId: 'attic' });
    await c.publishAsync('home/attic/status', 'online', { qos: 1, retain: true });
    await page.locator('ol.log li', { hasText: 'attic is online' }).waitFor();
    expect(await empty.isVisible()).toBe(false);
    // Unticking every kind shown leaves a log that says so, not a blank page.
    const ticked = page.locator('fieldset.filters input:checked');
    while ((await ticked.count()) > 0) await ticked.first().uncheck();
    expect(await empty.textContent()).toBe('Nothing of the kinds ticked above since this page opened.');
    expect(await empty.isVisible()).toBe(true);
    await page.close();
  });
});
