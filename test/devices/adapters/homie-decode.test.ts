// Homie's decode and encode as pure functions, table first, with the convention's payloads (fixtures/homie.ts).
import { describe, expect, it } from 'vitest';
import { decodeHomieValue, encodeHomieValue, homieCapability, parseRange } from '../../../src/devices/adapters/homie-format.js';
import { homieAdapter, homieOnline } from '../../../src/devices/adapters/homie.js';
import type { AdapterContext, Decoded } from '../../../src/devices/adapters/types.js';
import { SUPER_CAR_4, SUPER_CAR_5_DESCRIPTION } from '../fixtures/homie.js';

const ctx: AdapterContext = { watch: () => undefined, unwatch: () => undefined, publish: () => undefined };
const msg = (topic: string, payload: unknown, retain = true) => ({
  topic,
  payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
  retain,
});
const p = (datatype: string, format?: string, extra: Record<string, unknown> = {}) => ({
  node: 'n',
  property: 'p',
  datatype,
  ...(format ? { format } : {}),
  ...extra,
});

describe('Homie datatypes and formats → capabilities ("Payloads", "Formats")', () => {
  it.each([
    [
      'float -20:120 in °C',
      p('float', '-20:120', { unit: '°C', name: 'Engine temperature' }),
      { type: 'number', min: -20, max: 120, unit: '°C', deviceClass: 'temperature', settable: false, label: 'Engine temperature' },
    ],
    ['integer 0:10:2, settable', p('integer', '0:10:2', { settable: true }), { type: 'number', min: 0, max: 10, step: 2, settable: true }],
    ['integer open-ended ":10"', p('integer', ':10'), { type: 'number', max: 10, step: 1, settable: false }],
    ['boolean', p('boolean'), { type: 'boolean', on: true, off: false, settable: false }],
    ['enum', p('enum', 'low,high,fog', { settable: true }), { type: 'enum', values: ['low', 'high', 'fog'], settable: true }],
    ['color rgb,hsv', p('color', 'rgb,hsv', { settable: true }), { type: 'text', deviceClass: 'color', unit: 'rgb', settable: true }],
    ['string', p('string'), { type: 'text', settable: false }],
    ['json (Homie 5)', p('json'), { type: 'json', settable: false }],
  ])('%s', (_what, property, capability) => {
    expect(homieCapability(property)).toEqual(capability);
  });

  it('no datatype yet: no capability', () => {
    expect(homieCapability({ node: 'n', property: 'p' })).toBeUndefined();
    expect(parseRange('0:')).toEqual({ min: 0 });
  });

  it.each([
    ['float', p('float'), '21.5', 21.5],
    ['integer', p('integer'), '-3', -3],
    ['boolean', p('boolean'), 'true', true],
    ['enum', p('enum', 'low,high'), 'high', 'high'],
    ['color', p('color', 'rgb'), '255,0,0', '255,0,0'],
    ['json', p('json'), '{"a":1}', { a: 1 }],
  ])('reads a %s value', (_what, property, payload, value) => {
    expect(decodeHomieValue(property, payload)).toEqual({ value });
  });

  it.each([
    ['integer', p('integer'), '2.5'],
    ['float', p('float'), 'NaN'],
    ['boolean', p('boolean'), 'TRUE'],
    ['enum (case sensitive)', p('enum', 'car,bike'), 'Car'],
  ])('refuses a %s payload the convention does not allow', (_what, property, payload) => {
    expect(decodeHomieValue(property, payload)).toHaveProperty('error');
  });

  it.each([
    ['boolean from "on"', p('boolean'), 'on', 4, 'true'],
    ['integer rounded', p('integer'), 4.6, 4, '5'],
    ['enum', p('enum', 'low,high'), 'low', 4, 'low'],
    ['color {r,g,b}, Homie 4', p('color', 'rgb'), { r: 255, g: 10, b: 0 }, 4, '255,10,0'],
    ['color, Homie 5 leads with its format', p('color', 'rgb,hsv'), [255, 0, 0], 5, 'rgb,255,0,0'],
  ])('encodes %s', (_what, property, value, version, payload) => {
    expect(encodeHomieValue(property, value, version as 4 | 5)).toEqual({ payload });
  });

  it('refuses an enum value outside its format', () => {
    expect(encodeHomieValue(p('enum', 'low,high'), 'max', 4)).toEqual({ error: '"max" is not one of low,high' });
  });
});

describe('Homie devices', () => {
  it('$state: ready and alert are online; disconnected, lost and sleeping offline; init says nothing yet', () => {
    expect(['init', 'ready', 'disconnected', 'sleeping', 'lost', 'alert'].map(homieOnline)).toEqual([
      undefined,
      true,
      false,
      false,
      false,
      true,
    ]);
  });

  it('Homie 4: attributes one topic at a time build the device; values read by their datatype', () => {
    const a = homieAdapter('homie');
    const all: Decoded[] = SUPER_CAR_4.flatMap(([t, v]) => a.decode(msg(t, v), ctx));
    const last = all.filter((d) => d.kind === 'device').at(-1)!;
    expect(last).toMatchObject({
      key: 'super-car',
      name: 'Super car',
      capabilities: {
        engine_temperature: { type: 'number', min: -20, max: 120, unit: '°C' },
        lights_power: { type: 'boolean', settable: true },
      },
    });
    expect(all.filter((d) => d.kind === 'readings')).toEqual([
      { kind: 'readings', key: 'super-car', values: { engine_temperature: 21.5 } },
      { kind: 'readings', key: 'super-car', values: { lights_power: false } },
    ]);
    expect(all.at(-1)).toEqual({ kind: 'availability', key: 'super-car', online: true, reason: '$state ready' });
    expect(a.decode(msg('homie/super-car/lights/power/set', 'true', false), ctx)).toEqual([]);
    expect(a.decode(msg('homie/super-car/$state', ''), ctx)).toEqual([
      { kind: 'removed', key: 'super-car', reason: 'homie/super-car/$state was cleared' },
    ]);
  });

  it("Homie 5: one $description; commands on …/set in the datatype's payload", () => {
    const a = homieAdapter('homie');
    const [device] = a.decode(msg('homie/5/super-car/$description', SUPER_CAR_5_DESCRIPTION), ctx);
    expect(device).toMatchObject({
      kind: 'device',
      key: '5/super-car',
      name: 'Supercar 5',
      capabilities: { lights_speed: { min: 0, max: 10, step: 2, settable: true } },
    });
    const known = { key: '5/super-car', id: 'supercar_5', name: 'Supercar 5', native: (device as any).native, capabilities: {} };
    expect(a.encode(known, 'lights_color', '255,0,0')).toEqual([{ topic: 'homie/5/super-car/lights/color/set', payload: 'rgb,255,0,0' }]);
    expect(a.encode(known, 'engine_temperature', 20)).toBe('engine_temperature of Supercar 5 is not settable ($settable is not true)');
    expect(a.decode(msg('homie/5/super-car/$description', '{"homie":'), ctx)[0]).toMatchObject({ kind: 'problem', reason: 'malformed' });
  });
});
