// Ids from native names, and the capabilities every adapter shares: table first.
import { describe, expect, it } from 'vitest';
import { commandValue, historyNumber, inferCapability } from '../../src/devices/capabilities.js';
import { idFromName, uniqueId } from '../../src/devices/device-id.js';

describe('ids from native names', () => {
  it.each([
    ['Living Room/Sensor', 'living_room_sensor'],
    ['kitchen/floor_light', 'kitchen_floor_light'],
    ['0x00158d0001dc1ab2', '0x00158d0001dc1ab2'],
    ['  Küche – Licht! ', 'kuche_licht'],
    ['garage-door', 'garage-door'],
    ['💡', 'device'],
    ['x'.repeat(70), 'x'.repeat(64)],
    [`${'a'.repeat(63)} b`, 'a'.repeat(63)],
  ])('%j → %j', (name, id) => expect(idFromName(name)).toBe(id));

  it('a collision gets a suffix, still within 64 characters', () => {
    const taken = new Set(['garden', 'garden_2', 'y'.repeat(64)]);
    expect(uniqueId('garden', (x) => taken.has(x))).toBe('garden_3');
    expect(uniqueId('y'.repeat(64), (x) => taken.has(x))).toBe(`${'y'.repeat(62)}_2`);
  });
});

describe('capabilities of a device that says nothing of itself', () => {
  it.each([
    ['temperature', 21.5, { type: 'number', unit: '°C', deviceClass: 'temperature', settable: false }],
    ['brightness', 80, { type: 'number', unit: '%', settable: true, min: 0, max: 100, step: 1 }],
    ['setpoint', 21, { type: 'number', unit: '°C', settable: true, min: 5, max: 30, step: 0.5 }],
    ['power', 'on', { type: 'boolean', on: 'on', off: 'off', settable: true }],
    ['contact', 'open', { type: 'boolean', on: 'open', off: 'closed', settable: false, deviceClass: 'contact' }],
    ['motion', true, { type: 'boolean', on: true, off: false, settable: false, deviceClass: 'motion' }],
    ['mode', 'eco', { type: 'enum', values: ['auto', 'heat', 'cool', 'off', 'eco'], settable: true }],
    ['version', '1.2.3', { type: 'text', settable: false }],
    ['color', { r: 1 }, { type: 'json', settable: false }],
  ])('%s = %j', (property, value, expected) => expect(inferCapability(property, value, false)).toEqual(expected));

  it("a binary reading is charted as 1/0 by its own on/off values; commands say on in the device's words", () => {
    const plug = { type: 'boolean' as const, on: 'ON', off: 'OFF', settable: true };
    expect([
      historyNumber('ON', plug),
      historyNumber('OFF', plug),
      historyNumber('TOGGLE', plug),
      historyNumber(true),
      historyNumber(3.5),
    ]).toEqual([1, 0, null, 1, 3.5]);
    expect(['on', true, 1, 'ON', 'off', false, 0, 'TOGGLE'].map((v) => commandValue(plug, v))).toEqual([
      'ON',
      'ON',
      'ON',
      'ON',
      'OFF',
      'OFF',
      'OFF',
      'TOGGLE',
    ]);
  });
});
