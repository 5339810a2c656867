// What Tasmota's JSON fields are (docs/Commands.md, the sensor pages such as docs/AM2301.md, and the energy monitoring
// payloads of docs/devices/Sonoff-Pow-R2.md, in tasmota/docs): the unit and device class of a sensor field by its
// name, and which STATE/RESULT keys are a device's controllable state.
import { inferCapability } from '../capabilities.js';
import { idFromName } from '../device-id.js';
import type { Capability } from '../device-schema.js';
import type { Learnt } from './learnt-devices.js';

// By the field's own name (the last level of `{"AM2301":{"Temperature":…}}`); `null` unit: unitless.
const FIELDS: Record<string, { unit: string | null; deviceClass?: string }> = {
  temperature: { unit: 'temp', deviceClass: 'temperature' },
  dewpoint: { unit: 'temp', deviceClass: 'temperature' },
  humidity: { unit: '%', deviceClass: 'humidity' },
  pressure: { unit: 'hPa', deviceClass: 'pressure' },
  seapressure: { unit: 'hPa', deviceClass: 'pressure' },
  illuminance: { unit: 'lx', deviceClass: 'illuminance' },
  carbondioxide: { unit: 'ppm', deviceClass: 'carbon_dioxide' },
  eco2: { unit: 'ppm', deviceClass: 'carbon_dioxide' },
  tvoc: { unit: 'ppb' },
  distance: { unit: 'cm', deviceClass: 'distance' },
  power: { unit: 'W', deviceClass: 'power' },
  apparentpower: { unit: 'VA', deviceClass: 'apparent_power' },
  reactivepower: { unit: 'VAr', deviceClass: 'reactive_power' },
  factor: { unit: null, deviceClass: 'power_factor' },
  voltage: { unit: 'V', deviceClass: 'voltage' },
  current: { unit: 'A', deviceClass: 'current' },
  frequency: { unit: 'Hz', deviceClass: 'frequency' },
  today: { unit: 'kWh', deviceClass: 'energy' },
  yesterday: { unit: 'kWh', deviceClass: 'energy' },
  total: { unit: 'kWh', deviceClass: 'energy' },
};

// STATE keys that are not readings worth keeping (timestamps, counters of the firmware itself).
const STATE_SKIP = new Set(['Time', 'Uptime', 'UptimeSec', 'Heap', 'SleepMode', 'Sleep', 'LoadAvg', 'MqttCount', 'Epoch', 'Berry']);
const POWER_KEY = /^POWER([1-8])?$/;

/** The capability of a sensor field: unit and class from Tasmota's field names, `TempUnit` for temperatures. */
export function sensorCapability(path: string[], value: unknown, tempUnit: string, pressureUnit: string): Capability {
  const field = [...path]
    .reverse()
    .find((p) => !/^\d+$/.test(p))!
    .toLowerCase();
  const known = FIELDS[field];
  if (!known || typeof value !== 'number')
    return { ...inferCapability(idFromName(path.join('_')), value, false), settable: false, label: path.join('.') };
  const unit = known.unit === 'temp' ? `°${tempUnit}` : field.includes('pressure') ? pressureUnit : known.unit;
  return {
    type: 'number',
    settable: false,
    ...(unit ? { unit } : {}),
    ...(known.deviceClass ? { deviceClass: known.deviceClass } : {}),
    label: path.join('.'),
  };
}

/** Every field of a SENSOR message, nested keys joined with `_` (`{"AM2301":{"Temperature":22.3}}` → am2301_temperature). */
export function readSensor(message: Record<string, unknown>): Learnt {
  const tempUnit = typeof message.TempUnit === 'string' ? message.TempUnit : 'C';
  const pressureUnit = typeof message.PressureUnit === 'string' ? message.PressureUnit : 'hPa';
  const out: Learnt = {};
  const walk = (node: Record<string, unknown>, path: string[]) => {
    for (const [k, v] of Object.entries(node)) {
      if (path.length === 0 && (k === 'Time' || k === 'TempUnit' || k === 'PressureUnit' || k === 'SpeedUnit')) continue;
      const here = [...path, k];
      if (v && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, here);
      // Multi-channel meters give arrays (`"Power":[52,5]`): one property per channel, counted from 1.
      else if (Array.isArray(v) && v.every((x) => typeof x === 'number')) {
        for (const [i, x] of v.entries()) add([...here, String(i + 1)], x);
      } else add(here, v);
    }
  };
  const add = (path: string[], value: unknown) => {
    out[idFromName(path.join('_'))] = { value, capability: sensorCapability(path, value, tempUnit, pressureUnit) };
  };
  walk(message, []);
  return out;
}

/**
 * The controllable state in a STATE or RESULT message: POWER (one relay) or POWER1…POWER8 (one property per relay),
 * Dimmer, CT; from STATE also the Wi-Fi signal. `light` when the device has a dimmer, so its relay is a light's.
 */
export function readState(message: Record<string, unknown>, withWifi: boolean): { learnt: Learnt; keys: Record<string, string> } {
  const learnt: Learnt = {};
  const keys: Record<string, string> = {};
  const light = 'Dimmer' in message || 'CT' in message;
  for (const [k, v] of Object.entries(message)) {
    if (STATE_SKIP.has(k)) continue;
    const id = k.toLowerCase();
    if (POWER_KEY.test(k) && typeof v === 'string') {
      learnt[id] = {
        value: v,
        capability: { type: 'boolean', on: 'ON', off: 'OFF', settable: true, deviceClass: light ? 'light' : 'switch', label: k },
      };
      keys[id] = k;
    } else if (k === 'Dimmer' && typeof v === 'number') {
      learnt.dimmer = {
        value: v,
        capability: { type: 'number', min: 0, max: 100, step: 1, unit: '%', settable: true, deviceClass: 'brightness', label: k },
      };
      keys.dimmer = k;
    } else if (k === 'CT' && typeof v === 'number') {
      // Commands.md, CT: "153..500 = set color temperature from 153 (cold) to 500 (warm)".
      learnt.ct = {
        value: v,
        capability: { type: 'number', min: 153, max: 500, step: 1, unit: 'mired', settable: true, deviceClass: 'color_temp', label: k },
      };
      keys.ct = k;
    } else if (k === 'Wifi' && withWifi && v && typeof v === 'object') {
      const wifi = v as Record<string, unknown>;
      // RSSI is Tasmota's signal quality in percent; Signal is in dBm.
      if (typeof wifi.RSSI === 'number')
        learnt.wifi_rssi = {
          value: wifi.RSSI,
          capability: { type: 'number', unit: '%', settable: false, deviceClass: 'signal_strength', label: 'Wifi.RSSI' },
        };
      if (typeof wifi.Signal === 'number')
        learnt.wifi_signal = {
          value: wifi.Signal,
          capability: { type: 'number', unit: 'dBm', settable: false, deviceClass: 'signal_strength', label: 'Wifi.Signal' },
        };
    }
  }
  return { learnt, keys };
}
