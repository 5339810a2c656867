// The simulator: each device is its own MQTT client with a last will and a retained status, publishing at its
// share of the total rate and obeying `/set`. Bounded: it stops when told, and never opens more than `devices`.
import { commandTopic, homeTopic, statusTopic } from '../devices/topic.js';
import type { MqttClient } from 'mqtt';
import type { Logger } from '../shared/logger.js';
import { createDevice, type DeviceKind, type SimulatedDevice } from './devices.js';
import { connectDevice, deviceSimulation } from './clients.js';
import { seededRandom } from './seeded-random.js';

export interface SimulationOptions {
  url: string;
  username?: string;
  password?: string;
  /** Number of devices, or an explicit list of [id, kind]. */
  devices: number | Array<[string, DeviceKind]>;
  /** Total readings per second across all devices. */
  rate: number;
  prefix?: string;
  logger?: Logger;
  /** A seed for repeatable runs. */
  seed?: number;
}

export interface Simulation {
  /**
   * Disconnects every device: by default each says `offline` first (as a real device shutting down does); with
   * `goodbye: false` they disconnect cleanly without a word (the broker discards their wills); `abrupt` cuts them off.
   */
  stop(options?: { abrupt?: boolean; goodbye?: boolean }): Promise<void>;
  /** Stops publishing readings; clients stay connected. */
  pause(): void;
  stats(): { devices: number; connected: number; published: number; commands: number };
  clients: Map<string, MqttClient>;
  /** Devices whose first connection failed, with why (the simulation runs on with the others). */
  refused: Array<{ id: string; reason: string }>;
}

const KINDS: DeviceKind[] = ['thermometer', 'thermometer', 'motion', 'door', 'switch', 'light'];

export async function startSimulation(options: SimulationOptions): Promise<Simulation> {
  const random = seededRandom(options.seed ?? 42);
  const list: Array<[string, DeviceKind]> = Array.isArray(options.devices)
    ? options.devices
    : Array.from({ length: options.devices }, (_, i) => [`${options.prefix ?? 'sim'}-${i + 1}`, KINDS[i % KINDS.length]!]);
  const clients = new Map<string, MqttClient>();
  const devices: SimulatedDevice[] = [];
  const refused: Simulation['refused'] = [];
  let published = 0;
  let commands = 0;
  // Connect in small batches: a thousand simultaneous handshakes would look like an attack to the hub's limits.
  for (let i = 0; i < list.length; i += 50) {
    await Promise.all(
      list.slice(i, i + 50).map(async ([id, kind]) => {
        const device = createDevice(id, kind, random);
        const client = await connectDevice(options, id, random, { topic: statusTopic(id), payload: 'offline', retain: true }, 30);
        if ('refused' in client) return void refused.push({ id, reason: client.refused });
        client.on('message', (topic, payload) => {
          const property = topic.split('/')[2]!;
          commands++;
          for (const [p, v] of device.command(property, payload.toString())) {
            client.publish(homeTopic(id, p), v, { qos: 1, retain: true });
            published++;
          }
        });
        await client.subscribeAsync(commandTopic(id, '+'), { qos: 1 });
        await client.publishAsync(statusTopic(id), 'online', { qos: 1, retain: true });
        for (const [p, v] of device.initial()) client.publish(homeTopic(id, p), v, { qos: 0, retain: true });
        clients.set(id, client);
        devices.push(device);
      }),
    );
  }
  // One timer drives every device: each tick publishes for the devices whose turn it is.
  const tickMs = 100;
  let budget = 0;
  let cursor = 0;
  const timer = setInterval(() => {
    budget += (options.rate * tickMs) / 1000;
    while (budget >= 1 && devices.length > 0) {
      const device = devices[cursor++ % devices.length]!;
      const client = clients.get(device.id);
      for (const [p, v] of device.tick(random)) {
        client?.publish(homeTopic(device.id, p), v, { qos: 0, retain: true });
        published++;
      }
      budget -= 1;
    }
  }, tickMs);
  options.logger?.info(`simulating ${devices.length} device(s) at ${options.rate} reading(s)/s on ${options.url}`);
  return deviceSimulation(
    clients,
    refused,
    timer,
    () => ({ devices: devices.length, published, commands }),
    (id) => ({ topic: statusTopic(id), retain: true }),
  );
}
