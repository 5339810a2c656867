// Long file: five simulated device kinds with their discovery configs: data as much as code.
// Simulated devices that announce themselves with Home Assistant MQTT discovery, the way ESPHome and Tasmota do: one
// MQTT client each with a last will on its availability topic, discovery configs (abbreviated, with `~`; one device
// in the device-based `cmps` form), states, and command topics obeyed and reported back. They announce again when
// `homeassistant/status` says online, as Home Assistant's birth message asks.
import type { MqttClient } from 'mqtt';
import type { Logger } from '../shared/logger.js';
import type { Simulation } from './simulator.js';
import { connectDevice, deviceSimulation, paceReadings, sendReading } from './clients.js';
import { seededRandom } from './seeded-random.js';

export type DiscoveryKind = 'thermostat' | 'plug' | 'cover' | 'light' | 'sensor';

interface Node {
  id: string;
  name: string;
  kind: DiscoveryKind;
  state: Record<string, unknown>;
}

const device = (n: Node, model: string, mf: string) => ({ ids: [`sim-${n.id}`], name: n.name, mf, mdl: model, sw: '2025.1.0' });
const origin = { name: 'hearth-simulator' };

/** Discovery messages of one node: [topic, config]. */
function configs(prefix: string, n: Node): Array<[string, Record<string, unknown>]> {
  const t = n.id;
  const avty = { avty_t: `${t}/status` };
  switch (n.kind) {
    case 'thermostat':
      return [
        [
          `${prefix}/climate/${t}/thermostat/config`,
          {
            name: null,
            uniq_id: `${t}-climate`,
            '~': t,
            curr_temp_t: '~/temperature',
            temp_stat_t: '~/target',
            temp_cmd_t: '~/target/set',
            mode_stat_t: '~/mode',
            mode_cmd_t: '~/mode/set',
            modes: ['off', 'heat', 'auto'],
            min_temp: 5,
            max_temp: 28,
            temp_step: 0.5,
            ...avty,
            dev: device(n, 'Thermostat TRV', 'Espressif'),
            o: origin,
          },
        ],
      ];
    case 'plug':
      return [
        [
          `${prefix}/switch/${t}/relay/config`,
          {
            name: null,
            uniq_id: `${t}-relay`,
            '~': t,
            stat_t: '~/relay',
            cmd_t: '~/relay/set',
            ...avty,
            dev: device(n, 'Sonoff S31', 'ITEAD'),
            o: origin,
          },
        ],
        [
          `${prefix}/sensor/${t}/power/config`,
          {
            name: 'Power',
            uniq_id: `${t}-power`,
            stat_t: `${t}/sensor`,
            val_tpl: '{{ value_json.power | float }}',
            unit_of_meas: 'W',
            dev_cla: 'power',
            stat_cla: 'measurement',
            ...avty,
            dev: { ids: [`sim-${t}`] },
            o: origin,
          },
        ],
      ];
    case 'cover':
      return [
        [
          `${prefix}/cover/${t}/blind/config`,
          {
            name: null,
            uniq_id: `${t}-blind`,
            '~': t,
            cmd_t: '~/cmd',
            stat_t: '~/state',
            pos_t: '~/position',
            set_pos_t: '~/position/set',
            pos_tpl: "{{ value_json['position'] | int }}",
            dev_cla: 'blind',
            ...avty,
            dev: device(n, 'Shelly 2.5', 'Shelly'),
            o: origin,
          },
        ],
      ];
    case 'light':
      return [
        [
          `${prefix}/light/${t}/light/config`,
          {
            name: null,
            uniq_id: `${t}-light`,
            '~': t,
            schema: 'json',
            stat_t: '~/state',
            cmd_t: '~/set',
            brightness: true,
            sup_clrm: ['color_temp'],
            min_mirs: 153,
            max_mirs: 500,
            ...avty,
            dev: device(n, 'RGBCCT bulb', 'Tuya'),
            o: origin,
          },
        ],
      ];
    case 'sensor':
      // Device-based discovery: one config with every component under `cmps`.
      return [
        [
          `${prefix}/device/${t}/config`,
          {
            dev: device(n, 'BME280 node', 'Espressif'),
            o: origin,
            stat_t: `${t}/sensor`,
            ...avty,
            cmps: {
              temperature: {
                p: 'sensor',
                dev_cla: 'temperature',
                unit_of_meas: '°C',
                val_tpl: '{{ value_json.temperature }}',
                uniq_id: `${t}-t`,
              },
              humidity: { p: 'sensor', dev_cla: 'humidity', unit_of_meas: '%', val_tpl: '{{ value_json.humidity }}', uniq_id: `${t}-h` },
            },
          },
        ],
      ];
  }
}

/** What a node publishes for its state: [topic, payload]. */
function states(n: Node): Array<[string, string]> {
  const s = n.state;
  switch (n.kind) {
    case 'thermostat':
      return [
        [`${n.id}/temperature`, String(s.temperature)],
        [`${n.id}/target`, String(s.target)],
        [`${n.id}/mode`, String(s.mode)],
      ];
    case 'plug':
      return [
        [`${n.id}/relay`, String(s.relay)],
        [`${n.id}/sensor`, JSON.stringify({ power: s.power })],
      ];
    case 'cover':
      return [
        [`${n.id}/state`, String(s.state)],
        [`${n.id}/position`, JSON.stringify({ position: s.position })],
      ];
    case 'light':
      return [[`${n.id}/state`, JSON.stringify({ state: s.state, brightness: s.brightness, color_temp: s.color_temp })]];
    case 'sensor':
      return [[`${n.id}/sensor`, JSON.stringify({ temperature: s.temperature, humidity: s.humidity })]];
  }
}

function initial(kind: DiscoveryKind, r: () => number): Record<string, unknown> {
  switch (kind) {
    case 'thermostat':
      return { temperature: 19.5, target: 20, mode: 'heat' };
    case 'plug':
      return { relay: 'OFF', power: 0 };
    case 'cover':
      return { state: 'open', position: 100 };
    case 'light':
      return { state: 'OFF', brightness: 200, color_temp: 300 };
    case 'sensor':
      return { temperature: Math.round((20 + r() * 3) * 10) / 10, humidity: Math.round(45 + r() * 10) };
  }
}

/** A command on one of the node's topics: the node's new state, or undefined when it is not one of its commands. */
function obey(n: Node, topic: string, payload: string): boolean {
  const s = n.state;
  const rest = topic.slice(n.id.length + 1);
  if (n.kind === 'thermostat' && rest === 'target/set' && Number.isFinite(Number(payload))) s.target = Number(payload);
  else if (n.kind === 'thermostat' && rest === 'mode/set') s.mode = payload;
  else if (n.kind === 'plug' && rest === 'relay/set' && (payload === 'ON' || payload === 'OFF'))
    Object.assign(s, { relay: payload, power: payload === 'ON' ? 41.2 : 0 });
  else if (n.kind === 'cover' && rest === 'cmd')
    Object.assign(
      s,
      payload === 'OPEN' ? { state: 'open', position: 100 } : payload === 'CLOSE' ? { state: 'closed', position: 0 } : { state: 'stopped' },
    );
  else if (n.kind === 'cover' && rest === 'position/set' && Number.isFinite(Number(payload)))
    Object.assign(s, { position: Number(payload), state: Number(payload) > 0 ? 'open' : 'closed' });
  else if (n.kind === 'light' && rest === 'set') {
    try {
      Object.assign(s, JSON.parse(payload));
    } catch {
      return false;
    }
  } else return false;
  return true;
}

export interface DiscoveryOptions {
  url: string;
  username?: string;
  password?: string;
  prefix?: string;
  /** Node ids (they are each node's topic root), kinds and names. */
  devices: Array<[string, DiscoveryKind, string]>;
  rate: number;
  /** Retain discovery configs and availability, as most devices do (the demo does not, to leave nothing behind). */
  retain?: boolean;
  seed?: number;
  logger?: Logger;
}

export async function startDiscoveryDevices(options: DiscoveryOptions): Promise<Simulation> {
  const prefix = options.prefix ?? 'homeassistant';
  const retain = options.retain ?? true;
  const random = seededRandom(options.seed ?? 11);
  const clients = new Map<string, MqttClient>();
  const refused: Simulation['refused'] = [];
  const nodes: Node[] = [];
  let published = 0;
  let commands = 0;
  await Promise.all(
    options.devices.map(async ([id, kind, name]) => {
      const n: Node = { id, name, kind, state: initial(kind, random) };
      const client = await connectDevice(options, id, random, { topic: `${id}/status`, payload: 'offline', retain });
      if ('refused' in client) return void refused.push({ id, reason: client.refused });
      const pub = (topic: string, payload: string, r = false) => {
        published++;
        return client.publishAsync(topic, payload, { qos: 1, retain: r }).catch(() => undefined);
      };
      // Configs first, then availability and state: a hub that learns the topics from the configs hears them.
      const announce = async () => {
        for (const [topic, config] of configs(prefix, n)) await pub(topic, JSON.stringify(config), retain);
        await pub(`${id}/status`, 'online', retain);
        for (const [topic, payload] of states(n)) await pub(topic, payload);
      };
      client.on('message', (topic, payload) => {
        if (topic === `${prefix}/status`) return void (payload.toString() === 'online' && announce());
        commands++;
        if (obey(n, topic, payload.toString())) for (const [t, p] of states(n)) void pub(t, p);
      });
      await client.subscribeAsync([`${id}/+/set`, `${id}/set`, `${id}/cmd`, `${prefix}/status`], { qos: 1 });
      await announce();
      clients.set(id, client);
      nodes.push(n);
    }),
  );
  const timer = paceReadings(options.rate, nodes, (n) => {
    if (n.kind === 'sensor')
      n.state = {
        temperature: Math.round(((n.state.temperature as number) + (random() - 0.5) * 0.4) * 10) / 10,
        humidity: n.state.humidity,
      };
    else if (n.kind === 'thermostat')
      n.state.temperature =
        Math.round(((n.state.temperature as number) + ((n.state.target as number) - (n.state.temperature as number)) * 0.1) * 10) / 10;
    else return false;
    for (const [t, p] of states(n)) sendReading(clients.get(n.id), t, p, () => published++);
    return true;
  });
  options.logger?.info(`simulating ${nodes.length} device(s) announced with Home Assistant discovery (${prefix}) on ${options.url}`);
  return deviceSimulation(
    clients,
    refused,
    timer,
    () => ({ devices: nodes.length, published, commands }),
    (id) => ({ topic: `${id}/status`, retain }),
  );
}
