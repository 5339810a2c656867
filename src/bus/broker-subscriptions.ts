// The hub's subscriptions on an external broker: which filters the broker holds (a filter within a broader one is
// reached through it), MQTT 5 subscription identifiers that say which filter a message is for, and handing each
// message to the handlers it is for: once each, whatever the broker sends.
import type { Logger } from '../shared/logger.js';
import type { BusHandler, BusMessage, QoS, SubscribeOptions } from './message-bus.js';
import { topicMatches } from './message-bus.js';
import type { LinkAck, LinkMessage, MqttLink } from './mqtt-link.js';
import { planSubscriptions } from './subscription-plan.js';

interface Subscription {
  filter: string;
  /** MQTT 5 subscription identifier [MQTT-3.8.2.1.2]: tells which of the hub's (overlapping) filters a message is for. */
  id: number;
  asPublished: boolean;
  handlers: Set<{ handler: BusHandler; skipRetained: boolean }>;
  /** Held by the broker: set as its SUBACK is read, cleared as its UNSUBACK is. */
  atBroker: boolean;
  /**
   * Reached through this broader subscription, which hands it the live messages it matches. Set before this one's
   * UNSUBSCRIBE goes, and kept for a while after the broader one leaves: a message the broker routed before either
   * change may come later than the change's acknowledgement (it was queued), and must not fall between the two.
   */
  via?: Subscription;
  /** The subscriptions reached through this one. */
  covered: Set<Subscription>;
  /**
   * The last live message handed to this subscription, and the subscription it came for. While a filter and a broader
   * one that covers it are both held, the broker sends a copy for each, one after the other (Mosquitto 2): the copy
   * for the other one right after it, with the same topic and payload, is the same message and is not handed on again.
   */
  last?: { through: Subscription; topic: string; payload: Buffer; retain: boolean; twinned: boolean };
}

/** How long a filter nobody wants any more still carries what the broker had queued for it to the filters it covered. */
const LEAVING_MS = 30_000;

export class BrokerSubscriptions {
  readonly #link: MqttLink;
  readonly #logger: Logger;
  /** True once the hub stops: then a filter nobody wants any more stays in the session for the next start. */
  readonly #keepSession: () => boolean;
  readonly #subs = new Map<string, Subscription>();
  readonly #byId = new Map<number, Subscription>();
  readonly #unknownIds = new Set<number>();
  /** Filters nobody wants any more, for LEAVING_MS: what still comes for them reaches the filters they covered. */
  readonly #leaving = new Set<Subscription>();
  /** Changes to what the broker holds, one after another. */
  #work: Promise<void> = Promise.resolve();

  constructor(link: MqttLink, logger: Logger, keepSession: () => boolean) {
    this.#link = link;
    this.#logger = logger;
    this.#keepSession = keepSession;
    link.onAck((ack) => this.#acked(ack));
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
      // At a stop the subscriptions stay in the session: the broker queues what arrives for them until the next start.
      if (!this.#link.connected || this.#keepSession()) return this.#forget(held);
      // Out of the plan, but what still comes for it reaches the filters it covered, which are subscribed on their own.
      this.#subs.delete(filter);
      this.#leaving.add(held);
      await this.#serially(() => this.#reconcile(held)).catch(() => undefined);
      setTimeout(() => this.#forget(held), LEAVING_MS).unref();
    };
  }

  /**
   * A new session (or the first connection) gets every filter subscribed, each with its retained messages, then the
   * covered ones dropped. A resumed session at start holds the broad filters of the last run: the covered ones are
   * reached through them at once, before the messages queued meanwhile arrive (and get no retained copies, which
   * would be older than those) [MQTT-3.2.2-2].
   */
  async connected(info: { first: boolean; sessionPresent: boolean }): Promise<void> {
    for (const sub of this.#leaving) this.#forget(sub);
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

  /** A SUBACK or UNSUBACK as it is read (copies the broker had queued before it may still come after it: see `via`). */
  #acked({ kind, filters, codes }: LinkAck): void {
    filters.forEach((filter, i) => {
      const sub = this.#subs.get(filter) ?? [...this.#leaving].find((s) => s.filter === filter);
      if (!sub) return;
      // [MQTT-3.9.3] a code of 0x80 or above refuses the filter.
      if (kind === 'unsubscribed') sub.atBroker = false;
      else if ((codes[i] ?? 0x80) < 0x80) sub.atBroker = true;
    });
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
      // Held by the broker now: no longer through a broader filter, unless that one is leaving (see `via`).
      if (!sub.via || !this.#leaving.has(sub.via)) this.#detach(sub);
    }
    for (const [sub, via] of plan) {
      if (!via) continue;
      // Until the UNSUBACK the broker still sends this filter's own copies; from then on they come through `via`.
      this.#attach(sub, via);
      if (sub.atBroker) {
        await this.#link.unsubscribe(sub.filter);
        sub.atBroker = false;
      }
    }
    if (removed) {
      // What it covered is subscribed above (or attached to another broad filter) before it goes.
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
      targets = [...this.#subs.values(), ...this.#leaving].filter((sub) => sub.atBroker && topicMatches(sub.filter, topic));
    }
    const twins = ids !== undefined;
    for (const sub of targets) {
      this.#handOn(sub, sub, twins, topic, payload, packet);
      // Covered filters get the live messages only: a retained copy here is the broad filter's replay, not theirs.
      if (packet.retain && !sub.asPublished) continue;
      for (const c of sub.covered)
        if (!targets.includes(c) && topicMatches(c.filter, topic)) this.#handOn(c, sub, twins, topic, payload, packet);
    }
  }

  /** Hands a copy that came for `through` to `sub`, unless it is the twin of the one just handed on (see `last`). */
  #handOn(sub: Subscription, through: Subscription, twins: boolean, topic: string, payload: Buffer, packet: LinkMessage['packet']) {
    if (twins) {
      const last = sub.last;
      if (
        last &&
        !last.twinned &&
        last.through !== through &&
        last.retain === packet.retain &&
        last.topic === topic &&
        last.payload.equals(payload)
      ) {
        last.twinned = true;
        return;
      }
      if (!last) sub.last = { through, topic, payload, retain: packet.retain, twinned: false };
      else {
        // In place: no object a message.
        last.through = through;
        last.topic = topic;
        last.payload = payload;
        last.retain = packet.retain;
        last.twinned = false;
      }
    }
    this.#deliver(sub, topic, payload, packet);
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
    // The same filter again while its last subscription is leaving takes its id over, with what still comes for it.
    while (this.#byId.has(id) && this.#byId.get(id)!.filter !== filter) id = (id % 268_435_455) + 1;
    return id;
  }

  #forget(sub: Subscription): void {
    this.#leaving.delete(sub);
    if (this.#subs.get(sub.filter) === sub) this.#subs.delete(sub.filter);
    if (this.#byId.get(sub.id) === sub) this.#byId.delete(sub.id);
    sub.via?.covered.delete(sub);
    for (const c of sub.covered) if (c.via === sub) c.via = undefined;
    sub.covered.clear();
  }
}
