// The hub's subscriptions on an external broker: which filters the broker holds (a filter within a broader one is
// reached through it), MQTT 5 subscription identifiers that say which filter a message is for, and handing each
// message to the handlers it is for: once each, whatever the broker sends.
import type { Logger } from '../shared/logger.js';
import type { BusHandler, BusMessage, QoS, SubscribeOptions } from './message-bus.js';
import { topicMatches } from './message-bus.js';
import type { LinkMessage, MqttLink } from './mqtt-link.js';
import { planSubscriptions } from './subscription-plan.js';

interface Subscription {
  filter: string;
  /** MQTT 5 subscription identifier [MQTT-3.8.2.1.2]: tells which of the hub's (overlapping) filters a message is for. */
  id: number;
  asPublished: boolean;
  handlers: Set<{ handler: BusHandler; skipRetained: boolean }>;
  /** Held by the broker (SUBACK received, no UNSUBACK since). */
  atBroker: boolean;
  /** Not held by the broker: reached through this broader subscription, which hands it the live messages it matches. */
  via?: Subscription;
  /** The subscriptions reached through this one. */
  covered: Set<Subscription>;
}

export class BrokerSubscriptions {
  readonly #link: MqttLink;
  readonly #logger: Logger;
  /** True once the hub stops: then a filter nobody wants any more stays in the session for the next start. */
  readonly #keepSession: () => boolean;
  readonly #subs = new Map<string, Subscription>();
  readonly #byId = new Map<number, Subscription>();
  readonly #unknownIds = new Set<number>();
  /** Changes to what the broker holds, one after another. */
  #work: Promise<void> = Promise.resolve();

  constructor(link: MqttLink, logger: Logger, keepSession: () => boolean) {
    this.#link = link;
    this.#logger = logger;
    this.#keepSession = keepSession;
  }

  async add(filter: string, handler: BusHandler, options: SubscribeOptions = {}): Promise<() => Promise<void>> {
    let sub = this.#subs.get(filter);
    const isNew = !sub;
    if (!sub) {
      sub = {
        filter,
        id: this.#idFor(filter),
        asPublished: options.asPublished === true,
        handlers: new Set(),
        atBroker: false,
        covered: new Set(),
      };
      this.#subs.set(filter, sub);
      this.#byId.set(sub.id, sub);
    } else if (options.asPublished && !sub.asPublished) {
      this.#logger.warn(
        `${filter} is already subscribed without Retain As Published: its live messages reach the new subscriber without their retain flag`,
      );
    }
    const entry = { handler, skipRetained: options.retained === false };
    sub.handlers.add(entry);
    // Before start() the subscriptions go with the connection. A filter already held is not subscribed again, since
    // a repeated SUBSCRIBE would send its retained messages to every handler once more [MQTT-3.8.4-3].
    if (isNew && this.#link.connected) {
      const added = sub;
      try {
        // Its own SUBSCRIBE first when it wants the retained messages, even if a broader filter covers it afterwards.
        await this.#serially(async () => {
          if (options.retained !== false) await this.#sendSubscribe(added);
          await this.#reconcile();
        });
      } catch (err) {
        this.#forget(added);
        throw err;
      }
    }
    const held = sub;
    return async () => {
      held.handlers.delete(entry);
      if (held.handlers.size > 0 || this.#subs.get(filter) !== held) return;
      this.#forget(held);
      // At a stop the subscriptions stay in the session: the broker queues what arrives for them until the next start.
      if (this.#link.connected && !this.#keepSession()) await this.#serially(() => this.#reconcile(held)).catch(() => undefined);
    };
  }

  /**
   * A new session (or the first connection) gets every filter subscribed, each with its retained messages, then the
   * covered ones dropped. A resumed session at start holds the broad filters of the last run: the covered ones are
   * reached through them at once, before the messages queued meanwhile arrive (and get no retained copies, which
   * would be older than those) [MQTT-3.2.2-2].
   */
  async connected(info: { first: boolean; sessionPresent: boolean }): Promise<void> {
    if (!info.sessionPresent) {
      for (const sub of this.#subs.values()) {
        this.#detach(sub);
        sub.atBroker = false;
      }
      await this.#serially(async () => {
        const results = await Promise.allSettled([...this.#subs.values()].map((sub) => this.#sendSubscribe(sub)));
        for (const r of results) if (r.status === 'rejected') this.#logger.error((r.reason as Error).message);
        await this.#reconcile();
      }).catch((err: Error) => this.#logger.error(err.message));
    } else if (info.first) {
      const plan = planSubscriptions([...this.#subs.values()]);
      for (const [sub, via] of plan) if (via) this.#attach(sub, via);
      await this.#serially(() => this.#reconcile()).catch((err: Error) => this.#logger.error(err.message));
    }
  }

  #serially(step: () => Promise<void>): Promise<void> {
    const run = this.#work.then(step);
    this.#work = run.catch(() => undefined);
    return run;
  }

  /** Brings what the broker holds in line with the plan: broad filters subscribed, covered ones (and `removed`) not. */
  async #reconcile(removed?: Subscription): Promise<void> {
    if (!this.#link.connected) return;
    const plan = planSubscriptions([...this.#subs.values()]);
    for (const [sub, via] of plan) {
      if (via || sub.atBroker) continue;
      await this.#sendSubscribe(sub);
      // Held by the broker now: no longer through a broader filter (one that went away).
      this.#detach(sub);
    }
    for (const [sub, via] of plan) {
      if (!via) continue;
      if (sub.atBroker) {
        // Until the UNSUBACK the broker still sends this filter's own copies; from then on they come through `via`.
        await this.#link.unsubscribe(sub.filter);
        sub.atBroker = false;
      }
      this.#attach(sub, via);
    }
    if (removed) {
      // What it covered is subscribed above (or attached to another broad filter) before it goes.
      for (const c of [...removed.covered]) this.#detach(c);
      if (removed.atBroker) await this.#link.unsubscribe(removed.filter);
      removed.atBroker = false;
    }
  }

  #attach(sub: Subscription, via: Subscription): void {
    if (sub.via === via) return;
    this.#detach(sub);
    sub.via = via;
    via.covered.add(sub);
  }

  #detach(sub: Subscription): void {
    sub.via?.covered.delete(sub);
    sub.via = undefined;
  }

  async #sendSubscribe(sub: Subscription): Promise<void> {
    const v5 = this.#link.state.protocolVersion === 5;
    // rh 1: retained messages only for a subscription the session does not hold yet. A resumed session delivers what
    // was queued for it, and a retained copy sent after that would be older than the queued messages [MQTT-3.3.1-10].
    const grants = await this.#link.subscribe(
      { [sub.filter]: { qos: 1, ...(v5 ? { rh: 1, rap: sub.asPublished } : {}) } },
      v5 ? { subscriptionIdentifier: sub.id } : undefined,
    );
    const code = grants[0]?.qos ?? 0x80;
    // [MQTT-3.9.3] 0x80 and above: the broker refused this filter (its ACL, most often).
    if (code >= 0x80)
      throw new Error(
        `the broker refused Hearth's subscription to ${sub.filter} (code ${code}): give Hearth's MQTT user read access to it in the broker's ACL`,
      );
    sub.atBroker = true;
  }

  dispatch({ topic, payload, packet }: LinkMessage): void {
    const ids = packet.properties?.subscriptionIdentifier;
    let targets: Subscription[];
    if (ids !== undefined) {
      // MQTT 5: the broker names the subscriptions the message is for, whether it sends one copy for all of them or
      // one per subscription (Mosquitto 2 sends one per subscription) [MQTT-3.3.4-3, MQTT-3.3.4-4].
      targets = [];
      for (const id of Array.isArray(ids) ? ids : [ids]) {
        const sub = this.#byId.get(id);
        if (sub) targets.push(sub);
        else if (!this.#unknownIds.has(id) && this.#unknownIds.size < 100) {
          this.#unknownIds.add(id);
          this.#logger.debug(
            `a message on ${topic} for a subscription this hub no longer has (id ${id}, from an earlier run's session): ignored`,
          );
        }
      }
    } else {
      // MQTT 3.1.1 has no identifiers: by topic, among the filters the broker holds.
      targets = [...this.#subs.values()].filter((sub) => sub.atBroker && topicMatches(sub.filter, topic));
    }
    for (const sub of targets) {
      this.#deliver(sub, topic, payload, packet);
      // Covered filters get the live messages only: a retained copy here is the broad filter's replay, not theirs.
      if (packet.retain && !sub.asPublished) continue;
      for (const c of sub.covered) if (topicMatches(c.filter, topic)) this.#deliver(c, topic, payload, packet);
    }
  }

  #deliver(sub: Subscription, topic: string, payload: Buffer, packet: LinkMessage['packet']): void {
    const message: BusMessage = {
      topic,
      payload,
      qos: packet.qos as QoS,
      retain: packet.retain,
      ...(sub.asPublished && this.#link.state.protocolVersion === 5 ? { publishedRetained: packet.retain } : {}),
    };
    for (const h of sub.handlers) {
      if (packet.retain && h.skipRetained && !sub.asPublished) continue;
      try {
        h.handler(message);
      } catch (err) {
        this.#logger.error(`a handler of ${sub.filter} failed on ${topic}: ${(err as Error).message}`);
      }
    }
  }

  /** A stable identifier per filter, so a resumed session's queued messages (with the old run's ids) still find it. */
  #idFor(filter: string): number {
    let h = 0x811c9dc5;
    for (const byte of Buffer.from(filter)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
    let id = (h % 268_435_455) + 1;
    while (this.#byId.has(id)) id = (id % 268_435_455) + 1;
    return id;
  }

  #forget(sub: Subscription): void {
    this.#subs.delete(sub.filter);
    if (this.#byId.get(sub.id) === sub) this.#byId.delete(sub.id);
    sub.via?.covered.delete(sub);
  }
}
