// MessageBus: how the registry and the rule engine talk MQTT, whether the broker is in-process or external.
export type QoS = 0 | 1 | 2;

export interface BusMessage {
  topic: string;
  payload: Buffer;
  qos: QoS;
  /** True when the message is a stored retained message delivered at subscribe time. */
  retain: boolean;
  /** The publishing client's id when the broker knows it (in-process bus only); undefined for the hub itself. */
  clientId?: string;
}

export type BusHandler = (message: BusMessage) => void;

export interface PublishOptions {
  qos?: QoS;
  retain?: boolean;
}

export interface SubscribeOptions {
  /** Deliver the matching retained messages first (as MQTT does for a new subscription). Default true. */
  retained?: boolean;
}

export interface MessageBus {
  /** Subscribe to an MQTT topic filter (`+` and `#` allowed); resolves with a function that unsubscribes. */
  subscribe(filter: string, handler: BusHandler, options?: SubscribeOptions): Promise<() => Promise<void>>;
  /** Publish; resolves once the broker has accepted the message. */
  publish(topic: string, payload: string | Buffer, options?: PublishOptions): Promise<void>;
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
