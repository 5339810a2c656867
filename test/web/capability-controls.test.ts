// The dashboard draws controls from capabilities, in a real Chromium: a Zigbee2MQTT light as a light card, a plug's
// switch, a shutter's slider and select from Home Assistant discovery, read-only readings with units, and battery
// and link quality small; each control's command reaches the device in its own format.
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchBrowser, loggedInPage } from '../helpers/browser.js';
import { ADMIN_PASSWORD, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { SHUTTER, SHUTTER_MODE, STUDY_CLIMATE } from '../devices/fixtures/homeassistant.js';
import { bridgeDevices } from '../devices/fixtures/zigbee2mqtt.js';

let th: TestHub;
let browser: Browser;
let page: Page;
let bridge: MqttClient;
const received: string[] = [];

beforeAll(async () => {
  th = await startTestHub();
  bridge = await th.connect({ clientId: 'devices' });
  bridge.on('message', (topic, payload) => received.push(`${topic} ${payload}`));
  for (const t of ['zigbee2mqtt/+/set', 'zigbee2mqtt/+/+/set', 'shutters/#', 'study/ac/#']) await bridge.subscribeAsync(t);
  await bridge.publishAsync('zigbee2mqtt/bridge/state', 'online', { qos: 1, retain: true });
  await bridge.publishAsync('zigbee2mqtt/bridge/devices', JSON.stringify(bridgeDevices()), { qos: 1, retain: true });
  await bridge.publishAsync(
    'zigbee2mqtt/Living Room/Sensor',
    JSON.stringify({ temperature: 21.46, humidity: 44.7, battery: 90, linkquality: 120 }),
    { qos: 1 },
  );
  await bridge.publishAsync('zigbee2mqtt/kitchen/floor_light', JSON.stringify({ state: 'OFF', brightness: 64, color_temp: 300 }), {
    qos: 1,
  });
  await bridge.publishAsync('zigbee2mqtt/my_plug', JSON.stringify({ state: 'OFF', power: 0 }), { qos: 1 });
  for (const c of [SHUTTER, SHUTTER_MODE, STUDY_CLIMATE])
    await bridge.publishAsync(c.topic, JSON.stringify(c.config), { qos: 1, retain: true });
  await bridge.publishAsync('shutters/01/pos', '{"position": 30}', { qos: 1 });
  await bridge.publishAsync('shutters/01/mode', 'AUTO', { qos: 1 });
  await waitFor(
    () => th.hub.registry.has('study_ac') && th.hub.registry.get('living_room_shutter').properties.mode?.value === 'auto',
    'the devices',
  );
  browser = await launchBrowser();
  page = await loggedInPage(browser, th, 'admin', ADMIN_PASSWORD);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await th?.stop(true);
});

const card = (id: string) => page.locator(`[data-device=${id}]`);
const setRange = (id: string, label: string, value: number) =>
  card(id)
    .locator(`input[type=range][aria-label$="${label}"]`)
    .evaluate((el: HTMLInputElement, v) => {
      el.value = String(v);
      el.dispatchEvent(new Event('change'));
    }, value);

describe('controls from capabilities', () => {
  it('shows readings read-only with their units, and battery and link quality small', async () => {
    const temperature = card('living_room_sensor').locator('dd[data-property=temperature]');
    await temperature.waitFor();
    expect(await temperature.textContent()).toBe('21.5 °C');
    expect(await card('living_room_sensor').locator('input, select, button').count()).toBe(0);
    expect(await card('living_room_sensor').locator('.small [data-property=battery]').textContent()).toBe('battery 90 %');
    expect(await card('living_room_sensor').locator('.small [data-property=linkquality]').textContent()).toBe('link 120 lqi');
  });

  it("draws a light as a light: its button switches it in Zigbee2MQTT's format, and it glows once the light confirms", async () => {
    const lamp = card('kitchen_floor_light').locator('button.lamp');
    expect(await lamp.getAttribute('aria-pressed')).toBe('false');
    await lamp.click();
    await waitFor(() => received.includes('zigbee2mqtt/kitchen/floor_light/set {"state":"ON"}'), 'the light command');
    await card('kitchen_floor_light').locator('.state.pending').waitFor();
    await bridge.publishAsync('zigbee2mqtt/kitchen/floor_light', JSON.stringify({ state: 'ON', brightness: 64, color_temp: 300 }), {
      qos: 1,
    });
    await page.waitForFunction(
      () => document.querySelector('[data-device=kitchen_floor_light] button.lamp')?.getAttribute('aria-pressed') === 'true',
    );
    expect(await card('kitchen_floor_light').getAttribute('class')).toContain('light on');
    const brightness = card('kitchen_floor_light').locator('input[type=range][aria-label$=brightness]');
    expect([await brightness.getAttribute('min'), await brightness.getAttribute('max'), await brightness.inputValue()]).toEqual([
      '0',
      '254',
      '64',
    ]);
    await setRange('kitchen_floor_light', 'brightness', 200);
    await waitFor(() => received.includes('zigbee2mqtt/kitchen/floor_light/set {"brightness":200}'), 'the brightness command');
    await page.screenshot({ path: join(ARTIFACTS, 'capability-controls-desktop.png'), fullPage: true });
  });

  it('a plug gets a switch; a shutter a position slider with its unit and a select of its modes; a number its range and step', async () => {
    await card('my_plug').locator('.switch').click();
    await waitFor(() => received.includes('zigbee2mqtt/my_plug/set {"state":"ON"}'), 'the plug command');
    const position = card('living_room_shutter').locator('dd[data-property=position]');
    expect(await position.locator('output').textContent()).toBe('30 %');
    await setRange('living_room_shutter', 'Shutter', 75);
    await waitFor(() => received.includes('shutters/01/pos/set 75'), 'the position command');
    const mode = card('living_room_shutter').locator('dd[data-property=mode] select');
    expect(await mode.locator('option').allTextContents()).toEqual(['auto', 'manual', 'vacation']);
    await mode.selectOption('vacation');
    await waitFor(() => received.includes('shutters/01/mode/set {"mode": "VACATION"}'), 'the mode command');
    const target = card('study_ac').locator('dd[data-property=target_temperature] input[type=range]');
    expect([await target.getAttribute('min'), await target.getAttribute('max'), await target.getAttribute('step')]).toEqual([
      '16',
      '30',
      '0.5',
    ]);
    // Its mode's command template is beyond Hearth: shown, not offered as a control.
    expect(await card('study_ac').locator('dd[data-property=mode] select').count()).toBe(0);
  });
});
