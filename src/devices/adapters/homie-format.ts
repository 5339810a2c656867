// Homie property attributes as Hearth capabilities, and payloads both ways, after the convention's "Payloads" and
// "Formats" (homieiot/convention: convention.md at v4.0.0 and Homie 5): integer and float with `[min]:[max][:step]`,
// boolean `true`/`false`, enum with its comma list, color `rgb`/`hsv` (Homie 5 also `xyz`, its payloads led by the
// format: `rgb,255,0,0`), string, and Homie 5's datetime, duration and json. Pure.
import { commandValue } from '../capabilities.js';
import type { Capability } from '../device-schema.js';

/** One property's attributes, as `$datatype`, `$format`, … (Homie 4) or its `$description` entry (Homie 5) give them. */
export interface HomieProperty {
  node: string;
  property: string;
  name?: string;
  datatype?: string;
  format?: string;
  unit?: string;
  settable?: boolean;
}

// What a unit says a number measures (the convention's recommended units).
const UNIT_CLASSES: Record<string, string> = {
  '°C': 'temperature',
  '°F': 'temperature',
  W: 'power',
  kWh: 'energy',
  lx: 'illuminance',
  V: 'voltage',
  A: 'current',
  ppm: 'carbon_dioxide',
};

/** `[min]:[max][:step]` → its parts; each side may be missing ("0:" allows a value >= 0). */
export function parseRange(format: string | undefined): { min?: number; max?: number; step?: number } {
  if (!format?.includes(':')) return {};
  const [min, max, step] = format.split(':').map((x) => (x.trim() === '' ? undefined : Number(x)));
  const ok = (n: number | undefined) => n !== undefined && Number.isFinite(n);
  return { ...(ok(min) ? { min } : {}), ...(ok(max) ? { max } : {}), ...(ok(step) && step! > 0 ? { step } : {}) };
}

/** The capability of a property whose datatype is known; undefined while it is not. */
export function homieCapability(p: HomieProperty): Capability | undefined {
  const base = { settable: p.settable === true, ...(p.name ? { label: p.name } : {}) };
  switch (p.datatype) {
    case 'integer':
    case 'float': {
      const range = parseRange(p.format);
      const deviceClass = p.unit ? UNIT_CLASSES[p.unit] : undefined;
      const step = p.datatype === 'integer' && range.step === undefined ? { step: 1 } : {};
      return { type: 'number', ...base, ...(p.unit ? { unit: p.unit } : {}), ...range, ...step, ...(deviceClass ? { deviceClass } : {}) };
    }
    case 'boolean':
      return { type: 'boolean', on: true, off: false, ...base };
    case 'enum':
      return { type: 'enum', values: (p.format ?? '').split(',').filter((v) => v !== ''), ...base };
    case 'color':
      return { type: 'text', deviceClass: 'color', ...base, ...(p.format ? { unit: p.format.split(',')[0] } : {}) };
    case 'string':
    case 'datetime':
    case 'duration':
      return { type: 'text', ...base, ...(p.unit ? { unit: p.unit } : {}) };
    case 'json':
      return { type: 'json', ...base };
    default:
      return undefined;
  }
}

/** A value payload as its datatype reads it; `error` in words for one the datatype does not allow. */
export function decodeHomieValue(p: HomieProperty | undefined, payload: string): { value: unknown } | { error: string } {
  const shown = JSON.stringify(payload.slice(0, 40));
  switch (p?.datatype) {
    case 'integer':
      return /^-?\d+$/.test(payload) ? { value: Number(payload) } : { error: `an integer payload, not ${shown}` };
    case 'float': {
      const n = Number(payload);
      return payload.trim() !== '' && Number.isFinite(n) ? { value: n } : { error: `a float payload, not ${shown}` };
    }
    case 'boolean':
      return payload === 'true' || payload === 'false' ? { value: payload === 'true' } : { error: `true or false, not ${shown}` };
    case 'enum': {
      const values = (p.format ?? '').split(',');
      return values.includes(payload) ? { value: payload } : { error: `one of ${p.format}, not ${shown}` };
    }
    case 'json':
      try {
        return { value: JSON.parse(payload) };
      } catch {
        return { error: 'a JSON payload' };
      }
    case undefined: {
      // Not described yet (attributes and values arrive in no promised order): read loosely.
      const n = Number(payload);
      if (payload.trim() !== '' && Number.isFinite(n)) return { value: n };
      return { value: payload === 'true' ? true : payload === 'false' ? false : payload };
    }
    default:
      return { value: payload };
  }
}

/** A command value as the property's `set` payload; `error` in words when it cannot be one. */
export function encodeHomieValue(p: HomieProperty, value: unknown, version: 4 | 5): { payload: string } | { error: string } {
  switch (p.datatype) {
    case 'boolean': {
      const v = commandValue({ type: 'boolean', on: true, off: false, settable: true }, value);
      return typeof v === 'boolean' ? { payload: String(v) } : { error: `${JSON.stringify(value)} is not true or false` };
    }
    case 'integer':
    case 'float': {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(n)) return { error: `${JSON.stringify(value)} is not a number` };
      return { payload: String(p.datatype === 'integer' ? Math.round(n) : n) };
    }
    case 'enum': {
      const values = (p.format ?? '').split(',');
      return values.includes(String(value)) ? { payload: String(value) } : { error: `${JSON.stringify(value)} is not one of ${p.format}` };
    }
    case 'color':
      return encodeColor(p.format, value, version);
    case 'json':
      return { payload: typeof value === 'string' ? value : JSON.stringify(value) };
    default:
      return { payload: typeof value === 'string' ? value : JSON.stringify(value) };
  }
}

/** `255,0,0` (Homie 4) or `rgb,255,0,0` (Homie 5) from that text, a list, or `{r,g,b}` / `{h,s,v}`. */
function encodeColor(format: string | undefined, value: unknown, version: 4 | 5): { payload: string } | { error: string } {
  const kind = (format ?? 'rgb').split(',')[0]!;
  let parts: unknown[] | undefined;
  if (typeof value === 'string') parts = value.replace(/^(rgb|hsv|xyz),/, '').split(',');
  else if (Array.isArray(value)) parts = value;
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    parts = kind === 'hsv' ? [o.h, o.s, o.v] : kind === 'xyz' ? [o.x, o.y] : [o.r, o.g, o.b];
  }
  const numbers = parts?.map((x) => Number(x));
  if (!numbers || numbers.length !== (kind === 'xyz' ? 2 : 3) || numbers.some((n) => !Number.isFinite(n))) {
    return { error: `${JSON.stringify(value)} is not a ${kind} colour` };
  }
  return { payload: `${version === 5 ? `${kind},` : ''}${numbers.join(',')}` };
}
