// An MQTT connection that keeps itself up: MQTT 5 when the broker speaks it (else 3.1.1), a persistent session,
// reconnection with backoff, and where it stands in words. The external bus and each bridge's remote side use one.
import { readFileSync } from 'node:fs';
import mqtt, {
  type IClientOptions,
  type IClientPublishOptions,
  type IClientSubscribeOptions,
  type ISubscriptionGrant,
  type MqttClient,
} from 'mqtt';
import type { IPublishPacket } from 'mqtt-packet';
import type { Logger } from '../shared/logger.js';
import { describeError, redactUrl } from './link-errors.js';

export interface MqttLinkOptions {
  url: string;
  username?: string;
  password?: string;
  clientId: string;
  /** PEM files: the CA that signed the broker's certificate, and a client certificate and key when it asks for one. */
  tls?: { ca?: string; cert?: string; key?: string };
  /** How long the broker keeps the session, and queues QoS 1 messages for it, while the link is down. */
  sessionExpirySeconds: number;
  will?: { topic: string; payload: string; qos: 0 | 1; retain: boolean };
  keepaliveSeconds?: number;
  /** Waits between attempts: from `minMs`, doubling up to `maxMs`, back to `minMs` once connected. */
  backoff?: { minMs: number; maxMs: number };
  logger: Logger;
  /** What the log calls it: "the broker", "bridge cloud". */
  label: string;
}

export interface LinkState {
  connected: boolean;
  protocolVersion?: 4 | 5;
  sessionPresent?: boolean;
  error?: string;
  since: number;
  attempts: number;
}

export type LinkMessage = { topic: string; payload: Buffer; packet: IPublishPacket };

/** A SUBACK (`codes`: what the broker granted each filter) or an UNSUBACK, for the filters of its request. */
export type LinkAck = { kind: 'subscribed' | 'unsubscribed'; filters: string[]; codes: number[] };

/** CONNACK codes that no retry can fix (3.1.1 and MQTT 5): the login or the client id is refused. */
const REFUSED = new Set([2, 4, 5, 133, 134, 135, 138, 140]);
/** CONNACK codes of a broker that does not speak MQTT 5 [MQTT-3.2.2-5]: 0x01 in 3.1.1, 0x84 in 5. */
const NO_MQTT5 = new Set([1, 132]);

export class MqttLink {
  readonly #options: MqttLinkOptions;
  readonly #logger: Logger;
  #client: MqttClient | undefined;
  #version: 4 | 5 = 5;
  #state: LinkState = { connected: false, since: Date.now(), attempts: 0 };
  #delay: number;
  #timer: NodeJS.Timeout | undefined;
  #stopping = false;
  #everConnected = false;
  /** The broker answered MQTT 5 with "unsupported version": the next attempt is 3.1.1, not a failure. */
  #negotiating = false;
  #onMessage: Array<(m: LinkMessage) => void> = [];
  #onConnect: Array<(info: { sessionPresent: boolean; protocolVersion: 4 | 5; first: boolean }) => void> = [];
  #onDown: Array<(reason: string, wasConnected: boolean) => void> = [];
  #onRefused: Array<(reason: string) => void> = [];
  #onAck: Array<(ack: LinkAck) => void> = [];
  /** SUBSCRIBE and UNSUBSCRIBE requests sent and not answered yet, by packet id. */
  #awaiting = new Map<number, Omit<LinkAck, 'codes'>>();
  #tls: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};

  constructor(options: MqttLinkOptions) {
    this.#options = options;
    this.#logger = options.logger;
    this.#delay = options.backoff?.minMs ?? 1000;
  }

  /** The broker's address without credentials, for logs and status. */
  get broker(): string {
    return redactUrl(this.#options.url);
  }

  get state(): LinkState {
    return { ...this.#state };
  }

  get connected(): boolean {
    return this.#state.connected;
  }

  onMessage(fn: (m: LinkMessage) => void): void {
    this.#onMessage.push(fn);
  }

  onConnect(fn: (info: { sessionPresent: boolean; protocolVersion: 4 | 5; first: boolean }) => void): void {
    this.#onConnect.push(fn);
  }

  /** A connection ended, or an attempt failed (`wasConnected` false); the next attempt is already scheduled. */
  onDown(fn: (reason: string, wasConnected: boolean) => void): void {
    this.#onDown.push(fn);
  }

  /** The broker refused the login or the client id: retrying goes on, but a person has to fix something. */
  onRefused(fn: (reason: string) => void): void {
    this.#onRefused.push(fn);
  }

  /**
   * A SUBACK or UNSUBACK as it is read, before the messages after it on the connection are handed on: from that point
   * the broker routes by the changed subscriptions (the promise of subscribe() or unsubscribe() settles later).
   */
  onAck(fn: (ack: LinkAck) => void): void {
    this.#onAck.push(fn);
  }

  /** Reads the TLS files (a missing one fails here, naming it) and opens the connection. */
  start(): void {
    const { tls } = this.#options;
    for (const key of ['ca', 'cert', 'key'] as const) {
      const file = tls?.[key];
      if (!file) continue;
      try {
        this.#tls[key] = readFileSync(file);
      } catch (err) {
        throw new Error(
          `${this.#options.label}: cannot read the TLS ${key} file ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
        );
      }
    }
    this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    if (!client) return;
    // A clean DISCONNECT keeps the session (and discards the will); a link that is down has nothing to say goodbye on.
    // mqtt.js waits for the messages in flight to be acknowledged first: a broker that stops answering meanwhile must
    // not hold the hub's shutdown, and what was not acknowledged is sent again next time (the bridges keep it).
    const ended = client.endAsync(!this.#state.connected).then(
      () => true,
      () => true,
    );
    const late = new Promise<false>((resolve) => setTimeout(() => resolve(false), 2000).unref());
    if (!(await Promise.race([ended, late]))) client.stream?.destroy();
  }

  async publish(topic: string, payload: string | Buffer, options: IClientPublishOptions): Promise<void> {
    await this.#current().publishAsync(topic, payload, options);
  }

  async subscribe(
    subscriptions: Record<string, IClientSubscribeOptions>,
    properties?: { subscriptionIdentifier: number },
  ): Promise<ISubscriptionGrant[]> {
    return this.#current().subscribeAsync(subscriptions, properties ? { properties } : undefined);
  }

  async unsubscribe(filter: string): Promise<void> {
    await this.#current().unsubscribeAsync(filter);
  }

  #current(): MqttClient {
    if (!this.#client) throw new Error(`${this.#options.label} is not started`);
    return this.#client;
  }

  #connect(): void {
    const o = this.#options;
    const options: IClientOptions = {
      clientId: o.clientId,
      username: o.username,
      password: o.password,
      protocolVersion: this.#version,
      // A persistent session: the broker keeps the subscriptions, and queues what arrives for them, while the link is
      // down or the hub restarts [MQTT-3.1.2-4]; with MQTT 5 for sessionExpirySeconds [MQTT-3.1.2-23].
      clean: false,
      ...(this.#version === 5 ? { properties: { sessionExpiryInterval: o.sessionExpirySeconds } } : {}),
      keepalive: o.keepaliveSeconds ?? 30,
      connectTimeout: 10_000,
      // Reconnection is this link's own (with backoff); mqtt.js would retry at a fixed period.
      reconnectPeriod: 0,
      resubscribe: false,
      ...(o.will ? { will: { ...o.will, payload: Buffer.from(o.will.payload) } } : {}),
      ...this.#tls,
    };
    const client = mqtt.connect(o.url, options);
    this.#client = client;
    client.on('connect', (connack) => {
      // Commands go out at once: with Nagle's algorithm a small PUBLISH written just after another waits for the
      // broker's (delayed) TCP acknowledgement, tens of milliseconds on every rule's command.
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      const first = !this.#everConnected;
      this.#everConnected = true;
      this.#delay = o.backoff?.minMs ?? 1000;
      this.#state = {
        connected: true,
        protocolVersion: this.#version,
        sessionPresent: connack.sessionPresent,
        since: Date.now(),
        attempts: 0,
      };
      this.#logger.info(
        `${first ? 'connected to' : 'reconnected to'} ${this.broker} (MQTT ${this.#version === 5 ? '5' : '3.1.1'}, ` +
          `${connack.sessionPresent ? 'session resumed' : 'new session'}, client id ${JSON.stringify(o.clientId)})`,
      );
      for (const fn of this.#onConnect) fn({ sessionPresent: connack.sessionPresent, protocolVersion: this.#version, first });
    });
    client.on('message', (topic, payload, packet) => {
      for (const fn of this.#onMessage) fn({ topic, payload, packet });
    });
    client.on('packetsend', (packet) => {
      if (packet.cmd === 'subscribe')
        this.#awaiting.set(packet.messageId!, { kind: 'subscribed', filters: packet.subscriptions.map((s) => s.topic) });
      else if (packet.cmd === 'unsubscribe')
        this.#awaiting.set(packet.messageId!, { kind: 'unsubscribed', filters: packet.unsubscriptions });
    });
    client.on('packetreceive', (packet) => {
      if (packet.cmd !== 'suback' && packet.cmd !== 'unsuback') return;
      const request = this.#awaiting.get(packet.messageId!);
      if (!request) return;
      this.#awaiting.delete(packet.messageId!);
      const codes = packet.cmd === 'suback' ? (packet.granted as number[]) : [];
      for (const fn of this.#onAck) fn({ ...request, codes });
    });
    client.on('error', (err) => {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'number' && NO_MQTT5.has(code) && this.#version === 5) {
        this.#logger.info(
          `${this.broker} does not speak MQTT 5: using MQTT 3.1.1 (no session expiry, no subscription identifiers or no-local)`,
        );
        this.#version = 4;
        this.#delay = 0;
        this.#negotiating = true;
        return;
      }
      this.#state.error = describeError(err);
      if (typeof code === 'number' && REFUSED.has(code)) {
        for (const fn of this.#onRefused) fn(this.#state.error);
      }
    });
    client.on('close', () => {
      if (client !== this.#client) return;
      // Requests in flight end with the connection (mqtt.js fails them); a new one starts without subscriptions to ack.
      this.#awaiting.clear();
      const wasConnected = this.#state.connected;
      this.#state.connected = false;
      if (wasConnected) {
        this.#state.since = Date.now();
        this.#state.error ??= 'the connection closed';
      }
      if (this.#stopping) return;
      if (wasConnected) this.#logger.warn(`lost the connection to ${this.broker}: ${this.#state.error}; reconnecting`);
      this.#scheduleReconnect();
      if (this.#negotiating) {
        this.#negotiating = false;
        return;
      }
      for (const fn of this.#onDown) fn(this.#state.error ?? 'the connection closed', wasConnected);
    });
  }

  #scheduleReconnect(): void {
    clearTimeout(this.#timer);
    const delay = this.#delay;
    const max = this.#options.backoff?.maxMs ?? 30_000;
    this.#delay = Math.min(max, Math.max(this.#options.backoff?.minMs ?? 1000, delay * 2));
    this.#state.attempts++;
    this.#logger.debug(
      `${this.#options.label}: next attempt to reach ${this.broker} in ${delay} ms (${this.#state.error ?? 'not connected'})`,
    );
    this.#timer = setTimeout(() => {
      const client = this.#client!;
      if (this.#stopping) return;
      if ((client.options.protocolVersion ?? 4) !== this.#version) {
        // The version is fixed in an mqtt.js client: a new one (nothing was ever sent on the old one).
        client.removeAllListeners();
        client.end(true);
        this.#connect();
        return;
      }
      // The same stores: QoS 1 messages in flight are sent again on the new connection, in order.
      client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore } as IClientOptions);
    }, delay);
    this.#timer.unref?.();
  }
}
