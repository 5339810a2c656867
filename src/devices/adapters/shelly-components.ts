// biome-ignore-all lint/suspicious/noAssignInExpressions: topics are told apart by a chain of `if ((m = re.exec(…)))`
// What Shelly devices report, as Hearth properties: Gen1's one-value topics (shelly-api-docs.shelly.cloud/gen1, the
// MQTT section of each device) and Gen2+'s component status objects (shelly-api-docs.shelly.cloud/gen2, Components:
// Switch, Cover, Light, Temperature, Humidity, DevicePower, Input). Actuators keep their channel (`relay_0`,
// `switch_1`), their measurements follow it (`switch_0_power`); a device's one sensor is plain `temperature`.
import { inferCapability } from '../capabilities.js';
import { idFromName } from '../device-id.js';
import type { Capability } from '../device-schema.js';
import type { Learnt } from './learnt-devices.js';

const measure = (unit: string, deviceClass: string, label: string): Capability => ({
  type: 'number',
  unit,
  deviceClass,
  settable: false,
  label,
});
const onOff = (on: unknown, off: unknown, deviceClass: string, label: string): Capability => ({
  type: 'boolean',
  on,
  off,
  settable: true,
  deviceClass,
  label,
});
const percent = (deviceClass: string, label: string, settable = true): Capability => ({
  type: 'number',
  min: 0,
  max: 100,
  step: 1,
  unit: '%',
  settable,
  deviceClass,
  label,
});
const num = (payload: string): number | undefined =>
  payload.trim() !== '' && Number.isFinite(Number(payload)) ? Number(payload) : undefined;

// Gen1 sensor/<name> topics (Shelly H&T, Flood, Door/Window…): the ones with a unit.
const GEN1_SENSORS: Record<string, Capability> = {
  temperature: measure('°C', 'temperature', 'sensor/temperature'),
  humidity: measure('%', 'humidity', 'sensor/humidity'),
  battery: measure('%', 'battery', 'sensor/battery'),
  lux: measure('lx', 'illuminance', 'sensor/lux'),
};

/** One Gen1 topic below shellies/<id>/ (relay/0, relay/0/power, roller/0/pos, sensor/temperature, …). */
export function readGen1(rest: string, payload: string): Learnt {
  const text = payload.trim();
  let m: RegExpExecArray | null;
  if ((m = /^relay\/(\d+)$/.exec(rest))) {
    // "on", "off", or "overpower" (a relay switched off by its protection: off, as far as its state goes).
    const value = text === 'overpower' ? 'off' : text;
    return value === 'on' || value === 'off' ? { [`relay_${m[1]}`]: { value, capability: onOff('on', 'off', 'switch', rest) } } : {};
  }
  if ((m = /^relay\/(\d+)\/(power|energy)$/.exec(rest))) {
    const n = num(text);
    if (n === undefined) return {};
    // Gen1 counts energy in watt-minutes; Hearth says Wh, as Gen2's aenergy does.
    return m[2] === 'power'
      ? { [`relay_${m[1]}_power`]: { value: n, capability: measure('W', 'power', rest) } }
      : { [`relay_${m[1]}_energy`]: { value: Math.round((n / 60) * 1000) / 1000, capability: measure('Wh', 'energy', rest) } };
  }
  if ((m = /^light\/(\d+)$/.exec(rest))) {
    return text === 'on' || text === 'off' ? { [`light_${m[1]}`]: { value: text, capability: onOff('on', 'off', 'light', rest) } } : {};
  }
  if ((m = /^light\/(\d+)\/status$/.exec(rest))) {
    // Gen1 light status: { ison, brightness, … }; anything else in it is not read.
    let s: { ison?: unknown; brightness?: unknown } | null;
    try {
      s = JSON.parse(text);
    } catch {
      return {};
    }
    const out: Learnt = {};
    if (typeof s?.ison === 'boolean')
      out[`light_${m[1]}`] = { value: s.ison ? 'on' : 'off', capability: onOff('on', 'off', 'light', `light/${m[1]}`) };
    if (typeof s?.brightness === 'number')
      out[`light_${m[1]}_brightness`] = { value: s.brightness, capability: percent('brightness', `${rest}.brightness`) };
    return out;
  }
  if ((m = /^roller\/(\d+)$/.exec(rest))) {
    return ['open', 'close', 'stop'].includes(text)
      ? {
          [`roller_${m[1]}`]: {
            value: text,
            capability: { type: 'enum', values: ['open', 'close', 'stop'], settable: true, deviceClass: 'cover', label: rest },
          },
        }
      : {};
  }
  if ((m = /^roller\/(\d+)\/pos$/.exec(rest))) {
    // 0..100, or -1 while the roller is not calibrated.
    const n = num(text);
    return n === undefined ? {} : { [`roller_${m[1]}_position`]: { value: n, capability: { ...percent('position', rest), min: -1 } } };
  }
  if ((m = /^sensor\/([^/]+)$/.exec(rest))) {
    const n = num(text);
    const value = n ?? text;
    const id = idFromName(m[1]!);
    return { [id]: { value, capability: GEN1_SENSORS[id] ?? { ...inferCapability(id, value, false), settable: false, label: rest } } };
  }
  if (rest === 'temperature') {
    const n = num(text);
    return n === undefined ? {} : { device_temperature: { value: n, capability: measure('°C', 'temperature', rest) } };
  }
  return {};
}

/** The fields of a Gen2+ component's status that Hearth reads (each checked for its type before use). */
interface Gen2Status {
  output?: unknown;
  brightness?: unknown;
  apower?: unknown;
  voltage?: unknown;
  current?: unknown;
  aenergy?: { total?: unknown } | null;
  temperature?: { tC?: unknown } | null;
  state?: unknown;
  current_pos?: unknown;
  tC?: unknown;
  rh?: unknown;
  battery?: { percent?: unknown } | null;
}

const COVER_STATES = ['open', 'closed', 'opening', 'closing', 'stopped', 'calibrating'];

/** One Gen2+ component's status, whole (`<prefix>/status/switch:0`) or a NotifyStatus delta of it. */
export function readGen2(component: string, status: unknown): Learnt {
  const m = /^([a-z0-9_]+):(\d+)$/.exec(component);
  if (!m || !status || typeof status !== 'object') return {};
  const s = status as Gen2Status;
  const [, kind, n] = m;
  const sensor = (base: string) => (n === '0' ? base : `${base}_${n}`);
  const out: Learnt = {};
  const put = (id: string, value: unknown, capability: Capability) => {
    if (value !== undefined && value !== null) out[id] = { value, capability };
  };
  const meters = (base: string) => {
    if (typeof s.apower === 'number') put(`${base}_power`, s.apower, measure('W', 'power', `${component}.apower`));
    if (typeof s.voltage === 'number') put(`${base}_voltage`, s.voltage, measure('V', 'voltage', `${component}.voltage`));
    if (typeof s.current === 'number') put(`${base}_current`, s.current, measure('A', 'current', `${component}.current`));
    if (typeof s.aenergy?.total === 'number') put(`${base}_energy`, s.aenergy.total, measure('Wh', 'energy', `${component}.aenergy.total`));
    if (typeof s.temperature?.tC === 'number')
      put(`${base}_temperature`, s.temperature.tC, measure('°C', 'temperature', `${component}.temperature.tC`));
  };
  switch (kind) {
    case 'switch':
      if (typeof s.output === 'boolean') put(`switch_${n}`, s.output, onOff(true, false, 'switch', `${component}.output`));
      meters(`switch_${n}`);
      break;
    case 'light':
      if (typeof s.output === 'boolean') put(`light_${n}`, s.output, onOff(true, false, 'light', `${component}.output`));
      if (typeof s.brightness === 'number') put(`light_${n}_brightness`, s.brightness, percent('brightness', `${component}.brightness`));
      meters(`light_${n}`);
      break;
    case 'cover':
      if (typeof s.state === 'string')
        put(`cover_${n}`, s.state, {
          type: 'enum',
          values: COVER_STATES,
          settable: true,
          deviceClass: 'cover',
          label: `${component}.state`,
        });
      if (typeof s.current_pos === 'number') put(`cover_${n}_position`, s.current_pos, percent('position', `${component}.current_pos`));
      meters(`cover_${n}`);
      break;
    case 'input':
      if (typeof s.state === 'boolean')
        put(`input_${n}`, s.state, { type: 'boolean', on: true, off: false, settable: false, label: `${component}.state` });
      break;
    case 'temperature':
      if (typeof s.tC === 'number') put(sensor('temperature'), s.tC, measure('°C', 'temperature', `${component}.tC`));
      break;
    case 'humidity':
      if (typeof s.rh === 'number') put(sensor('humidity'), s.rh, measure('%', 'humidity', `${component}.rh`));
      break;
    case 'devicepower':
      if (typeof s.battery?.percent === 'number')
        put(sensor('battery'), s.battery.percent, measure('%', 'battery', `${component}.battery.percent`));
      break;
  }
  return out;
}
