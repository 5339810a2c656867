// A Tasmota plug on the real broker, with its own login: its LWT, STATE and SENSOR become a device with capabilities,
// readings feed rules and history, and commands reach it as cmnd/<topic>/POWER in its own words. Payloads: see
// fixtures/tasmota.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestHub, tempDir, waitFor, type TestHub } from '../helpers/hub.js';
import { AM2301_SENSOR, PLUG_STATE, POW_SENSOR } from './fixtures/tasmota.js';

const RULE = `
id: plug-overload
triggers:
  - trigger: numeric_state
    topic: home/kitchen-plug/energy_power
    above: 2000
actions:
  - action: publish
    topic: home/kitchen-plug/power/set
    payload: "off"
`;

describe('a Tasmota device', () => {
  let th: TestHub;
  let plug: MqttClient;
  let password: string;
  const commands: string[] = [];
  const device = async (id: string) => (await http(th, 'GET', `/api/devices/${id}`)).json;

  /** Connects as Tasmota does: its last will Offline on tele/<topic>/LWT, retained; Online once connected. */
  const connectPlug = async () => {
    const c = await mqtt.connectAsync(th.mqttUrl, {
      username: 'kitchen-plug',
      password,
      reconnectPeriod: 0,
      will: { topic: 'tele/kitchen-plug/LWT', payload: Buffer.from('Offline'), qos: 1, retain: true },
    });
    c.on('message', (topic, payload) => {
      commands.push(`${topic} ${payload}`);
      // Tasmota answers a POWER command on stat/<topic>/RESULT and stat/<topic>/POWER (MQTT.md, "Command flow").
      if (topic === 'cmnd/kitchen-plug/POWER') {
        const state = payload.toString() === 'TOGGLE' ? 'ON' : payload.toString();
        void c.publishAsync('stat/kitchen-plug/RESULT', JSON.stringify({ POWER: state }));
        void c.publishAsync('stat/kitchen-plug/POWER', state);
      }
    });
    await c.subscribeAsync('cmnd/kitchen-plug/#');
    await c.publishAsync('tele/kitchen-plug/LWT', 'Online', { qos: 1, retain: true });
    return c;
  };

  beforeAll(async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'rules'));
    writeFileSync(join(dir, 'rules', 'plug.yaml'), RULE);
    th = await startTestHub({ dataDir: dir, rulesDir: join(dir, 'rules') });
    const res = await http(th, 'POST', '/api/device-credentials', { deviceId: 'kitchen-plug', adapter: 'tasmota' });
    expect(res.json.topics).toEqual({ publish: ['tele/kitchen-plug/#', 'stat/kitchen-plug/#'], subscribe: ['cmnd/kitchen-plug/#'] });
    password = res.json.password;
    plug = await connectPlug();
  });
  afterAll(async () => {
    await plug?.endAsync().catch(() => undefined);
    await th.stop(true);
  });

  it('its login reaches only its own topics', async () => {
    await expect(plug.subscribeAsync('cmnd/other-plug/#')).rejects.toThrow();
    await plug.publishAsync('tele/other-plug/STATE', JSON.stringify(PLUG_STATE), { qos: 1 });
    await waitFor(() => th.logs.some((l) => l.includes('dropped a publish') && l.includes('tele/other-plug/STATE')), 'the refused publish');
    expect(th.hub.registry.has('other-plug')).toBe(false);
  });

  it("is announced by its LWT, described by its STATE and SENSOR, with units from Tasmota's fields", async () => {
    await plug.publishAsync('tele/kitchen-plug/STATE', JSON.stringify(PLUG_STATE), { qos: 1 });
    await plug.publishAsync('tele/kitchen-plug/SENSOR', JSON.stringify({ ...POW_SENSOR, ...AM2301_SENSOR }), { qos: 1 });
    await waitFor(async () => (await device('kitchen-plug'))?.properties?.am2301_temperature?.value === 24.6, 'the sensor reading');
    const d = await device('kitchen-plug');
    expect(d).toMatchObject({ source: 'tasmota', name: 'kitchen-plug', status: 'online' });
    expect(d.properties.power).toMatchObject({ value: 'OFF', type: 'boolean', settable: true, deviceClass: 'switch' });
    expect(d.properties.energy_power).toMatchObject({ value: 2635, unit: 'W', deviceClass: 'power', settable: false });
    expect(d.properties.am2301_temperature).toMatchObject({ unit: '°C', deviceClass: 'temperature' });
    expect(d.properties.am2301_humidity).toMatchObject({ value: 58.2, unit: '%' });
  });

  it('drives a rule whose command arrives as cmnd/<topic>/POWER, and its answer is the new state, with history', async () => {
    // The first SENSOR above crossed 2000 W: the rule turned the plug off in Tasmota's words.
    await waitFor(() => commands.includes('cmnd/kitchen-plug/POWER OFF'), 'the rule command');
    await plug.publishAsync('tele/kitchen-plug/SENSOR', JSON.stringify({ ...POW_SENSOR, ENERGY: { ...POW_SENSOR.ENERGY, Power: 0 } }), {
      qos: 1,
    });
    expect((await http(th, 'POST', '/api/devices/kitchen-plug/power/set', { value: true })).status).toBe(202);
    await waitFor(async () => (await device('kitchen-plug')).properties.power.value === 'ON', 'the plug on again');
    expect(commands).toContain('cmnd/kitchen-plug/POWER ON');
    await waitFor(() => th.hub.history.readingsOf('kitchen-plug', 'energy_power', 0, Date.now() + 1000).length === 2, 'power history');
    const refused = await http(th, 'POST', '/api/devices/kitchen-plug/energy_power/set', { value: 1 });
    expect(refused.status).toBe(400);
  });

  it('tells a malformed and a huge payload once each, and loses nothing else', async () => {
    for (let i = 0; i < 2; i++) await plug.publishAsync('tele/kitchen-plug/SENSOR', '{"AM2301":', { qos: 1 });
    for (let i = 0; i < 2; i++) await plug.publishAsync('tele/kitchen-plug/SENSOR', `{"X":"${'x'.repeat(20_000)}"}`, { qos: 1 });
    await plug.publishAsync('tele/kitchen-plug/SENSOR', JSON.stringify({ ...AM2301_SENSOR, AM2301: { Temperature: 25.1, Humidity: 50 } }), {
      qos: 1,
    });
    await waitFor(async () => (await device('kitchen-plug')).properties.am2301_temperature.value === 25.1, 'the next good reading');
    expect(th.logs.filter((l) => l.includes('tele/kitchen-plug/SENSOR is not a JSON object'))).toHaveLength(1);
    expect(th.logs.filter((l) => l.includes('tele/kitchen-plug/SENSOR sent 20008 bytes, more than tasmota takes'))).toHaveLength(1);
  });

  it('goes offline when its connection drops (its will), online when it is back; keeps its commands across a restart', async () => {
    (plug as any).stream.destroy();
    await waitFor(async () => (await device('kitchen-plug')).status === 'offline', 'offline by its will');
    th = await th.restart();
    plug = await connectPlug();
    await waitFor(async () => (await device('kitchen-plug')).status === 'online', 'online again');
    commands.length = 0;
    expect((await http(th, 'POST', '/api/devices/kitchen-plug/power/set', { value: 'toggle' })).status).toBe(202);
    await waitFor(() => commands.includes('cmnd/kitchen-plug/POWER TOGGLE'), 'the toggle after the restart');
  });
});
