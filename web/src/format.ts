// How devices and their properties look, from the capabilities the hub gives each property (never guessed from values).
import type { Device, DeviceProperty } from './api.js';

/** A device's name, else its id in words: `living_room-lamp` → "Living room lamp". */
export function displayName(d: { id: string; name: string | null }): string {
  if (d.name) return d.name;
  const words = d.id.replace(/[-_]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : d.id;
}

// What "on" and "off" mean for a binary sensor of a class: a door is open, a motion sensor sees motion.
const WORDS: Record<string, [string, string]> = {
  motion: ['motion', 'clear'],
  occupancy: ['occupied', 'clear'],
  presence: ['present', 'away'],
  contact: ['open', 'closed'],
  door: ['open', 'closed'],
  window: ['open', 'closed'],
  garage_door: ['open', 'closed'],
  opening: ['open', 'closed'],
  moisture: ['wet', 'dry'],
  smoke: ['smoke', 'clear'],
  lock: ['unlocked', 'locked'],
};

const same = (a: unknown, b: unknown) => a === b || (typeof a === 'object' && a !== null && JSON.stringify(a) === JSON.stringify(b));

/** Whether a binary property's value is its `on` value. */
export function isOn(p: DeviceProperty, value: unknown = p.value): boolean {
  return p.on !== undefined ? same(value, p.on) : value === true;
}

/** A value as words and digits, without its unit. */
export function show(value: unknown, p?: DeviceProperty): string {
  if (value === undefined || value === null) return '—';
  if (p?.type === 'boolean' && (same(value, p.on) || same(value, p.off))) {
    const [on, off] = WORDS[p.deviceClass ?? ''] ?? ['on', 'off'];
    return isOn(p, value) ? on : off;
  }
  if (value === true) return 'on';
  if (value === false) return 'off';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(1);
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** A reading with its unit: "21.5 °C". */
export function reading(p: DeviceProperty, value: unknown = p.value): string {
  return p.unit && typeof value === 'number' ? `${show(value, p)} ${p.unit}` : show(value, p);
}

/** The control a property gets, from its capability: a switch, a slider, a select, or none (shown read-only). */
export function controlOf(p: DeviceProperty): 'switch' | 'slider' | 'select' | undefined {
  if (!p.settable || p.unsupported) return undefined;
  if (p.type === 'boolean') return 'switch';
  if (p.type === 'number' && p.min !== undefined && p.max !== undefined) return 'slider';
  if (p.type === 'enum' && p.values?.length) return 'select';
  return undefined;
}

/** Battery and link quality: shown small at the foot of a card. */
export function isSmall(name: string, p: DeviceProperty): boolean {
  return p.deviceClass === 'battery' || p.deviceClass === 'signal_strength' || name === 'linkquality';
}

export interface Light {
  state: [string, DeviceProperty];
  brightness?: [string, DeviceProperty];
  colorTemp?: [string, DeviceProperty];
}

/** A light: a settable on/off of class light (or a settable on/off beside a settable brightness), with its sliders. */
export function lightOf(d: Device): Light | undefined {
  const props = Object.entries(d.properties);
  const settable = (name: string) => props.find(([n, p]) => n === name && controlOf(p) !== undefined);
  const brightness = settable('brightness');
  const state =
    props.find(([, p]) => p.type === 'boolean' && p.deviceClass === 'light' && controlOf(p)) ??
    (brightness ? (settable('state') ?? settable('power') ?? settable('on')) : undefined);
  if (state?.[1].type !== 'boolean') return undefined;
  const colorTemp = settable('color_temp');
  return {
    state,
    ...(brightness?.[1].type === 'number' ? { brightness } : {}),
    ...(colorTemp?.[1].type === 'number' ? { colorTemp } : {}),
  };
}
