// A MessageBus over an mqtt client, so the registry and the rules can run against an external broker
// (Mosquitto, EMQX, HiveMQ) with the same code as the embedded one.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { BusHandler, MessageBus, PublishOptions, QoS, SubscribeOptions } from './message-bus.js';
import { topicMatches } from './message-bus.js';

export class MqttClientBus implements MessageBus {
  readonly #client: MqttClient;
  readonly #handlers = new Set<{ filter: string; handler: BusHandler; skipRetained: boolean }>();

  private constructor(client: MqttClient) {
    this.#client = client;
    client.on('message', (topic, payload, packet) => {
      for (const h of this.#handlers) {
        if (!topicMatches(h.filter, topic)) continue;
        if (packet.retain && h.skipRetained) continue;
        h.handler({ topic, payload, qos: packet.qos as QoS, retain: packet.retain });
      }
    });
  }

  static async connect(url: string, options: IClientOptions = {}): Promise<MqttClientBus> {
    const client = await mqtt.connectAsync(url, { clientId: `hearth-${process.pid}-${Date.now().toString(36)}`, reconnectPeriod: 2000, ...options });
    return new MqttClientBus(client);
  }

  async subscribe(filter: string, handler: BusHandler, options: SubscribeOptions = {}): Promise<() => Promise<void>> {
    const entry = { filter, handler, skipRetained: options.retained === false };
    this.#handlers.add(entry);
    // The broker sends the retained messages for a new subscription [MQTT-3.3.1-6]; a repeated SUBSCRIBE
    // for a filter already held would resend them to every handler, so only the first one subscribes.
    const others = [...this.#handlers].filter((h) => h !== entry && h.filter === filter);
    if (others.length === 0) await this.#client.subscribeAsync(filter, { qos: 1 });
    return async () => {
      this.#handlers.delete(entry);
      if (![...this.#handlers].some((h) => h.filter === filter)) await this.#client.unsubscribeAsync(filter).catch(() => undefined);
    };
  }

  async publish(topic: string, payload: string | Buffer, options: PublishOptions = {}): Promise<void> {
    await this.#client.publishAsync(topic, payload, { qos: options.qos ?? 0, retain: options.retain ?? false });
  }

  async close(): Promise<void> {
    await this.#client.endAsync();
  }
}
