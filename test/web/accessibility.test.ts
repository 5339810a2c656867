// Every dashboard page meets WCAG 2.1 AA at desktop and phone size: axe-core finds no serious or critical violation.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, http, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { ARTIFACTS, DESKTOP, describeViolations, launchBrowser, loggedInPage, PHONE, seriousViolations } from '../helpers/browser.js';
import { SHUTTER, SHUTTER_MODE } from '../devices/fixtures/homeassistant.js';
import { bridgeDevices } from '../devices/fixtures/zigbee2mqtt.js';

let th: TestHub;
let browser: Browser;

const RULE = [
  'id: hall-light',
  'description: Hall light on with motion',
  'triggers:',
  '  - trigger: state',
  '    topic: home/hall/motion',
  '    to: true',
  'actions:',
  '  - action: publish',
  '    topic: home/hall_lamp/power/set',
  '    payload: "on"',
  '',
].join('\n');

// Scenes, a script with a field, and a helper of every type with a control: what the Scenes page draws.
const BLOCKS = `scenes:
  - { id: movie-night, name: Movie night, states: { home/hall_lamp/brightness: 20 } }
scripts:
  - id: announce
    fields: { text: { type: text, description: what to say } }
    actions: [{ action: log, message: "{{ text }}" }]
helpers:
  - { id: vacation, type: toggle }
  - { id: target, type: number, min: 16, max: 26, unit: "°C" }
  - { id: mode, type: select, options: [home, away] }
  - { id: note, type: text }
  - { id: alarm, type: datetime, has_date: false }
  - { id: guests, type: counter }
  - { id: tea, type: timer }
`;

beforeAll(async () => {
  th = await startTestHub();
  browser = await launchBrowser();
  // A home with something of every kind a page draws: readings, a switch, a slider, a select, offline, a rule.
  const c = await th.connect({ clientId: 'a11y-devices' });
  await c.publishAsync('home/hall/status', 'online', { qos: 1, retain: true });
  for (const [topic, value] of [
    ['hall/temperature', '21.5'],
    ['hall/battery', '100'],
    ['hall/motion', 'true'],
    ['hall_lamp/power', 'off'],
    ['hall_lamp/brightness', '40'],
    ['thermostat/mode', 'heat'],
    ['cellar/humidity', '71'],
  ]) {
    await c.publishAsync(`home/${topic}`, value, { qos: 1, retain: true });
  }
  await c.publishAsync('home/cellar/status', 'offline', { qos: 1, retain: true });
  // …and devices described by their ecosystems: a Zigbee2MQTT light card, battery and link quality, a discovered shutter.
  await c.publishAsync('zigbee2mqtt/bridge/devices', JSON.stringify(bridgeDevices()), { qos: 1, retain: true });
  await c.publishAsync('zigbee2mqtt/kitchen/floor_light', JSON.stringify({ state: 'ON', brightness: 180 }), { qos: 1 });
  await c.publishAsync('zigbee2mqtt/Living Room/Sensor', JSON.stringify({ temperature: 20.5, battery: 80, linkquality: 90 }), { qos: 1 });
  for (const d of [SHUTTER, SHUTTER_MODE]) await c.publishAsync(d.topic, JSON.stringify(d.config), { qos: 1, retain: true });
  expect((await http(th, 'PUT', '/api/rules/hall-light', { yaml: RULE })).status).toBeLessThan(300);
  expect((await http(th, 'PUT', '/api/rule-files/home.yaml', { yaml: BLOCKS })).status).toBeLessThan(300);
  expect((await http(th, 'POST', '/api/users', { name: 'kim', password: 'kims-password', role: 'viewer' })).status).toBe(201);
  await waitFor(() => th.hub.registry.list().filter((d) => !d.id.startsWith('helper_')).length === 8, 'eight devices');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await th?.stop(true);
});

const PAGES: Array<[string, string]> = [
  ['home', '#/'],
  ['device', '#/device/hall'],
  ['light device', '#/device/kitchen_floor_light'],
  ['scenes', '#/scenes'],
  ['rules', '#/rules'],
  ['rule editor', '#/rules/hall-light'],
  ['activity', '#/activity'],
  ['settings', '#/settings'],
];

async function audit(page: Page, name: string, size: string): Promise<string[]> {
  const found = describeViolations(await seriousViolations(page));
  // The findings of a failing page are kept beside the screenshots; a page that passes leaves no stale file.
  const file = join(ARTIFACTS, `axe-${name.replace(/\W+/g, '-')}-${size}.txt`);
  if (found.length > 0) writeFileSync(file, found.join('\n') + '\n');
  else rmSync(file, { force: true });
  return found.map((line) => `${name} (${size}): ${line}`);
}

describe('accessibility (axe-core, WCAG 2.1 A and AA)', () => {
  // Colours are the same at every size, but each scheme has its own: the dark one is audited at desktop size.
  for (const [size, viewport, colorScheme] of [
    ['desktop', DESKTOP, 'light'],
    ['phone', PHONE, 'light'],
    ['desktop-dark', DESKTOP, 'dark'],
  ] as const) {
    it(`no serious or critical violation on any page at ${viewport.width} px wide in ${colorScheme} colours (${size})`, async () => {
      const problems: string[] = [];
      const login = await browser.newPage({ viewport, colorScheme });
      await login.goto(th.httpUrl + '/');
      await login.waitForSelector('#username');
      // A failed login shows its error, so that is audited too.
      await login.fill('#username', 'admin');
      await login.fill('#password', 'not-the-password');
      await login.click('button[type=submit]');
      await login.waitForSelector('text=Wrong username or password');
      problems.push(...(await audit(login, 'login', size)));
      await login.close();
      th.hub.limiter.succeed(['ip:127.0.0.1', 'user:admin']);

      const page = await loggedInPage(browser, th, 'admin', ADMIN_PASSWORD, { viewport, colorScheme });
      await page.waitForSelector('.live.on');
      for (const [name, hash] of PAGES) {
        await page.goto(`${th.httpUrl}/${hash}`);
        await page.waitForSelector('#main > *');
        if (name === 'device') await page.waitForSelector('.chart canvas');
        if (name === 'scenes') await page.waitForSelector('#helper-id');
        if (name === 'activity') {
          // Something in the log: the hall going offline and back while the page is open.
          const c = await th.connect();
          await c.publishAsync('home/hall/status', 'offline', { qos: 1, retain: true });
          await c.publishAsync('home/hall/status', 'online', { qos: 1, retain: true });
          await page.waitForSelector('ol.log li');
        }
        await page.waitForTimeout(200);
        problems.push(...(await audit(page, name, size)));
        if (name === 'device') {
          await page.click('text=Delete device…');
          await page.locator('dialog.confirm[open]').waitFor();
          problems.push(...(await audit(page, 'device delete confirmation', size)));
          await page.click('dialog.confirm >> text=Cancel');
        }
      }
      await page.close();
      // A viewer's Settings is a page of its own: their password, and nothing an admin manages.
      const viewer = await loggedInPage(browser, th, 'kim', 'kims-password', { viewport, colorScheme });
      await viewer.goto(`${th.httpUrl}/#/settings`);
      await viewer.locator('#own-current').waitFor();
      problems.push(...(await audit(viewer, 'settings (viewer)', size)));
      await viewer.close();
      expect(problems).toEqual([]);
    });
  }
});
