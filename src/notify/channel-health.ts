// How each notification channel is doing: sends, failed attempts and held-back ones (also as metrics), and a channel
// whose last sends all failed reported to the hub's health (/healthz, the dashboard's banner) until one works again.
import type { Health } from '../shared/health.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { Channel, ChannelType, Priority } from './types.js';

export interface ChannelStatus {
  name: string;
  type: ChannelType;
  enabled: boolean;
  minPriority: Priority;
  maxPerMinute: number;
  state: 'ok' | 'failing' | 'unused';
  /** Notifications waiting for this channel (to be retried). */
  pending: number;
  sent: number;
  failed: number;
  suppressed: number;
  lastDeliveredAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
}

interface State {
  failuresInARow: number;
  failing: boolean;
  sent: number;
  failed: number;
  suppressed: number;
  lastDeliveredAt?: number;
  lastError?: string;
  lastErrorAt?: number;
}

type Count = (labels: Record<string, string>) => void;

export class ChannelHealth {
  readonly #states = new Map<string, State>();
  readonly #deps: { logger: Logger; health?: Health; metrics?: Metrics; failingAfter: number };
  readonly #count: Record<'sent' | 'failed' | 'suppressed' | 'givenUp', Count>;

  constructor(channels: Channel[], deps: { logger: Logger; health?: Health; metrics?: Metrics; failingAfter?: number }) {
    this.#deps = { ...deps, failingAfter: deps.failingAfter ?? 3 };
    for (const c of channels) this.#states.set(c.name, { failuresInARow: 0, failing: false, sent: 0, failed: 0, suppressed: 0 });
    const counter = (name: string, help: string): Count => (deps.metrics ? deps.metrics.counter(name, help) : () => undefined);
    this.#count = {
      sent: counter('hearth_notify_sent_total', 'Notifications delivered, by channel'),
      failed: counter(
        'hearth_notify_failed_total',
        'Failed notification send attempts, by channel (each is retried until the retry window ends)',
      ),
      suppressed: counter('hearth_notify_suppressed_total', 'Notifications held back by a channel rate limit, by channel'),
      givenUp: counter('hearth_notify_given_up_total', 'Notifications given up after retrying, by channel'),
    };
  }

  /** A send worked: a channel reported failing is well again. */
  sent(c: Channel, now: number): void {
    const s = this.#states.get(c.name)!;
    s.sent++;
    s.lastDeliveredAt = now;
    s.failuresInARow = 0;
    this.#count.sent({ channel: c.name });
    if (s.failing) {
      s.failing = false;
      this.#deps.health?.report(`notify ${c.name}`, undefined);
    }
  }

  failed(c: Channel, message: string, now: number): void {
    const s = this.#states.get(c.name)!;
    s.failed++;
    s.failuresInARow++;
    s.lastError = message;
    s.lastErrorAt = now;
    this.#count.failed({ channel: c.name });
    this.#deps.logger.warn(`notification to ${c.name} (${c.type}) failed: ${message}`);
    if (!s.failing && s.failuresInARow >= this.#deps.failingAfter) {
      s.failing = true;
      this.#deps.health?.report(`notify ${c.name}`, `${s.failuresInARow} sends in a row failed; the latest: ${message}`);
    }
  }

  suppressed(c: Channel): void {
    this.#states.get(c.name)!.suppressed++;
    this.#count.suppressed({ channel: c.name });
  }

  givenUp(channel: string): void {
    this.#count.givenUp({ channel });
  }

  status(channels: Iterable<Channel>, pending: (channel: string) => number): ChannelStatus[] {
    const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
    return [...channels].map((c) => {
      const s = this.#states.get(c.name)!;
      const state = s.failing ? 'failing' : s.sent > 0 || s.failed > 0 ? 'ok' : 'unused';
      return {
        name: c.name,
        type: c.type,
        enabled: c.enabled,
        minPriority: c.minPriority,
        maxPerMinute: c.maxPerMinute,
        state,
        pending: pending(c.name),
        sent: s.sent,
        failed: s.failed,
        suppressed: s.suppressed,
        lastDeliveredAt: iso(s.lastDeliveredAt),
        lastError: s.lastError ?? null,
        lastErrorAt: iso(s.lastErrorAt),
      };
    });
  }
}
