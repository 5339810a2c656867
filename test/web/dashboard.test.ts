// The dashboard in a real headless Chromium against a real hub: login, live devices, controls, offline, rules, phone width.
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, DESKTOP, launchBrowser } from '../helpers/browser.js';
import { ADMIN_PASSWORD, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';

let th: TestHub;
let browser: Browser;
let page: Page;
let lamp: MqttClient;
const lampCommands: string[] = [];

beforeAll(async () => {
  th = await startTestHub();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: DESKTOP });
  page.on('pageerror', (err) => console.error('page error:', err.message));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await th?.stop(true);
});

describe('dashboard', () => {
  it('logs in', async () => {
    await page.goto(th.httpUrl + '/');
    await page.fill('#username', 'admin');
    await page.fill('#password', 'wrong-password');
    await page.click('button[type=submit]');
    await page.waitForSelector('text=Wrong username or password');
    await page.fill('#password', ADMIN_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('nav >> text=Rules');
    await page.waitForSelector('.live.on');
  });

  it('shows a device as soon as it publishes, and its values change live', async () => {
    const sensor = await th.connect({ clientId: 'thermo', will: { topic: 'home/livingroom/status', payload: Buffer.from('offline'), qos: 1, retain: true } });
    await sensor.publishAsync('home/livingroom/status', 'online', { qos: 1, retain: true });
    await sensor.publishAsync('home/livingroom/temperature', '21.5', { qos: 1, retain: true });
    const value = page.locator('[data-device=livingroom] dd[data-property=temperature]');
    await value.waitFor();
    expect(await value.textContent()).toBe('21.5 °C');
    await sensor.publishAsync('home/livingroom/temperature', '22.25', { qos: 1, retain: true });
    await page.waitForFunction(() => document.querySelector('[data-device=livingroom] dd[data-property=temperature]')?.textContent === '22.3 °C');
    expect(await page.locator('[data-device=livingroom] .badge').textContent()).toBe('online');
  });

  it('a toggle sends the /set command to the device, pending until the device confirms', async () => {
    lamp = await th.connect({ clientId: 'lamp' });
    lamp.on('message', (topic, payload) => topic === 'home/lamp/power/set' && lampCommands.push(payload.toString()));
    await lamp.subscribeAsync('home/lamp/+/set', { qos: 1 });
    await lamp.publishAsync('home/lamp/status', 'online', { qos: 1, retain: true });
    await lamp.publishAsync('home/lamp/power', 'off', { qos: 1, retain: true });
    const toggle = page.locator('[data-device=lamp] input[role=switch]');
    await toggle.waitFor({ state: 'attached' });
    await page.locator('[data-device=lamp] .switch').click();
    await waitFor(() => lampCommands.length === 1, 'the /set command at the lamp');
    expect(lampCommands).toEqual(['on']);
    await page.locator('[data-device=lamp] .state.pending').waitFor();
    await lamp.publishAsync('home/lamp/power', 'on', { qos: 1, retain: true });
    await page.locator('[data-device=lamp] .state.pending').waitFor({ state: 'detached' });
    expect(await toggle.isChecked()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'home-desktop.png'), fullPage: true });
  });

  it('a device going offline turns its card offline', async () => {
    (lamp as any).stream.destroy();
    await page.waitForFunction(() => document.querySelector('[data-device=lamp] .badge')?.textContent === 'offline');
    expect(await page.locator('[data-device=lamp]').getAttribute('class')).toContain('offline');
  });

  it('a disk that refuses writes shows a banner on every page, gone once the hub recovers', async () => {
    const banner = page.locator('.banner[role=alert]');
    expect(await banner.isVisible()).toBe(false);
    th.hub.db.pragma('query_only = ON');
    try {
      const sensor = await th.connect({ clientId: 'banner-sensor' });
      await sensor.publishAsync('home/cellar/humidity', '71', { qos: 1 });
      await banner.waitFor({ state: 'visible', timeout: 10_000 });
      expect(await banner.textContent()).toContain('database: the data dir is read-only (SQLITE_READONLY)');
      await page.screenshot({ path: join(ARTIFACTS, 'health-banner.png') });
    } finally {
      th.hub.db.pragma('query_only = OFF');
    }
    await banner.waitFor({ state: 'hidden', timeout: 15_000 });
  });

  it('a rule saved with an error shows it at its line; the fixed rule runs and its trace opens', async () => {
    await page.goto(th.httpUrl + '/#/rules/evening?new');
    const editor = page.locator('#rule-yaml');
    await editor.waitFor();
    const broken = ['id: evening', 'triggers:', '  - trigger: numeric_state', '    topic: home/livingroom/temperature', '    above: warm', 'actions:', '  - action: publish', '    topic: home/lamp/power/set', '    payload: "on"'].join('\n');
    await editor.fill(broken);
    await page.locator('#rule-problems li').first().waitFor();
    expect(await page.locator('#rule-problems li').first().textContent()).toBe('line 5, column 12: triggers[0].above must be a number, got "warm"');
    expect(await page.locator('.gutter .bad').textContent()).toBe('5');
    await page.click('#save-rule');
    await page.waitForSelector('text=Not saved: fix the errors shown');
    await page.screenshot({ path: join(ARTIFACTS, 'rule-error-desktop.png'), fullPage: true });
    await editor.fill(broken.replace('above: warm', 'above: 20'));
    await page.waitForFunction(() => document.querySelectorAll('#rule-problems li').length === 0);
    await page.click('#save-rule');
    await page.waitForSelector('text=Saved; the rule is live');
    await page.click('text=Run now');
    const trace = page.locator('details.trace[data-outcome=ran]').first();
    await trace.waitFor();
    await trace.locator('summary').click();
    await trace.locator('text=publish home/lamp/power/set').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'rule-trace-desktop.png'), fullPage: true });
    // Replay against the readings recorded above: 21.5 then 22.25 °C, never crossing 20 from below within the day.
    await page.click('#replay');
    await page.locator('#rule-results h3').waitFor();
    expect(await page.locator('#rule-results').textContent()).toContain('recorded message(s) on home/livingroom/temperature');
    await page.click('#run-tests');
    await page.waitForFunction(() => document.querySelector('#rule-results h3')?.textContent === 'Tests failed');
    expect(await page.locator('#rule-results pre').textContent()).toContain('no tests: write evening.test.yaml beside evening.yaml');
  });

  it('at phone width (390 px) nothing overflows', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [hash, name] of [['#/', 'home'], ['#/rules', 'rules'], ['#/device/livingroom', 'device'], ['#/activity', 'activity'], ['#/settings', 'settings']] as const) {
      await page.goto(`${th.httpUrl}/${hash}`);
      await page.waitForSelector('#main > *');
      await page.waitForTimeout(300);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect({ page: name, width }).toEqual({ page: name, width: 390 });
      await page.screenshot({ path: join(ARTIFACTS, `${name}-phone.png`), fullPage: true });
    }
  });
});
