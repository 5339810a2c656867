// How devices and property values look, and which properties can be controlled.
const UNITS: Array<[RegExp, string]> = [
  [/temp|setpoint/, '°C'],
  [/humidity|battery|brightness|level|position|volume/, '%'],
  [/power_w|watts|^power$(?!)/, 'W'],
  [/energy/, 'kWh'],
  [/illuminance|lux/, 'lx'],
  [/co2/, 'ppm'],
];

/** A device's name, else its id in words: `living_room-lamp` → "Living room lamp". */
export function displayName(d: { id: string; name: string | null }): string {
  if (d.name) return d.name;
  const words = d.id.replace(/[-_]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : d.id;
}

/** The kind of a value that arrived live; a property keeps the kind the hub gave it (`number` stays `number`). */
export function kindOf(value: unknown): 'number' | 'boolean' | 'string' | 'json' {
  return typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : typeof value === 'string' ? 'string' : 'json';
}

export function unitOf(property: string, value: unknown): string {
  if (typeof value !== 'number') return '';
  for (const [re, unit] of UNITS) if (re.test(property)) return unit;
  return '';
}

export function show(value: unknown): string {
  if (value === true) return 'on';
  if (value === false) return 'off';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(1);
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

const SETTABLE = /^(power|state|on|switch|light|brightness|level|setpoint|target_temperature|mode|volume|position|lock|color_temp|fan|speed)$/;
const ENUMS: Record<string, string[]> = {
  mode: ['auto', 'heat', 'cool', 'off', 'eco'],
  fan: ['auto', 'low', 'medium', 'high'],
  speed: ['low', 'medium', 'high'],
  lock: ['locked', 'unlocked'],
};

export type Control = { kind: 'toggle'; on: boolean; values: [unknown, unknown] } | { kind: 'slider'; min: number; max: number; step: number } | { kind: 'select'; options: string[] };

export function controlFor(property: string, value: unknown): Control | undefined {
  if (!SETTABLE.test(property)) return undefined;
  if (typeof value === 'boolean') return { kind: 'toggle', on: value, values: [true, false] };
  if (value === 'on' || value === 'off') return { kind: 'toggle', on: value === 'on', values: ['on', 'off'] };
  if (value === 'ON' || value === 'OFF') return { kind: 'toggle', on: value === 'ON', values: ['ON', 'OFF'] };
  if (typeof value === 'number') {
    if (/setpoint|target_temperature/.test(property)) return { kind: 'slider', min: 5, max: 30, step: 0.5 };
    return { kind: 'slider', min: 0, max: property === 'color_temp' ? 500 : 100, step: 1 };
  }
  const options = ENUMS[property];
  if (typeof value === 'string' && options) return { kind: 'select', options: options.includes(value) ? options : [value, ...options] };
  return undefined;
}
