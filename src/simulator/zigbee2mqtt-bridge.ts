// A simulated Zigbee2MQTT bridge speaking Zigbee2MQTT's own MQTT API: `bridge/state`, `bridge/devices` with each
// device's definition and exposes, JSON states, availability, and `/set` commands obeyed and reported back.
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../shared/logger.js';
import type { Simulation } from './simulator.js';
import { seededRandom } from './seeded-random.js';

export type Z2mKind = 'thermometer' | 'light' | 'plug' | 'motion' | 'contact';

interface Z2mModel {
  model: string;
  vendor: string;
  description: string;
  type: 'Router' | 'EndDevice';
  exposes: unknown[];
  initial(random: () => number): Record<string, unknown>;
  /** A change of its own accord (a temperature drifting, motion), or nothing. */
  tick(state: Record<string, unknown>, random: () => number): Record<string, unknown> | undefined;
}

const num = (name: string, access: number, extra: Record<string, unknown> = {}) => ({
  type: 'numeric',
  name,
  property: name,
  access,
  ...extra,
});
const battery = num('battery', 5, { unit: '%', value_min: 0, value_max: 100 });
const linkquality = num('linkquality', 1, { unit: 'lqi', value_min: 0, value_max: 255 });

// Models and exposes after Zigbee2MQTT's docs (guide/usage/exposes.md and the devices' pages).
const MODELS: Record<Z2mKind, Z2mModel> = {
  thermometer: {
    model: 'WSDCGQ11LM',
    vendor: 'Aqara',
    description: 'Temperature, humidity and pressure sensor',
    type: 'EndDevice',
    exposes: [
      num('temperature', 1, { unit: '°C' }),
      num('humidity', 1, { unit: '%' }),
      num('pressure', 1, { unit: 'hPa' }),
      battery,
      linkquality,
    ],
    initial: (r) => ({
      temperature: Math.round((19 + r() * 4) * 100) / 100,
      humidity: Math.round(40 + r() * 20),
      pressure: 1013,
      battery: 60 + Math.round(r() * 40),
      linkquality: 80 + Math.round(r() * 100),
    }),
    tick: (s, r) => ({
      ...s,
      temperature: Math.round(((s.temperature as number) + (r() - 0.5) * 0.3) * 100) / 100,
      humidity: Math.min(90, Math.max(20, (s.humidity as number) + Math.round(r() * 2 - 1))),
    }),
  },
  light: {
    model: 'LED1624G9',
    vendor: 'IKEA',
    description: 'TRADFRI LED bulb E14/E26/E27 600 lumen, dimmable, color, opal white',
    type: 'Router',
    exposes: [
      {
        type: 'light',
        features: [
          { type: 'binary', name: 'state', property: 'state', value_on: 'ON', value_off: 'OFF', value_toggle: 'TOGGLE', access: 7 },
          num('brightness', 7, { value_min: 0, value_max: 254 }),
          num('color_temp', 7, { unit: 'mired', value_min: 250, value_max: 454 }),
          { type: 'composite', name: 'color_xy', property: 'color', features: [num('x', 7), num('y', 7)] },
        ],
      },
      linkquality,
    ],
    initial: () => ({ state: 'OFF', brightness: 180, color_temp: 350, color: { x: 0.46, y: 0.41 }, linkquality: 150 }),
    tick: () => undefined,
  },
  plug: {
    model: 'ZNCZ02LM',
    vendor: 'Xiaomi',
    description: 'Mi power plug ZigBee',
    type: 'Router',
    exposes: [
      {
        type: 'switch',
        features: [
          { type: 'binary', name: 'state', property: 'state', value_on: 'ON', value_off: 'OFF', value_toggle: 'TOGGLE', access: 7 },
        ],
      },
      num('power', 5, { unit: 'W' }),
      num('energy', 5, { unit: 'kWh' }),
      linkquality,
    ],
    initial: () => ({ state: 'OFF', power: 0, energy: 12.4, linkquality: 120 }),
    tick: (s, r) => (s.state === 'ON' ? { ...s, power: Math.round((60 + r() * 5) * 10) / 10 } : undefined),
  },
  motion: {
    model: 'RTCGQ11LM',
    vendor: 'Aqara',
    description: 'Motion sensor',
    type: 'EndDevice',
    exposes: [
      { type: 'binary', name: 'occupancy', property: 'occupancy', value_on: true, value_off: false, access: 1 },
      num('illuminance_lux', 1, { unit: 'lx' }),
      battery,
      linkquality,
    ],
    initial: () => ({ occupancy: false, illuminance_lux: 120, battery: 95, linkquality: 90 }),
    tick: (s, r) => (r() > 0.8 ? { ...s, occupancy: !s.occupancy } : undefined),
  },
  contact: {
    model: 'MCCGQ11LM',
    vendor: 'Aqara',
    description: 'Door and window sensor',
    type: 'EndDevice',
    exposes: [{ type: 'binary', name: 'contact', property: 'contact', value_on: false, value_off: true, access: 1 }, battery, linkquality],
    initial: () => ({ contact: true, battery: 88, linkquality: 70 }),
    tick: (s, r) => (r() > 0.9 ? { ...s, contact: !s.contact } : undefined),
  },
};

export interface BridgeOptions {
  url: string;
  username?: string;
  password?: string;
  base?: string;
  /** Friendly names (slashes allowed) and kinds. */
  devices: Array<[string, Z2mKind]>;
  /** State messages per second across the devices. */
  rate: number;
  /** Retain bridge/devices, bridge/state and availability as Zigbee2MQTT does (the demo does not, to leave nothing behind). */
  retain?: boolean;
  seed?: number;
  logger?: Logger;
}

/** The bridge's device list entry for one simulated device (mqtt_topics_and_messages.md, "bridge/devices"). */
function entry(name: string, kind: Z2mKind, index: number) {
  const m = MODELS[kind];
  return {
    ieee_address: `0x00158d00${(0x1000000 + index * 7919).toString(16).padStart(8, '0')}`,
    type: m.type,
    network_address: 1000 + index,
    supported: true,
    friendly_name: name,
    definition: { model: m.model, vendor: m.vendor, description: m.description, options: [], exposes: m.exposes },
    power_source: m.type === 'Router' ? 'Mains (single phase)' : 'Battery',
    interviewing: false,
    interview_completed: true,
  };
}

export async function startZigbee2mqttBridge(options: BridgeOptions): Promise<Simulation> {
  const base = options.base ?? 'zigbee2mqtt';
  const retain = options.retain ?? true;
  const random = seededRandom(options.seed ?? 7);
  const states = new Map(options.devices.map(([name, kind]) => [name, { kind, state: MODELS[kind].initial(random) }]));
  const stateOf = (name: string) => JSON.stringify(states.get(name)!.state);
  let published = 0;
  let commands = 0;
  const refused: Simulation['refused'] = [];
  let client: MqttClient;
  try {
    client = await mqtt.connectAsync(
      options.url,
      {
        clientId: `zigbee2mqtt-sim-${Math.round(random() * 1e6)}`,
        username: options.username,
        password: options.password,
        reconnectPeriod: 0,
        connectTimeout: 10_000,
        // Zigbee2MQTT's own will: bridge/state offline.
        will: { topic: `${base}/bridge/state`, payload: Buffer.from('{"state":"offline"}'), qos: 1, retain },
      },
      false,
    );
  } catch (err) {
    refused.push({ id: base, reason: (err as Error).message });
    return {
      clients: new Map(),
      refused,
      stats: () => ({ devices: 0, connected: 0, published, commands }),
      pause: () => undefined,
      stop: async () => undefined,
    };
  }
  client.options.reconnectPeriod = 2000;
  client.on('error', () => undefined);
  const pub = (topic: string, payload: string, r = false) => {
    published++;
    return client.publishAsync(topic, payload, { qos: 1, retain: r });
  };
  client.on('message', (topic, payload) => {
    // <base>/<friendly name>/set with a JSON body (or /set/<property> with a plain one).
    const m = new RegExp(`^${base}/(.+)/set(?:/([^/]+))?$`).exec(topic);
    const device = m && states.get(m[1]!);
    if (!device) return;
    commands++;
    let change: Record<string, unknown>;
    try {
      change = m[2] ? { [m[2]]: payload.toString() } : JSON.parse(payload.toString());
    } catch {
      return;
    }
    if (change.state === 'TOGGLE') change.state = device.state.state === 'ON' ? 'OFF' : 'ON';
    device.state = { ...device.state, ...change };
    if (device.kind === 'plug') device.state.power = device.state.state === 'ON' ? 61.5 : 0;
    void pub(`${base}/${m[1]}`, stateOf(m[1]!));
  });
  await client.subscribeAsync([`${base}/+/set`, `${base}/+/+/set`, `${base}/+/set/+`, `${base}/+/+/set/+`], { qos: 1 });
  await pub(`${base}/bridge/state`, '{"state":"online"}', retain);
  await pub(
    `${base}/bridge/devices`,
    JSON.stringify([
      {
        ieee_address: '0x00124b00120144ae',
        type: 'Coordinator',
        network_address: 0,
        supported: false,
        friendly_name: 'Coordinator',
        definition: null,
        interview_completed: true,
      },
      ...options.devices.map(([name, kind], i) => entry(name, kind, i)),
    ]),
    retain,
  );
  for (const [name] of options.devices) {
    await pub(`${base}/${name}/availability`, '{"state":"online"}', retain);
    await pub(`${base}/${name}`, stateOf(name));
  }
  const names = [...states.keys()];
  let budget = 0;
  let cursor = 0;
  const timer = setInterval(() => {
    budget += options.rate / 10;
    while (budget >= 1 && names.length > 0) {
      budget -= 1;
      const name = names[cursor++ % names.length]!;
      const device = states.get(name)!;
      const next = MODELS[device.kind].tick(device.state, random);
      if (!next) continue;
      device.state = next;
      void pub(`${base}/${name}`, stateOf(name)).catch(() => undefined);
    }
  }, 100);
  options.logger?.info(`simulating a Zigbee2MQTT bridge (${base}) with ${names.length} device(s) on ${options.url}`);
  return {
    clients: new Map([[base, client]]),
    refused,
    stats: () => ({ devices: names.length, connected: client.connected ? names.length : 0, published, commands }),
    pause: () => clearInterval(timer),
    async stop({ abrupt = false, goodbye = true } = {}) {
      clearInterval(timer);
      // Cut off, and not back 2 s later: a crashed bridge does not reconnect.
      if (abrupt) {
        client.stream?.destroy();
        client.end(true);
        return;
      }
      if (goodbye) await pub(`${base}/bridge/state`, '{"state":"offline"}', retain).catch(() => undefined);
      await client.endAsync().catch(() => undefined);
    },
  };
}
