// ESPHome nodes on the real broker: taken once they say online, properties with capabilities from their components,
// readings into rules and history, commands on their own …/command topics, availability, bad payloads told once, and
// a node that also sends Home Assistant discovery stays one device (whichever arrives first), across a restart.
// Payloads: see fixtures/esphome.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestHub, tempDir, waitFor, type TestHub } from '../helpers/hub.js';
import { DISCOVER, DISCOVERY_RELAY, DISCOVERY_TEMPERATURE, STATES, STATUS_ONLINE } from './fixtures/esphome.js';

const RULE = `
id: window-opens-relay
triggers:
  - trigger: state
    topic: home/living_room/window_contact
    to: "ON"
actions:
  - action: publish
    topic: home/living_room/relay/set
    payload: "on"
`;

describe('ESPHome nodes', () => {
  let th: TestHub;
  let node: MqttClient;
  const received: Array<{ topic: string; payload: string }> = [];
  const sent = (topic: string) => received.filter((m) => m.topic === topic).map((m) => m.payload);
  const device = async (id: string) => (await http(th, 'GET', `/api/devices/${id}`)).json;
  const pub = (topic: string, payload: string, retain = false) => node.publishAsync(topic, payload, { qos: 1, retain });

  beforeAll(async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'rules'));
    writeFileSync(join(dir, 'rules', 'window.yaml'), RULE);
    th = await startTestHub({ dataDir: dir, rulesDir: join(dir, 'rules') });
    node = await th.connect({
      clientId: 'livingroom',
      will: { topic: 'livingroom/status', payload: Buffer.from('offline'), qos: 0, retain: true },
    });
    node.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
    await node.subscribeAsync(['livingroom/+/+/command', 'livingroom/+/+/+/command', 'garage/+/+/command']);
    // Discovery first (the node's own Home Assistant configs, retained), then its native topics.
    for (const c of [DISCOVERY_TEMPERATURE, DISCOVERY_RELAY]) await pub(c.topic, JSON.stringify(c.config), true);
    await waitFor(() => th.hub.registry.has('living_room'), 'the node from its discovery configs');
    await pub(DISCOVER.topic, JSON.stringify(DISCOVER.payload), true);
    await pub(STATUS_ONLINE.topic, STATUS_ONLINE.payload, true);
    for (const [topic, payload] of STATES) await pub(topic, payload, true);
  });
  afterAll(async () => {
    await th.stop(true);
  });

  it('is one device, read through its own topics, with capabilities from its components', async () => {
    await waitFor(async () => (await device('living_room'))?.properties?.wifi_ssid?.value === 'HomeNet', 'the last state');
    const ids = (await http(th, 'GET', '/api/devices')).json.map((d: any) => d.id);
    expect(ids).toEqual(['living_room']);
    const d = await device('living_room');
    expect(d).toMatchObject({ source: 'esphome', name: 'Living room', model: 'esp32dev', manufacturer: 'ESP32', status: 'online' });
    expect(Object.keys(d.properties).sort()).toEqual([
      'blinds',
      'blinds_position',
      'ceiling',
      'ceiling_brightness',
      'ceiling_color',
      'ceiling_color_mode',
      'ceiling_fan',
      'ceiling_fan_oscillation',
      'ceiling_fan_speed_level',
      'living_room_temperature',
      'mode',
      'relay',
      'target_humidity',
      'wifi_ssid',
      'window_contact',
    ]);
    expect(d.properties.living_room_temperature).toMatchObject({ value: 21.5, type: 'number', unit: '°C', settable: false });
    expect(d.properties.relay).toMatchObject({ value: 'OFF', type: 'boolean', settable: true });
    expect(d.properties.blinds_position).toMatchObject({ value: 100, min: 0, max: 100, settable: true });
    expect(
      th.logs.some((l) => l.includes('device living_room is now read through esphome (it was seen through homeassistant first)')),
    ).toBe(true);
  });

  it('a node seen natively first stays one device when its discovery configs come', async () => {
    await pub('garage/status', 'online', true);
    await pub('garage/switch/door/state', 'OFF', true);
    await waitFor(() => th.hub.registry.has('garage'), 'the garage node');
    const config = {
      name: 'Door',
      stat_t: 'garage/switch/door/state',
      cmd_t: 'garage/switch/door/command',
      avty_t: 'garage/status',
      dev: { ids: '00aabbccddee', name: 'Garage' },
    };
    await pub('homeassistant/switch/garage/door/config', JSON.stringify(config), true);
    await pub('garage/switch/door/state', 'ON');
    await waitFor(async () => (await device('garage')).properties.door.value === 'ON', 'the door on');
    expect((await http(th, 'GET', '/api/devices')).json.map((d: any) => d.id)).toEqual(['garage', 'living_room']);
    expect(await device('garage')).toMatchObject({ source: 'esphome', properties: { door: { settable: true } } });
    await http(th, 'POST', '/api/devices/garage/door/set', { value: false });
    await waitFor(() => sent('garage/switch/door/command').length === 1, 'the door command');
    expect(sent('garage/switch/door/command')).toEqual(['OFF']);
  });

  it('drives rules and history; commands reach the node on its own command topics', async () => {
    await pub('livingroom/sensor/living_room_temperature/state', '22.0');
    await pub('livingroom/binary_sensor/window_contact/state', 'ON');
    await waitFor(() => sent('livingroom/switch/relay/command').length === 1, 'the rule command');
    expect(sent('livingroom/switch/relay/command')).toEqual(['ON']);
    await waitFor(
      () => th.hub.history.readingsOf('living_room', 'living_room_temperature', 0, Date.now() + 1000).length >= 2,
      'temperature history',
    );
    expect((await http(th, 'POST', '/api/devices/living_room/ceiling_brightness/set', { value: 128 })).status).toBe(202);
    expect((await http(th, 'POST', '/api/devices/living_room/blinds/set', { value: 'close' })).status).toBe(202);
    await waitFor(() => sent('livingroom/cover/blinds/command').length === 1, 'the cover command');
    expect(sent('livingroom/light/ceiling/command')).toEqual(['{"state":"ON","brightness":128}']);
    expect(sent('livingroom/cover/blinds/command')).toEqual(['CLOSE']);
    expect((await http(th, 'POST', '/api/devices/living_room/living_room_temperature/set', { value: 1 })).status).toBe(400);
  });

  it('follows <prefix>/status', async () => {
    await pub('livingroom/status', 'offline', true);
    await waitFor(async () => (await device('living_room')).status === 'offline', 'offline');
    await pub('livingroom/status', 'online', true);
    await waitFor(async () => (await device('living_room')).status === 'online', 'online again');
  });

  it('tells a malformed and a huge state once each, and loses nothing else', async () => {
    for (let i = 0; i < 2; i++) await pub('livingroom/sensor/living_room_temperature/state', 'warm');
    for (let i = 0; i < 2; i++) await pub('livingroom/text_sensor/wifi_ssid/state', 'x'.repeat(20_000));
    await pub('livingroom/sensor/living_room_temperature/state', '23.5');
    await waitFor(async () => (await device('living_room')).properties.living_room_temperature.value === 23.5, 'the next reading');
    expect(
      th.logs.filter((l) => l.includes('livingroom/sensor/living_room_temperature/state was not read: a sensor state is a number')),
    ).toHaveLength(1);
    expect(th.logs.filter((l) => l.includes('livingroom/text_sensor/wifi_ssid/state sent 20000 bytes'))).toHaveLength(1);
    expect((await device('living_room')).properties.wifi_ssid.value).toBe('HomeNet');
  });

  it('stays one device across a restart, whatever order the retained messages come back in', async () => {
    th = await th.restart();
    node = await th.connect({ clientId: 'livingroom-again' });
    node.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
    await node.subscribeAsync('livingroom/+/+/command');
    // Its will said offline as the old hub cut it off; it says online as it comes back.
    await pub('livingroom/status', 'online', true);
    await waitFor(async () => (await device('living_room')).status === 'online', 'online again');
    expect((await http(th, 'GET', '/api/devices')).json.map((d: any) => [d.id, d.source])).toEqual([
      ['garage', 'esphome'],
      ['living_room', 'esphome'],
    ]);
    await http(th, 'POST', '/api/devices/living_room/relay/set', { value: 'off' });
    await waitFor(() => sent('livingroom/switch/relay/command').includes('OFF'), 'the command after the restart');
  });
});
