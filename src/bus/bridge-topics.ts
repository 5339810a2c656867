// A bridge's topic rules, in the spirit of Mosquitto's `topic pattern direction qos local-prefix remote-prefix`:
// which local messages go out and under which remote topic, which remote ones come in, and the guard that keeps a
// message that came in over the bridge from going back out over it.
import { createHash } from 'node:crypto';
import { topicMatches } from './message-bus.js';

export interface BridgeTopic {
  pattern: string;
  direction: 'out' | 'in' | 'both';
  qos: 0 | 1;
  localPrefix: string;
  remotePrefix: string;
}

export interface TopicRule extends BridgeTopic {
  /** Position in the config: the first rule that matches a message is the one that carries it (never two). */
  index: number;
  /** What the bridge subscribes to locally (out, both) and on the remote broker (in, both). */
  localFilter: string;
  remoteFilter: string;
}

export function compileTopics(topics: BridgeTopic[]): TopicRule[] {
  return topics.map((t, index) => ({ ...t, index, localFilter: t.localPrefix + t.pattern, remoteFilter: t.remotePrefix + t.pattern }));
}

const goesOut = (r: TopicRule) => r.direction !== 'in';
const comesIn = (r: TopicRule) => r.direction !== 'out';

/** The rule that takes a local message out, and its topic on the remote broker; undefined when none does. */
export function outbound(rules: TopicRule[], localTopic: string): { rule: TopicRule; topic: string } | undefined {
  const rule = rules.find((r) => goesOut(r) && topicMatches(r.localFilter, localTopic));
  return rule && { rule, topic: rule.remotePrefix + localTopic.slice(rule.localPrefix.length) };
}

/** The rule that brings a remote message in, and its local topic; undefined when none does. */
export function inbound(rules: TopicRule[], remoteTopic: string): { rule: TopicRule; topic: string } | undefined {
  const rule = rules.find((r) => comesIn(r) && topicMatches(r.remoteFilter, remoteTopic));
  return rule && { rule, topic: rule.localPrefix + remoteTopic.slice(rule.remotePrefix.length) };
}

/** True when some rule that goes out would take this local topic (so a message put there comes back to the bridge). */
export function wouldGoOut(rules: TopicRule[], localTopic: string): boolean {
  return rules.some((r) => goesOut(r) && topicMatches(r.localFilter, localTopic));
}

/** True when some rule that comes in subscribes to this remote topic. */
export function wouldComeIn(rules: TopicRule[], remoteTopic: string): boolean {
  return rules.some((r) => comesIn(r) && topicMatches(r.remoteFilter, remoteTopic));
}

/**
 * Origin tracking: the bridge notes each message it puts on one side where its own subscription will see it again,
 * and the first such copy that comes back is its own echo, not a new message. Notes expire (an echo lost with a
 * connection never comes), so the guard holds only what is in flight.
 */
export class EchoGuard {
  readonly #pending = new Map<string, { count: number; until: number }>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(ttlMs = 60_000, now: () => number = Date.now) {
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  expect(topic: string, payload: Buffer): void {
    const key = keyOf(topic, payload);
    const entry = this.#pending.get(key);
    const until = this.#now() + this.#ttlMs;
    if (entry && entry.until > this.#now()) {
      entry.count++;
      entry.until = until;
    } else this.#pending.set(key, { count: 1, until });
    if (this.#pending.size > 10_000) this.#sweep();
  }

  /** True (and forgotten) when this message is the echo of one the bridge put there itself. */
  take(topic: string, payload: Buffer): boolean {
    const key = keyOf(topic, payload);
    const entry = this.#pending.get(key);
    if (!entry) return false;
    if (entry.until <= this.#now()) {
      this.#pending.delete(key);
      return false;
    }
    if (--entry.count === 0) this.#pending.delete(key);
    return true;
  }

  get size(): number {
    return this.#pending.size;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#pending) if (entry.until <= now) this.#pending.delete(key);
  }
}

function keyOf(topic: string, payload: Buffer): string {
  return `${topic}\0${createHash('sha1').update(payload).digest('base64')}`;
}
