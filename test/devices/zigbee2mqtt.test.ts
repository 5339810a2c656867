// A Zigbee2MQTT bridge on the real broker: its devices appear with their capabilities, their readings drive rules and
// history under home/<id>/…, and commands from a rule or the API reach the bridge in Zigbee2MQTT's own format.
// Payloads are the documentation's (see fixtures/zigbee2mqtt.ts for where each comes from).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestHub, tempDir, waitFor, type TestHub } from '../helpers/hub.js';
import { bridgeDevices } from './fixtures/zigbee2mqtt.js';

const RULE = `
id: warm-living-room
triggers:
  - trigger: numeric_state
    topic: home/living_room_sensor/temperature
    above: 25
actions:
  - action: publish
    topic: home/my_plug/state/set
    payload: "on"
`;

describe('a Zigbee2MQTT bridge', () => {
  let th: TestHub;
  let bridge: MqttClient;
  const received: Array<{ topic: string; payload: string }> = [];

  const device = async (id: string) => (await http(th, 'GET', `/api/devices/${id}`)).json;
  const commands = (topic: string) => received.filter((m) => m.topic === topic).map((m) => m.payload);

  beforeAll(async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'rules'));
    writeFileSync(join(dir, 'rules', 'warm.yaml'), RULE);
    th = await startTestHub({ dataDir: dir, rulesDir: join(dir, 'rules') });
    bridge = await th.connect({ clientId: 'zigbee2mqtt-bridge' });
    bridge.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
    await bridge.subscribeAsync('zigbee2mqtt/+/set');
    await bridge.subscribeAsync('zigbee2mqtt/+/+/set');
    await bridge.publishAsync('zigbee2mqtt/bridge/state', '{"state":"online"}', { qos: 1, retain: true });
    await bridge.publishAsync('zigbee2mqtt/bridge/devices', JSON.stringify(bridgeDevices()), { qos: 1, retain: true });
  });
  afterAll(async () => {
    await th.stop(true);
  });

  it('announces its devices with ids from their names, model, maker and capabilities from their exposes', async () => {
    const sensor = await waitFor(
      async () => (await device('living_room_sensor'))?.id && device('living_room_sensor'),
      'the sensor from bridge/devices',
    );
    expect(sensor).toMatchObject({
      id: 'living_room_sensor',
      name: 'Living Room/Sensor',
      source: 'zigbee2mqtt',
      model: 'WSDCGQ01LM',
      manufacturer: 'Xiaomi',
      status: 'online',
    });
    expect(sensor.properties.temperature).toEqual({
      updatedAt: null,
      type: 'number',
      unit: '°C',
      settable: false,
      deviceClass: 'temperature',
      label: 'temperature',
    });
    expect(sensor.properties.battery).toMatchObject({ type: 'number', unit: '%', min: 0, max: 100, deviceClass: 'battery' });
    const light = await device('kitchen_floor_light');
    expect(light).toMatchObject({ name: 'kitchen/floor_light', model: 'LED1624G9', manufacturer: 'IKEA' });
    expect(light.properties.state).toMatchObject({ type: 'boolean', on: 'ON', off: 'OFF', settable: true, deviceClass: 'light' });
    expect(light.properties.brightness).toMatchObject({ type: 'number', min: 0, max: 254, settable: true });
    expect(light.properties.color).toMatchObject({ type: 'json', settable: true });
    const plug = await device('my_plug');
    expect(plug.properties.state).toMatchObject({ type: 'boolean', on: 'ON', off: 'OFF', settable: true, deviceClass: 'switch' });
    expect(plug.properties.power).toMatchObject({ type: 'number', unit: 'W', settable: false });
    // The coordinator is the bridge's radio, not a device of the home.
    expect((await http(th, 'GET', '/api/devices')).json.map((d: any) => d.id).sort()).toEqual([
      'kitchen_floor_light',
      'living_room_sensor',
      'my_plug',
    ]);
  });

  it('takes a JSON state as readings, stored once, mirrored on home/<id>/<property>; a rule fires, commands in Z2M format', async () => {
    const mirror = await th.connect();
    const mirrored: string[] = [];
    mirror.on('message', (t, p) => mirrored.push(`${t}=${p}`));
    await mirror.subscribeAsync('home/living_room_sensor/#');
    await bridge.publishAsync(
      'zigbee2mqtt/Living Room/Sensor',
      JSON.stringify({ temperature: 27.34, humidity: 44.72, battery: 90, linkquality: 120 }),
      { qos: 1 },
    );
    await waitFor(() => commands('zigbee2mqtt/my_plug/set').length === 1, 'the rule command at the bridge');
    expect(commands('zigbee2mqtt/my_plug/set')).toEqual(['{"state":"ON"}']);
    const sensor = await device('living_room_sensor');
    expect(sensor.properties.temperature.value).toBe(27.34);
    expect(sensor.properties.humidity.value).toBe(44.72);
    await waitFor(() => mirrored.includes('home/living_room_sensor/temperature=27.34'), 'the mirrored reading');
    expect(mirrored).toContain('home/living_room_sensor/status=online');
    // Counted, stored and traced once, not again when the mirror's echo comes back under home/.
    await waitFor(
      () => th.hub.history.readingsOf('living_room_sensor', 'temperature', 0, Date.now() + 1000).length === 1,
      'one history row',
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(th.hub.history.readingsOf('living_room_sensor', 'temperature', 0, Date.now() + 1000)).toHaveLength(1);
    const traces = (await http(th, 'GET', '/api/rules/warm-living-room/traces')).json;
    expect(traces.filter((t: any) => t.outcome === 'ran')).toHaveLength(1);
  });

  it('sends API commands in its own topic and JSON, a nested colour included, to a name with a slash', async () => {
    const set = async (id: string, property: string, value: unknown) => http(th, 'POST', `/api/devices/${id}/${property}/set`, { value });
    expect((await set('kitchen_floor_light', 'brightness', 128)).status).toBe(202);
    expect((await set('kitchen_floor_light', 'color', { x: 0.123, y: 0.123 })).status).toBe(202);
    expect((await set('kitchen_floor_light', 'state', true)).status).toBe(202);
    await waitFor(() => commands('zigbee2mqtt/kitchen/floor_light/set').length === 3, 'three commands at the light');
    expect(commands('zigbee2mqtt/kitchen/floor_light/set')).toEqual([
      '{"brightness":128}',
      '{"color":{"x":0.123,"y":0.123}}',
      '{"state":"ON"}',
    ]);
    const readOnly = await set('living_room_sensor', 'temperature', 20);
    expect(readOnly.status).toBe(400);
    expect(readOnly.json.message).toBe('temperature of Living Room/Sensor is read-only');
    // A device's report of its new state comes back as a reading.
    await bridge.publishAsync(
      'zigbee2mqtt/kitchen/floor_light',
      JSON.stringify({ state: 'ON', brightness: 128, color_temp: 325, color: { x: 0.123, y: 0.123 } }),
      { qos: 1 },
    );
    await waitFor(async () => (await device('kitchen_floor_light')).properties.state.value === 'ON', 'the light on');
    expect((await device('kitchen_floor_light')).properties.color.value).toEqual({ x: 0.123, y: 0.123 });
  });

  it('follows availability in both forms, and the bridge going offline', async () => {
    await bridge.publishAsync('zigbee2mqtt/my_plug/availability', '{"state":"offline"}', { qos: 1, retain: true });
    await waitFor(async () => (await device('my_plug')).status === 'offline', 'the plug offline (JSON form)');
    await bridge.publishAsync('zigbee2mqtt/my_plug/availability', 'online', { qos: 1, retain: true });
    await waitFor(async () => (await device('my_plug')).status === 'online', 'the plug online (legacy form)');
    await bridge.publishAsync('zigbee2mqtt/bridge/state', 'offline', { qos: 1, retain: true });
    await waitFor(
      async () => (await http(th, 'GET', '/api/devices')).json.every((d: any) => d.status === 'offline'),
      'every device offline with its bridge',
    );
    await bridge.publishAsync('zigbee2mqtt/bridge/state', '{"state":"online"}', { qos: 1, retain: true });
    await waitFor(async () => (await device('my_plug')).status === 'online', 'back online with its bridge');
  });

  it('follows a rename (same id, same history, commands to the new name) and a device leaving', async () => {
    await bridge.publishAsync('zigbee2mqtt/bridge/devices', JSON.stringify(bridgeDevices({ plug: 'garden/plug' })), {
      qos: 1,
      retain: true,
    });
    await waitFor(async () => (await device('my_plug')).name === 'garden/plug', 'the new name');
    expect((await http(th, 'GET', '/api/devices/garden_plug')).status).toBe(404);
    await http(th, 'POST', '/api/devices/my_plug/state/set', { value: 'OFF' });
    await waitFor(() => commands('zigbee2mqtt/garden/plug/set').includes('{"state":"OFF"}'), 'the command under the new name');
    await bridge.publishAsync(
      'zigbee2mqtt/bridge/event',
      JSON.stringify({ type: 'device_leave', data: { ieee_address: '0x00158d0001dc1ab2', friendly_name: 'Living Room/Sensor' } }),
      { qos: 1 },
    );
    await waitFor(async () => (await http(th, 'GET', '/api/devices/living_room_sensor')).status === 404, 'the sensor gone');
    expect(th.logs.some((l) => l.includes('device living_room_sensor removed: it left the Zigbee network'))).toBe(true);
  });

  it('logs a malformed state, an unknown key and a huge payload once each, and loses nothing else', async () => {
    // The plug is called garden/plug since the rename above.
    for (let i = 0; i < 2; i++) await bridge.publishAsync('zigbee2mqtt/garden/plug', 'not json {', { qos: 1 });
    for (let i = 0; i < 2; i++)
      await bridge.publishAsync('zigbee2mqtt/garden/plug', JSON.stringify({ power: 40 + i, mystery: 'x' }), { qos: 1 });
    for (let i = 0; i < 2; i++)
      await bridge.publishAsync('zigbee2mqtt/garden/plug', JSON.stringify({ power: 1, blob: 'x'.repeat(100_000) }), { qos: 1 });
    await bridge.publishAsync('zigbee2mqtt/garden/plug', JSON.stringify({ power: 45.5 }), { qos: 1 });
    await waitFor(async () => (await device('my_plug')).properties.power.value === 45.5, 'the good reading after the bad ones');
    const plug = await device('my_plug');
    expect(plug.properties.mystery).toMatchObject({ value: 'x', type: 'text' });
    expect(th.logs.filter((l) => l.includes('zigbee2mqtt/garden/plug is not JSON'))).toHaveLength(1);
    expect(th.logs.filter((l) => l.includes('reported "mystery", which its exposes do not list'))).toHaveLength(1);
    expect(th.logs.filter((l) => l.includes('more than a device state'))).toHaveLength(1);
    expect(plug.properties.power.value).toBe(45.5);
    expect((await http(th, 'GET', '/api/devices')).json.map((d: any) => d.id).sort()).toEqual(['kitchen_floor_light', 'my_plug']);
  });
});
