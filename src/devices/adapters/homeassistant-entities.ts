// Home Assistant discovery components as Hearth properties: what each of sensor, binary_sensor, switch, light (default
// and JSON schema), number, select, cover and climate reports and takes, after the integrations' docs
// (sensor.mqtt, binary_sensor.mqtt, switch.mqtt, light.mqtt, number.mqtt, select.mqtt, cover.mqtt, climate.mqtt) and
// their defaults. Pure: a config in, JSON-serializable specs out; a payload in, a value out; a value in, a publish out.
import { commandValue, sameValue } from '../capabilities.js';
import { idFromName } from '../device-id.js';
import type { Capability } from '../device-schema.js';
import { formatPayload } from '../topic.js';
import { builders, COMPONENTS, opt } from './homeassistant-components.js';
import type { DiscoveredEntity } from './homeassistant-config.js';
import { compileHaTemplate, renderValue, type HaTemplate } from './homeassistant-template.js';
import type { Encoded } from './types.js';

export interface StateSpec {
  topic: string;
  template?: string;
  /** The key of a JSON-schema light's state object. */
  jsonKey?: string;
}

export interface CommandSpec {
  topic: string;
  /** value: the value itself (through the command template); binary: payload_on/off; json: a JSON-schema light's
   *  object; cover: payload_open/close/stop. */
  kind: 'value' | 'binary' | 'json' | 'cover';
  template?: string;
  on?: string;
  off?: string;
  open?: string;
  close?: string;
  stop?: string;
  jsonKey?: string;
  retain?: boolean;
}

export interface PropertySpec {
  /** Its Hearth property id (assigned per device, see the adapter). */
  id: string;
  /** The name it has when it is its entity's only property of that kind (`state`, `brightness`, `temperature`). */
  base: string;
  capability: Capability;
  state?: StateSpec;
  command?: CommandSpec;
}

export interface AvailabilitySpec {
  topics: Array<{ topic: string; available: string; notAvailable: string; template?: string }>;
  mode: 'all' | 'any' | 'latest';
}

export interface EntitySpec {
  id: string;
  component: string;
  /** Its name without the device's name: what prefixes its properties when two entities would share one. */
  slug?: string;
  props: PropertySpec[];
  availability?: AvailabilitySpec;
  attributes?: { topic: string; template?: string };
}

type Config = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** An entity's name without its device's ("Kitchen Temperature" on device "Kitchen" → `temperature`). */
export function entitySlug(config: Config, deviceName: string | undefined): string | undefined {
  const name = config.name;
  if (typeof name !== 'string' || name.trim() === '') {
    return name === null || !str(config.device_class) ? undefined : idFromName(String(config.device_class));
  }
  let rest = name.trim();
  // An entity named as its device is its main feature (as `name: null` says it).
  if (deviceName && rest.toLowerCase() === deviceName.toLowerCase()) return undefined;
  if (deviceName && rest.toLowerCase().startsWith(`${deviceName.toLowerCase()} `)) rest = rest.slice(deviceName.length).trim();
  return idFromName(rest);
}

/** What one discovered entity reports and takes; `error` for a component or schema Hearth does not read. */
export function describeEntity(entity: DiscoveredEntity, deviceName: string | undefined): EntitySpec | { error: string } {
  const c = entity.config;
  const slug = entitySlug(c, deviceName);
  const describe = COMPONENTS[entity.component];
  if (!describe)
    return { error: `its component ${entity.component} is not one Hearth reads yet (it reads ${Object.keys(COMPONENTS).join(', ')})` };
  const props = describe(c, builders(c), slug ?? mainName(entity.component, c));
  if ('error' in props) return props;
  const spec: EntitySpec = { id: entity.id, component: entity.component, ...(slug ? { slug } : {}), props };
  const availability = describeAvailability(c);
  if (availability) spec.availability = availability;
  if (str(c.json_attributes_topic))
    spec.attributes = { topic: str(c.json_attributes_topic)!, ...opt('template', c.json_attributes_template) };
  return spec;
}

/** The property of a one-property entity without a name of its own: its device class, else what the component holds. */
function mainName(component: string, c: Config): string {
  if (str(c.device_class)) return idFromName(String(c.device_class));
  return (
    ({ sensor: 'value', binary_sensor: 'state', switch: 'state', number: 'value', select: 'option' } as Record<string, string>)[
      component
    ] ?? component
  );
}

/** `availability_topic`, or the `availability` list, with their payloads (default online / offline) and mode. */
function describeAvailability(c: Config): AvailabilitySpec | undefined {
  const available = str(c.payload_available) ?? 'online';
  const notAvailable = str(c.payload_not_available) ?? 'offline';
  const mode = c.availability_mode === 'all' || c.availability_mode === 'any' ? c.availability_mode : 'latest';
  const entry = (a: Config, template: unknown) => ({
    topic: str(a.topic)!,
    available: str(a.payload_available) ?? available,
    notAvailable: str(a.payload_not_available) ?? notAvailable,
    ...opt('template', template),
  });
  if (Array.isArray(c.availability)) {
    const topics = c.availability
      .filter((a): a is Config => !!a && typeof a === 'object' && !!str((a as Config).topic))
      .map((a) => entry(a, a.value_template));
    return topics.length ? { topics, mode } : undefined;
  }
  if (!str(c.availability_topic)) return undefined;
  return { topics: [entry({ topic: c.availability_topic }, c.availability_template)], mode };
}

/** Every template of a property, by the config key it came from, for the unsupported check. */
export function templatesOf(p: PropertySpec): Array<{ field: string; template: string; command: boolean }> {
  const out: Array<{ field: string; template: string; command: boolean }> = [];
  if (p.state?.template) out.push({ field: 'value template', template: p.state.template, command: false });
  if (p.command?.template) out.push({ field: 'command template', template: p.command.template, command: true });
  return out;
}

const compiled = new Map<string, HaTemplate>();
/** Templates compiled once each, however many entities share them. */
export function haTemplate(text: string): HaTemplate {
  let t = compiled.get(text);
  if (!t) {
    t = compileHaTemplate(text);
    if (compiled.size > 5000) compiled.clear();
    compiled.set(text, t);
  }
  return t;
}

/** The value a state payload carries for a property, or undefined when it carries none (or `None`). */
export function decodeStateValue(p: PropertySpec, payload: string): unknown {
  const s = p.state!;
  let value: unknown;
  if (s.jsonKey) {
    let obj: unknown;
    try {
      obj = JSON.parse(payload);
    } catch {
      throw new Error('the state is not JSON, which a JSON-schema light sends');
    }
    value = obj && typeof obj === 'object' ? (obj as Config)[s.jsonKey] : undefined;
  } else if (s.template) {
    const t = haTemplate(s.template);
    if ('error' in t) return undefined;
    value = renderValue(t, payload);
  } else value = payload;
  if (value === undefined || value === null || value === '' || value === 'None') return undefined;
  return coerce(value, p.capability);
}

function coerce(value: unknown, capability: Capability): unknown {
  if (capability.type === 'number') {
    if (typeof value === 'number') return value;
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
    return Number.isFinite(n) ? n : value;
  }
  if (capability.type === 'json' && typeof value === 'string') {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  if (capability.type === 'json') return value;
  return typeof value === 'string' ? value : formatPayload(value);
}

/** The publish that sets a property to `value`, in the entity's own payloads; a string says why it cannot. */
export function encodeEntityCommand(p: PropertySpec, value: unknown): Encoded | string {
  const cmd = p.command;
  if (!cmd) return 'it is read-only (its discovery config has no command topic for it)';
  if (p.capability.unsupported) return p.capability.unsupported;
  const retain = cmd.retain ? { retain: true } : {};
  let payload: unknown = value;
  switch (cmd.kind) {
    case 'binary': {
      const v = commandValue(p.capability, value);
      payload = sameValue(v, p.capability.on) ? cmd.on : sameValue(v, p.capability.off) ? cmd.off : value;
      break;
    }
    case 'cover': {
      const v = String(value).toLowerCase();
      const values = p.capability.values ?? [];
      if (v === 'open' || v === 'opening' || value === values[0] || value === values[1] || value === true) payload = cmd.open;
      else if (v === 'close' || v === 'closed' || v === 'closing' || value === values[2] || value === values[3] || value === false)
        payload = cmd.close;
      else if (v === 'stop' || v === 'stopped' || value === values[4]) payload = cmd.stop;
      else return `a cover takes open, close or stop, got ${JSON.stringify(value)}`;
      break;
    }
    case 'json': {
      const key = cmd.jsonKey!;
      // As Home Assistant sends it: brightness, colour temperature and colour come with "state": "ON".
      payload = JSON.stringify(key === 'state' ? { state: commandValue(p.capability, value) } : { state: 'ON', [key]: value });
      return { topic: cmd.topic, payload: String(payload), ...retain };
    }
    case 'value':
      break;
  }
  if (cmd.template) {
    const t = haTemplate(cmd.template);
    if ('error' in t) return t.error;
    payload = t.render(payload);
  }
  return { topic: cmd.topic, payload: formatPayload(payload ?? ''), ...retain };
}
