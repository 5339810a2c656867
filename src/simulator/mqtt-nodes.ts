// Simulated devices that speak a firmware's own MQTT dialect (ESPHome, Homie): one MQTT client each with a last
// will, an announcement (retained, or not for the demo), states, and commands obeyed and reported back. A dialect
// says the topics and payloads; this module runs the clients, the readings' pace and the goodbyes.
import type { MqttClient } from 'mqtt';
import type { Logger } from '../shared/logger.js';
import { connectDevice, deviceSimulation, paceReadings, sendReading } from './clients.js';
import { seededRandom } from './seeded-random.js';
import type { Simulation } from './simulator.js';

export interface SimNode<K extends string> {
  id: string;
  name: string;
  kind: K;
  state: Record<string, unknown>;
}

export interface Dialect<K extends string> {
  /** What the simulation is, for the log line. */
  what: string;
  initial(kind: K, random: () => number): Record<string, unknown>;
  /** Its will (and its goodbye, with the goodbye payload). */
  will(id: string): { topic: string; payload: string; goodbye: string };
  /** What it announces once connected (descriptions, online), retained as devices of its kind do. */
  announce(n: SimNode<K>): Array<[string, string]>;
  /** Its state topics and payloads. */
  states(n: SimNode<K>): Array<[string, string]>;
  subscriptions(id: string): string[];
  /** A command on one of its topics: true when it changed its state. */
  obey(n: SimNode<K>, topic: string, payload: string): boolean;
  /** A reading changing with time: true when it did. */
  drift(n: SimNode<K>, random: () => number): boolean;
}

export interface NodesOptions<K extends string> {
  url: string;
  username?: string;
  password?: string;
  /** Ids (each device's topic id), kinds and names. */
  devices: Array<[string, K, string]>;
  rate: number;
  retain?: boolean;
  seed?: number;
  logger?: Logger;
}

export async function startNodes<K extends string>(dialect: Dialect<K>, options: NodesOptions<K>): Promise<Simulation> {
  const retain = options.retain ?? true;
  const random = seededRandom(options.seed ?? 17);
  const clients = new Map<string, MqttClient>();
  const refused: Simulation['refused'] = [];
  const nodes: Array<SimNode<K>> = [];
  let published = 0;
  let commands = 0;
  await Promise.all(
    options.devices.map(async ([id, kind, name]) => {
      const n: SimNode<K> = { id, name, kind, state: dialect.initial(kind, random) };
      const will = dialect.will(id);
      const client = await connectDevice(options, id, random, { topic: will.topic, payload: will.payload, retain });
      if ('refused' in client) return void refused.push({ id, reason: client.refused });
      const pub = (topic: string, payload: string, r = false) => {
        published++;
        return client.publishAsync(topic, payload, { qos: 1, retain: r }).catch(() => undefined);
      };
      client.on('message', (topic, payload) => {
        commands++;
        if (dialect.obey(n, topic, payload.toString())) for (const [t, p] of dialect.states(n)) void pub(t, p, retain);
      });
      await client.subscribeAsync(dialect.subscriptions(id), { qos: 1 });
      for (const [topic, payload] of dialect.announce(n)) await pub(topic, payload, retain);
      for (const [topic, payload] of dialect.states(n)) await pub(topic, payload, retain);
      clients.set(id, client);
      nodes.push(n);
    }),
  );
  const timer = paceReadings(options.rate, nodes, (n) => {
    if (!dialect.drift(n, random)) return false;
    for (const [t, p] of dialect.states(n)) sendReading(clients.get(n.id), t, p, () => published++);
    return true;
  });
  options.logger?.info(`simulating ${nodes.length} ${dialect.what} on ${options.url}`);
  return deviceSimulation(
    clients,
    refused,
    timer,
    () => ({ devices: nodes.length, published, commands }),
    (id) => {
      const will = dialect.will(id);
      return { topic: will.topic, payload: will.goodbye, retain };
    },
  );
}
