// MessageBus: how the registry, the rule engine and the bridges talk MQTT, whether the broker is in-process (aedes,
// src/bus/aedes-bus.ts) or external (Mosquitto, EMQX: src/bus/mqtt-client-bus.ts). The hub depends on these
// interfaces only; src/hub.ts picks the implementation from mqtt.url.
// Rule tests and replay run on a third, in memory (src/bus/memory-bus.ts): no broker, no sockets.
export type QoS = 0 | 1 | 2;

export interface BusMessage {
  topic: string;
  payload: Buffer;
  qos: QoS;
  /** True when the message is a stored retained message delivered at subscribe time. */
  retain: boolean;
  /**
   * The publisher's own retain flag, live messages included, where the bus knows it: always on the in-process bus,
   * on subscriptions made with `asPublished` over MQTT 5 (Retain As Published). Bridges forward it.
   */
  publishedRetained?: boolean;
}

export type BusHandler = (message: BusMessage) => void;

export interface PublishOptions {
  qos?: QoS;
  retain?: boolean;
}

export interface SubscribeOptions {
  /** Deliver the matching retained messages first (as MQTT does for a new subscription). Default true. */
  retained?: boolean;
  /** Tell each message's own retain flag (`publishedRetained`), for forwarding it on as it was published. */
  asPublished?: boolean;
}

export interface MessageBus {
  /** Subscribe to an MQTT topic filter (`+` and `#` allowed); resolves with a function that unsubscribes. */
  subscribe(filter: string, handler: BusHandler, options?: SubscribeOptions): Promise<() => Promise<void>>;
  /**
   * Publish; resolves once the broker has accepted the message, and rejects (never waits without end) when it cannot:
   * a broker that is not reachable refuses at once, so a command is refused rather than silently lost.
   */
  publish(topic: string, payload: string | Buffer, options?: PublishOptions): Promise<void>;
}

/** Where the hub's bus stands towards its broker: for /healthz, the metrics, the log and the dashboard. */
export interface BusStatus {
  /** `embedded`: aedes in this process; `external`: a broker over the network (mqtt.url). */
  mode: 'embedded' | 'external';
  /** The broker without credentials (`mqtts://broker.lan:8883`), or `embedded`. */
  broker: string;
  connected: boolean;
  /** MQTT version of the session: 5, or 4 (3.1.1); undefined before the first connection. */
  protocolVersion?: 4 | 5;
  /** True when the broker resumed the hub's session (subscriptions and the messages queued while it was away). */
  sessionPresent?: boolean;
  /** Why it is not connected: the last connection error, while it is not. */
  error?: string;
  /** Since when it is connected, or not (epoch ms). */
  since: number;
}

/** A connected client as a broker in this process knows it: the same object while the connection lasts. */
export interface ClientHandle {
  readonly id: string;
  readonly closed?: boolean;
}

/**
 * What only a broker in this process knows: which client published a message, and when a client's connection ends.
 * Presence builds on it to mark a device offline when its client goes, even without a will; an external broker
 * tells none of this, so there the devices' last wills are the source of truth.
 */
export interface ClientActivity {
  onPublish(fn: (topic: string, payload: Buffer, client: ClientHandle) => void): () => void;
  onGone(fn: (client: ClientHandle, reason: string) => void): () => void;
}

/** The bus as the composition root holds it: the MessageBus with its connection to the broker. */
export interface HubBus extends MessageBus {
  /**
   * Opens the connection to the broker. Subscriptions made before are sent with it, so whatever the broker queued
   * for the hub's session while it was away reaches handlers that are already in place.
   */
  start(): Promise<void>;
  /**
   * The hub begins to stop: parts that unsubscribe from now on leave their subscriptions in the broker's session, so
   * what arrives while the hub is away waits for its next start.
   */
  beginStop(): void;
  stop(): Promise<void>;
  status(): BusStatus;
  /** Calls `fn` whenever the connection to the broker comes or goes; returns a function that stops it. */
  onChange(fn: (status: BusStatus) => void): () => void;
  /** Present only when the broker runs in this process. */
  readonly clients?: ClientActivity;
}

/** MQTT topic-filter matching ([MQTT-4.7]): `+` is one level, `#` the rest (including the parent level). */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  const f = filter.split('/');
  const t = topic.split('/');
  // [MQTT-4.7.2-1] wildcards at the first level do not match topics starting with `$`.
  if (t[0]?.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    const part = f[i];
    if (part === '#') return true;
    if (i >= t.length) return false;
    if (part !== '+' && part !== t[i]) return false;
  }
  return f.length === t.length;
}
