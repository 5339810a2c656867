// Simulated Tasmota and Shelly devices, each its own MQTT client speaking its firmware's topics (the payload shapes
// of test/devices/fixtures/tasmota.ts and shelly.ts): a Tasmota plug (POWER, ENERGY) and climate sensor (AM2301), a
// Shelly Plus 1PM (Gen2: status/switch:0, events/rpc, JSON-RPC on <id>/rpc) and an H&T (Gen1: sensor/…). Each has
// its firmware's last will and obeys its own commands, reporting back as the firmware does.
import type { MqttClient } from 'mqtt';
import type { Logger } from '../shared/logger.js';
import type { Simulation } from './simulator.js';
import { connectDevice, deviceSimulation, paceReadings, sendReading } from './clients.js';
import { seededRandom } from './seeded-random.js';

export type FirmwareKind = 'tasmota-plug' | 'tasmota-sensor' | 'shelly-plus1pm' | 'shelly-ht';

/** The demo's Tasmota and Shelly devices: [topic or id, kind, room]. */
export const DEMO_FIRMWARE: Array<[string, FirmwareKind, string]> = [
  ['kettle-plug', 'tasmota-plug', 'Kitchen'],
  ['hallway-climate', 'tasmota-sensor', 'Hallway'],
  ['shellyplus1pm-d3m0a1b2c3d4', 'shelly-plus1pm', 'Garage'],
  ['shellyht-d3m0e5', 'shelly-ht', 'Bathroom'],
];

interface Node {
  id: string;
  kind: FirmwareKind;
  on: boolean;
  temperature: number;
  power: number;
}

export interface FirmwareOptions {
  url: string;
  username?: string;
  password?: string;
  /** Device topics (Tasmota's Topic, Shelly's id) and kinds. */
  devices: Array<[string, FirmwareKind]>;
  rate: number;
  /** Retain availability as the firmwares do (the demo does not, to leave nothing behind). */
  retain?: boolean;
  seed?: number;
  logger?: Logger;
}

const will = (n: Node, retain: boolean) => {
  if (n.kind.startsWith('tasmota')) return { topic: `tele/${n.id}/LWT`, payload: 'Offline', retain };
  const prefix = n.kind === 'shelly-ht' ? `shellies/${n.id}` : n.id;
  return { topic: `${prefix}/online`, payload: 'false', retain };
};
const online = (n: Node) => (n.kind.startsWith('tasmota') ? 'Online' : 'true');

/** What a node publishes for its state now: [topic, payload]. */
function states(n: Node): Array<[string, string]> {
  const t = Math.round(n.temperature * 10) / 10;
  switch (n.kind) {
    case 'tasmota-plug':
      return [
        [
          `tele/${n.id}/STATE`,
          JSON.stringify({ Time: new Date().toISOString().slice(0, 19), POWER: n.on ? 'ON' : 'OFF', Wifi: { RSSI: 76, Signal: -62 } }),
        ],
        [
          `tele/${n.id}/SENSOR`,
          JSON.stringify({
            ENERGY: { Total: 6.294, Today: 0.954, Power: n.power, Voltage: 230, Current: Math.round((n.power / 230) * 1000) / 1000 },
          }),
        ],
      ];
    case 'tasmota-sensor':
      return [[`tele/${n.id}/SENSOR`, JSON.stringify({ AM2301: { Temperature: t, Humidity: 48.2 }, TempUnit: 'C' })]];
    case 'shelly-plus1pm':
      return [
        [
          `${n.id}/status/switch:0`,
          JSON.stringify({
            id: 0,
            source: 'init',
            output: n.on,
            apower: n.power,
            voltage: 231.4,
            current: 0,
            aenergy: { total: 1234.5 },
            temperature: { tC: t, tF: t * 1.8 + 32 },
          }),
        ],
      ];
    case 'shelly-ht':
      return [
        [`shellies/${n.id}/sensor/temperature`, String(t)],
        [`shellies/${n.id}/sensor/humidity`, '51'],
        [`shellies/${n.id}/sensor/battery`, '93'],
      ];
  }
}

/** A command in the node's own dialect: what it answers with, [topic, payload]; none when it is not one of its commands. */
function obey(n: Node, topic: string, payload: string): Array<[string, string]> {
  if (n.kind === 'tasmota-plug' && topic === `cmnd/${n.id}/POWER`) {
    const p = payload.toUpperCase();
    n.on = p === 'TOGGLE' ? !n.on : p === 'ON' || p === '1';
    n.power = n.on ? 41.2 : 0;
    const state = n.on ? 'ON' : 'OFF';
    return [
      [`stat/${n.id}/RESULT`, JSON.stringify({ POWER: state })],
      [`stat/${n.id}/POWER`, state],
    ];
  }
  if (n.kind === 'shelly-plus1pm' && topic === `${n.id}/rpc`) {
    let req: { id?: unknown; src?: string; method?: string; params?: { on?: boolean } };
    try {
      req = JSON.parse(payload);
    } catch {
      return [];
    }
    if (!req.src) return [];
    const was = n.on;
    if (req.method === 'Switch.Set') n.on = req.params?.on === true;
    else if (req.method === 'Switch.Toggle') n.on = !n.on;
    else
      return [
        [
          `${req.src}/rpc`,
          JSON.stringify({ id: req.id, src: n.id, dst: req.src, error: { code: 404, message: `No handler for ${req.method}` } }),
        ],
      ];
    n.power = n.on ? 41.2 : 0;
    const notify = {
      src: n.id,
      dst: `${n.id}/events`,
      method: 'NotifyStatus',
      params: { ts: Date.now() / 1000, 'switch:0': { id: 0, output: n.on, apower: n.power } },
    };
    return [
      [`${req.src}/rpc`, JSON.stringify({ id: req.id, src: n.id, dst: req.src, result: { was_on: was } })],
      [`${n.id}/events/rpc`, JSON.stringify(notify)],
    ];
  }
  return [];
}

export async function startFirmwareDevices(options: FirmwareOptions): Promise<Simulation> {
  const retain = options.retain ?? true;
  const random = seededRandom(options.seed ?? 23);
  const clients = new Map<string, MqttClient>();
  const refused: Simulation['refused'] = [];
  const nodes: Node[] = [];
  let published = 0;
  let commands = 0;
  await Promise.all(
    options.devices.map(async ([id, kind]) => {
      const n: Node = { id, kind, on: false, temperature: 20 + random() * 3, power: 0 };
      const client = await connectDevice(options, id, random, will(n, retain));
      if ('refused' in client) return void refused.push({ id, reason: client.refused });
      const pub = (topic: string, payload: string, r = false) => {
        published++;
        return client.publishAsync(topic, payload, { qos: 1, retain: r }).catch(() => undefined);
      };
      client.on('message', (topic, payload) => {
        commands++;
        for (const [t, p] of obey(n, topic, payload.toString())) void pub(t, p);
      });
      if (kind === 'tasmota-plug') await client.subscribeAsync(`cmnd/${id}/#`, { qos: 1 });
      if (kind === 'shelly-plus1pm') await client.subscribeAsync(`${id}/rpc`, { qos: 1 });
      await pub(will(n, retain).topic, online(n), retain);
      for (const [t, p] of states(n)) await pub(t, p);
      clients.set(id, client);
      nodes.push(n);
    }),
  );
  const timer = paceReadings(options.rate, nodes, (n) => {
    n.temperature += (21 - n.temperature) * 0.05 + (random() - 0.5) * 0.3;
    for (const [t, p] of states(n)) sendReading(clients.get(n.id), t, p, () => published++);
    return true;
  });
  options.logger?.info(`simulating ${nodes.length} Tasmota/Shelly device(s) on ${options.url}`);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  return deviceSimulation(
    clients,
    refused,
    timer,
    () => ({ devices: nodes.length, published, commands }),
    (id) => will(byId.get(id)!, retain),
  );
}
