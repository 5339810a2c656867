// Home Assistant discovery's decode and encode as pure functions, table first: topics, abbreviations and `~`,
// device configs with `cmps`, each component's properties, the template forms devices send, and command payloads.
// Payloads are the documentation's (fixtures/homeassistant.ts says where each comes from).
import { describe, expect, it } from 'vitest';
import { normalizeConfig, parseDiscoveryTopic, readDiscovery } from '../../../src/devices/adapters/homeassistant-config.js';
import {
  decodeStateValue,
  describeEntity,
  encodeEntityCommand,
  type EntitySpec,
} from '../../../src/devices/adapters/homeassistant-entities.js';
import { compileHaTemplate, renderValue } from '../../../src/devices/adapters/homeassistant-template.js';
import { IRRIGATION, KITCHEN_DEVICE, KITCHEN_LIGHT, SHUTTER, STUDY_CLIMATE } from '../fixtures/homeassistant.js';

describe('discovery topics: <prefix>/<component>/[<node_id>/]<object_id>/config', () => {
  it.each([
    ['homeassistant/binary_sensor/garden/config', { component: 'binary_sensor', objectId: 'garden' }],
    ['homeassistant/sensor/0AFFD2/bla2/config', { component: 'sensor', nodeId: '0AFFD2', objectId: 'bla2' }],
    ['homeassistant/device/0AFFD2/config', { component: 'device', objectId: '0AFFD2' }],
    ['homeassistant/binary_sensor/garden/state', undefined],
    ['homeassistant/status', undefined],
    ['homeassistant/sensor/bad id/config', undefined],
    ['homeassistant/a/b/c/d/config', undefined],
  ])('%s', (topic, expected) => expect(parseDiscoveryTopic('homeassistant', topic)).toEqual(expected));
});

describe('configs read as Home Assistant reads them', () => {
  it('expands abbreviations (the config, its device block, its availability list) and puts ~ into topics at either end', () => {
    expect(
      normalizeConfig({
        '~': 'homeassistant/switch/irrigation',
        name: 'garden',
        cmd_t: '~/set',
        stat_t: '~/state',
        avty: [{ t: 'lwt/~', pl_avail: 'up' }],
        dev: { ids: 'x1', mf: 'Acme', mdl: 'Z' },
      }),
    ).toEqual({
      '~': 'homeassistant/switch/irrigation',
      name: 'garden',
      command_topic: 'homeassistant/switch/irrigation/set',
      state_topic: 'homeassistant/switch/irrigation/state',
      availability: [{ topic: 'lwt/homeassistant/switch/irrigation', payload_available: 'up' }],
      device: { identifiers: 'x1', manufacturer: 'Acme', model: 'Z' },
    });
  });

  it('splits a device config into its components with the shared options; a component with only its platform is a removal', () => {
    const read = readDiscovery(
      { component: 'device', objectId: 'ea334450945afc' },
      JSON.stringify({ ...KITCHEN_DEVICE.config, cmps: { ...KITCHEN_DEVICE.config.cmps, gone: { p: 'sensor' } } }),
    );
    if ('error' in read) throw new Error(read.error);
    expect(read.entities.map((e) => e.id)).toEqual(['ea334450945afc some_unique_component_id1', 'ea334450945afc some_unique_id2']);
    expect(read.entities[0]!.config).toMatchObject({
      platform: 'sensor',
      state_topic: 'sensorBedroom/state',
      qos: 2,
      device: { identifiers: 'ea334450945afc', name: 'Kitchen' },
    });
    expect(read.removed).toEqual(['ea334450945afc gone']);
  });

  it.each([
    ['not JSON', '{"name":', /^is not JSON/],
    ['a list', '[1,2]', /^is not a JSON object$/],
  ])('a config that is %s is an error in words', (_what, payload, message) => {
    const read = readDiscovery({ component: 'sensor', objectId: 'x' }, payload);
    expect('error' in read && read.error).toMatch(message);
  });
});

const entity = (component: string, config: Record<string, unknown>, deviceName?: string) => {
  const read = readDiscovery({ component, objectId: 'obj' }, JSON.stringify(config));
  if ('error' in read) throw new Error(read.error);
  const spec = describeEntity(read.entities[0]!, deviceName);
  if ('error' in spec) throw new Error(spec.error);
  return spec as EntitySpec;
};

describe('components → properties', () => {
  it.each([
    [
      'sensor with a unit, named after its device',
      'sensor',
      { name: 'Kitchen Temperature', stat_t: 't', unit_of_meas: '°C', dev_cla: 'temperature' },
      'Kitchen',
      { temperature: { type: 'number', unit: '°C', deviceClass: 'temperature', settable: false, label: 'Kitchen Temperature' } },
    ],
    [
      'text sensor without a unit',
      'sensor',
      { name: 'Firmware', stat_t: 't' },
      undefined,
      { firmware: { type: 'text', settable: false, label: 'Firmware' } },
    ],
    [
      'binary sensor, name null: its device class',
      'binary_sensor',
      { name: null, device_class: 'door', state_topic: 't', payload_on: 'open', payload_off: 'closed' },
      'Front door',
      { door: { type: 'boolean', on: 'open', off: 'closed', deviceClass: 'door', settable: false } },
    ],
    [
      'switch with state_on/off differing from payload_on/off',
      'switch',
      { name: null, cmd_t: 'c', stat_t: 's', pl_on: '1', pl_off: '0', stat_on: 'on', stat_off: 'off' },
      'Plug',
      { state: { type: 'boolean', on: 'on', off: 'off', deviceClass: 'switch', settable: true } },
    ],
    [
      'number with defaults',
      'number',
      { name: 'Volume', cmd_t: 'c' },
      undefined,
      { volume: { type: 'number', min: 1, max: 100, step: 1, settable: true, label: 'Volume' } },
    ],
    [
      'select',
      'select',
      { name: 'Scene', cmd_t: 'c', options: ['day', 'night'] },
      undefined,
      { scene: { type: 'enum', values: ['day', 'night'], settable: true, label: 'Scene' } },
    ],
  ])('%s', (_what, component, config, deviceName, expected) => {
    const spec = entity(component, config, deviceName);
    expect(Object.fromEntries(spec.props.map((p) => [p.id, p.capability]))).toEqual(expected);
  });

  it('a default-schema light: state, brightness and colour temperature each on its own topics', () => {
    const spec = entity('light', {
      name: null,
      cmd_t: 'l/set',
      stat_t: 'l/state',
      bri_cmd_t: 'l/bri/set',
      bri_stat_t: 'l/bri',
      bri_scl: 100,
      clr_temp_cmd_t: 'l/ct/set',
      min_mirs: 200,
    });
    expect(spec.props.map((p) => [p.id, p.capability.type, p.command?.topic])).toEqual([
      ['state', 'boolean', 'l/set'],
      ['brightness', 'number', 'l/bri/set'],
      ['color_temp', 'number', 'l/ct/set'],
    ]);
    expect(spec.props[1]!.capability).toMatchObject({ min: 0, max: 100 });
    expect(spec.props[2]!.capability).toMatchObject({ min: 200, max: 500, unit: 'mired' });
  });

  it('a JSON-schema light (mqtt.markdown), and its colour from supported_color_modes', () => {
    expect(entity('light', KITCHEN_LIGHT.config).props.map((p) => p.id)).toEqual(['state', 'brightness']);
    expect(entity('light', { ...KITCHEN_LIGHT.config, supported_color_modes: ['color_temp', 'xy'] }).props.map((p) => p.id)).toEqual([
      'state',
      'brightness',
      'color_temp',
      'color',
    ]);
  });

  it('a cover with position, and a climate with current temperature, set-point and mode', () => {
    expect(entity('cover', SHUTTER.config).props.map((p) => p.id)).toEqual(['state', 'position']);
    const climate = entity('climate', STUDY_CLIMATE.config);
    expect(climate.props.map((p) => p.id)).toEqual(['current_temperature', 'target_temperature', 'mode']);
    expect(climate.availability).toEqual({
      mode: 'latest',
      topics: [
        { topic: 'study/ac/available', available: 'online', notAvailable: 'offline' },
        { topic: 'study/bridge/state', available: 'up', notAvailable: 'down' },
      ],
    });
  });

  it('a component Hearth does not read yet, and a template-schema light, are errors in words', () => {
    const read = readDiscovery({ component: 'vacuum', objectId: 'v' }, '{"name":"Robby"}');
    if ('error' in read) throw new Error(read.error);
    expect(describeEntity(read.entities[0]!, undefined)).toEqual({
      error:
        'its component vacuum is not one Hearth reads yet (it reads sensor, binary_sensor, switch, light, number, select, cover, climate)',
    });
    const light = readDiscovery({ component: 'light', objectId: 'l' }, '{"schema":"template","command_on_template":"on"}');
    if ('error' in light) throw new Error(light.error);
    expect(describeEntity(light.entities[0]!, undefined)).toEqual({
      error: 'its light schema "template" is not one Hearth reads (it reads default and json)',
    });
  });
});

describe('templates, in the forms devices send', () => {
  const payload = '{"temperature":"21.46","humidity":48,"nested":{"deep":{"x":7}},"list":[4,5],"state":"ON"}';
  it.each([
    ['{{ value_json.temperature }}', '21.46'],
    ["{{ value_json['humidity'] }}", 48],
    ['{{ value_json.nested.deep.x }}', 7],
    ['{{ value_json.list[1] }}', 5],
    ['{{ value_json.temperature | float }}', 21.46],
    ['{{ value_json.temperature | float | round(1) }}', 21.5],
    ['{{ value_json.temperature | int }}', 21],
    ['{{ value_json.state | lower }}', 'on'],
    ['{{ value_json.missing | default(0) }}', 0],
    ['{{ value_json.missing | float(-1) }}', -1],
    ['{{ value_json.humidity | is_defined }}', 48],
    ['{{ value }}', payload],
    ['T={{ value_json.humidity }}%', 'T=48%'],
  ])('%s', (template, expected) => {
    const t = compileHaTemplate(template);
    if ('error' in t) throw new Error(t.error);
    expect(renderValue(t, payload)).toEqual(expected);
  });

  it.each([
    ['{{ value if value=="off" else "on" }}', /one expression only/],
    ['{% if value_json.x %}on{% endif %}', /statements/],
    ["{{ '%0.1f'|format(value_json.RainTotal) }}", /unknown filter format/],
    ['{{ value_json.x | as_datetime }}', /unknown filter as_datetime/],
    ['{{ states("sensor.x") }}', /unknown function states/],
  ])('%s is refused with the reason', (template, reason) => {
    const t = compileHaTemplate(template);
    expect('error' in t && t.error).toMatch(reason);
  });

  it('is_defined on a missing key is an error at evaluation, not an empty value', () => {
    const t = compileHaTemplate('{{ value_json.nope | is_defined }}');
    if ('error' in t) throw new Error(t.error);
    expect(() => renderValue(t, '{}')).toThrow('not in the payload');
  });
});

describe('state payloads → values', () => {
  it.each([
    ['a number sensor from text', 'sensor', { stat_t: 's', unit_of_meas: 'W' }, '42.5', 42.5],
    ['a number sensor through a template', 'sensor', { stat_t: 's', unit_of_meas: '%', val_tpl: '{{ value_json.h }}' }, '{"h": 40}', 40],
    ['a binary sensor keeps its own payload', 'binary_sensor', { stat_t: 's' }, 'ON', 'ON'],
    ['"None" is no value', 'sensor', { stat_t: 's' }, 'None', undefined],
    ["a JSON light's key", 'light', { schema: 'json', stat_t: 's', cmd_t: 'c', brightness: true }, '{"state":"ON","brightness":200}', 'ON'],
  ])('%s', (_what, component, config, payload, expected) => {
    const spec = entity(component, config);
    expect(decodeStateValue(spec.props[0]!, payload)).toEqual(expected);
  });
});

describe("commands → each entity's own topic and payload", () => {
  it.each([
    ['switch on (true)', IRRIGATION.config, 'switch', 0, true, { topic: 'homeassistant/switch/irrigation/set', payload: 'ON' }],
    ['switch off ("off")', IRRIGATION.config, 'switch', 0, 'off', { topic: 'homeassistant/switch/irrigation/set', payload: 'OFF' }],
    [
      'switch with payload 1/0 and a command template',
      { cmd_t: 'c', pl_on: '1', pl_off: '0', cmd_tpl: '{"relay": {{ value }}}' },
      'switch',
      0,
      'on',
      { topic: 'c', payload: '{"relay": 1}' },
    ],
    ['JSON light on', KITCHEN_LIGHT.config, 'light', 0, 'on', { topic: 'homeassistant/light/kitchen/set', payload: '{"state":"ON"}' }],
    [
      'JSON light brightness',
      KITCHEN_LIGHT.config,
      'light',
      1,
      128,
      { topic: 'homeassistant/light/kitchen/set', payload: '{"state":"ON","brightness":128}' },
    ],
    ['cover close', SHUTTER.config, 'cover', 0, 'close', { topic: 'shutters/01/cmd', payload: 'CLOSE' }],
    ['cover position', SHUTTER.config, 'cover', 1, 30, { topic: 'shutters/01/pos/set', payload: '30' }],
    ['climate set-point', STUDY_CLIMATE.config, 'climate', 1, 21.5, { topic: 'study/ac/temperature/set', payload: '21.5' }],
    ['number with a retained command', { cmd_t: 'n/set', retain: true }, 'number', 0, 7, { topic: 'n/set', payload: '7', retain: true }],
  ])('%s', (_what, config, component, index, value, expected) => {
    expect(encodeEntityCommand(entity(component, config).props[index]!, value)).toEqual(expected);
  });

  it('a read-only entity and a cover told nonsense are refused in words', () => {
    expect(encodeEntityCommand(entity('sensor', { stat_t: 's' }).props[0]!, 1)).toBe(
      'it is read-only (its discovery config has no command topic for it)',
    );
    expect(encodeEntityCommand(entity('cover', SHUTTER.config).props[0]!, 'sideways')).toBe(
      'a cover takes open, close or stop, got "sideways"',
    );
  });
});
