// The MessageBus over an MQTT connection, so the registry, the rules and the bridges run on an external broker
// (Mosquitto, EMQX, HiveMQ) with the same code as on the embedded one: MQTT 5 when the broker speaks it, a persistent
// session, QoS 1 subscriptions, the hub's birth and will on hearth/status, and a clear refusal while it is down.
import type { Logger } from '../shared/logger.js';
import { BrokerSubscriptions } from './broker-subscriptions.js';
import type { BusHandler, BusStatus, HubBus, PublishOptions, SubscribeOptions } from './message-bus.js';
import { MqttLink, type MqttLinkOptions } from './mqtt-link.js';

/** Where and how the hub connects (as any MqttLink: url, login, client id, TLS files, session expiry), and more. */
export interface MqttClientBusOptions
  extends Pick<MqttLinkOptions, 'url' | 'username' | 'password' | 'clientId' | 'tls' | 'sessionExpirySeconds'> {
  logger: Logger;
  /** The hub's birth (`online`, retained, on every connection) and will (`offline`); none when undefined. */
  statusTopic?: string;
  /** How long start() waits for the first connection; after it the hub runs without the broker and keeps trying. */
  startTimeoutMs?: number;
  /** How long a publish waits for the broker's acknowledgement before it is reported as not accepted. */
  ackTimeoutMs?: number;
  backoff?: { minMs: number; maxMs: number };
}

/** The broker cannot take the message now: callers turn it into a 503 (API) or a rule error (traces). */
export class BrokerUnavailableError extends Error {
  override readonly name = 'BrokerUnavailableError';
}

/** The broker refused the hub's login or client id: no retry fixes that, a person must. */
export class BrokerRefusedError extends Error {
  override readonly name = 'BrokerRefusedError';
}

export class MqttClientBus implements HubBus {
  readonly #link: MqttLink;
  readonly #options: MqttClientBusOptions;
  readonly #logger: Logger;
  readonly #subs: BrokerSubscriptions;
  readonly #listeners = new Set<(status: BusStatus) => void>();
  /**
   * Settles at the first connection, when the first attempt fails, or at stop: publishes made before (rules that run
   * as the hub starts) wait for it instead of failing for a connection that is about to open.
   */
  readonly #first: Promise<void>;
  #settleFirst: (() => void) | undefined;
  #refused: string | undefined;
  #keepSession = false;
  /** Messages received from the broker since start (for /metrics). */
  received = 0;

  constructor(options: MqttClientBusOptions) {
    this.#first = new Promise<void>((resolve) => (this.#settleFirst = resolve));
    this.#options = options;
    this.#logger = options.logger;
    this.#link = new MqttLink({
      url: options.url,
      username: options.username,
      password: options.password,
      clientId: options.clientId,
      tls: options.tls,
      sessionExpirySeconds: options.sessionExpirySeconds,
      will: options.statusTopic ? { topic: options.statusTopic, payload: 'offline', qos: 1, retain: true } : undefined,
      backoff: options.backoff,
      logger: options.logger,
      label: 'the broker',
    });
    this.#subs = new BrokerSubscriptions(this.#link, options.logger, () => this.#keepSession);
    this.#link.onMessage((m) => {
      this.received++;
      this.#subs.dispatch(m);
    });
    this.#link.onConnect((info) => void this.#connected(info));
    this.#link.onDown(() => {
      this.#settleFirst?.();
      this.#notify();
    });
    this.#link.onRefused((reason) => {
      this.#refused = reason;
      this.#settleFirst?.();
    });
  }

  async start(): Promise<void> {
    this.#link.start();
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, this.#options.startTimeoutMs ?? 10_000).unref());
    await Promise.race([this.#first, timeout]);
    if (this.#refused) {
      await this.#link.stop();
      throw new BrokerRefusedError(`${this.#link.broker} refused Hearth: ${this.#refused} (mqtt.username, mqtt.password, mqtt.clientId)`);
    }
    if (!this.#link.connected) {
      this.#logger.warn(
        `${this.#link.broker} is not reachable (${this.#link.state.error ?? 'no answer'}): Hearth runs without it, refuses commands meanwhile, and keeps trying`,
      );
    }
  }

  beginStop(): void {
    this.#keepSession = true;
  }

  async stop(): Promise<void> {
    this.#keepSession = true;
    this.#settleFirst?.();
    await this.#link.stop();
    this.#notify();
  }

  status(): BusStatus {
    const s = this.#link.state;
    return {
      mode: 'external',
      broker: this.#link.broker,
      connected: s.connected,
      ...(s.protocolVersion ? { protocolVersion: s.protocolVersion } : {}),
      ...(s.sessionPresent !== undefined ? { sessionPresent: s.sessionPresent } : {}),
      ...(!s.connected && s.error ? { error: s.error } : {}),
      since: s.since,
    };
  }

  /** Calls `fn` whenever the connection comes or goes. */
  onChange(fn: (status: BusStatus) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  subscribe(filter: string, handler: BusHandler, options: SubscribeOptions = {}): Promise<() => Promise<void>> {
    return this.#subs.add(filter, handler, options);
  }

  async publish(topic: string, payload: string | Buffer, options: PublishOptions = {}): Promise<void> {
    if (!this.#link.connected) await this.#first;
    const s = this.#link.state;
    if (!s.connected) {
      throw new BrokerUnavailableError(`not connected to ${this.#link.broker}${s.error ? ` (${s.error})` : ''}; the message was not sent`);
    }
    const ackMs = this.#options.ackTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new BrokerUnavailableError(
              `${this.#link.broker} has not acknowledged it within ${ackMs / 1000} s; it is sent again when the connection is back`,
            ),
          ),
        ackMs,
      );
    });
    try {
      await Promise.race([this.#link.publish(topic, payload, { qos: options.qos ?? 0, retain: options.retain ?? false }), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The subscriptions first (what the broker queued arrives right after the CONNACK), then the birth. `start()` ends
   * only once they are in place: a reading published before the broker holds a new session's filters reaches none of
   * them (the readme test published one right after "Hearth is running" and, about once in ten runs, the registry
   * never saw it).
   */
  async #connected(info: { first: boolean; sessionPresent: boolean }): Promise<void> {
    this.#notify();
    await this.#subs.connected(info);
    this.#settleFirst?.();
    this.#settleFirst = undefined;
    const topic = this.#options.statusTopic;
    if (topic) await this.#link.publish(topic, 'online', { qos: 1, retain: true }).catch(() => undefined);
  }

  #notify(): void {
    const status = this.status();
    for (const fn of this.#listeners) fn(status);
  }
}
