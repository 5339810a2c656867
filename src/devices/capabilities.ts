// Capabilities inferred for devices that do not describe themselves (`home/<device>/<property>`), and the small rules
// every adapter shares: which number a binary reading is in history, and how "on"/true becomes a device's own value.
import type { Capability } from './device-schema.js';

// By property name, for devices that say nothing about themselves; the names Hearth's own simulator and most DIY
// firmware use. An ecosystem's own description (Zigbee2MQTT exposes, discovery configs) always wins.
const UNITS: Array<[RegExp, string]> = [
  [/temp|setpoint/, '°C'],
  [/humidity|battery|brightness|level|position|volume/, '%'],
  [/^power(_w)?$|watts/, 'W'],
  [/energy/, 'kWh'],
  [/illuminance|lux/, 'lx'],
  [/co2/, 'ppm'],
];
// What a number measures (`power` in watts), and what a two-valued property senses (`power` "on" is not watts).
const NUMBER_CLASSES: Array<[RegExp, string]> = [
  [/^(temperature|temp)$/, 'temperature'],
  [/humidity/, 'humidity'],
  [/battery/, 'battery'],
  [/illuminance|lux/, 'illuminance'],
  [/^power(_w)?$/, 'power'],
  [/energy/, 'energy'],
  [/co2/, 'carbon_dioxide'],
  [/linkquality|rssi|signal/, 'signal_strength'],
];
const BINARY_CLASSES: Array<[RegExp, string]> = [
  [/contact|door|window/, 'contact'],
  [/motion|occupancy|presence/, 'motion'],
];
const SETTABLE =
  /^(power|state|on|switch|light|brightness|level|setpoint|target_temperature|mode|volume|position|lock|color_temp|fan|speed)$/;
const ENUMS: Record<string, string[]> = {
  mode: ['auto', 'heat', 'cool', 'off', 'eco'],
  fan: ['auto', 'low', 'medium', 'high'],
  speed: ['low', 'medium', 'high'],
  lock: ['locked', 'unlocked'],
};
const PAIRS: Array<[string, string]> = [
  ['on', 'off'],
  ['ON', 'OFF'],
  ['open', 'closed'],
  ['OPEN', 'CLOSED'],
  ['locked', 'unlocked'],
];

const match = (table: Array<[RegExp, string]>, name: string) => table.find(([re]) => re.test(name))?.[1];

/** The capability of a property known only by its name and latest value; `numeric` when its readings have been numbers. */
export function inferCapability(property: string, value: unknown, numeric: boolean): Capability {
  const settable = SETTABLE.test(property);
  const numberish = typeof value === 'number' || numeric;
  const deviceClass = match(numberish ? NUMBER_CLASSES : BINARY_CLASSES, property);
  const base = { settable, ...(deviceClass ? { deviceClass } : {}) };
  if (numberish) {
    const unit = match(UNITS, property);
    const range = settable
      ? /setpoint|target_temperature/.test(property)
        ? { min: 5, max: 30, step: 0.5 }
        : { min: 0, max: property === 'color_temp' ? 500 : 100, step: 1 }
      : {};
    return { type: 'number', ...base, ...(unit ? { unit } : {}), ...range };
  }
  if (typeof value === 'boolean') return { type: 'boolean', on: true, off: false, ...base };
  if (typeof value === 'string') {
    const pair = PAIRS.find(([on, off]) => value === on || value === off);
    if (pair)
      return {
        type: 'boolean',
        on: pair[0],
        off: pair[1],
        ...base,
        ...(pair[0] === 'open' || pair[0] === 'OPEN' ? { deviceClass: deviceClass ?? 'contact' } : {}),
      };
    const values = ENUMS[property];
    if (values) return { type: 'enum', values: values.includes(value) ? values : [value, ...values], ...base };
    return { type: 'text', ...base };
  }
  return { type: 'json', ...base };
}

/** The number a reading is charted as: numbers as they are, booleans and a binary property's on/off as 1/0. */
export function historyNumber(value: unknown, capability?: Capability): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (capability?.type === 'boolean') {
    if (sameValue(value, capability.on)) return 1;
    if (sameValue(value, capability.off)) return 0;
  }
  return null;
}

/**
 * A command's value in the device's own terms: for a binary property, true/"on"/"ON"/1 become its `on` value and
 * false/"off"/0 its `off` value, so "turn it on" works whatever the device calls on; other values pass unchanged.
 */
export function commandValue(capability: Capability | undefined, value: unknown): unknown {
  if (capability?.type !== 'boolean') return value;
  if (sameValue(value, capability.on) || sameValue(value, capability.off)) return value;
  const text = typeof value === 'string' ? value.toLowerCase() : value;
  if (text === true || text === 'on' || text === 'true' || text === 1) return capability.on;
  if (text === false || text === 'off' || text === 'false' || text === 0) return capability.off;
  return value;
}

export function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && a !== null && JSON.stringify(a) === JSON.stringify(b));
}
