// ESPHome's decode and encode as pure functions, table first, with the payloads of its MQTT components
// (fixtures/esphome.ts says where each comes from), and how a prefix comes to be taken as an ESPHome node.
import { describe, expect, it } from 'vitest';
import { encodeEsphomeCommand, readEsphomeState } from '../../../src/devices/adapters/esphome-components.js';
import { esphomeAdapter, esphomeTwin, splitEsphomeTopic } from '../../../src/devices/adapters/esphome.js';
import { normalizeConfig } from '../../../src/devices/adapters/homeassistant-config.js';
import type { AdapterContext, Decoded, KnownDevice } from '../../../src/devices/adapters/types.js';
import { DISCOVER, DISCOVERY_RELAY, DISCOVERY_TEMPERATURE, STATES, STATUS_ONLINE } from '../fixtures/esphome.js';

const ctx: AdapterContext = { watch: () => undefined, unwatch: () => undefined, publish: () => undefined };
const msg = (topic: string, payload: unknown, retain = false) => ({
  topic,
  payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
  retain,
});
const kinds = (d: Decoded[]) => d.map((x) => x.kind);

describe('ESPHome states → properties (mqtt_<component>.cpp)', () => {
  it.each([
    [
      'sensor',
      'living_room_temperature',
      undefined,
      '21.5',
      { living_room_temperature: 21.5 },
      { type: 'number', unit: '°C', deviceClass: 'temperature', settable: false },
    ],
    [
      'binary_sensor',
      'window_contact',
      undefined,
      'ON',
      { window_contact: 'ON' },
      { type: 'boolean', on: 'ON', off: 'OFF', settable: false, deviceClass: 'contact' },
    ],
    [
      'switch',
      'relay',
      undefined,
      'OFF',
      { relay: 'OFF' },
      { type: 'boolean', on: 'ON', off: 'OFF', settable: true, deviceClass: 'switch' },
    ],
    [
      'fan',
      'ceiling_fan',
      'oscillation',
      'oscillate_on',
      { ceiling_fan_oscillation: 'oscillate_on' },
      { type: 'boolean', on: 'oscillate_on', off: 'oscillate_off', settable: true },
    ],
    ['fan', 'ceiling_fan', 'speed_level', '3', { ceiling_fan_speed_level: 3 }, { type: 'number', min: 0, step: 1, settable: true }],
    [
      'cover',
      'blinds',
      undefined,
      'closing',
      { blinds: 'closing' },
      { type: 'enum', values: ['open', 'opening', 'closed', 'closing', 'unknown'], settable: true, deviceClass: 'cover' },
    ],
    [
      'cover',
      'blinds',
      'position',
      '40',
      { blinds_position: 40 },
      { type: 'number', min: 0, max: 100, step: 1, unit: '%', settable: true },
    ],
    [
      'number',
      'target_humidity',
      undefined,
      '45',
      { target_humidity: 45 },
      { type: 'number', unit: '%', deviceClass: 'humidity', settable: true },
    ],
    ['select', 'mode', undefined, 'Eco', { mode: 'Eco' }, { type: 'text', settable: true }],
    ['text_sensor', 'wifi_ssid', undefined, 'HomeNet', { wifi_ssid: 'HomeNet' }, { type: 'text', settable: false }],
  ])('%s %s %s', (component, objectId, sub, payload, values, capability) => {
    const read = readEsphomeState(component, objectId, sub, payload);
    if ('error' in read) throw new Error(read.error);
    expect(Object.fromEntries(read.map((p) => [p.id, p.value]))).toEqual(values);
    expect(read[0]!.capability).toEqual(capability);
  });

  it('a JSON light: its state, brightness and colour as properties of their own', () => {
    const read = readEsphomeState('light', 'ceiling', undefined, STATES[3]![1]);
    if ('error' in read) throw new Error(read.error);
    expect(Object.fromEntries(read.map((p) => [p.id, p.value]))).toEqual({
      ceiling_color_mode: 'rgb',
      ceiling: 'ON',
      ceiling_brightness: 255,
      ceiling_color: { r: 255, g: 180, b: 100 },
    });
    expect(read.find((p) => p.id === 'ceiling_brightness')!.capability).toMatchObject({ min: 0, max: 255, settable: true });
  });

  it.each([
    ['sensor', 'abc', 'a sensor state is a number'],
    ['switch', 'on', 'a switch state is ON or OFF'],
    ['light', '{"state":', 'a light state is JSON'],
    ['climate', '21', 'its component climate is not one Hearth reads yet'],
  ])('a %s state %j is refused in words', (component, payload, error) => {
    expect(readEsphomeState(component, 'x', undefined, payload)).toEqual({ error: expect.stringContaining(error) });
  });

  it('a sensor without a reading yet ("nan") reports nothing', () => {
    expect(readEsphomeState('sensor', 't', undefined, 'nan')).toEqual([]);
  });
});

describe('ESPHome commands (…/command, in the payload each component parses)', () => {
  const prop = (component: string, objectId: string, capability: any, extra: Record<string, string> = {}) => ({
    id: objectId,
    capability,
    address: { component, objectId, ...extra },
  });
  it.each([
    [
      'switch on',
      prop('switch', 'relay', { type: 'boolean', on: 'ON', off: 'OFF', settable: true }),
      true,
      'livingroom/switch/relay/command',
      'ON',
    ],
    [
      'light brightness',
      prop('light', 'ceiling', { type: 'number', settable: true }, { jsonKey: 'brightness' }),
      128,
      'livingroom/light/ceiling/command',
      '{"state":"ON","brightness":128}',
    ],
    [
      'light off',
      prop('light', 'ceiling', { type: 'boolean', on: 'ON', off: 'OFF', settable: true }, { jsonKey: 'state' }),
      'off',
      'livingroom/light/ceiling/command',
      '{"state":"OFF"}',
    ],
    ['cover close', prop('cover', 'blinds', { type: 'enum', settable: true }), 'closed', 'livingroom/cover/blinds/command', 'CLOSE'],
    [
      'cover position',
      prop('cover', 'blinds', { type: 'number', settable: true }, { sub: 'position' }),
      30,
      'livingroom/cover/blinds/position/command',
      '30',
    ],
    [
      'fan oscillation',
      prop('fan', 'ceiling_fan', { type: 'boolean', on: 'oscillate_on', off: 'oscillate_off', settable: true }, { sub: 'oscillation' }),
      true,
      'livingroom/fan/ceiling_fan/oscillation/command',
      'oscillate_on',
    ],
    [
      'number',
      prop('number', 'target_humidity', { type: 'number', settable: true }),
      50,
      'livingroom/number/target_humidity/command',
      '50',
    ],
    ['select', prop('select', 'mode', { type: 'text', settable: true }), 'Comfort', 'livingroom/select/mode/command', 'Comfort'],
  ])('%s', (_what, p, value, topic, payload) => {
    expect(encodeEsphomeCommand('livingroom', p as any, value)).toEqual({ topic, payload });
  });

  it('a sensor is read-only', () => {
    expect(encodeEsphomeCommand('livingroom', prop('sensor', 't', { type: 'number', settable: false }) as any, 1)).toBe('it is read-only');
  });
});

describe('ESPHome nodes: which prefixes are taken', () => {
  it('splits topics by prefix, a listed prefix of several levels first', () => {
    expect(splitEsphomeTopic('livingroom/sensor/t/state')).toEqual({ prefix: 'livingroom', rest: ['sensor', 't', 'state'] });
    expect(splitEsphomeTopic('esp/garage/cover/door/position/state', ['esp/garage'])).toEqual({
      prefix: 'esp/garage',
      rest: ['cover', 'door', 'position', 'state'],
    });
    expect(splitEsphomeTopic('zigbee2mqtt/bridge/state')).toBeUndefined();
    expect(splitEsphomeTopic('kitchen/lamp/x/state')).toBeUndefined(); // `lamp` is no ESPHome component
  });

  it('a state before its prefix said online is kept and read once it does; the device comes before its readings', () => {
    const a = esphomeAdapter({ baseTopic: 'esphome' });
    expect(a.decode(msg(STATES[0]![0], STATES[0]![1], true), ctx)).toEqual([]);
    const decoded = a.decode(msg(STATUS_ONLINE.topic, STATUS_ONLINE.payload, true), ctx);
    expect(kinds(decoded)).toEqual(['device', 'readings', 'availability']);
    expect(decoded[0]).toMatchObject({
      key: 'livingroom',
      name: 'livingroom',
      capabilities: { living_room_temperature: { type: 'number', unit: '°C' } },
    });
    expect(decoded[2]).toMatchObject({ online: true });
    // A known property: readings only.
    expect(kinds(a.decode(msg(STATES[0]![0], '22'), ctx))).toEqual(['readings']);
  });

  it("esphome/discover names the node, its board and platform; Home Assistant's own prefix is never a node", () => {
    const a = esphomeAdapter({ baseTopic: 'esphome' });
    expect(a.decode(msg(DISCOVER.topic, DISCOVER.payload), ctx)[0]).toMatchObject({
      kind: 'device',
      key: 'livingroom',
      name: 'Living room',
      model: 'esp32dev',
      manufacturer: 'ESP32',
    });
    expect(a.decode(msg('homeassistant/status', 'online'), ctx)).toEqual([]);
    expect(a.decode(msg('homeassistant/binary_sensor/garden/state', 'ON'), ctx)).toEqual([]);
  });

  it('a node known from before is described again when it first speaks, and takes commands in its own topics', () => {
    const a = esphomeAdapter({ baseTopic: 'esphome' });
    const native = {
      prefix: 'livingroom',
      props: {
        relay: {
          id: 'relay',
          capability: { type: 'boolean', on: 'ON', off: 'OFF', settable: true },
          address: { component: 'switch', objectId: 'relay' },
        },
      },
    };
    const known: KnownDevice = { key: 'livingroom', id: 'living_room', name: 'Living room', native, capabilities: {} };
    a.restore!([known], ctx);
    expect(kinds(a.decode(msg(STATUS_ONLINE.topic, 'offline', true), ctx))).toEqual(['device', 'availability']);
    expect(a.encode(known, 'relay', 'on')).toEqual([{ topic: 'livingroom/switch/relay/command', payload: 'ON' }]);
    expect(a.encode(known, 'nope', 1)).toBe('Living room has reported no property nope on its ESPHome topics');
  });

  it('names the ESPHome node a discovery config comes from (its MAC identifier, <prefix>/status and its topics)', () => {
    const twin = (c: { topic: string; config: Record<string, unknown> }) => esphomeTwin(c.topic.split('/')[1]!, normalizeConfig(c.config));
    expect(twin(DISCOVERY_TEMPERATURE)).toBe('esphome:livingroom');
    expect(twin(DISCOVERY_RELAY)).toBe('esphome:livingroom');
    expect(
      twin({
        topic: 'homeassistant/sensor/x/config',
        config: { stat_t: 'x/sensor/t/state', avty_t: 'x/status', dev: { ids: 'bedroom01ae' } },
      }),
    ).toBeUndefined();
  });
});
