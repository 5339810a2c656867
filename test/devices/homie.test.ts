// Homie 4 and Homie 5 devices on the real broker: described by their attributes or $description, values read by
// datatype into rules and history, commands on …/set in the datatype's payload, $state as availability, bad and huge
// payloads told once. Payloads: see fixtures/homie.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestHub, tempDir, waitFor, type TestHub } from '../helpers/hub.js';
import { SUPER_CAR_4, SUPER_CAR_5_DESCRIPTION } from './fixtures/homie.js';

const RULE = `
id: hot-engine-lights
triggers:
  - trigger: numeric_state
    topic: home/super_car/engine_temperature
    above: 100
actions:
  - action: publish
    topic: home/super_car/lights_power/set
    payload: "on"
`;

describe('Homie devices', () => {
  let th: TestHub;
  let car: MqttClient;
  const received: Array<{ topic: string; payload: string }> = [];
  const sent = (topic: string) => received.filter((m) => m.topic === topic).map((m) => m.payload);
  const device = async (id: string) => (await http(th, 'GET', `/api/devices/${id}`)).json;
  const pub = (topic: string, payload: string, retain = true) => car.publishAsync(topic, payload, { qos: 1, retain });

  beforeAll(async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'rules'));
    writeFileSync(join(dir, 'rules', 'hot.yaml'), RULE);
    th = await startTestHub({ dataDir: dir, rulesDir: join(dir, 'rules') });
    car = await th.connect({
      clientId: 'super-car',
      will: { topic: 'homie/super-car/$state', payload: Buffer.from('lost'), qos: 1, retain: true },
    });
    car.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
    await car.subscribeAsync(['homie/super-car/+/+/set', 'homie/5/super-car/+/+/set']);
    for (const [topic, payload] of SUPER_CAR_4) await pub(topic, payload);
    await pub('homie/5/super-car/$state', 'init');
    await pub('homie/5/super-car/$description', JSON.stringify(SUPER_CAR_5_DESCRIPTION));
    await pub('homie/5/super-car/engine/temperature', '35.5');
    await pub('homie/5/super-car/$state', 'ready');
  });
  afterAll(async () => {
    await th.stop(true);
  });

  it('Homie 4: a device with capabilities from $datatype, $format, $unit and $settable', async () => {
    await waitFor(async () => (await device('super_car'))?.status === 'online', 'the Homie 4 car ready');
    const d = await device('super_car');
    expect(d).toMatchObject({ name: 'Super car', source: 'homie' });
    expect(d.properties.engine_temperature).toMatchObject({
      value: 21.5,
      type: 'number',
      min: -20,
      max: 120,
      unit: '°C',
      settable: false,
      label: 'Engine temperature',
    });
    expect(d.properties.lights_power).toMatchObject({ value: false, type: 'boolean', settable: true });
    expect(d.properties.lights_intensity).toMatchObject({ type: 'number', min: 0, max: 100, step: 1, unit: '%', settable: true });
    expect(d.properties.lights_mode).toMatchObject({ type: 'enum', values: ['low', 'high', 'fog'], settable: true });
    expect(d.properties.lights_color).toMatchObject({ type: 'text', deviceClass: 'color', settable: true });
  });

  it('Homie 5: a device from its $description', async () => {
    await waitFor(async () => (await device('supercar_5'))?.properties?.engine_temperature?.value === 35.5, 'the Homie 5 car');
    expect(await device('supercar_5')).toMatchObject({
      status: 'online',
      properties: { lights_speed: { min: 0, max: 10, step: 2, settable: true } },
    });
  });

  it("drives rules and history; commands arrive on …/set in the datatype's payload", async () => {
    await pub('homie/super-car/engine/temperature', '104.5', false);
    await waitFor(() => sent('homie/super-car/lights/power/set').length === 1, 'the rule command');
    expect(sent('homie/super-car/lights/power/set')).toEqual(['true']);
    await waitFor(() => th.hub.history.readingsOf('super_car', 'engine_temperature', 0, Date.now() + 1000).length >= 2, 'history');
    expect((await http(th, 'POST', '/api/devices/super_car/lights_mode/set', { value: 'fog' })).status).toBe(202);
    expect((await http(th, 'POST', '/api/devices/supercar_5/lights_color/set', { value: { r: 255, g: 0, b: 0 } })).status).toBe(202);
    await waitFor(() => sent('homie/5/super-car/lights/color/set').length === 1, 'the colour command');
    expect(sent('homie/super-car/lights/mode/set')).toEqual(['fog']);
    expect(sent('homie/5/super-car/lights/color/set')).toEqual(['rgb,255,0,0']);
    const refused = await http(th, 'POST', '/api/devices/super_car/engine_temperature/set', { value: 1 });
    expect(refused.status).toBe(400);
  });

  it('$state lost and sleeping are offline, ready online', async () => {
    await pub('homie/super-car/$state', 'lost');
    await waitFor(async () => (await device('super_car')).status === 'offline', 'lost');
    await pub('homie/super-car/$state', 'ready');
    await waitFor(async () => (await device('super_car')).status === 'online', 'ready');
    await pub('homie/5/super-car/$state', 'sleeping');
    await waitFor(async () => (await device('supercar_5')).status === 'offline', 'sleeping');
  });

  it('tells a value its datatype refuses and a huge payload once each, and loses nothing else', async () => {
    for (let i = 0; i < 2; i++) await pub('homie/super-car/engine/temperature', 'hot', false);
    for (let i = 0; i < 2; i++) await pub('homie/super-car/lights/mode', 'x'.repeat(100_000), false);
    await pub('homie/super-car/engine/temperature', '90', false);
    await waitFor(async () => (await device('super_car')).properties.engine_temperature.value === 90, 'the next value');
    expect(
      th.logs.filter((l) => l.includes('homie/super-car/engine/temperature was not read: its datatype takes a float payload')),
    ).toHaveLength(1);
    expect(th.logs.filter((l) => l.includes('homie/super-car/lights/mode sent 100000 bytes'))).toHaveLength(1);
  });
});
