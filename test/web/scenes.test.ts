// The dashboard's scenes, scripts and helpers in a real headless Chromium against a real hub: a scene button on the
// home page, helper controls that set helpers (devices), a script run with its fields, "save the current state of
// these devices as a scene", and a helper made in the dashboard.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchBrowser, loggedInPage } from '../helpers/browser.js';
import { ADMIN_PASSWORD, startTestHub, tempDir, waitFor, type TestHub } from '../helpers/hub.js';

let th: TestHub;
let browser: Browser;
let page: Page;
let devices: MqttClient;
const commands: string[] = [];

const HOME = `
scenes:
  - id: movie-night
    name: Movie night
    states:
      home/lamp/brightness: 20
      home/lamp/power: "on"
scripts:
  - id: announce
    name: Announce
    fields:
      text: { type: text, description: what to say }
    actions:
      - action: publish
        topic: home/speaker/say/set
        payload: "{{ text }}"
helpers:
  - { id: vacation, type: toggle, name: Vacation mode }
  - { id: target, type: number, min: 16, max: 26, step: 0.5, unit: "°C", initial: 20 }
  - { id: tea, type: timer, duration: 4m }
`;

beforeAll(async () => {
  const dataDir = tempDir();
  mkdirSync(join(dataDir, 'rules'));
  writeFileSync(join(dataDir, 'rules', 'home.yaml'), HOME);
  th = await startTestHub({ dataDir });
  devices = await th.connect({ clientId: 'lamp-and-speaker' });
  devices.on('message', (topic, payload) => commands.push(`${topic}=${payload}`));
  await devices.subscribeAsync(['home/lamp/+/set', 'home/speaker/+/set'], { qos: 1 });
  await devices.publishAsync('home/lamp/power', 'off', { qos: 1, retain: true });
  await devices.publishAsync('home/lamp/brightness', '80', { qos: 1, retain: true });
  await waitFor(() => th.hub.rules.state('home/lamp/brightness') === 80, 'the lamp known');
  browser = await launchBrowser();
  page = await loggedInPage(browser, th, 'admin', ADMIN_PASSWORD);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await th?.stop(true);
});

describe('scenes, scripts and helpers in the dashboard', () => {
  it('a scene button on the home page activates the scene: the devices get what differs', async () => {
    await page.click('.quick button.scene >> text=Movie night');
    await waitFor(() => commands.length === 2, 'two commands at the lamp');
    expect(commands.sort()).toEqual(['home/lamp/brightness/set=20', 'home/lamp/power/set=on']);
    await page.locator('.toast >> text=Movie night: sent 2 of 2, 0 already so').waitFor();
  });

  it('helper controls set helpers, which are devices', async () => {
    await page.goto(`${th.httpUrl}/#/scenes`);
    await page.locator('[data-helper=vacation] .switch').click();
    await waitFor(() => th.hub.registry.get('helper_vacation').properties.value?.value === 'on', 'vacation on, as a device');
    const slider = page.locator('#helper-target');
    await slider.fill('22.5');
    await slider.dispatchEvent('change');
    await waitFor(() => th.hub.helpers.get('target').value === 22.5, 'the target set');
    await page.locator('[data-helper=tea] button >> text=Start').click();
    await page.locator('[data-helper=tea] .badge >> text=active').waitFor();
    expect(await page.locator('[data-helper=tea] .countdown').textContent()).toMatch(/^[34]:\d\d$/);
    await page.screenshot({ path: join(ARTIFACTS, 'scenes-desktop.png'), fullPage: true });
  });

  it('a script runs with the fields typed in', async () => {
    await page.fill('#field-announce-text', 'Dinner is ready');
    await page.click('button >> text=Run Announce');
    await waitFor(() => commands.includes('home/speaker/say/set=Dinner is ready'), 'the speaker told');
    await page.locator('.toast >> text=Announce: ran').waitFor();
  });

  it('saves the current state of chosen devices as a scene, which then has its own button', async () => {
    await page.fill('#scene-id', 'lamp-now');
    await page.fill('#scene-name', 'Lamp as it is');
    await page.check('.device-choice input[value=lamp]');
    await page.click('button >> text=Save scene');
    await page.locator('[data-scene=lamp-now] button >> text=Lamp as it is').waitFor();
    const file = join(th.dataDir, 'rules', 'scenes.yaml');
    expect(existsSync(file)).toBe(true);
    // The lamp has not reported the scene's values back: the scene keeps what the hub knows now.
    expect(readFileSync(file, 'utf8')).toContain('home/lamp/brightness: 80');
  });

  it('a helper made in the dashboard appears with its control, and a refused value says why', async () => {
    await page.fill('#helper-id', 'guests');
    await page.selectOption('#helper-type', 'counter');
    await page.click('button >> text=Add helper');
    await page.locator('[data-helper=guests]').waitFor();
    await page.click('[aria-label="Guests: increment"]');
    await waitFor(() => th.hub.helpers.get('guests').value === 1, 'one guest');
    await page.fill('#helper-id', 'Bad Id');
    await page.selectOption('#helper-type', 'toggle');
    await page.locator('#helper-id').evaluate((el: HTMLInputElement) => el.removeAttribute('pattern'));
    await page.click('button >> text=Add helper');
    await page.locator('.toast.error >> text=/^body\\.id must match/').waitFor();
  });

  it('a scene links to its file, which opens in the rule editor to be changed there', async () => {
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.click('[data-scene=movie-night] a >> text=home.yaml');
    await page.waitForFunction(() =>
      (document.getElementById('rule-yaml') as HTMLTextAreaElement | null)?.value.includes('id: movie-night'),
    );
    expect(errors).toEqual([]);
  });
});
