// Home Assistant discovery components as Hearth properties: what each of sensor, binary_sensor, switch, light (default
// and JSON schema), number, select, cover and climate reports and takes, after the integrations' docs
// (sensor.mqtt, binary_sensor.mqtt, switch.mqtt, light.mqtt, number.mqtt, select.mqtt, cover.mqtt, climate.mqtt) and
// their defaults. Pure: a config in, JSON-serializable specs out; a payload in, a value out; a value in, a publish out.
import { commandValue, sameValue } from '../capabilities.js';
import { idFromName } from '../device-id.js';
import type { Capability } from '../device-schema.js';
import { formatPayload } from '../topic.js';
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
const num = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const NUMERIC_CLASSES = new Set(['temperature', 'humidity', 'battery', 'illuminance', 'power', 'energy', 'voltage', 'current', 'pressure', 'carbon_dioxide', 'pm25', 'pm10', 'signal_strength', 'moisture', 'gas', 'water', 'weight', 'distance', 'speed', 'volume', 'frequency', 'power_factor', 'apparent_power', 'reactive_power', 'atmospheric_pressure', 'precipitation', 'wind_speed', 'volatile_organic_compounds', 'nitrogen_dioxide', 'ozone', 'sulphur_dioxide', 'carbon_monoxide', 'aqi', 'irradiance', 'illuminance']);
const CLIMATE_MODES = ['auto', 'off', 'cool', 'heat', 'dry', 'fan_only'];
const COLOR_MODES = ['xy', 'hs', 'rgb', 'rgbw', 'rgbww'];
export const COMPONENTS = ['sensor', 'binary_sensor', 'switch', 'light', 'number', 'select', 'cover', 'climate'];

/** An entity's name without its device's ("Kitchen Temperature" on device "Kitchen" → `temperature`). */
export function entitySlug(config: Config, deviceName: string | undefined): string | undefined {
  const name = config.name;
  if (typeof name !== 'string' || name.trim() === '') return name === null ? undefined : str(config.device_class) && idFromName(String(config.device_class));
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
  const label = str(c.name);
  const deviceClass = str(c.device_class);
  const retain = c.retain === true ? { retain: true } : {};
  const state = (topic: unknown, template: unknown): StateSpec | undefined => (str(topic) ? { topic: str(topic)!, ...(str(template) ? { template: str(template) } : {}) } : undefined);
  const command = (topic: unknown, spec: Omit<CommandSpec, 'topic'>): CommandSpec | undefined => (str(topic) ? { topic: str(topic)!, ...spec, ...retain } : undefined);
  const prop = (base: string, capability: Capability, s?: StateSpec, cmd?: CommandSpec): PropertySpec => ({
    id: base, base, capability: { ...capability, settable: cmd !== undefined, ...(label ? { label } : {}) }, ...(s ? { state: s } : {}), ...(cmd ? { command: cmd } : {}),
  });
  const single = slug ?? (deviceClass ? idFromName(deviceClass) : { sensor: 'value', binary_sensor: 'state', switch: 'state', number: 'value', select: 'option' }[entity.component] ?? entity.component);
  const cls = deviceClass ? { deviceClass } : {};
  let props: PropertySpec[];
  switch (entity.component) {
    case 'sensor': {
      const numeric = str(c.unit_of_measurement) !== undefined || str(c.state_class) !== undefined || (deviceClass !== undefined && NUMERIC_CLASSES.has(deviceClass));
      props = [prop(single, { type: numeric ? 'number' : 'text', ...(str(c.unit_of_measurement) ? { unit: str(c.unit_of_measurement) } : {}), ...cls, settable: false }, state(c.state_topic, c.value_template))];
      break;
    }
    case 'binary_sensor':
      props = [prop(single, { type: 'boolean', on: str(c.payload_on) ?? 'ON', off: str(c.payload_off) ?? 'OFF', ...cls, settable: false }, state(c.state_topic, c.value_template))];
      break;
    case 'switch': {
      const on = str(c.payload_on) ?? 'ON';
      const off = str(c.payload_off) ?? 'OFF';
      props = [prop(single, { type: 'boolean', on: str(c.state_on) ?? on, off: str(c.state_off) ?? off, deviceClass: deviceClass ?? 'switch', settable: true },
        state(c.state_topic, c.value_template), command(c.command_topic, { kind: 'binary', on, off, ...(str(c.command_template) ? { template: str(c.command_template) } : {}) }))];
      break;
    }
    case 'number':
      props = [prop(single, { type: 'number', min: num(c.min, 1), max: num(c.max, 100), step: num(c.step, 1), ...(str(c.unit_of_measurement) ? { unit: str(c.unit_of_measurement) } : {}), ...cls, settable: true },
        state(c.state_topic, c.value_template), command(c.command_topic, { kind: 'value', ...(str(c.command_template) ? { template: str(c.command_template) } : {}) }))];
      break;
    case 'select':
      props = [prop(single, { type: 'enum', values: Array.isArray(c.options) ? c.options.map(String) : [], ...cls, settable: true },
        state(c.state_topic, c.value_template), command(c.command_topic, { kind: 'value', ...(str(c.command_template) ? { template: str(c.command_template) } : {}) }))];
      break;
    case 'light': {
      const result = describeLight(c, prop, state, command);
      if ('error' in result) return result;
      props = result;
      break;
    }
    case 'cover': {
      props = [];
      if (str(c.state_topic) || str(c.command_topic)) {
        const values = [str(c.state_open) ?? 'open', str(c.state_opening) ?? 'opening', str(c.state_closed) ?? 'closed', str(c.state_closing) ?? 'closing', str(c.state_stopped) ?? 'stopped'];
        props.push(prop('state', { type: 'enum', values, deviceClass: deviceClass ?? 'cover', settable: true }, state(c.state_topic, c.value_template),
          command(c.command_topic, { kind: 'cover', open: str(c.payload_open) ?? 'OPEN', close: str(c.payload_close) ?? 'CLOSE', stop: str(c.payload_stop) ?? 'STOP' })));
      }
      if (str(c.position_topic) || str(c.set_position_topic)) {
        props.push(prop('position', { type: 'number', min: num(c.position_closed, 0), max: num(c.position_open, 100), step: 1, unit: '%', deviceClass: 'cover', settable: true },
          state(c.position_topic, c.position_template), command(c.set_position_topic, { kind: 'value', ...(str(c.set_position_template) ? { template: str(c.set_position_template) } : {}) })));
      }
      break;
    }
    case 'climate': {
      const unit = c.temperature_unit === 'F' ? '°F' : '°C';
      // climate.mqtt: "value_template: Default template to render the payloads on *all* `*_state_topic`s with."
      const tpl = (own: unknown) => own ?? c.value_template;
      props = [];
      if (str(c.current_temperature_topic)) {
        props.push(prop('current_temperature', { type: 'number', unit, deviceClass: 'temperature', settable: false }, state(c.current_temperature_topic, tpl(c.current_temperature_template))));
      }
      if (str(c.temperature_state_topic) || str(c.temperature_command_topic)) {
        props.push(prop('target_temperature', { type: 'number', unit, min: num(c.min_temp, 7), max: num(c.max_temp, 35), step: num(c.temp_step, 1), deviceClass: 'temperature', settable: true },
          state(c.temperature_state_topic, tpl(c.temperature_state_template)), command(c.temperature_command_topic, { kind: 'value', ...(str(c.temperature_command_template) ? { template: str(c.temperature_command_template) } : {}) })));
      }
      if (str(c.mode_state_topic) || str(c.mode_command_topic)) {
        props.push(prop('mode', { type: 'enum', values: Array.isArray(c.modes) ? c.modes.map(String) : CLIMATE_MODES, settable: true },
          state(c.mode_state_topic, tpl(c.mode_state_template)), command(c.mode_command_topic, { kind: 'value', ...(str(c.mode_command_template) ? { template: str(c.mode_command_template) } : {}) })));
      }
      break;
    }
    default:
      return { error: `its component ${entity.component} is not one Hearth reads yet (it reads ${COMPONENTS.join(', ')})` };
  }
  const spec: EntitySpec = { id: entity.id, component: entity.component, ...(slug ? { slug } : {}), props };
  const availability = describeAvailability(c);
  if (availability) spec.availability = availability;
  if (str(c.json_attributes_topic)) spec.attributes = { topic: str(c.json_attributes_topic)!, ...(str(c.json_attributes_template) ? { template: str(c.json_attributes_template) } : {}) };
  return spec;
}

type Prop = (base: string, capability: Capability, s?: StateSpec, cmd?: CommandSpec) => PropertySpec;

function describeLight(c: Config, prop: Prop, state: (t: unknown, tpl: unknown) => StateSpec | undefined, command: (t: unknown, spec: Omit<CommandSpec, 'topic'>) => CommandSpec | undefined): PropertySpec[] | { error: string } {
  const brightness = (s?: StateSpec, cmd?: CommandSpec) => prop('brightness', { type: 'number', min: 0, max: num(c.brightness_scale, 255), step: 1, deviceClass: 'brightness', settable: true }, s, cmd);
  const colorTemp = (s?: StateSpec, cmd?: CommandSpec) => prop('color_temp', { type: 'number', min: num(c.min_mireds, 153), max: num(c.max_mireds, 500), step: 1, unit: 'mired', deviceClass: 'color_temp', settable: true }, s, cmd);
  const schema = c.schema ?? 'default';
  if (schema === 'json') {
    const modes = Array.isArray(c.supported_color_modes) ? c.supported_color_modes.map(String) : [];
    const json = (key: string) => ({ s: str(c.state_topic) ? { topic: str(c.state_topic)!, jsonKey: key } : undefined, cmd: command(c.command_topic, { kind: 'json', jsonKey: key }) });
    const out = [prop('state', { type: 'boolean', on: 'ON', off: 'OFF', deviceClass: 'light', settable: true }, json('state').s, json('state').cmd)];
    if (c.brightness === true || modes.some((m) => m !== 'onoff')) out.push(brightness(json('brightness').s, json('brightness').cmd));
    if (c.color_temp === true || modes.includes('color_temp')) out.push(colorTemp(json('color_temp').s, json('color_temp').cmd));
    if (modes.some((m) => COLOR_MODES.includes(m)) || c.xy === true || c.hs === true || c.rgb === true) {
      out.push(prop('color', { type: 'json', deviceClass: 'color', settable: true }, json('color').s, json('color').cmd));
    }
    return out;
  }
  if (schema !== 'default' && schema !== 'basic') return { error: `its light schema ${JSON.stringify(schema)} is not one Hearth reads (it reads default and json)` };
  const on = str(c.payload_on) ?? 'ON';
  const off = str(c.payload_off) ?? 'OFF';
  const out = [prop('state', { type: 'boolean', on, off, deviceClass: 'light', settable: true }, state(c.state_topic, c.state_value_template), command(c.command_topic, { kind: 'binary', on, off }))];
  if (str(c.brightness_state_topic) || str(c.brightness_command_topic)) {
    out.push(brightness(state(c.brightness_state_topic, c.brightness_value_template), command(c.brightness_command_topic, { kind: 'value', ...(str(c.brightness_command_template) ? { template: str(c.brightness_command_template) } : {}) })));
  }
  if (str(c.color_temp_state_topic) || str(c.color_temp_command_topic)) {
    out.push(colorTemp(state(c.color_temp_state_topic, c.color_temp_value_template), command(c.color_temp_command_topic, { kind: 'value', ...(str(c.color_temp_command_template) ? { template: str(c.color_temp_command_template) } : {}) })));
  }
  return out;
}

/** `availability_topic`, or the `availability` list, with their payloads (default online / offline) and mode. */
function describeAvailability(c: Config): AvailabilitySpec | undefined {
  const available = str(c.payload_available) ?? 'online';
  const notAvailable = str(c.payload_not_available) ?? 'offline';
  const mode = c.availability_mode === 'all' || c.availability_mode === 'any' ? c.availability_mode : 'latest';
  if (Array.isArray(c.availability)) {
    const topics = c.availability
      .filter((a): a is Config => !!a && typeof a === 'object' && !!str((a as Config).topic))
      .map((a) => ({ topic: str(a.topic)!, available: str(a.payload_available) ?? available, notAvailable: str(a.payload_not_available) ?? notAvailable, ...(str(a.value_template) ? { template: str(a.value_template) } : {}) }));
    return topics.length ? { topics, mode } : undefined;
  }
  if (!str(c.availability_topic)) return undefined;
  return { topics: [{ topic: str(c.availability_topic)!, available, notAvailable, ...(str(c.availability_template) ? { template: str(c.availability_template) } : {}) }], mode };
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
      else if (v === 'close' || v === 'closed' || v === 'closing' || value === values[2] || value === values[3] || value === false) payload = cmd.close;
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
