// Zigbee2MQTT's decode and encode as pure functions, table first, with the documentation's payloads
// (fixtures/zigbee2mqtt.ts says where each comes from).
import { describe, expect, it } from 'vitest';
import {
  zigbee2mqttAdapter,
  encodeZ2mCommand,
  parseAvailability,
  describeBridgeDevice,
} from '../../../src/devices/adapters/zigbee2mqtt.js';
import { exposesToCapabilities } from '../../../src/devices/adapters/zigbee2mqtt-exposes.js';
import type { AdapterContext } from '../../../src/devices/adapters/types.js';
import { bridgeDevices, CLIMATE_EXPOSE, LIGHT_EXPOSE, PLUG_EXPOSES } from '../fixtures/zigbee2mqtt.js';

const ctx: AdapterContext = { watch: () => undefined, unwatch: () => undefined, publish: () => undefined };
const msg = (topic: string, payload: unknown, retain = false) => ({
  topic,
  payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
  retain,
});

describe('exposes → capabilities (exposes.md)', () => {
  it.each([
    [
      'binary occupancy, access 1',
      [{ type: 'binary', name: 'occupancy', property: 'occupancy', value_on: true, value_off: false, access: 1 }],
      { occupancy: { type: 'boolean', on: true, off: false, settable: false, deviceClass: 'motion', label: 'occupancy' } },
    ],
    [
      'numeric brightness, access 7',
      [{ type: 'numeric', name: 'brightness', property: 'brightness', value_min: 0, value_max: 254, access: 7 }],
      { brightness: { type: 'number', min: 0, max: 254, settable: true, label: 'brightness' } },
    ],
    [
      'numeric temperature with a unit',
      [{ type: 'numeric', name: 'temperature', property: 'temperature', unit: '°C', access: 1 }],
      { temperature: { type: 'number', unit: '°C', settable: false, deviceClass: 'temperature', label: 'temperature' } },
    ],
    [
      'enum identify, set only (access 2)',
      [{ type: 'enum', name: 'identify', property: 'identify', values: ['blink', 'okay'], access: 2 }],
      { identify: { type: 'enum', values: ['blink', 'okay'], settable: true, label: 'identify' } },
    ],
    [
      'text',
      [{ type: 'text', name: 'inserted', property: 'inserted', access: 1 }],
      { inserted: { type: 'text', settable: false, label: 'inserted' } },
    ],
  ])('%s', (_what, exposes, expected) => {
    const caps = Object.fromEntries(Object.entries(exposesToCapabilities(exposes)).map(([k, v]) => [k, v.capability]));
    expect(caps).toEqual(expected);
  });

  it('a light: state with its on/off values, brightness, colour temperature, and one JSON colour for color_xy and color_hs', () => {
    const caps = exposesToCapabilities([LIGHT_EXPOSE]);
    expect(Object.keys(caps)).toEqual(['state', 'brightness', 'color_temp', 'color']);
    expect(caps.state!.capability).toEqual({ type: 'boolean', on: 'ON', off: 'OFF', settable: true, deviceClass: 'light', label: 'state' });
    expect(caps.color).toEqual({ z2m: 'color', capability: { type: 'json', settable: true, label: 'color_xy' } });
  });

  it('a climate: set-point with its range and step, the temperature, a mode enum', () => {
    const caps = exposesToCapabilities([CLIMATE_EXPOSE]);
    expect(caps.occupied_heating_setpoint!.capability).toMatchObject({
      type: 'number',
      min: 7,
      max: 30,
      step: 0.5,
      unit: '°C',
      settable: true,
    });
    // The docs' example gives local_temperature access 3 (in the state, settable): the access bits decide, not the name.
    expect(caps.local_temperature!.capability).toMatchObject({ type: 'number', settable: true, deviceClass: 'temperature' });
    expect(caps.system_mode!.capability).toMatchObject({ type: 'enum', values: ['off', 'auto', 'heat', 'cool'], settable: true });
  });

  it('a switch and a power sensor', () => {
    const caps = exposesToCapabilities(PLUG_EXPOSES);
    expect(caps.state!.capability).toMatchObject({ deviceClass: 'switch', settable: true });
    expect(caps.power!.capability).toMatchObject({ unit: 'W', settable: false, deviceClass: 'power' });
  });
});

describe('availability payloads (device-availability.md)', () => {
  it.each([
    ['online', true],
    ['offline', false],
    ['{"state":"online"}', true],
    ['{"state":"offline"}', false],
    ['{"state":', undefined],
    ['maybe', undefined],
  ])('%s → %s', (payload, expected) => expect(parseAvailability(payload)).toBe(expected));
});

describe('bridge/devices entries', () => {
  it('a device: its IEEE address as key, friendly name, model and vendor from its definition; the coordinator is none', () => {
    const [plug, , , coordinator] = bridgeDevices();
    expect(describeBridgeDevice(plug)).toMatchObject({
      kind: 'device',
      key: '0x00158d00018255df',
      name: 'my_plug',
      model: 'ZNCZ02LM',
      manufacturer: 'Xiaomi',
      aliases: ['my_plug'],
      native: { friendlyName: 'my_plug', props: { state: 'state', power: 'power' } },
    });
    expect(describeBridgeDevice(coordinator)).toBeUndefined();
    expect(
      describeBridgeDevice({ ieee_address: '0x1', type: 'EndDevice', friendly_name: 'unsupported', definition: null, model_id: 'TS0201' }),
    ).toMatchObject({ model: 'TS0201', capabilities: {} });
  });
});

describe('messages → decoded', () => {
  const adapter = () => {
    const a = zigbee2mqttAdapter('zigbee2mqtt');
    a.decode(msg('zigbee2mqtt/bridge/devices', bridgeDevices()), ctx);
    return a;
  };

  it.each([
    ['a command of its own', 'zigbee2mqtt/my_plug/set', '{"state":"ON"}'],
    ['a command without JSON', 'zigbee2mqtt/my_plug/set/state', 'ON'],
    ['a read request', 'zigbee2mqtt/my_plug/get', '{"state":""}'],
    ['bridge info', 'zigbee2mqtt/bridge/info', '{"version":"1.13.0-dev"}'],
    ['bridge logging', 'zigbee2mqtt/bridge/logging', '{"level":"info","message":"Zigbee: allowing new devices to join."}'],
    ['an empty (cleared) retained state', 'zigbee2mqtt/my_plug', ''],
  ])('%s says nothing about devices', (_what, topic, payload) => {
    expect(adapter().decode(msg(topic, payload), ctx)).toEqual([]);
  });

  it('a JSON state under a name with slashes: readings of the device keyed by address', () => {
    expect(adapter().decode(msg('zigbee2mqtt/kitchen/floor_light', { state: 'ON', brightness: 215, color_temp: 325 }), ctx)).toEqual([
      {
        kind: 'readings',
        key: '0x90fd9ffffe6494fc',
        name: 'kitchen/floor_light',
        values: { state: 'ON', brightness: 215, color_temp: 325 },
      },
    ]);
  });

  it('availability of a listed device, JSON form', () => {
    expect(adapter().decode(msg('zigbee2mqtt/kitchen/floor_light/availability', '{"state":"offline"}'), ctx)).toEqual([
      { kind: 'availability', key: '0x90fd9ffffe6494fc', online: false, reason: 'offline on zigbee2mqtt/kitchen/floor_light/availability' },
    ]);
  });

  it('a device leaving, and a device missing from a new list, are removals', () => {
    const a = adapter();
    expect(
      a.decode(
        msg('zigbee2mqtt/bridge/event', { type: 'device_leave', data: { ieee_address: '0x90fd9ffffe6494fc', friendly_name: 'my_bulb' } }),
        ctx,
      ),
    ).toEqual([{ kind: 'removed', key: '0x90fd9ffffe6494fc', reason: 'it left the Zigbee network' }]);
    const removed = a
      .decode(
        msg(
          'zigbee2mqtt/bridge/devices',
          bridgeDevices().filter((d) => d.friendly_name !== 'my_plug'),
        ),
        ctx,
      )
      .filter((d) => d.kind === 'removed');
    expect(removed).toEqual([{ kind: 'removed', key: '0x00158d00018255df', reason: 'no longer listed in zigbee2mqtt/bridge/devices' }]);
  });

  it('a rename response moves the name at once (the address stays)', () => {
    const a = adapter();
    expect(
      a.decode(
        msg('zigbee2mqtt/bridge/response/device/rename', {
          data: { from: 'my_plug', to: 'my_plug_new_name', homeassistant_rename: false },
          status: 'ok',
        }),
        ctx,
      ),
    ).toMatchObject([{ kind: 'device', key: '0x00158d00018255df', name: 'my_plug_new_name' }]);
    expect(a.decode(msg('zigbee2mqtt/my_plug_new_name', { power: 3 }), ctx)).toMatchObject([
      { kind: 'readings', key: '0x00158d00018255df' },
    ]);
  });
});

describe('commands → /set with a JSON body (mqtt_topics_and_messages.md, "zigbee2mqtt/FRIENDLY_NAME/set")', () => {
  it.each([
    ['state', 'ON', '{"state":"ON"}'],
    ['brightness', 128, '{"brightness":128}'],
    ['color', { x: 0.123, y: 0.123 }, '{"color":{"x":0.123,"y":0.123}}'],
  ])('%s = %j', (property, value, payload) => {
    expect(encodeZ2mCommand('zigbee2mqtt', 'kitchen/floor_light', property, value)).toEqual({
      topic: 'zigbee2mqtt/kitchen/floor_light/set',
      payload,
    });
  });

  it('"on", true and 1 become the device\'s own on value; a read-only property is refused in words', () => {
    const a = zigbee2mqttAdapter('zigbee2mqtt');
    const plug = describeBridgeDevice(bridgeDevices()[0])!;
    const known = { key: plug.key, id: 'my_plug', name: plug.name, native: plug.native, capabilities: plug.capabilities! };
    for (const v of ['on', true, 1])
      expect(a.encode(known, 'state', v)).toEqual([{ topic: 'zigbee2mqtt/my_plug/set', payload: '{"state":"ON"}' }]);
    expect(a.encode(known, 'state', 'off')).toEqual([{ topic: 'zigbee2mqtt/my_plug/set', payload: '{"state":"OFF"}' }]);
    expect(a.encode(known, 'power', 5)).toBe('power of my_plug cannot be set (its Zigbee2MQTT exposes say it is read-only)');
  });
});
