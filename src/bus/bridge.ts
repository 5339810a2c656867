// One bridge: topics forwarded between the hub's broker (through the MessageBus, embedded or external) and a remote
// broker, with store and forward both ways. QoS 1 messages wait in SQLite until the other side acknowledged them, in
// order, so a remote that is down (or a restart of Hearth) loses none; a message that came in over the bridge never
// goes back out over it (MQTT 5 no-local on the remote side where it speaks it, origin tracking everywhere else).
// The outbound half is here; the inbound half is bridge-inbound.ts.
import { hostname } from 'node:os';
import type { Database } from 'better-sqlite3';
import type { Logger } from '../shared/logger.js';
import { BridgeQueue } from '../store/bridge-queue.js';
import { BridgeInbound } from './bridge-inbound.js';
import { compileTopics, EchoGuard, outbound, wouldComeIn, type BridgeTopic, type TopicRule } from './bridge-topics.js';
import type { BusMessage, MessageBus } from './message-bus.js';
import { MqttLink } from './mqtt-link.js';

export interface BridgeConfig {
  name: string;
  url: string;
  username?: string;
  password?: string;
  clientId?: string;
  tls?: { ca?: string; cert?: string; key?: string };
  topics: BridgeTopic[];
  maxQueued: number;
  maxQueuedBytes: number;
  sessionExpirySeconds: number;
}

export type DropReason = 'queue_full' | 'qos0_offline' | 'storage';

export interface BridgeStatus {
  name: string;
  /** The remote broker, without credentials. */
  url: string;
  connected: boolean;
  protocolVersion?: 4 | 5;
  /** Why it is not connected, while it is not. */
  error?: string;
  since: string;
  /** Messages waiting: `out` for the remote broker, `in` for the local one. */
  queued: { out: number; in: number };
  queuedBytes: { out: number; in: number };
  forwarded: { out: number; in: number };
  dropped: number;
  droppedBy: Record<DropReason, number>;
}

export interface BridgeDeps {
  config: BridgeConfig;
  bus: MessageBus;
  db: Database;
  logger: Logger;
  /** Told when the remote connection comes or goes. */
  onChange?: (status: BridgeStatus) => void;
}

/** QoS 1 messages in flight to the remote broker at once: enough for a distant broker, few to send twice after a cut. */
const WINDOW = 20;

export class Bridge {
  readonly name: string;
  readonly #config: BridgeConfig;
  readonly #bus: MessageBus;
  readonly #logger: Logger;
  readonly #rules: TopicRule[];
  readonly #link: MqttLink;
  readonly #out: BridgeQueue;
  readonly #in: BridgeQueue;
  readonly #inbound: BridgeInbound;
  /** Echoes of what the bridge published locally (back at its own local subscription) and on the remote broker. */
  readonly #localEcho = new EchoGuard();
  readonly #remoteEcho = new EchoGuard();
  readonly #onChange: ((status: BridgeStatus) => void) | undefined;
  #unsubscribe: Array<() => Promise<void>> = [];
  #arriving: Array<{ topic: string; payload: Buffer; qos: 1; retain: boolean }> = [];
  #flushQueued = false;
  #lastSent = 0;
  readonly #inflight = new Set<number>();
  #stopping = false;
  #forwardedOut = 0;
  readonly #droppedBy: Record<DropReason, number> = { queue_full: 0, qos0_offline: 0, storage: 0 };
  #lastDropLog = 0;

  constructor(deps: BridgeDeps) {
    const { config } = deps;
    this.name = config.name;
    this.#config = config;
    this.#bus = deps.bus;
    this.#logger = deps.logger;
    this.#onChange = deps.onChange;
    this.#rules = compileTopics(config.topics);
    const limits = { maxMessages: config.maxQueued, maxBytes: config.maxQueuedBytes };
    this.#out = new BridgeQueue(deps.db, config.name, 'out', limits);
    this.#in = new BridgeQueue(deps.db, config.name, 'in', limits);
    this.#link = new MqttLink({
      url: config.url,
      username: config.username,
      password: config.password,
      clientId: config.clientId ?? defaultClientId(config.name),
      tls: config.tls,
      sessionExpirySeconds: config.sessionExpirySeconds,
      logger: deps.logger,
      label: `bridge ${config.name}`,
    });
    this.#inbound = new BridgeInbound({
      rules: this.#rules,
      link: this.#link,
      queue: this.#in,
      bus: deps.bus,
      localEcho: this.#localEcho,
      remoteEcho: this.#remoteEcho,
      logger: deps.logger,
      onDrop: (reason) => this.#drop(reason),
      onFull: () => this.#logFull(),
    });
    this.#link.onConnect(({ sessionPresent, first }) => void this.#connected(first || !sessionPresent));
    this.#link.onDown(() => this.#onChange?.(this.status()));
    this.#link.onMessage((m) => this.#inbound.receive(m));
  }

  /** Subscribes locally (before the hub's bus connects) and opens the remote connection; what waited is sent on. */
  async start(): Promise<void> {
    const queued = this.#out.depth + this.#in.depth;
    if (queued > 0)
      this.#logger.info(
        `${queued} message(s) kept from before the restart wait to be forwarded (${this.#out.depth} out, ${this.#in.depth} in)`,
      );
    for (const filter of new Set(this.#rules.filter((r) => r.direction !== 'in').map((r) => r.localFilter))) {
      this.#unsubscribe.push(await this.#bus.subscribe(filter, (m) => this.#fromLocal(filter, m), { retained: true, asPublished: true }));
    }
    this.#link.start();
    this.#inbound.pump();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#inbound.stop();
    for (const off of this.#unsubscribe) await off().catch(() => undefined);
    this.#unsubscribe = [];
    this.#flush();
    await this.#link.stop();
  }

  status(): BridgeStatus {
    const s = this.#link.state;
    const droppedBy = { ...this.#droppedBy, queue_full: this.#out.dropped + this.#in.dropped };
    return {
      name: this.name,
      url: this.#link.broker,
      connected: s.connected,
      ...(s.protocolVersion ? { protocolVersion: s.protocolVersion } : {}),
      ...(!s.connected && s.error ? { error: s.error } : {}),
      since: new Date(s.since).toISOString(),
      queued: { out: this.#out.depth + this.#arriving.length, in: this.#in.depth },
      queuedBytes: { out: this.#out.bytes, in: this.#in.bytes },
      forwarded: { out: this.#forwardedOut, in: this.#inbound.forwarded },
      dropped: Object.values(droppedBy).reduce((a, b) => a + b, 0),
      droppedBy,
    };
  }

  #fromLocal(filter: string, m: BusMessage): void {
    const found = outbound(this.#rules, m.topic);
    // Overlapping filters deliver a message to each: only the first rule that matches carries it.
    if (!found || found.rule.localFilter !== filter) return;
    if (this.#localEcho.take(m.topic, m.payload)) return;
    const retain = m.publishedRetained ?? m.retain;
    if (found.rule.qos === 1) {
      this.#arriving.push({ topic: found.topic, payload: m.payload, qos: 1, retain });
      if (!this.#flushQueued) {
        this.#flushQueued = true;
        setImmediate(() => this.#flush());
      }
      return;
    }
    if (!this.#link.connected) {
      this.#drop('qos0_offline');
      return;
    }
    this.#expectRemoteEcho(found.topic, m.payload);
    this.#link.publish(found.topic, m.payload, { qos: 0, retain }).then(
      () => void this.#forwardedOut++,
      () => this.#drop('qos0_offline'),
    );
  }

  /** What arrived in this turn of the event loop goes to SQLite in one transaction, then on its way. */
  #flush(): void {
    this.#flushQueued = false;
    const batch = this.#arriving;
    if (batch.length === 0) return;
    this.#arriving = [];
    const droppedBefore = this.#out.dropped;
    try {
      this.#out.push(batch);
      if (this.#out.dropped > droppedBefore) this.#logFull();
    } catch (err) {
      for (let i = 0; i < batch.length; i++) this.#drop('storage');
      this.#logger.error(`could not keep ${batch.length} message(s) for ${this.#link.broker}: ${(err as Error).message}`);
      return;
    }
    this.#pumpOut();
  }

  #pumpOut(): void {
    if (!this.#link.connected || this.#stopping) return;
    while (this.#inflight.size < WINDOW) {
      const rows = this.#out.next(this.#lastSent, WINDOW - this.#inflight.size);
      if (rows.length === 0) return;
      for (const row of rows) {
        this.#lastSent = row.id;
        this.#inflight.add(row.id);
        this.#expectRemoteEcho(row.topic, row.payload);
        // A connection cut meanwhile does not fail this: mqtt.js sends it again on the next one, in order.
        this.#link.publish(row.topic, row.payload, { qos: 1, retain: row.retain }).then(
          () => {
            this.#inflight.delete(row.id);
            this.#out.remove(row.id);
            this.#forwardedOut++;
            this.#pumpOut();
          },
          (err: Error) => {
            this.#inflight.delete(row.id);
            if (this.#stopping) return;
            // Still in SQLite: read again from there.
            this.#lastSent = Math.min(this.#lastSent, row.id - 1);
            this.#logger.debug(`sending ${row.topic} to ${this.#link.broker} failed (${err.message}); it stays queued`);
          },
        );
      }
    }
  }

  /** MQTT 3.1.1 has no no-local: a message sent where the bridge's own remote subscription hears it comes back. */
  #expectRemoteEcho(topic: string, payload: Buffer): void {
    if (this.#link.state.protocolVersion === 4 && wouldComeIn(this.#rules, topic)) this.#remoteEcho.expect(topic, payload);
  }

  async #connected(subscribeAll: boolean): Promise<void> {
    this.#onChange?.(this.status());
    if (subscribeAll) await this.#inbound.subscribe();
    this.#pumpOut();
  }

  #drop(reason: DropReason): void {
    this.#droppedBy[reason]++;
    this.#logDrops(
      reason === 'qos0_offline' ? `QoS 0 messages while ${this.#link.broker} is out of reach` : 'messages that could not be stored',
    );
  }

  #logFull(): void {
    const { maxQueued, maxQueuedBytes } = this.#config;
    this.#logDrops(`the oldest queued messages: the queue is full (maxQueued ${maxQueued}, maxQueuedBytes ${maxQueuedBytes})`);
  }

  /** At most one line a minute: a broker down for a day must not fill the log. */
  #logDrops(what: string): void {
    const now = Date.now();
    if (now - this.#lastDropLog < 60_000) return;
    this.#lastDropLog = now;
    this.#logger.warn(`dropping ${what} (${this.status().dropped} dropped so far; hearth_bridge_dropped_total)`);
  }
}

/** One client id per hub and bridge: two hubs bridging to the same broker must not take each other's session. */
function defaultClientId(name: string): string {
  const host =
    hostname()
      .replace(/[^\x21-\x7e]/g, '')
      .slice(0, 64) || 'hub';
  return `hearth-${host}-${name}`;
}
