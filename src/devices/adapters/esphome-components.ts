// ESPHome's MQTT components as Hearth properties, after their sources (esphome/components/mqtt/mqtt_<component>.cpp):
// what each state topic `<prefix>/<component>/<object_id>[/<sub>]/state` carries, and the payload its
// `…/command` topic takes. Pure: a topic's parts and a payload in, readings and capabilities out; a value in, a publish out.
import { commandValue, inferCapability } from '../capabilities.js';
import { idFromName } from '../device-id.js';
import type { Capability } from '../device-schema.js';
import { formatPayload } from '../topic.js';

/** How a property is addressed on the node: its component, object id, sub-topic (fan speed, cover position) or JSON key. */
export interface EsphomeAddress {
  component: string;
  objectId: string;
  sub?: string;
  /** A JSON-schema light's key in its state object. */
  jsonKey?: string;
}

export interface EsphomeProperty {
  id: string;
  capability: Capability;
  address: EsphomeAddress;
}

export const ESPHOME_COMPONENTS = ['sensor', 'binary_sensor', 'switch', 'light', 'fan', 'cover', 'number', 'select', 'text_sensor', 'lock'];

const ON_OFF = { type: 'boolean', on: 'ON', off: 'OFF' } as const;
const COVER_STATES = ['open', 'opening', 'closed', 'closing', 'unknown'];
const LOCK_STATES = ['LOCKED', 'UNLOCKED', 'JAMMED', 'LOCKING', 'UNLOCKING'];
/** A JSON light's keys (LightJSONSchema::dump_json) with what they are; others are kept read-only as they come. */
const LIGHT_KEYS: Record<string, Capability> = {
  brightness: { type: 'number', min: 0, max: 255, step: 1, settable: true },
  color_temp: { type: 'number', unit: 'mired', settable: true },
  white_value: { type: 'number', min: 0, max: 255, step: 1, settable: true },
  color: { type: 'json', settable: true, deviceClass: 'color' },
  effect: { type: 'text', settable: true },
  color_mode: { type: 'text', settable: false },
};

/** Sub-topics (one level below the object id) that components have: fan speed and oscillation, cover position and tilt. */
const SUBS: Record<string, string[]> = { fan: ['oscillation', 'speed_level', 'speed'], cover: ['position', 'tilt'] };

type Read = Array<EsphomeProperty & { value: unknown }>;

const propertyId = (objectId: string, part?: string) => idFromName(part ? `${objectId}_${part}` : objectId);

/** What a name says a sensor measures (its unit and class), as for devices that describe nothing. */
function byName(objectId: string, numeric: boolean): Partial<Capability> {
  // The whole object id, else its last word (`living_room_temperature` → temperature).
  const whole = inferCapability(objectId, numeric ? 0 : 'ON', numeric);
  const word = inferCapability(objectId.split('_').at(-1)!, numeric ? 0 : 'ON', numeric);
  const unit = whole.unit ?? word.unit;
  const deviceClass = whole.deviceClass ?? word.deviceClass;
  return { ...(unit ? { unit } : {}), ...(deviceClass ? { deviceClass } : {}) };
}

/**
 * The properties one state message reports, with their values; `error` (in words) for a payload the component never
 * sends. ESPHome says nothing of units or ranges on its own topics: those come from names (or discovery, see README).
 */
export function readEsphomeState(component: string, objectId: string, sub: string | undefined, payload: string): Read | { error: string } {
  const address = { component, objectId, ...(sub ? { sub } : {}) };
  const at = (part: string | undefined, capability: Capability, value: unknown, jsonKey?: string) => ({
    id: propertyId(objectId, part),
    capability,
    value,
    address: { ...address, ...(jsonKey ? { jsonKey } : {}) },
  });
  const shown = JSON.stringify(payload.slice(0, 40));
  /** A number payload as `part`'s reading, or what it should have been. */
  const numeric = (part: string | undefined, capability: Capability, what: string): Read | { error: string } => {
    const n = Number(payload);
    return payload.trim() === '' || !Number.isFinite(n) ? { error: `${what} is a number, not ${shown}` } : [at(part, capability, n)];
  };
  if (sub !== undefined && !(SUBS[component] ?? []).includes(sub)) {
    return { error: `${component} has no sub-topic ${sub} that Hearth reads` };
  }
  switch (component) {
    case 'sensor': {
      // value_accuracy_to_string of NaN ("nan"): a sensor with no reading yet.
      if (payload === 'nan') return [];
      return numeric(undefined, { type: 'number', settable: false, ...byName(objectId, true) }, 'a sensor state');
    }
    case 'binary_sensor':
    case 'switch':
      if (payload !== 'ON' && payload !== 'OFF') return { error: `a ${component} state is ON or OFF, not ${shown}` };
      if (component === 'switch') return [at(undefined, { ...ON_OFF, settable: true, deviceClass: 'switch' }, payload)];
      return [at(undefined, { ...ON_OFF, settable: false, ...byName(objectId, false) }, payload)];
    case 'light':
      return readLight(payload, at);
    case 'fan':
      if (sub === 'oscillation') return [at(sub, { type: 'boolean', on: 'oscillate_on', off: 'oscillate_off', settable: true }, payload)];
      if (sub === 'speed_level') return numeric(sub, { type: 'number', min: 0, step: 1, settable: true }, 'a fan speed level');
      if (sub === 'speed') return [at(sub, { type: 'enum', values: ['low', 'medium', 'high'], settable: true }, payload)];
      return [at(undefined, { ...ON_OFF, settable: true, deviceClass: 'fan' }, payload)];
    case 'cover':
      if (sub) return numeric(sub, { type: 'number', min: 0, max: 100, step: 1, unit: '%', settable: true }, `a cover ${sub}`);
      return [at(undefined, { type: 'enum', values: COVER_STATES, settable: true, deviceClass: 'cover' }, payload)];
    case 'number':
      return numeric(undefined, { type: 'number', settable: true, ...byName(objectId, true) }, 'a number state');
    case 'select':
      return [at(undefined, { type: 'text', settable: true }, payload)];
    case 'text_sensor':
      return [at(undefined, { type: 'text', settable: false }, payload)];
    case 'lock':
      return [at(undefined, { type: 'enum', values: LOCK_STATES, settable: true, deviceClass: 'lock' }, payload)];
    default:
      return { error: `its component ${component} is not one Hearth reads yet (it reads ${ESPHOME_COMPONENTS.join(', ')})` };
  }
}

type At = (part: string | undefined, capability: Capability, value: unknown, jsonKey?: string) => Read[number];

/** A JSON-schema light's state: `{"state":"ON","brightness":255,"color_mode":"rgb","color":{"r":255,…},"effect":"None"}`. */
function readLight(payload: string, at: At): Read | { error: string } {
  let state: unknown;
  try {
    state = JSON.parse(payload);
  } catch {
    return { error: 'a light state is JSON (ESPHome lights use the JSON schema)' };
  }
  if (!state || typeof state !== 'object' || Array.isArray(state)) return { error: 'a light state is a JSON object' };
  const out: Read = [];
  for (const [key, value] of Object.entries(state)) {
    if (key === 'state') out.push(at(undefined, { ...ON_OFF, settable: true, deviceClass: 'light' }, value, 'state'));
    else out.push(at(key, LIGHT_KEYS[key] ?? { ...inferCapability(key, value, false), settable: false }, value, key));
  }
  return out;
}

/** The command for one property: `<prefix>/<component>/<object_id>[/<sub>]/command` with the payload ESPHome parses. */
export function encodeEsphomeCommand(prefix: string, p: EsphomeProperty, value: unknown): { topic: string; payload: string } | string {
  const { component, objectId, sub, jsonKey } = p.address;
  const topic = `${prefix}/${component}/${objectId}/${sub ? `${sub}/` : ''}command`;
  if (!p.capability.settable) return 'it is read-only';
  switch (component) {
    case 'light': {
      // As Home Assistant sends a JSON light's commands: brightness and colour come with "state": "ON".
      const key = jsonKey ?? 'state';
      const body = key === 'state' ? { state: commandValue(p.capability, value) } : { state: 'ON', [key]: value };
      return { topic, payload: JSON.stringify(body) };
    }
    case 'cover':
      if (sub) return { topic, payload: formatPayload(value) };
      return { topic, payload: coverCommand(value) ?? String(value).toUpperCase() };
    case 'lock': {
      const text = String(commandValue({ type: 'boolean', on: 'LOCK', off: 'UNLOCK', settable: true }, value)).toUpperCase();
      return { topic, payload: text === 'LOCKED' ? 'LOCK' : text === 'UNLOCKED' ? 'UNLOCK' : text };
    }
    default:
      return { topic, payload: formatPayload(commandValue(p.capability, value)) };
  }
}

/** mqtt_cover's command topic takes OPEN, CLOSE and STOP (case-insensitive); its states are open, closed, … */
function coverCommand(value: unknown): string | undefined {
  const text = typeof value === 'string' ? value.toLowerCase() : value;
  if (text === true || text === 'open' || text === 'opening' || text === 'on') return 'OPEN';
  if (text === false || text === 'close' || text === 'closed' || text === 'closing' || text === 'off') return 'CLOSE';
  if (text === 'stop' || text === 'stopped') return 'STOP';
  return undefined;
}
