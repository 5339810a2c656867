// A bridge's inbound half: the remote broker's messages for the bridge's `in` and `both` rules, stored in SQLite
// before they are acknowledged and handed to the local broker in order (a local broker out of reach is retried).
import type { Logger } from '../shared/logger.js';
import type { BridgeQueue } from '../store/bridge-queue.js';
import type { DropReason } from './bridge.js';
import { inbound, wouldGoOut, type EchoGuard, type TopicRule } from './bridge-topics.js';
import type { MessageBus } from './message-bus.js';
import type { LinkMessage, MqttLink } from './mqtt-link.js';

export interface BridgeInboundDeps {
  rules: TopicRule[];
  link: MqttLink;
  queue: BridgeQueue;
  bus: MessageBus;
  /** Notes what this half publishes locally, where the bridge's own outbound subscription will see it again. */
  localEcho: EchoGuard;
  /** Recognises the copies of what the outbound half published on a 3.1.1 remote (no no-local there). */
  remoteEcho: EchoGuard;
  logger: Logger;
  onDrop(reason: DropReason): void;
  /** The queue dropped its oldest messages to take new ones. */
  onFull(): void;
}

export class BridgeInbound {
  readonly #deps: BridgeInboundDeps;
  #pumping = false;
  #retry: NodeJS.Timeout | undefined;
  #stopping = false;
  /** Messages handed to the local broker since start. */
  forwarded = 0;

  constructor(deps: BridgeInboundDeps) {
    this.#deps = deps;
  }

  /** Subscribes on the remote broker, once per distinct filter, each with the identifier of the rule it serves. */
  async subscribe(): Promise<void> {
    const { link, rules, logger } = this.#deps;
    const v5 = link.state.protocolVersion === 5;
    const filters = new Map<string, number>();
    for (const r of rules) if (r.direction !== 'out' && !filters.has(r.remoteFilter)) filters.set(r.remoteFilter, r.index + 1);
    for (const [filter, id] of filters) {
      const qos = rules.find((r) => r.remoteFilter === filter)!.qos;
      try {
        // nl: not the bridge's own messages (no loop); rap: retained as published; rh 1: no retained replay into a
        // session that already holds the subscription; the identifier names the rule a message is for.
        const grants = await link.subscribe(
          { [filter]: { qos, ...(v5 ? { nl: true, rap: true, rh: 1 } : {}) } },
          v5 ? { subscriptionIdentifier: id } : undefined,
        );
        if ((grants[0]?.qos ?? 0x80) >= 0x80)
          logger.error(`${link.broker} refused the subscription to ${filter} (code ${grants[0]?.qos}): allow the bridge's user to read it`);
      } catch (err) {
        logger.warn(`subscribing to ${filter} on ${link.broker} failed: ${(err as Error).message}`);
      }
    }
  }

  receive({ topic, payload, packet }: LinkMessage): void {
    const { rules, queue, remoteEcho, logger, link } = this.#deps;
    const found = inbound(rules, topic);
    if (!found) return;
    // Overlapping subscriptions each get a copy: only the one for the rule that carries the message counts.
    const ids = packet.properties?.subscriptionIdentifier;
    const ruleId = rules.find((r) => r.remoteFilter === found.rule.remoteFilter)!.index + 1;
    if (ids !== undefined && !(Array.isArray(ids) ? ids : [ids]).includes(ruleId)) return;
    if (remoteEcho.take(topic, payload)) return;
    if (found.rule.qos === 1) {
      // Stored before mqtt.js acknowledges it (the PUBACK follows this handler): from here the bridge owns it.
      const droppedBefore = queue.dropped;
      try {
        queue.push([{ topic: found.topic, payload, qos: 1, retain: packet.retain }]);
        if (queue.dropped > droppedBefore) this.#deps.onFull();
      } catch (err) {
        this.#deps.onDrop('storage');
        logger.error(`could not keep a message from ${link.broker} for ${found.topic}: ${(err as Error).message}`);
        return;
      }
      this.pump();
      return;
    }
    this.#publishLocally(found.topic, payload, 0, packet.retain).then(
      () => void this.forwarded++,
      () => this.#deps.onDrop('qos0_offline'),
    );
  }

  /** Hands the stored messages to the local broker one by one, in order. */
  pump(): void {
    void this.#pump();
  }

  stop(): void {
    this.#stopping = true;
    clearTimeout(this.#retry);
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    const { queue, logger } = this.#deps;
    try {
      while (!this.#stopping) {
        const [row] = queue.next(0, 1);
        if (!row) return;
        try {
          await this.#publishLocally(row.topic, row.payload, 1, row.retain);
        } catch (err) {
          logger.debug(`the local broker did not take ${row.topic} (${(err as Error).message}); retrying`);
          clearTimeout(this.#retry);
          this.#retry = setTimeout(() => this.pump(), 2000);
          this.#retry.unref?.();
          return;
        }
        queue.remove(row.id);
        this.forwarded++;
      }
    } finally {
      this.#pumping = false;
    }
  }

  async #publishLocally(topic: string, payload: Buffer, qos: 0 | 1, retain: boolean): Promise<void> {
    const { rules, localEcho, bus } = this.#deps;
    const echo = wouldGoOut(rules, topic);
    if (echo) localEcho.expect(topic, payload);
    try {
      await bus.publish(topic, payload, { qos, retain });
    } catch (err) {
      if (echo) localEcho.take(topic, payload);
      throw err;
    }
  }
}
