// Long file: a table of eight components, each describer a few lines, kept beside the table.
// What each Home Assistant discovery component reports and takes, one describer per component behind a table (as
// the rules' triggers are): sensor, binary_sensor, switch, light (default and JSON schema), number, select, cover and
// climate, with the defaults of their docs (sensor.mqtt, binary_sensor.mqtt, switch.mqtt, light.mqtt, number.mqtt,
// select.mqtt, cover.mqtt, climate.mqtt).
import type { Capability } from '../device-schema.js';
import type { CommandSpec, PropertySpec, StateSpec } from './homeassistant-entities.js';

type Config = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const list = (v: unknown, fallback: string[] = []): string[] => (Array.isArray(v) ? v.map(String) : fallback);
/** `{ [key]: value }` when the value is a non-empty string, else nothing. */
export const opt = <K extends string>(key: K, v: unknown) => (str(v) ? { [key]: str(v)! } : {}) as Partial<Record<K, string>>;

const NUMERIC_CLASSES = new Set([
  'temperature',
  'humidity',
  'battery',
  'illuminance',
  'power',
  'energy',
  'voltage',
  'current',
  'pressure',
  'carbon_dioxide',
  'carbon_monoxide',
  'pm25',
  'pm10',
  'signal_strength',
  'moisture',
  'gas',
  'water',
  'weight',
  'distance',
  'speed',
  'volume',
  'frequency',
  'power_factor',
  'apparent_power',
  'reactive_power',
  'atmospheric_pressure',
  'precipitation',
  'wind_speed',
  'volatile_organic_compounds',
  'nitrogen_dioxide',
  'ozone',
  'sulphur_dioxide',
  'aqi',
  'irradiance',
]);
const CLIMATE_MODES = ['auto', 'off', 'cool', 'heat', 'dry', 'fan_only'];
const COLOR_MODES = ['xy', 'hs', 'rgb', 'rgbw', 'rgbww'];

export type Builders = ReturnType<typeof builders>;

/** The pieces every component is made of, over one config: its state and command topics, and a property. */
export function builders(c: Config) {
  const retain = c.retain === true ? { retain: true } : {};
  const label = str(c.name);
  const state = (topic: unknown, template: unknown): StateSpec | undefined =>
    str(topic) ? { topic: str(topic)!, ...opt('template', template) } : undefined;
  const command = (topic: unknown, spec: Omit<CommandSpec, 'topic'>): CommandSpec | undefined =>
    str(topic) ? { topic: str(topic)!, ...spec, ...retain } : undefined;
  return {
    state,
    command,
    /** A command whose payload is the value itself, through its command template. */
    valueCommand: (topic: unknown, template: unknown) => command(topic, { kind: 'value', ...opt('template', template) }),
    /** A property: settable when it has a command topic, labelled with the entity's name. */
    prop: (base: string, capability: Capability, s?: StateSpec, cmd?: CommandSpec): PropertySpec => ({
      id: base,
      base,
      capability: { ...capability, settable: cmd !== undefined, ...(label ? { label } : {}) },
      ...(s ? { state: s } : {}),
      ...(cmd ? { command: cmd } : {}),
    }),
  };
}

type Describe = (c: Config, b: Builders, name: string) => PropertySpec[] | { error: string };

const deviceClass = (c: Config, fallback?: string) =>
  (str(c.device_class) ?? fallback) ? { deviceClass: (str(c.device_class) ?? fallback)! } : {};

export const COMPONENTS: Record<string, Describe> = {
  sensor: (c, b, name) => {
    const numeric = !!str(c.unit_of_measurement) || !!str(c.state_class) || NUMERIC_CLASSES.has(str(c.device_class) ?? '');
    return [
      b.prop(
        name,
        { type: numeric ? 'number' : 'text', ...opt('unit', c.unit_of_measurement), ...deviceClass(c), settable: false },
        b.state(c.state_topic, c.value_template),
      ),
    ];
  },
  binary_sensor: (c, b, name) => [
    b.prop(
      name,
      { type: 'boolean', on: str(c.payload_on) ?? 'ON', off: str(c.payload_off) ?? 'OFF', ...deviceClass(c), settable: false },
      b.state(c.state_topic, c.value_template),
    ),
  ],
  switch: (c, b, name) => {
    const on = str(c.payload_on) ?? 'ON';
    const off = str(c.payload_off) ?? 'OFF';
    // Readings are state_on/state_off (defaulting to the payloads); commands the payloads.
    const capability: Capability = {
      type: 'boolean',
      on: str(c.state_on) ?? on,
      off: str(c.state_off) ?? off,
      ...deviceClass(c, 'switch'),
      settable: true,
    };
    return [
      b.prop(
        name,
        capability,
        b.state(c.state_topic, c.value_template),
        b.command(c.command_topic, { kind: 'binary', on, off, ...opt('template', c.command_template) }),
      ),
    ];
  },
  light: (c, b) =>
    c.schema === 'json'
      ? jsonLight(c, b)
      : c.schema === undefined || c.schema === 'default' || c.schema === 'basic'
        ? defaultLight(c, b)
        : {
            error: `its light schema ${JSON.stringify(c.schema)} is not one Hearth reads (it reads default and json)`,
          },
  number: (c, b, name) => {
    const capability: Capability = {
      type: 'number',
      min: num(c.min, 1),
      max: num(c.max, 100),
      step: num(c.step, 1),
      ...opt('unit', c.unit_of_measurement),
      ...deviceClass(c),
      settable: true,
    };
    return [b.prop(name, capability, b.state(c.state_topic, c.value_template), b.valueCommand(c.command_topic, c.command_template))];
  },
  select: (c, b, name) => [
    b.prop(
      name,
      { type: 'enum', values: list(c.options), ...deviceClass(c), settable: true },
      b.state(c.state_topic, c.value_template),
      b.valueCommand(c.command_topic, c.command_template),
    ),
  ],
  cover: (c, b) => {
    const out: PropertySpec[] = [];
    if (str(c.state_topic) || str(c.command_topic)) {
      const values = [
        str(c.state_open) ?? 'open',
        str(c.state_opening) ?? 'opening',
        str(c.state_closed) ?? 'closed',
        str(c.state_closing) ?? 'closing',
        str(c.state_stopped) ?? 'stopped',
      ];
      const payloads = { open: str(c.payload_open) ?? 'OPEN', close: str(c.payload_close) ?? 'CLOSE', stop: str(c.payload_stop) ?? 'STOP' };
      out.push(
        b.prop(
          'state',
          { type: 'enum', values, ...deviceClass(c, 'cover'), settable: true },
          b.state(c.state_topic, c.value_template),
          b.command(c.command_topic, { kind: 'cover', ...payloads }),
        ),
      );
    }
    if (str(c.position_topic) || str(c.set_position_topic)) {
      const capability: Capability = {
        type: 'number',
        min: num(c.position_closed, 0),
        max: num(c.position_open, 100),
        step: 1,
        unit: '%',
        deviceClass: 'cover',
        settable: true,
      };
      out.push(
        b.prop(
          'position',
          capability,
          b.state(c.position_topic, c.position_template),
          b.valueCommand(c.set_position_topic, c.set_position_template),
        ),
      );
    }
    return out;
  },
  climate: (c, b) => {
    const unit = c.temperature_unit === 'F' ? '°F' : '°C';
    // climate.mqtt: "value_template: Default template to render the payloads on *all* `*_state_topic`s with."
    const tpl = (own: unknown) => own ?? c.value_template;
    const out: PropertySpec[] = [];
    if (str(c.current_temperature_topic)) {
      out.push(
        b.prop(
          'current_temperature',
          { type: 'number', unit, deviceClass: 'temperature', settable: false },
          b.state(c.current_temperature_topic, tpl(c.current_temperature_template)),
        ),
      );
    }
    if (str(c.temperature_state_topic) || str(c.temperature_command_topic)) {
      const capability: Capability = {
        type: 'number',
        unit,
        min: num(c.min_temp, 7),
        max: num(c.max_temp, 35),
        step: num(c.temp_step, 1),
        deviceClass: 'temperature',
        settable: true,
      };
      out.push(
        b.prop(
          'target_temperature',
          capability,
          b.state(c.temperature_state_topic, tpl(c.temperature_state_template)),
          b.valueCommand(c.temperature_command_topic, c.temperature_command_template),
        ),
      );
    }
    if (str(c.mode_state_topic) || str(c.mode_command_topic)) {
      const capability: Capability = { type: 'enum', values: list(c.modes, CLIMATE_MODES), settable: true };
      out.push(
        b.prop(
          'mode',
          capability,
          b.state(c.mode_state_topic, tpl(c.mode_state_template)),
          b.valueCommand(c.mode_command_topic, c.mode_command_template),
        ),
      );
    }
    return out;
  },
};

const brightness = (c: Config): Capability => ({
  type: 'number',
  min: 0,
  max: num(c.brightness_scale, 255),
  step: 1,
  deviceClass: 'brightness',
  settable: true,
});
const colorTemp = (c: Config): Capability => ({
  type: 'number',
  min: num(c.min_mireds, 153),
  max: num(c.max_mireds, 500),
  step: 1,
  unit: 'mired',
  deviceClass: 'color_temp',
  settable: true,
});

/** A JSON-schema light: one state topic with a JSON object, one command topic taking one. */
function jsonLight(c: Config, b: Builders): PropertySpec[] {
  const modes = list(c.supported_color_modes);
  const json = (base: string, capability: Capability) =>
    b.prop(
      base,
      capability,
      str(c.state_topic) ? { topic: str(c.state_topic)!, jsonKey: base } : undefined,
      b.command(c.command_topic, { kind: 'json', jsonKey: base }),
    );
  const out = [json('state', { type: 'boolean', on: 'ON', off: 'OFF', deviceClass: 'light', settable: true })];
  if (c.brightness === true || modes.some((m) => m !== 'onoff')) out.push(json('brightness', brightness(c)));
  if (c.color_temp === true || modes.includes('color_temp')) out.push(json('color_temp', colorTemp(c)));
  if (modes.some((m) => COLOR_MODES.includes(m)) || c.xy === true || c.hs === true || c.rgb === true)
    out.push(json('color', { type: 'json', deviceClass: 'color', settable: true }));
  return out;
}

/** A default-schema light: state, brightness and colour temperature each on topics of their own. */
function defaultLight(c: Config, b: Builders): PropertySpec[] {
  const on = str(c.payload_on) ?? 'ON';
  const off = str(c.payload_off) ?? 'OFF';
  const out = [
    b.prop(
      'state',
      { type: 'boolean', on, off, deviceClass: 'light', settable: true },
      b.state(c.state_topic, c.state_value_template),
      b.command(c.command_topic, { kind: 'binary', on, off }),
    ),
  ];
  if (str(c.brightness_state_topic) || str(c.brightness_command_topic)) {
    out.push(
      b.prop(
        'brightness',
        brightness(c),
        b.state(c.brightness_state_topic, c.brightness_value_template),
        b.valueCommand(c.brightness_command_topic, c.brightness_command_template),
      ),
    );
  }
  if (str(c.color_temp_state_topic) || str(c.color_temp_command_topic)) {
    out.push(
      b.prop(
        'color_temp',
        colorTemp(c),
        b.state(c.color_temp_state_topic, c.color_temp_value_template),
        b.valueCommand(c.color_temp_command_topic, c.color_temp_command_template),
      ),
    );
  }
  return out;
}
