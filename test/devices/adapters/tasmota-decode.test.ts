// Tasmota's decode and encode as pure functions, table first, with the documentation's payloads (fixtures/tasmota.ts
// says where each comes from).
import { describe, expect, it } from 'vitest';
import { fullTopicOf, tasmotaAdapter } from '../../../src/devices/adapters/tasmota.js';
import { readSensor } from '../../../src/devices/adapters/tasmota-fields.js';
import type { AdapterContext, Decoded, KnownDevice } from '../../../src/devices/adapters/types.js';
import { AM2301_SENSOR, DIMMER_STATE, INFO1_OLD, PLUG_STATE, POW_SENSOR } from '../fixtures/tasmota.js';

const ctx: AdapterContext = { watch: () => undefined, unwatch: () => undefined, publish: () => undefined };
const msg = (topic: string, payload: unknown, retain = false) => ({
  topic,
  payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
  retain,
});
const readingsOf = (out: Decoded[]) => out.filter((d) => d.kind === 'readings').map((d) => (d as any).values);
const known = (out: Decoded[], key: string): KnownDevice => {
  const d = out.filter((x) => x.kind === 'device').at(-1) as any;
  return { key, id: key, name: key, native: d.native, capabilities: d.capabilities };
};

describe('FullTopic', () => {
  it.each([
    [
      '%prefix%/%topic%/',
      'tele/kitchen/SENSOR',
      ['tele/+/+', 'stat/+/+'],
      { prefix: 'tele', topic: 'kitchen', command: 'SENSOR' },
      'cmnd/kitchen/POWER',
    ],
    [
      '%topic%/%prefix%/',
      'kitchen/stat/RESULT',
      ['+/tele/+', '+/stat/+'],
      { prefix: 'stat', topic: 'kitchen', command: 'RESULT' },
      'kitchen/cmnd/POWER',
    ],
    [
      'tasmota/bedroom/%topic%/%prefix%/',
      'tasmota/bedroom/lamp/tele/LWT',
      ['tasmota/bedroom/+/tele/+', 'tasmota/bedroom/+/stat/+'],
      { prefix: 'tele', topic: 'lamp', command: 'LWT' },
      'tasmota/bedroom/kitchen/cmnd/POWER',
    ],
  ])('%s', (full, topic, filters, parsed, command) => {
    const f = fullTopicOf(full);
    expect(f.filters).toEqual(filters);
    expect(f.parse(topic)).toEqual(parsed);
    expect(f.topic('cmnd', 'kitchen', 'POWER')).toBe(command);
    expect(f.parse('zigbee2mqtt/bridge/state')).toBeUndefined();
  });

  it('needs both %prefix% and %topic%', () => expect(() => fullTopicOf('tasmota/%topic%/')).toThrow(/needs both %prefix% and %topic%/));
});

describe('SENSOR fields (AM2301.md, Sonoff-Pow-R2.md)', () => {
  it('nested keys flattened, lowercased, joined with _; units from TempUnit and the field names', () => {
    const am = readSensor(AM2301_SENSOR);
    expect(Object.keys(am)).toEqual(['am2301_temperature', 'am2301_humidity']);
    expect(am.am2301_temperature).toEqual({
      value: 24.6,
      capability: { type: 'number', unit: '°C', deviceClass: 'temperature', settable: false, label: 'AM2301.Temperature' },
    });
    expect(am.am2301_humidity!.capability).toMatchObject({ unit: '%', deviceClass: 'humidity' });
    expect(readSensor({ ...AM2301_SENSOR, TempUnit: 'F' }).am2301_temperature!.capability.unit).toBe('°F');
  });

  it.each([
    ['energy_power', 2635, 'W', 'power'],
    ['energy_voltage', 227, 'V', 'voltage'],
    ['energy_current', 11.661, 'A', 'current'],
    ['energy_today', 0.954, 'kWh', 'energy'],
    ['energy_total', 6.294, 'kWh', 'energy'],
    ['energy_apparentpower', 2650, 'VA', 'apparent_power'],
  ])('%s = %s %s', (id, value, unit, deviceClass) => {
    expect(readSensor(POW_SENSOR)[id]).toMatchObject({ value, capability: { unit, deviceClass, settable: false } });
  });

  it('multi-channel arrays give one property per channel; text fields are text', () => {
    const dual = readSensor({ ENERGY: { Power: [52, 5], Voltage: 235 } });
    expect(dual.energy_power_1).toMatchObject({ value: 52, capability: { unit: 'W' } });
    expect(dual.energy_power_2!.value).toBe(5);
    expect(readSensor(POW_SENSOR).energy_totalstarttime!.capability.type).toBe('text');
  });
});

describe('messages → decoded', () => {
  const a = () => tasmotaAdapter();

  it('LWT Online/Offline is availability, and a device first seen there is described first', () => {
    const adapter = a();
    expect(adapter.decode(msg('tele/plug/LWT', 'Online', true), ctx)).toEqual([
      { kind: 'device', key: 'plug', name: 'plug', capabilities: {}, native: { topic: 'plug', commands: {} } },
      { kind: 'availability', key: 'plug', online: true, reason: 'Online on tele/plug/LWT' },
    ]);
    expect(adapter.decode(msg('tele/plug/LWT', 'Offline'), ctx)).toEqual([
      { kind: 'availability', key: 'plug', online: false, reason: 'Offline on tele/plug/LWT' },
    ]);
    expect(adapter.decode(msg('tele/plug/LWT', 'maybe'), ctx)[0]).toMatchObject({ kind: 'problem', reason: 'malformed' });
  });

  it('a STATE: POWER as a settable switch, the Wi-Fi signal; firmware counters are left out', () => {
    const out = a().decode(msg('tele/plug/STATE', PLUG_STATE), ctx);
    expect(out[0]).toMatchObject({ kind: 'device', native: { topic: 'plug', commands: { power: 'POWER' } } });
    expect((out[0] as any).capabilities.power).toEqual({
      type: 'boolean',
      on: 'ON',
      off: 'OFF',
      settable: true,
      deviceClass: 'switch',
      label: 'POWER',
    });
    expect(readingsOf(out)).toEqual([{ power: 'OFF', wifi_rssi: 100 }]);
  });

  it('a multi-relay dimmer: one property per relay, Dimmer and CT with their ranges', () => {
    const out = a().decode(msg('tele/dimmer/STATE', DIMMER_STATE), ctx);
    expect(readingsOf(out)).toEqual([{ power1: 'ON', power2: 'OFF', power3: 'ON', power4: 'OFF', power5: 'ON', dimmer: 100, ct: 220 }]);
    const caps = (out[0] as any).capabilities;
    expect(caps.power3).toMatchObject({ deviceClass: 'light', settable: true });
    expect(caps.dimmer).toMatchObject({ min: 0, max: 100, unit: '%', settable: true });
    expect(caps.ct).toMatchObject({ min: 153, max: 500, settable: true });
  });

  it('stat RESULT and stat POWER<n> are state changes; a RESULT of another command says nothing', () => {
    const adapter = a();
    adapter.decode(msg('tele/wemos2/STATE', { POWER1: 'OFF', POWER2: 'OFF' }), ctx);
    expect(adapter.decode(msg('stat/wemos2/RESULT', { POWER2: 'ON' }), ctx)).toEqual([
      { kind: 'readings', key: 'wemos2', values: { power2: 'ON' } },
    ]);
    expect(adapter.decode(msg('stat/wemos2/POWER2', 'ON'), ctx)).toEqual([{ kind: 'readings', key: 'wemos2', values: { power2: 'ON' } }]);
    expect(adapter.decode(msg('stat/wemos2/RESULT', { PowerOnState: 3 }), ctx)).toEqual([]);
  });

  it.each([
    ['its own command', 'cmnd/plug/POWER', 'ON'],
    ['a status reply', 'stat/plug/STATUS8', '{"StatusSNS":{}}'],
    ['INFO2', 'tele/plug/INFO2', '{"WebServerMode":"Admin"}'],
    ['a cleared retained LWT', 'tele/plug/LWT', ''],
    ['a RESULT on tele', 'tele/plug/RESULT', '{"POWER":"ON"}'],
  ])('%s says nothing', (_what, topic, payload) => expect(a().decode(msg(topic, payload), ctx)).toEqual([]));

  it('INFO1 names the module as the model', () => {
    expect(a().decode(msg('tele/wemos2/INFO1', INFO1_OLD), ctx).at(-1)).toMatchObject({ kind: 'device', model: 'Generic' });
    expect(
      a()
        .decode(msg('tele/x/INFO1', { Info1: { Module: 'Sonoff Basic' } }), ctx)
        .at(-1),
    ).toMatchObject({ model: 'Sonoff Basic' });
  });

  it('a SENSOR that is not JSON is a problem, once per topic', () => {
    expect(a().decode(msg('tele/plug/SENSOR', '{"AM2301":'), ctx)).toEqual([
      {
        kind: 'problem',
        once: 'json tele/plug/SENSOR',
        reason: 'malformed',
        message: 'tele/plug/SENSOR is not a JSON object, which Tasmota always sends there; ignored (logged once for plug)',
      },
    ]);
  });
});

describe("commands → the device's own topic and payload (MQTT.md, Commands.md)", () => {
  const dimmer = () => {
    const adapter = tasmotaAdapter();
    return { adapter, device: known(adapter.decode(msg('tele/dimmer/STATE', DIMMER_STATE), ctx), 'dimmer') };
  };
  it.each([
    ['power3', 'on', 'cmnd/dimmer/POWER3', 'ON'],
    ['power1', false, 'cmnd/dimmer/POWER1', 'OFF'],
    ['power2', 'toggle', 'cmnd/dimmer/POWER2', 'TOGGLE'],
    ['dimmer', 42.4, 'cmnd/dimmer/Dimmer', '42'],
    ['dimmer', 140, 'cmnd/dimmer/Dimmer', '100'],
    ['ct', '300', 'cmnd/dimmer/CT', '300'],
  ])('%s = %j → %s %s', (property, value, topic, payload) => {
    const { adapter, device } = dimmer();
    expect(adapter.encode(device, property, value)).toEqual([{ topic, payload }]);
  });

  it('refuses what Tasmota does not take', () => {
    const { adapter, device } = dimmer();
    expect(adapter.encode(device, 'dimmer', 'bright')).toBe('dimmer takes a number, got "bright"');
    expect(adapter.encode(device, 'power1', 'blink')).toBe('power1 takes on, off or toggle, got "blink"');
    expect(adapter.encode(device, 'wifi_rssi', 3)).toBe('wifi_rssi of dimmer is read-only (Tasmota takes POWER<n>, Dimmer and CT)');
  });

  it('with a custom FullTopic, commands go where the device listens', () => {
    const adapter = tasmotaAdapter('%topic%/%prefix%/');
    const device = known(adapter.decode(msg('kitchen/tele/STATE', PLUG_STATE), ctx), 'kitchen');
    expect(adapter.encode(device, 'power', 'on')).toEqual([{ topic: 'kitchen/cmnd/POWER', payload: 'ON' }]);
    expect(adapter.credentialTopics('kitchen')).toEqual({ publish: ['kitchen/tele/#', 'kitchen/stat/#'], subscribe: ['kitchen/cmnd/#'] });
  });
});
