// The in-process MessageBus: aedes' own publish/subscribe, no socket; retained messages come from its persistence.
// The one place beside src/broker/ that knows aedes: it also tells presence which client published what and when a
// client's connection ends (ClientActivity).
import type { Aedes, Client } from 'aedes';
import type {
  BusHandler,
  BusMessage,
  BusStatus,
  ClientActivity,
  ClientHandle,
  HubBus,
  PublishOptions,
  QoS,
  SubscribeOptions,
} from './message-bus.js';

interface AedesPacketLike {
  topic: string;
  payload: Buffer | string;
  qos?: number;
  retain?: boolean;
}

export class AedesBus implements HubBus {
  readonly #broker: Aedes;
  readonly #since = Date.now();
  readonly clients: ClientActivity;
  /** The guard listener's callbacks (below) of the messages routed in this turn, answered by one immediate. */
  #answers: Array<() => void> = [];

  constructor(broker: Aedes) {
    this.#broker = broker;
    this.clients = clientActivity(broker);
    // mqemitter moves to its next queued message from inside the last listener's callback: with listeners that
    // answer synchronously (or none at all, while the hub stops and its parts unsubscribe), a backlog recurses once
    // per message and a flood overflows the stack. One listener that always answers on the next turn, as aedes does
    // for its own deliveries, unwinds it: all the messages of a turn in one immediate (one each took ~390 of the
    // ~5,150 bytes the hub allocated a QoS 1 message, `node dist/bench/profile.js alloc 100 20000 1`).
    (broker as any).subscribe(
      '#',
      (_packet: unknown, cb: () => void) => {
        if (this.#answers.push(cb) === 1) setImmediate(this.#answer);
      },
      () => undefined,
    );
  }

  /** Answers the turn's guard callbacks, every one of them even when one throws (then the first error is thrown). */
  readonly #answer = (): void => {
    const due = this.#answers;
    this.#answers = [];
    let failure: unknown;
    for (const cb of due) {
      try {
        cb();
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  };

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

  /** Nothing to open or close: the broker is in this process (the hub starts and closes it). */
  async start(): Promise<void> {}

  /** The in-process broker holds no session for the hub: nothing to keep. */
  beginStop(): void {}

  async stop(): Promise<void> {}

  status(): BusStatus {
    return { mode: 'embedded', broker: 'embedded', connected: true, protocolVersion: 4, since: this.#since };
  }

  /** The in-process broker is never out of reach. */
  onChange(): () => void {
    return () => undefined;
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
    return new Promise((resolve, reject) => (this.#broker as any).publish(packet, (err?: Error) => (err ? reject(err) : resolve())));
  }
}

function toMessage(packet: AedesPacketLike, retained: boolean): BusMessage {
  return {
    topic: packet.topic,
    payload: typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload,
    qos: (packet.qos ?? 0) as QoS,
    retain: retained,
    // aedes routes a live packet with its publisher's retain flag (it clears it only when writing to a client).
    publishedRetained: retained || packet.retain === true,
  };
}

/** aedes' client events, as presence needs them: publishes by clients (not the hub's own) and connections ending. */
function clientActivity(broker: Aedes): ClientActivity {
  const on = (event: string, fn: (...args: any[]) => void) => {
    broker.on(event as any, fn);
    return () => void broker.removeListener(event, fn);
  };
  return {
    onPublish: (fn) =>
      on('publish', (packet: { topic: string; payload: Buffer }, client: Client | null) => {
        if (client) fn(packet.topic, packet.payload, client as unknown as ClientHandle);
      }),
    onGone: (fn) => {
      const offs = [
        on('clientDisconnect', (client: Client) =>
          fn(client as unknown as ClientHandle, 'its client disconnected without publishing offline'),
        ),
        on('keepaliveTimeout', (client: Client) => fn(client as unknown as ClientHandle, 'its client missed its keepalive')),
      ];
      return () => {
        for (const off of offs) off();
      };
    },
  };
}
