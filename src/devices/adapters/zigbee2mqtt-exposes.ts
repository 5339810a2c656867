// Zigbee2MQTT's `exposes` (its device definitions' capabilities, docs: guide/usage/exposes.md) as Hearth capabilities.
// Pure: one definition's exposes in, one capability per state property out, with the property's name in the JSON state.
import { idFromName } from '../device-id.js';
import type { Capability } from '../device-schema.js';

interface Expose {
  type?: string;
  name?: string;
  label?: string;
  property?: string;
  access?: number;
  unit?: string;
  value_min?: number;
  value_max?: number;
  value_step?: number;
  value_on?: unknown;
  value_off?: unknown;
  values?: unknown[];
  features?: Expose[];
  category?: string;
}

// Access bits [exposes.md, "Access"]: 1 published in the state, 2 settable with /set, 4 readable with /get.
const ACCESS_SET = 0b010;
const SPECIFIC = new Set(['light', 'switch', 'fan', 'cover', 'lock', 'climate']);

const CLASSES: Record<string, string> = {
  temperature: 'temperature',
  local_temperature: 'temperature',
  device_temperature: 'temperature',
  humidity: 'humidity',
  battery: 'battery',
  illuminance: 'illuminance',
  illuminance_lux: 'illuminance',
  power: 'power',
  energy: 'energy',
  voltage: 'voltage',
  current: 'current',
  pressure: 'pressure',
  co2: 'carbon_dioxide',
  contact: 'contact',
  occupancy: 'motion',
  presence: 'motion',
  water_leak: 'moisture',
  smoke: 'smoke',
  vibration: 'vibration',
  linkquality: 'signal_strength',
};
// What the state of a specific expose controls, for the dashboard (a light card for a light).
const SPECIFIC_CLASS: Record<string, string> = { light: 'light', switch: 'switch', fan: 'fan', cover: 'cover', lock: 'lock' };

export interface ExposedProperty {
  /** The key in the device's JSON state and /set payload (`color_temp`, `state_l1`). */
  z2m: string;
  capability: Capability;
}

/** One capability per property of the device's JSON state, keyed by Hearth property id. */
export function exposesToCapabilities(exposes: unknown): Record<string, ExposedProperty> {
  const out: Record<string, ExposedProperty> = {};
  const add = (e: Expose, parent?: string) => {
    if (!e || typeof e !== 'object') return;
    if (e.type && SPECIFIC.has(e.type)) {
      for (const f of e.features ?? []) add(f, e.type);
      return;
    }
    if (typeof e.property !== 'string' || e.property === '') return;
    const id = idFromName(e.property);
    if (out[id]) return; // color_xy and color_hs both expose `color`: the first one stands for both
    const capability = toCapability(e, parent);
    if (capability) out[id] = { z2m: e.property, capability };
  };
  if (Array.isArray(exposes)) for (const e of exposes) add(e as Expose);
  return out;
}

function toCapability(e: Expose, parent: string | undefined): Capability | undefined {
  const access = typeof e.access === 'number' ? e.access : e.type === 'composite' ? compositeAccess(e) : 1;
  const deviceClass = (parent && e.name === 'state' ? SPECIFIC_CLASS[parent] : undefined) ?? CLASSES[e.name ?? e.property!];
  const label = e.label ?? e.name;
  const common = { settable: (access & ACCESS_SET) !== 0, ...(deviceClass ? { deviceClass } : {}), ...(label ? { label } : {}) };
  switch (e.type) {
    case 'binary':
      return { type: 'boolean', on: e.value_on ?? true, off: e.value_off ?? false, ...common };
    case 'numeric':
      return {
        type: 'number',
        ...(e.unit ? { unit: e.unit } : {}),
        ...(typeof e.value_min === 'number' ? { min: e.value_min } : {}),
        ...(typeof e.value_max === 'number' ? { max: e.value_max } : {}),
        ...(typeof e.value_step === 'number' ? { step: e.value_step } : {}),
        ...common,
      };
    case 'enum':
      return { type: 'enum', values: (e.values ?? []).map(String), ...common };
    case 'text':
      return { type: 'text', ...common };
    case 'composite':
    case 'list':
      return { type: 'json', ...common };
    default:
      return undefined;
  }
}

function compositeAccess(e: Expose): number {
  return (e.features ?? []).reduce((acc, f) => acc | (typeof f.access === 'number' ? f.access : 0), 0);
}
