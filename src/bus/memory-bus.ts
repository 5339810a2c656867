// An in-memory MessageBus with MQTT's routing and retained messages and no broker, for running rules in private
// (rule tests, replay): nothing it carries reaches a socket.
import { topicMatches } from './message-bus.js';
import type { BusHandler, BusMessage, MessageBus, PublishOptions, QoS, SubscribeOptions } from './message-bus.js';

interface Subscription {
  filter: string;
  handler: BusHandler;
}

interface Pending {
  message: BusMessage;
  delivered: () => void;
  failed: (err: unknown) => void;
}

export class MemoryBus implements MessageBus {
  readonly #subscriptions = new Set<Subscription>();
  readonly #retained = new Map<string, { payload: Buffer; qos: QoS }>();
  readonly #queue: Pending[] = [];
  #draining = false;

  async subscribe(filter: string, handler: BusHandler, options: SubscribeOptions = {}): Promise<() => Promise<void>> {
    const subscription = { filter, handler };
    this.#subscriptions.add(subscription);
    // [MQTT-3.3.1-6] a new subscription gets the matching retained messages first, [MQTT-3.3.1-8] flagged as retained.
    if (options.retained !== false) {
      for (const [topic, { payload, qos }] of this.#retained) {
        if (topicMatches(filter, topic)) handler({ topic, payload, qos, retain: true });
      }
    }
    return async () => {
      this.#subscriptions.delete(subscription);
    };
  }

  /**
   * Resolves once every subscriber had the message. Delivery waits for the publisher's turn to end (as with a
   * broker, no handler runs inside `publish`), and messages are delivered in the order they were published. A
   * handler that throws does not keep the message from the others; the publish then rejects with its error.
   */
  publish(topic: string, payload: string | Buffer, options: PublishOptions = {}): Promise<void> {
    const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const qos = options.qos ?? 0;
    if (options.retain) {
      // [MQTT-3.3.1-10, -11] an empty retained payload removes the topic's retained message and is not stored itself.
      if (body.length === 0) this.#retained.delete(topic);
      else this.#retained.set(topic, { payload: body, qos });
    }
    // [MQTT-3.3.1-9] subscribers that were already there get it as a live message: retain is false.
    const message: BusMessage = { topic, payload: body, qos, retain: false };
    return new Promise<void>((delivered, failed) => {
      this.#queue.push({ message, delivered, failed });
      if (!this.#draining) {
        this.#draining = true;
        queueMicrotask(() => this.#drain());
      }
    });
  }

  #drain(): void {
    // Messages published by a handler join the end of the queue: every subscriber sees them in the same order.
    for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
      let error: unknown;
      for (const s of [...this.#subscriptions]) {
        if (!this.#subscriptions.has(s) || !topicMatches(s.filter, next.message.topic)) continue;
        try {
          s.handler(next.message);
        } catch (err) {
          error ??= err;
        }
      }
      if (error === undefined) next.delivered();
      else next.failed(error);
    }
    this.#draining = false;
  }
}
