// What every simulator does with its MQTT clients: connect a device with its will, send and pace readings, and end.
// How a simulation's clients end: with a goodbye, each says what its will would (offline) on its status topic (a clean DISCONNECT discards
// the will) and disconnects; abrupt, each socket is destroyed as a crash or a pulled plug would.
import mqtt, { type MqttClient } from 'mqtt';
import type { Simulation } from './simulator.js';

type Offline = (id: string) => { topic: string; payload?: string; retain: boolean };

export async function closeClients(
  clients: Map<string, MqttClient>,
  { abrupt = false, goodbye = true }: { abrupt?: boolean; goodbye?: boolean },
  offline: Offline,
): Promise<void> {
  await Promise.all(
    [...clients.entries()].map(async ([id, c]) => {
      // Cut off, and not back 2 s later: a crashed device does not reconnect.
      if (abrupt) {
        c.stream?.destroy();
        c.end(true);
        return;
      }
      const { topic, payload = 'offline', retain } = offline(id);
      if (goodbye) await c.publishAsync(topic, payload, { qos: 1, retain }).catch(() => undefined);
      await c.endAsync().catch(() => undefined);
    }),
  );
}

/**
 * Connects one simulated device with its last will: no retries for the first connection (a refusal is reported, not
 * retried forever), and once connected a lost connection is retried every 2 s, as a real device does. The refusal's
 * reason in words when it cannot connect.
 */
export async function connectDevice(
  login: { url: string; username?: string; password?: string },
  id: string,
  random: () => number,
  will: { topic: string; payload: string; retain: boolean },
  keepalive?: number,
): Promise<MqttClient | { refused: string }> {
  let client: MqttClient;
  try {
    client = await mqtt.connectAsync(
      login.url,
      {
        clientId: `${id}-${Math.round(random() * 1e6)}`,
        username: login.username,
        password: login.password,
        ...(keepalive ? { keepalive } : {}),
        reconnectPeriod: 0,
        connectTimeout: 10_000,
        will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: will.retain },
      },
      false,
    );
  } catch (err) {
    return { refused: (err as Error).message };
  }
  client.options.reconnectPeriod = 2000;
  client.on('error', () => undefined);
  return client;
}

/** A reading at QoS 0, counted once the client has sent it. */
export function sendReading(client: MqttClient | undefined, topic: string, payload: string, sent: () => void): void {
  void client?.publishAsync(topic, payload, { qos: 0 }).then(sent, () => undefined);
}

/**
 * Readings at `rate` a second in all, ten ticks a second, from the nodes in turn; `send` says whether a node had one
 * to send (a node whose readings do not drift passes its turn without spending the rate).
 */
export function paceReadings<N>(rate: number, nodes: N[], send: (node: N) => boolean): NodeJS.Timeout {
  let budget = 0;
  let cursor = 0;
  return setInterval(() => {
    budget += rate / 10;
    for (let misses = 0; budget >= 1 && misses < nodes.length; ) {
      if (send(nodes[cursor++ % nodes.length]!)) budget -= 1;
      else misses++;
    }
  }, 100);
}

/**
 * A simulation of one client per device: its counts, a pause of its readings (`timer`), and a stop that ends the
 * readings and then every client as `closeClients` does, saying goodbye as `offline` tells.
 */
export function deviceSimulation(
  clients: Map<string, MqttClient>,
  refused: Simulation['refused'],
  timer: NodeJS.Timeout,
  counts: () => { devices: number; published: number; commands: number },
  offline: Offline,
): Simulation {
  return {
    clients,
    refused,
    stats: () => ({ ...counts(), connected: [...clients.values()].filter((c) => c.connected).length }),
    pause: () => clearInterval(timer),
    async stop(how = {}) {
      clearInterval(timer);
      await closeClients(clients, how, offline);
    },
  };
}
