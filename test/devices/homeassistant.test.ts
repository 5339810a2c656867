// Devices announcing themselves with Home Assistant MQTT discovery, on the real broker: entities grouped into devices
// with capabilities, readings through their templates into rules and history, commands in each entity's own topic and
// payload, availability, removal, and bad configs told once. Payloads: see fixtures/homeassistant.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestHub, tempDir, waitFor, type TestHub } from '../helpers/hub.js';
import {
  BEDROOM_H,
  BEDROOM_STATE,
  BEDROOM_T,
  IRRIGATION,
  KITCHEN_DEVICE,
  KITCHEN_LIGHT,
  MOTION,
  SHUTTER,
  SHUTTER_MODE,
  SHUTTER_SPEED,
  STUDY_CLIMATE,
} from './fixtures/homeassistant.js';

const RULE = `
id: motion-in-the-garden
triggers:
  - trigger: state
    topic: home/garden/motion
    to: "ON"
actions:
  - action: publish
    topic: home/kitchen/brightness/set
    payload: 128
  - action: publish
    topic: home/study_ac/target_temperature/set
    payload: 21.5
`;

describe('devices announced with Home Assistant MQTT discovery', () => {
  let th: TestHub;
  let devices: MqttClient;
  const received: Array<{ topic: string; payload: string }> = [];
  const device = async (id: string) => (await http(th, 'GET', `/api/devices/${id}`)).json;
  const sent = (topic: string) => received.filter((m) => m.topic === topic).map((m) => m.payload);
  const announce = (c: { topic: string; config: unknown }) =>
    devices.publishAsync(c.topic, JSON.stringify(c.config), { qos: 1, retain: true });

  beforeAll(async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'rules'));
    writeFileSync(join(dir, 'rules', 'motion.yaml'), RULE);
    th = await startTestHub({ dataDir: dir, rulesDir: join(dir, 'rules') });
    devices = await th.connect({ clientId: 'discovered-devices' });
    devices.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
    for (const t of ['homeassistant/+/+/set', 'study/ac/#', 'shutters/#']) await devices.subscribeAsync(t);
    // A retained state published before its config: seen once the config names its topic.
    await devices.publishAsync(BEDROOM_STATE.topic, BEDROOM_STATE.payload, { qos: 1, retain: true });
    for (const c of [
      MOTION,
      BEDROOM_T,
      BEDROOM_H,
      IRRIGATION,
      KITCHEN_LIGHT,
      KITCHEN_DEVICE,
      STUDY_CLIMATE,
      SHUTTER,
      SHUTTER_SPEED,
      SHUTTER_MODE,
    ])
      await announce(c);
  });
  afterAll(async () => {
    await th.stop(true);
  });

  it('groups entities by their device block into Hearth devices with capabilities', async () => {
    await waitFor(async () => (await device('living_room_shutter'))?.properties?.mode, 'the last device complete');
    const ids = (await http(th, 'GET', '/api/devices')).json.map((d: any) => d.id).sort();
    expect(ids).toEqual(['bedroom', 'garden', 'garden_2', 'kitchen', 'living_room_shutter', 'study_ac']);
    expect(await device('garden')).toMatchObject({
      name: 'Garden',
      source: 'homeassistant',
      properties: { motion: { type: 'boolean', on: 'ON', off: 'OFF', deviceClass: 'motion', settable: false } },
    });
    const bedroom = await device('bedroom');
    expect(bedroom).toMatchObject({ name: 'Bedroom', model: 'Example Sensor', manufacturer: 'Example sensors Ltd.' });
    expect(Object.keys(bedroom.properties).sort()).toEqual(['humidity', 'temperature']);
    expect(bedroom.properties.temperature).toMatchObject({ type: 'number', unit: '°C', deviceClass: 'temperature' });
    // The abbreviated switch with `~` and no device block is a device of its own; its one entity is its state.
    expect(await device('garden_2')).toMatchObject({
      name: 'garden',
      properties: { state: { type: 'boolean', on: 'ON', off: 'OFF', settable: true } },
    });
    const kitchen = await device('kitchen');
    expect(kitchen).toMatchObject({ name: 'Kitchen', manufacturer: 'Bla electronics', model: 'xya' });
    expect(Object.keys(kitchen.properties).sort()).toEqual(['brightness', 'humidity', 'state', 'temperature']);
    expect(kitchen.properties.state).toMatchObject({ type: 'boolean', deviceClass: 'light', settable: true });
    expect(kitchen.properties.brightness).toMatchObject({ type: 'number', min: 0, max: 255, settable: true });
    const study = await device('study_ac');
    expect(study.properties.current_temperature).toMatchObject({ type: 'number', unit: '°C', settable: false });
    expect(study.properties.target_temperature).toMatchObject({ type: 'number', min: 16, max: 30, step: 0.5, settable: true });
    expect(study.properties.mode).toMatchObject({ type: 'enum', values: ['off', 'cool', 'fan_only'], settable: false });
    expect(study.properties.mode.unsupported).toContain('{{ value if value=="off" else "on" }}');
    const shutter = await device('living_room_shutter');
    expect(shutter).toMatchObject({ manufacturer: 'Shelly', model: 'Shelly 2.5' });
    expect(shutter.properties.state).toMatchObject({
      type: 'enum',
      values: ['open', 'opening', 'closed', 'closing', 'stopped'],
      settable: true,
    });
    expect(shutter.properties.position).toMatchObject({ type: 'number', min: 0, max: 100, unit: '%', settable: true });
    expect(shutter.properties.speed).toMatchObject({ type: 'number', min: 10, max: 90, step: 5, unit: '%' });
    expect(shutter.properties.mode).toMatchObject({ type: 'enum', values: ['auto', 'manual', 'vacation'] });
  });

  it('reads states through their templates (a retained one published before its config too)', async () => {
    await waitFor(async () => (await device('bedroom')).properties.temperature.value === 23.2, 'the retained bedroom state');
    expect((await device('bedroom')).properties.humidity.value).toBe(43.7);
    await devices.publishAsync('sensorBedroom/state', '{"temperature":21.5,"humidity":48}', { qos: 1 });
    await devices.publishAsync('shutters/01/pos', '{"position": "42"}', { qos: 1 });
    await devices.publishAsync('shutters/01/mode', 'MANUAL', { qos: 1 });
    await devices.publishAsync('study/ac/temperature', '19.5', { qos: 1 });
    await waitFor(async () => (await device('study_ac')).properties.current_temperature.value === 19.5, 'the study temperature');
    expect((await device('kitchen')).properties).toMatchObject({ temperature: { value: 21.5 }, humidity: { value: 48 } });
    expect((await device('living_room_shutter')).properties).toMatchObject({ position: { value: 42 }, mode: { value: 'manual' } });
    await waitFor(() => th.hub.history.readingsOf('kitchen', 'temperature', 0, Date.now() + 1000).length === 1, 'kitchen history');
  });

  it('drives rules, whose commands reach each entity in its own topic and payload', async () => {
    await devices.publishAsync('homeassistant/binary_sensor/garden/state', 'ON', { qos: 1 });
    await waitFor(
      () => sent('homeassistant/light/kitchen/set').length === 1 && sent('study/ac/temperature/set').length === 1,
      'the rule commands',
    );
    // JSON schema light: brightness comes with "state": "ON", as Home Assistant sends it.
    expect(sent('homeassistant/light/kitchen/set')).toEqual(['{"state":"ON","brightness":128}']);
    expect(sent('study/ac/temperature/set')).toEqual(['21.5']);
  });

  it('takes API commands for switches, covers, numbers and selects in their own payloads; refuses what cannot be sent', async () => {
    const set = (id: string, property: string, value: unknown) => http(th, 'POST', `/api/devices/${id}/${property}/set`, { value });
    expect((await set('garden_2', 'state', true)).status).toBe(202);
    expect((await set('living_room_shutter', 'position', 50)).status).toBe(202);
    expect((await set('living_room_shutter', 'state', 'close')).status).toBe(202);
    expect((await set('living_room_shutter', 'speed', 55)).status).toBe(202);
    expect((await set('living_room_shutter', 'mode', 'vacation')).status).toBe(202);
    await waitFor(() => sent('shutters/01/mode/set').length === 1, 'the select command');
    expect(sent('homeassistant/switch/irrigation/set')).toEqual(['ON']);
    expect(sent('shutters/01/pos/set')).toEqual(['50']);
    expect(sent('shutters/01/cmd')).toEqual(['CLOSE']);
    expect(sent('shutters/01/speed/set')).toEqual(['55']);
    expect(sent('shutters/01/mode/set')).toEqual(['{"mode": "VACATION"}']);
    const refused = await set('study_ac', 'mode', 'cool');
    expect(refused.status).toBe(400);
    expect(refused.json.message).toContain(
      'mode of Study AC cannot be set: its command template "{{ value if value==\\"off\\" else \\"on\\" }}" cannot be evaluated',
    );
    expect((await set('bedroom', 'temperature', 20)).json.message).toBe('temperature of Bedroom is read-only');
  });

  it('follows availability topics and lists with their own payloads', async () => {
    await devices.publishAsync('shutters/01/LWT', 'Offline', { qos: 1, retain: true });
    await waitFor(async () => (await device('living_room_shutter')).status === 'offline', 'the shutter offline');
    await devices.publishAsync('shutters/01/LWT', 'Online', { qos: 1, retain: true });
    await waitFor(async () => (await device('living_room_shutter')).status === 'online', 'the shutter online');
    await devices.publishAsync('study/bridge/state', 'down', { qos: 1 });
    await waitFor(async () => (await device('study_ac')).status === 'offline', 'the study AC offline with its bridge');
    await devices.publishAsync('study/ac/available', 'online', { qos: 1 });
    await waitFor(async () => (await device('study_ac')).status === 'online', 'online again (availability_mode latest)');
  });

  it('removes an entity with an empty config, a device-config component by its platform alone, a device with its last entity', async () => {
    await devices.publishAsync(
      KITCHEN_DEVICE.topic,
      JSON.stringify({ ...KITCHEN_DEVICE.config, cmps: { ...KITCHEN_DEVICE.config.cmps, some_unique_id2: { p: 'sensor' } } }),
      { qos: 1, retain: true },
    );
    await waitFor(async () => !(await device('kitchen')).properties.humidity, 'the humidity component removed');
    expect(Object.keys((await device('kitchen')).properties).sort()).toEqual(['brightness', 'state', 'temperature']);
    await devices.publishAsync(MOTION.topic, '', { qos: 1, retain: true });
    await waitFor(async () => (await http(th, 'GET', '/api/devices/garden')).status === 404, 'the garden device removed');
  });

  it('tells a malformed config, unknown keys and a template beyond it once each, and loses nothing else', async () => {
    for (let i = 0; i < 2; i++) await devices.publishAsync('homeassistant/sensor/broken/config', '{"name": "Broken",', { qos: 1 });
    for (let i = 0; i < 2; i++)
      await devices.publishAsync(
        'homeassistant/sensor/odd/config',
        JSON.stringify({ name: 'Odd', stat_t: 'odd/state', bogus_key: 1, unique_id: 'odd1' }),
        { qos: 1 },
      );
    await devices.publishAsync('odd/state', 'fine', { qos: 1 });
    await waitFor(async () => (await device('odd'))?.properties?.value?.value === 'fine', 'the odd sensor still read');
    expect(th.logs.filter((l) => l.includes('homeassistant/sensor/broken/config is not JSON'))).toHaveLength(1);
    expect(th.logs.filter((l) => l.includes('homeassistant/sensor/odd/config has keys Hearth does not use: bogus_key'))).toHaveLength(1);
    expect(th.logs.filter((l) => l.includes('mode of Study AC is marked unsupported: its command template'))).toHaveLength(1);
  });

  it('keeps its devices, capabilities and addressing across a restart', async () => {
    th = await th.restart();
    devices = await th.connect({ clientId: 'discovered-devices-again' });
    devices.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
    await devices.subscribeAsync('shutters/#');
    expect((await device('living_room_shutter')).properties.position).toMatchObject({ value: 42, settable: true });
    expect((await http(th, 'POST', '/api/devices/living_room_shutter/position/set', { value: 10 })).status).toBe(202);
    await waitFor(() => sent('shutters/01/pos/set').includes('10'), 'the command after the restart');
  });
});
