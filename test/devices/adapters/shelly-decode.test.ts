// Shelly's decode and encode as pure functions, Gen1 and Gen2+, table first, with the documentation's payloads
// (fixtures/shelly.ts says where each comes from).
import { describe, expect, it } from 'vitest';
import { encodeGen1, encodeRpc, shellyAdapter } from '../../../src/devices/adapters/shelly.js';
import { readGen1, readGen2 } from '../../../src/devices/adapters/shelly-components.js';
import type { AdapterContext, Decoded, KnownDevice } from '../../../src/devices/adapters/types.js';
import { COVER_STATUS, GEN1_ANNOUNCE, GEN1_LIGHT_STATUS, LIGHT_STATUS, NOTIFY_STATUS, SWITCH_STATUS } from '../fixtures/shelly.js';

const ctx: AdapterContext = { watch: () => undefined, unwatch: () => undefined, publish: () => undefined };
const msg = (topic: string, payload: unknown, retain = false) => ({
  topic,
  payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
  retain,
});
const values = (out: Decoded[]) => out.filter((d) => d.kind === 'readings').map((d) => (d as any).values);
const known = (out: Decoded[], key: string): KnownDevice => {
  const d = out.filter((x) => x.kind === 'device').at(-1) as any;
  return { key, id: key, name: key, native: d.native, capabilities: d.capabilities };
};

describe('Gen1 topics', () => {
  it.each([
    ['relay/0', 'on', { relay_0: 'on' }],
    ['relay/1', 'overpower', { relay_1: 'off' }],
    ['relay/0/power', '8.52', { relay_0_power: 8.52 }],
    ['relay/0/energy', '600', { relay_0_energy: 10 }],
    ['roller/0', 'stop', { roller_0: 'stop' }],
    ['roller/0/pos', '42', { roller_0_position: 42 }],
    ['light/0', 'off', { light_0: 'off' }],
    ['light/0/status', JSON.stringify(GEN1_LIGHT_STATUS), { light_0: 'on', light_0_brightness: 40 }],
    ['sensor/temperature', '21.75', { temperature: 21.75 }],
    ['sensor/humidity', '48', { humidity: 48 }],
    ['sensor/battery', '98', { battery: 98 }],
    ['temperature', '45.6', { device_temperature: 45.6 }],
    ['relay/0', 'blinking', {}],
    ['input/0', '1', {}],
  ])('%s %s', (rest, payload, expected) => {
    expect(Object.fromEntries(Object.entries(readGen1(rest, payload)).map(([k, v]) => [k, v.value]))).toEqual(expected);
  });

  it('capabilities: relays settable on/off, power in W, energy in Wh, the roller an enum, sensors with units', () => {
    expect(readGen1('relay/0', 'on').relay_0!.capability).toEqual({
      type: 'boolean',
      on: 'on',
      off: 'off',
      settable: true,
      deviceClass: 'switch',
      label: 'relay/0',
    });
    expect(readGen1('relay/0/energy', '60').relay_0_energy!.capability).toMatchObject({
      unit: 'Wh',
      deviceClass: 'energy',
      settable: false,
    });
    expect(readGen1('roller/0', 'open').roller_0!.capability).toMatchObject({
      type: 'enum',
      values: ['open', 'close', 'stop'],
      settable: true,
    });
    expect(readGen1('sensor/temperature', '20').temperature!.capability).toMatchObject({ unit: '°C', deviceClass: 'temperature' });
  });
});

describe('Gen2+ component status', () => {
  it('switch:0 (Switch.GetStatus): output, apower, voltage, current, aenergy.total, temperature.tC', () => {
    const s = readGen2('switch:0', SWITCH_STATUS);
    expect(Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.value]))).toEqual({
      switch_0: true,
      switch_0_power: 8.9,
      switch_0_voltage: 237.5,
      switch_0_current: 0.068,
      switch_0_energy: 6.532,
      switch_0_temperature: 23.5,
    });
    expect(s.switch_0!.capability).toEqual({
      type: 'boolean',
      on: true,
      off: false,
      settable: true,
      deviceClass: 'switch',
      label: 'switch:0.output',
    });
    expect(s.switch_0_energy!.capability).toMatchObject({ unit: 'Wh', deviceClass: 'energy' });
  });

  it.each([
    ['cover:0', COVER_STATUS, { cover_0: 'stopped', cover_0_position: 45, cover_0_power: 0, cover_0_voltage: 236.1, cover_0_current: 0 }],
    ['light:0', LIGHT_STATUS, { light_0: true, light_0_brightness: 50 }],
    ['temperature:0', { id: 0, tC: 21.3, tF: 70.3 }, { temperature: 21.3 }],
    ['temperature:100', { id: 100, tC: 19 }, { temperature_100: 19 }],
    ['humidity:0', { id: 0, rh: 52.1 }, { humidity: 52.1 }],
    ['devicepower:0', { id: 0, battery: { V: 5.6, percent: 87 }, external: { present: false } }, { battery: 87 }],
    ['input:0', { id: 0, state: false }, { input_0: false }],
    ['sys', { mac: 'A8032AB12345' }, {}],
    ['wifi', { rssi: -60 }, {}],
  ])('%s', (component, status, expected) => {
    expect(Object.fromEntries(Object.entries(readGen2(component, status)).map(([k, v]) => [k, v.value]))).toEqual(expected);
  });
});

describe('messages → decoded', () => {
  const gen2 = 'shellyplus1pm-a8032ab12345';

  it('Gen1: online is availability (described first), announce names the model, readings by topic', () => {
    const a = shellyAdapter();
    expect(a.decode(msg('shellies/shelly1pm-b929cc/online', 'true', true), ctx)).toEqual([
      {
        kind: 'device',
        key: 'shelly1pm-b929cc',
        name: 'shelly1pm-b929cc',
        capabilities: {},
        native: { gen: 1, prefix: 'shellies/shelly1pm-b929cc' },
      },
      { kind: 'availability', key: 'shelly1pm-b929cc', online: true, reason: 'online on shellies/shelly1pm-b929cc/online' },
    ]);
    expect(a.decode(msg('shellies/announce', GEN1_ANNOUNCE), ctx)).toEqual([
      expect.objectContaining({ kind: 'device', model: 'SHSW-PM', manufacturer: 'Shelly' }),
    ]);
    expect(values(a.decode(msg('shellies/shelly1pm-b929cc/relay/0', 'on'), ctx))).toEqual([{ relay_0: 'on' }]);
    expect(a.decode(msg('shellies/shelly1pm-b929cc/online', 'false'), ctx)).toEqual([
      { kind: 'availability', key: 'shelly1pm-b929cc', online: false, reason: 'offline on shellies/shelly1pm-b929cc/online' },
    ]);
  });

  it('Gen2: status topics and NotifyStatus deltas on events/rpc, under the device id as prefix', () => {
    const a = shellyAdapter();
    const first = a.decode(msg(`${gen2}/status/switch:0`, SWITCH_STATUS), ctx);
    expect(first[0]).toMatchObject({ kind: 'device', key: gen2, native: { gen: 2, prefix: gen2 } });
    expect(values(first)).toEqual([expect.objectContaining({ switch_0: true, switch_0_power: 8.9 })]);
    expect(a.decode(msg(`${gen2}/events/rpc`, NOTIFY_STATUS(gen2)), ctx)).toEqual([
      { kind: 'readings', key: gen2, values: { switch_0: false } },
    ]);
    expect(
      a.decode(
        msg(`${gen2}/events/rpc`, {
          src: gen2,
          method: 'NotifyEvent',
          params: { events: [{ component: 'input:0', event: 'single_push' }] },
        }),
        ctx,
      ),
    ).toEqual([]);
    expect(a.decode(msg(`${gen2}/online`, 'false'), ctx)).toEqual([
      { kind: 'availability', key: gen2, online: false, reason: `offline on ${gen2}/online` },
    ]);
  });

  it('Gen2 prefixes: under shellies/ by their topics, others only when configured; foreign first levels are not Shelly', () => {
    const a = shellyAdapter('shellies', ['garage/door']);
    expect(a.decode(msg('shellies/server-pm/status/switch:0', SWITCH_STATUS), ctx)[0]).toMatchObject({
      key: 'server-pm',
      native: { gen: 2, prefix: 'shellies/server-pm' },
    });
    expect(a.decode(msg('garage/door/status/cover:0', COVER_STATUS), ctx)[0]).toMatchObject({
      key: 'garage/door',
      native: { gen: 2, prefix: 'garage/door' },
    });
    expect(a.decode(msg('esphome/status/x', '{}'), ctx)).toEqual([]);
    expect(a.decode(msg('zigbee2mqtt/online', 'true'), ctx)).toEqual([]);
    expect(a.filters).toEqual([
      'shellies/#',
      '+/online',
      '+/status/+',
      '+/events/rpc',
      'hearth-shelly/rpc',
      'garage/door/online',
      'garage/door/status/+',
      'garage/door/events/rpc',
    ]);
  });

  it.each([
    ['a Gen1 command', 'shellies/shelly1-x/relay/0/command', 'on'],
    ['a Gen1 roller position command', 'shellies/shelly1-x/roller/0/command/pos', '50'],
    ['a light set', 'shellies/shelly1-x/light/0/set', '{"brightness":3}'],
    ['the announce request', 'shellies/command', 'announce'],
    ['a Gen2 request', `${gen2}/rpc`, '{"id":1,"method":"Switch.Set"}'],
  ])('%s says nothing', (_what, topic, payload) => expect(shellyAdapter().decode(msg(topic, payload), ctx)).toEqual([]));

  it('malformed payloads are problems', () => {
    const a = shellyAdapter();
    expect(a.decode(msg(`${gen2}/status/switch:0`, '{"output":'), ctx)[0]).toMatchObject({
      kind: 'problem',
      reason: 'malformed',
      once: `status ${gen2}/status/switch:0`,
    });
    expect(a.decode(msg(`${gen2}/online`, 'yes'), ctx)[0]).toMatchObject({ kind: 'problem', reason: 'malformed' });
  });
});

describe('commands', () => {
  const on = { type: 'boolean' as const, on: 'on', off: 'off', settable: true };
  const yes = { type: 'boolean' as const, on: true, off: false, settable: true };
  it.each([
    ['relay_0', true, on, { topic: 'relay/0/command', payload: 'on' }],
    ['relay_1', 'toggle', on, { topic: 'relay/1/command', payload: 'toggle' }],
    ['light_0', 'off', on, { topic: 'light/0/command', payload: 'off' }],
    ['light_0_brightness', 55, { type: 'number' as const, settable: true }, { topic: 'light/0/set', payload: '{"brightness":55}' }],
    ['roller_0', 'close', { type: 'enum' as const, settable: true }, { topic: 'roller/0/command', payload: 'close' }],
    ['roller_0_position', 30, { type: 'number' as const, settable: true }, { topic: 'roller/0/command/pos', payload: '30' }],
  ])('Gen1 %s = %j', (property, value, capability, expected) => expect(encodeGen1(property, value, capability)).toEqual(expected));

  it.each([
    ['switch_0', 'on', yes, { method: 'Switch.Set', params: { id: 0, on: true } }],
    ['switch_1', false, yes, { method: 'Switch.Set', params: { id: 1, on: false } }],
    ['switch_0', 'toggle', yes, { method: 'Switch.Toggle', params: { id: 0 } }],
    ['light_0_brightness', 70, { type: 'number' as const, settable: true }, { method: 'Light.Set', params: { id: 0, brightness: 70 } }],
    ['cover_0', 'open', { type: 'enum' as const, settable: true }, { method: 'Cover.Open', params: { id: 0 } }],
    ['cover_0_position', 25, { type: 'number' as const, settable: true }, { method: 'Cover.GoToPosition', params: { id: 0, pos: 25 } }],
  ])('Gen2 %s = %j', (property, value, capability, expected) => expect(encodeRpc(property, value, capability)).toEqual(expected));

  it('a Gen2 request carries an id and src = hearth-shelly, and a refusal in its reply is told once', () => {
    const a = shellyAdapter();
    const device = known(a.decode(msg('shellyplus1pm-a8032ab12345/status/switch:0', SWITCH_STATUS), ctx), 'shellyplus1pm-a8032ab12345');
    const [sent] = a.encode(device, 'switch_0', 'off') as Array<{ topic: string; payload: string }>;
    expect(sent!.topic).toBe('shellyplus1pm-a8032ab12345/rpc');
    expect(JSON.parse(sent!.payload)).toEqual({ id: 1, src: 'hearth-shelly', method: 'Switch.Set', params: { id: 0, on: false } });
    const reply = { id: 1, src: 'shellyplus1pm-a8032ab12345', dst: 'hearth-shelly', error: { code: -103, message: 'Invalid argument' } };
    expect(a.decode(msg('hearth-shelly/rpc', reply), ctx)).toEqual([
      {
        kind: 'problem',
        once: 'rpc error shellyplus1pm-a8032ab12345 Switch.Set -103',
        message: 'shellyplus1pm-a8032ab12345 refused Switch.Set: Invalid argument (logged once)',
      },
    ]);
    expect(a.decode(msg('hearth-shelly/rpc', reply), ctx)).toEqual([]); // its request answered already
    expect(a.encode(device, 'switch_0_power', 3)).toBe('switch_0_power of shellyplus1pm-a8032ab12345 is read-only');
  });
});
