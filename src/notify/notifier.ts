// Long file: sending, queueing, retrying and rate limiting act on the same queue entries and channel states.
// The notifier: sends a notification to its channels, queues it in SQLite until each channel took it, retries
// failures with backoff for a bounded time (across restarts), rate-limits floods, and reports a failing channel.
import { randomUUID } from 'node:crypto';
import type { RuleTrace, TraceStore } from '../rules/traces.js';
import type { Clock, TimerHandle } from '../shared/clock.js';
import type { EventBus } from '../shared/event-bus.js';
import type { Health } from '../shared/health.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { ChannelHealth, type ChannelStatus } from './channel-health.js';
import type { Delivery, DeliveryQueue } from './delivery-queue.js';
import { holdBack, SendLog, summarise, type Held } from './rate-limit.js';
import { priorityRank, SendError, type Channel, type DeliveryResult, type Notification } from './types.js';

export interface NotifierDeps {
  channels: Channel[];
  /** Where undelivered notifications wait; without one (the CLI, tests) nothing survives a restart. */
  queue?: DeliveryQueue;
  clock: Clock;
  logger: Logger;
  events?: EventBus;
  health?: Health;
  metrics?: Metrics;
  /** Where a delivery given up is traced as an error of the rule that sent it. */
  traces?: TraceStore;
  retryForMs: number;
  /** Failed attempts in a row after which a channel shows as failing in /healthz (3). */
  failingAfter?: number;
}

// 15 s, 30 s, 1 min, 2 min, 5 min, then every 10 min until the retry window ends.
const BACKOFF_MS = [15_000, 30_000, 60_000, 120_000, 300_000, 600_000];

export class Notifier {
  readonly #deps: NotifierDeps;
  readonly #channels = new Map<string, Channel>();
  readonly #health: ChannelHealth;
  readonly #pending = new Map<string, { delivery: Delivery; timer?: TimerHandle }>();
  readonly #inflight = new Map<string, { controller: AbortController; done: Promise<unknown> }>();
  readonly #sendLog = new SendLog();
  readonly #held = new Map<string, { held: Held; timer: TimerHandle }>();
  #stopping = false;

  constructor(deps: NotifierDeps) {
    this.#deps = deps;
    for (const c of deps.channels) this.#channels.set(c.name, c);
    this.#health = new ChannelHealth(deps.channels, deps);
    deps.metrics?.gauge('hearth_notify_queue_depth', 'Notifications waiting to be delivered or retried', () => this.#pending.size);
  }

  /** Resumes the deliveries a restart interrupted, each at its next retry time (or now, if that passed). */
  start(): void {
    const { queue, clock, logger } = this.#deps;
    const waiting = queue?.load() ?? [];
    for (const d of waiting) {
      if (!this.#channels.has(d.channel)) {
        logger.warn(
          `dropping a queued notification for channel "${d.channel}", which is no longer configured: ${describe(d.notification)}`,
        );
        queue!.delete(d.id);
        continue;
      }
      this.#pending.set(d.id, { delivery: d });
      this.#schedule(d, Math.max(d.nextAt, clock.now()));
    }
    if (this.#pending.size > 0) logger.info(`${this.#pending.size} notification(s) from before the restart are still to be delivered`);
  }

  /** Stops retrying and interrupts sends in progress; what is not delivered stays queued for the next start. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const { clock } = this.#deps;
    for (const p of this.#pending.values()) clock.clearTimeout(p.timer);
    for (const h of this.#held.values()) clock.clearTimeout(h.timer);
    this.#held.clear();
    for (const f of this.#inflight.values()) f.controller.abort();
    // An SMTP send cannot be aborted: give it a moment, then go (its row stays queued and is retried after the restart).
    await Promise.race([
      Promise.allSettled([...this.#inflight.values()].map((f) => f.done)),
      new Promise((r) => setTimeout(r, 2000).unref()),
    ]);
    for (const c of this.#channels.values()) await c.close?.();
  }

  get channelNames(): string[] {
    return [...this.#channels.keys()];
  }

  /** Sends to the named channels (default: every enabled one); resolves with each channel's first answer. */
  notify(n: Notification, channels?: string[]): Promise<DeliveryResult[]> {
    const names =
      channels && channels.length > 0 ? [...new Set(channels)] : [...this.#channels.values()].filter((c) => c.enabled).map((c) => c.name);
    return Promise.all(names.map((name) => this.#deliver(n, name)));
  }

  /** A test message straight to one channel (even a disabled one) or every enabled one: no queue, no retry, no limit. */
  async test(channel?: string): Promise<DeliveryResult[]> {
    const names = channel ? [channel] : [...this.#channels.values()].filter((c) => c.enabled).map((c) => c.name);
    const now = this.#deps.clock.now();
    const n: Notification = {
      title: 'Hearth test',
      message: `A test notification from Hearth, sent ${new Date(now).toISOString()}. If you read this, the channel works.`,
      priority: 'normal',
      tag: 'hearth-test',
    };
    return Promise.all(
      names.map(async (name): Promise<DeliveryResult> => {
        const c = this.#channels.get(name);
        if (!c) return this.#unknown(name);
        try {
          return {
            channel: name,
            type: c.type,
            status: 'delivered',
            detail: await c.send(n, { deliveryId: randomUUID(), createdAt: now, signal: new AbortController().signal }),
          };
        } catch (err) {
          return { channel: name, type: c.type, status: 'failed', detail: (err as Error).message };
        }
      }),
    );
  }

  status(): ChannelStatus[] {
    const pending = (channel: string) => [...this.#pending.values()].filter((p) => p.delivery.channel === channel).length;
    return this.#health.status(this.#channels.values(), pending);
  }

  async #deliver(n: Notification, name: string): Promise<DeliveryResult> {
    const c = this.#channels.get(name);
    if (!c) return this.#unknown(name);
    if (!c.enabled) return { channel: name, type: c.type, status: 'disabled', detail: 'the channel is disabled (enabled: false)' };
    if (priorityRank(n.priority) < priorityRank(c.minPriority))
      return {
        channel: name,
        type: c.type,
        status: 'skipped',
        detail: `priority ${n.priority} is below the channel's minPriority ${c.minPriority}`,
      };
    const now = this.#deps.clock.now();
    if (!this.#sendLog.allow(name, c.maxPerMinute, now)) return this.#holdBack(c, n, now);
    return this.#enqueue(c, n, now);
  }

  #unknown(name: string): DeliveryResult {
    return {
      channel: name,
      status: 'unknown',
      detail: `no channel named "${name}" (configured: ${this.channelNames.join(', ') || 'none'})`,
    };
  }

  #enqueue(c: Channel, n: Notification, now: number): Promise<DeliveryResult> {
    if (n.tag) this.#supersede(c.name, n.tag);
    const d: Delivery = {
      id: randomUUID(),
      channel: c.name,
      notification: n,
      createdAt: now,
      giveUpAt: now + this.#deps.retryForMs,
      nextAt: now,
      attempts: 0,
    };
    this.#pending.set(d.id, { delivery: d });
    this.#deps.queue?.save(d);
    return this.#attempt(d);
  }

  /** A newer notification with the same tag replaces one still waiting for a retry: the phone gets the current news. */
  #supersede(channel: string, tag: string): void {
    for (const [id, p] of this.#pending) {
      if (p.delivery.channel !== channel || p.delivery.notification.tag !== tag || this.#inflight.has(id)) continue;
      this.#deps.clock.clearTimeout(p.timer);
      this.#pending.delete(id);
      this.#deps.queue?.delete(id);
      this.#deps.logger.info(
        `notification ${describe(p.delivery.notification)} to ${channel} was not delivered yet and is replaced by a newer one with tag "${tag}"`,
      );
    }
  }

  #holdBack(c: Channel, n: Notification, now: number): DeliveryResult {
    const entry = this.#held.get(c.name);
    const held = holdBack(entry?.held, n);
    const timer = entry?.timer ?? this.#deps.clock.setTimeout(() => this.#summarise(c), this.#sendLog.freeAt(c.name, now) - now);
    this.#held.set(c.name, { held, timer });
    this.#health.suppressed(c);
    return {
      channel: c.name,
      type: c.type,
      status: 'suppressed',
      detail: `held back by the rate limit of ${c.maxPerMinute} a minute (${held.count} so far; one summary follows)`,
    };
  }

  #summarise(c: Channel): void {
    const entry = this.#held.get(c.name);
    this.#held.delete(c.name);
    if (!entry || this.#stopping) return;
    const { clock, logger, events } = this.#deps;
    const now = clock.now();
    logger.warn(
      `channel ${c.name}: ${entry.held.count} notification(s) held back by its rate limit (${c.maxPerMinute} a minute); sending one summary`,
    );
    events?.emit('notify.suppressed', { channel: c.name, count: entry.held.count, ts: now });
    this.#sendLog.record(c.name, now);
    void this.#enqueue(c, summarise(entry.held, c.maxPerMinute), now);
  }

  #schedule(d: Delivery, at = d.nextAt): void {
    const { clock } = this.#deps;
    const p = this.#pending.get(d.id);
    if (!p || this.#stopping) return;
    clock.clearTimeout(p.timer);
    p.timer = clock.setTimeout(
      () => {
        p.timer = undefined;
        void this.#attempt(d);
      },
      Math.max(0, at - clock.now()),
    );
  }

  async #attempt(d: Delivery): Promise<DeliveryResult> {
    const controller = new AbortController();
    const done = this.#send(d, controller.signal);
    this.#inflight.set(d.id, { controller, done });
    try {
      return await done;
    } finally {
      this.#inflight.delete(d.id);
    }
  }

  async #send(d: Delivery, signal: AbortSignal): Promise<DeliveryResult> {
    const c = this.#channels.get(d.channel)!;
    const { clock, queue, events } = this.#deps;
    const result = (status: DeliveryResult['status'], detail: string): DeliveryResult => ({
      channel: c.name,
      type: c.type,
      status,
      detail,
    });
    d.attempts++;
    try {
      const answer = await c.send(d.notification, { deliveryId: d.id, createdAt: d.createdAt, signal });
      this.#pending.delete(d.id);
      queue?.delete(d.id);
      this.#succeeded(c);
      return result('delivered', d.attempts > 1 ? `${answer} (attempt ${d.attempts})` : answer);
    } catch (err) {
      const message = (err as Error).message;
      const now = clock.now();
      if (this.#stopping && signal.aborted) return result('retrying', 'interrupted by the hub stopping; it is sent after the restart');
      d.lastError = message;
      this.#health.failed(c, message, now);
      if ((err instanceof SendError && err.permanent) || now >= d.giveUpAt) {
        this.#giveUp(d, message, now);
        return result('failed', `${message}; given up${d.attempts > 1 ? ` after ${d.attempts} attempts` : ''}`);
      }
      // The last retry falls on the end of the window rather than after it.
      d.nextAt = Math.min(now + BACKOFF_MS[Math.min(d.attempts, BACKOFF_MS.length) - 1]!, d.giveUpAt);
      queue?.save(d);
      this.#schedule(d);
      events?.emit('notify.failed', {
        channel: c.name,
        message,
        gaveUp: false,
        ...(d.notification.ruleId ? { ruleId: d.notification.ruleId } : {}),
        ts: now,
      });
      return result('retrying', `${message}; retrying in ${seconds(d.nextAt - now)} (until ${new Date(d.giveUpAt).toISOString()})`);
    }
  }

  #succeeded(c: Channel): void {
    const now = this.#deps.clock.now();
    this.#health.sent(c, now);
    // The channel is back: what waits for it goes now rather than at its backoff time.
    for (const [id, p] of this.#pending)
      if (p.delivery.channel === c.name && p.timer && !this.#inflight.has(id)) this.#schedule(p.delivery, now);
  }

  #giveUp(d: Delivery, message: string, now: number): void {
    const { queue, logger, events, traces } = this.#deps;
    this.#pending.delete(d.id);
    queue?.delete(d.id);
    this.#health.givenUp(d.channel);
    const span = d.attempts > 1 ? ` after ${d.attempts} attempts over ${seconds(now - d.createdAt)}` : '';
    const what = `notification ${describe(d.notification)} to ${d.channel} given up${span}: ${message}`;
    logger.error(what);
    const ruleId = d.notification.ruleId;
    events?.emit('notify.failed', { channel: d.channel, message: what, gaveUp: true, ...(ruleId ? { ruleId } : {}), ts: now });
    if (!ruleId) return;
    traces?.record(givenUpTrace(d, ruleId, message, what, now));
    events?.emit('rule.error', { ruleId, message: what, ts: now });
  }
}

/** The error trace of a rule whose notification could not be delivered: it shows with the rule's runs. */
function givenUpTrace(d: Delivery, ruleId: string, error: string, reason: string, now: number): RuleTrace {
  return {
    id: `${now}-notify-${d.id.slice(0, 8)}`,
    ruleId,
    startedAt: d.createdAt,
    endedAt: now,
    outcome: 'error',
    reason,
    error,
    trigger: { kind: 'notify', description: `delivery of the notification sent at ${new Date(d.createdAt).toISOString()}` },
    conditions: [],
    actions: [
      { step: `notify ${d.channel}`, startedAt: d.createdAt, endedAt: now, result: `given up after ${d.attempts} attempt(s)`, error },
    ],
    published: [],
  };
}

const describe = (n: Notification) => JSON.stringify(n.title ? `${n.title}: ${n.message}` : n.message).slice(0, 120);

function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  return s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
}
