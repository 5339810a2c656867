// The dashboard in a real headless Chromium against a real hub: login, live devices, controls, offline, rules, phone width.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, DESKTOP, launchBrowser } from '../helpers/browser.js';
import { ADMIN_PASSWORD, http, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';

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
    const sensor = await th.connect({
      clientId: 'thermo',
      will: { topic: 'home/livingroom/status', payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    await sensor.publishAsync('home/livingroom/status', 'online', { qos: 1, retain: true });
    await sensor.publishAsync('home/livingroom/temperature', '21.5', { qos: 1, retain: true });
    const value = page.locator('[data-device=livingroom] dd[data-property=temperature]');
    await value.waitFor();
    expect(await value.textContent()).toBe('21.5 °C');
    await sensor.publishAsync('home/livingroom/temperature', '22.25', { qos: 1, retain: true });
    await page.waitForFunction(
      () => document.querySelector('[data-device=livingroom] dd[data-property=temperature]')?.textContent === '22.3 °C',
    );
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
    const broken = [
      'id: evening',
      'triggers:',
      '  - trigger: numeric_state',
      '    topic: home/livingroom/temperature',
      '    above: warm',
      'actions:',
      '  - action: publish',
      '    topic: home/lamp/power/set',
      '    payload: "on"',
    ].join('\n');
    await editor.fill(broken);
    await page.locator('#rule-problems li').first().waitFor();
    expect(await page.locator('#rule-problems li').first().textContent()).toBe(
      'line 5, column 12: triggers[0].above must be a number, got "warm"',
    );
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

  it('a rule file with a mistake opens in the editor with its error marked, and is fixed there', async () => {
    const rule = (id: string, indent = '') =>
      [
        `id: ${id}`,
        'triggers:',
        '  - trigger: webhook',
        `    webhook_id: ${id}-secret-1`,
        'actions:',
        '  - action: publish',
        `    ${indent}topic: home/${id}/light/set`,
        '    payload: "on"',
        '',
      ].join('\n');
    writeFileSync(join(th.hub.ruleDirectory.dir, 'porch.yaml'), rule('porch', '    '));
    th.hub.ruleDirectory.reload('porch.yaml');
    await page.goto(th.httpUrl + '/#/rules');
    const item = page.locator('li[data-file="porch.yaml"]');
    await item.waitFor();
    expect(await item.locator('.muted').textContent()).toBe('Holds porch; none of its rules run until it is fixed.');
    await item.locator('a').click();
    const editor = page.locator('#rule-yaml');
    await page.waitForFunction(() => (document.getElementById('rule-yaml') as HTMLTextAreaElement | null)?.value.includes('id: porch'));
    const message =
      'line 7 is indented deeper than the key above it ("action" on line 6), which already has a value; start it in column 5, like "action" (column 9)';
    await page.locator('#rule-problems li').first().waitFor();
    expect(await page.locator('#rule-problems li').allTextContents()).toEqual([message]);
    expect(await page.locator('.gutter .bad').allTextContents()).toEqual(['7']);
    expect(await page.locator('#rule-file').textContent()).toContain(
      'holds 1 rule: porch — it has errors, so it does not run; fix them here and save.',
    );
    // The problem takes the caret to the mistake.
    await page.locator('#rule-problems button').click();
    const caret = await editor.evaluate((el: HTMLTextAreaElement) => el.value.slice(0, el.selectionStart).split('\n').length);
    expect(caret).toBe(7);
    await editor.fill(rule('porch'));
    await page.waitForFunction(() => document.querySelectorAll('#rule-problems li').length === 0);
    await page.click('#save-rule');
    await page.waitForSelector('text=Saved; the rule is live');
    await page.waitForFunction(() => document.getElementById('rule-file')?.textContent?.endsWith('holds 1 rule: porch.'));
    expect((await http(th, 'GET', '/api/rules/porch')).json.status).toBe('active');
  });

  it('a file with several rules opens as that file, says which rules it holds, and runs the one chosen', async () => {
    const rule = (id: string) =>
      [
        `- id: ${id}`,
        '  triggers:',
        '    - trigger: webhook',
        `      webhook_id: ${id}-secret-1`,
        '  actions:',
        '    - action: publish',
        `      topic: home/${id}/set`,
        '      payload: "on"',
      ].join('\n');
    writeFileSync(join(th.hub.ruleDirectory.dir, 'kitchen.yaml'), `${rule('kitchen-on')}\n${rule('kitchen-off')}\n`);
    th.hub.ruleDirectory.reload('kitchen.yaml');
    await page.goto(th.httpUrl + '/#/rules');
    await page.locator('li[data-rule="kitchen-off"] a').click();
    await page.waitForFunction(() => document.querySelector('h2')?.textContent === 'kitchen.yaml');
    await page.waitForFunction(() =>
      document.getElementById('rule-file')?.textContent?.endsWith('holds 2 rules: kitchen-on, kitchen-off.'),
    );
    expect(await page.locator('#rule-yaml').inputValue()).toContain('- id: kitchen-on');
    expect(await page.locator('#rule-select').inputValue()).toBe('kitchen-off');
    const editor = page.locator('#rule-yaml');
    await editor.fill((await editor.inputValue()).replace('home/kitchen-off/set', 'home/kitchen-light/set'));
    await page.click('#save-rule');
    await page.waitForSelector('text=Saved; its 2 rules are live');
    await page.click('text=Run now');
    const trace = page.locator('details.trace[data-outcome=ran]').first();
    await trace.waitFor();
    expect(await trace.textContent()).toContain('publish home/kitchen-light/set');
    expect((await http(th, 'GET', '/api/rules/kitchen-on/traces')).json).toEqual([]);
  });

  it('a run that mode restart replaced shows as restarted, with no step marked as failed', async () => {
    const yaml = [
      'id: hall',
      'mode: restart',
      'triggers:',
      '  - trigger: webhook',
      '    webhook_id: hall-secret-1',
      'actions:',
      '  - delay: 10m',
      '',
    ].join('\n');
    expect((await http(th, 'PUT', '/api/rules/hall', { yaml })).status).toBe(201);
    for (let i = 0; i < 2; i++) expect((await http(th, 'POST', '/api/webhooks/hall-secret-1', {}, null)).status).toBe(202);
    await page.goto(th.httpUrl + '/#/rules/hall');
    const trace = page.locator('details.trace[data-outcome=restarted]');
    await trace.waitFor();
    expect(await trace.locator('summary').textContent()).toMatch(/ — restarted: a new trigger started the rule again \(mode restart\)$/);
    expect(await trace.locator('li').allTextContents()).toEqual([
      expect.stringMatching(/^delay: restarted: a new trigger started the rule again \(mode restart\) \(\d+ ms\)$/),
    ]);
    expect(await trace.locator('li.bad').count()).toBe(0);
    expect((await http(th, 'POST', '/api/rules/hall/disable')).json.status).toBe('disabled');
  });

  it('at phone width (390 px) nothing overflows', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [hash, name] of [
      ['#/', 'home'],
      ['#/rules', 'rules'],
      ['#/device/livingroom', 'device'],
      ['#/activity', 'activity'],
      ['#/settings', 'settings'],
    ] as const) {
      await page.goto(`${th.httpUrl}/${hash}`);
      await page.waitForSelector('#main > *');
      await page.waitForTimeout(300);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect({ page: name, width }).toEqual({ page: name, width: 390 });
      await page.screenshot({ path: join(ARTIFACTS, `${name}-phone.png`), fullPage: true });
    }
  });
});
