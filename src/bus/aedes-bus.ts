// The in-process MessageBus: aedes' own publish/subscribe, no socket; retained messages come from its persistence.
import type { Aedes } from 'aedes';
import type { BusHandler, BusMessage, MessageBus, PublishOptions, QoS, SubscribeOptions } from './message-bus.js';

interface AedesPacketLike {
  topic: string;
  payload: Buffer | string;
  qos?: number;
  retain?: boolean;
}

export class AedesBus implements MessageBus {
  readonly #broker: Aedes;

  constructor(broker: Aedes) {
    this.#broker = broker;
    // mqemitter moves to its next queued message from inside the last listener's callback: with listeners that
    // answer synchronously (or none at all, while the hub stops and its parts unsubscribe), a backlog recurses once
    // per message and a flood overflows the stack. One listener that always answers on the next turn, as aedes does
    // for its own deliveries, unwinds it.
    (broker as any).subscribe('#', (_packet: unknown, cb: () => void) => setImmediate(cb), () => undefined);
  }

  async subscribe(filter: string, handler: BusHandler, options: SubscribeOptions = {}): Promise<() => Promise<void>> {
    const broker = this.#broker as any;
    // Live messages that arrive while the retained ones are replayed wait, so an older retained value never wins.
    let held: BusMessage[] | undefined = options.retained !== false ? [] : undefined;
    const listener = (packet: AedesPacketLike, cb: () => void) => {
      // aedes delivers its own $SYS traffic to in-process listeners of `#`; [MQTT-4.7.2-1] says wildcards skip it.
      // (Calling cb synchronously is safe: the guard listener below answers on the next turn, so mqemitter never
      // recurses from one queued message into the next.)
      if (packet.topic.startsWith('$') && !filter.startsWith('$')) return cb();
      try {
        if (held) held.push(toMessage(packet, false));
        else handler(toMessage(packet, false));
      } finally {
        cb();
      }
    };
    await new Promise<void>((resolve, reject) => broker.subscribe(filter, listener, (err?: Error) => (err ? reject(err) : resolve())));
    if (options.retained !== false) {
      const stream = broker.persistence.createRetainedStream(filter);
      try {
        for await (const packet of stream as AsyncIterable<AedesPacketLike>) handler(toMessage(packet, true));
      } finally {
        const waiting = held ?? [];
        held = undefined;
        for (const message of waiting) handler(message);
      }
    }
    return () => new Promise<void>((resolve) => broker.unsubscribe(filter, listener, () => resolve()));
  }

  publish(topic: string, payload: string | Buffer, options: PublishOptions = {}): Promise<void> {
    const packet = {
      cmd: 'publish' as const,
      topic,
      payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
      qos: options.qos ?? 0,
      retain: options.retain ?? false,
      dup: false,
    };
    return new Promise((resolve, reject) =>
      (this.#broker as any).publish(packet, (err?: Error) => (err ? reject(err) : resolve())),
    );
  }
}

function toMessage(packet: AedesPacketLike, retained: boolean): BusMessage {
  return {
    topic: packet.topic,
    payload: typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload,
    qos: (packet.qos ?? 0) as QoS,
    retain: retained,
  };
}
